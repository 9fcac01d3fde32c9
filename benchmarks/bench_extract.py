"""Which content extractor for long-form posts? Each candidate reads the long-form
fixtures (tests/fixtures/longform/*.html); scored on what a reader would check:
chrome strings that survive, brand sentences lost, and milliseconds per page.

    .venv/bin/python benchmarks/bench_extract.py
    (trafilatura and justext come with the project; pip install readability-lxml selectolax for the others)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FIXTURES = REPO / "tests" / "fixtures" / "longform"
# What must go (page chrome, comments) and what must stay (the post's own sentences), per fixture.
from tests.fixtures.longform.expected import CHROME, MUST_KEEP  # noqa: E402


def trafilatura_(html: str) -> str:
    from tasks.extract import main_text

    return main_text(html) or ""


def justext_(html: str) -> str:
    import justext

    paragraphs = justext.justext(html.encode(), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def readability_(html: str) -> str:
    from lxml import html as lh
    from readability import Document

    return lh.fromstring(Document(html).summary()).text_content()


def selectolax_(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    return HTMLParser(html).body.text(separator="\n")  # no boilerplate model: the baseline


def main() -> None:
    pages = {p.stem: p.read_text() for p in sorted(FIXTURES.glob("*.html"))}
    print(f"{'extractor':<14}{'chrome left':>12}{'kept lost':>11}{'ms/page':>9}")
    for name, fn in [("trafilatura", trafilatura_), ("justext", justext_), ("readability", readability_), ("selectolax", selectolax_)]:
        try:
            fn(next(iter(pages.values())))  # imports and caches outside the timing
        except ImportError as e:
            print(f"{name:<14}not installed ({e.name}); pip install it to compare")
            continue
        left = lost = 0
        t0 = time.perf_counter()
        for _ in range(5):
            outs = {k: fn(v) for k, v in pages.items()}
        ms = (time.perf_counter() - t0) / 5 / len(pages) * 1000
        for k, out in outs.items():
            flat = " ".join(out.split()).lower()
            left += sum(c.lower() in flat for c in CHROME[k])
            lost += sum(m.lower() not in flat for m in MUST_KEEP[k])
        print(f"{name:<14}{left:>12}{lost:>11}{ms:>9.1f}")
    print(f"(of {sum(map(len, CHROME.values()))} chrome strings and {sum(map(len, MUST_KEEP.values()))} sentences to keep, over {len(pages)} pages)")


if __name__ == "__main__":
    main()
