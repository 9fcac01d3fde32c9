"""Record the demo's API answers from the bundled exports, for the replay twin.

`pulse demo` listens to Hacker News through the real connector (tasks/sources/hackernews.py)
with `replay: ../sample_data/payloads/hackernews`: every request it makes over the demo's
span is answered from payloads/hackernews/demo.cassette.json. This writes that cassette
from hackernews.jsonl, answering each request of the connector's own plan over the demo's
span (its queries, its 24-hour sub-windows, its pages) the way the Algolia HN Search API
would: hits newest first, filtered by `created_at_i`, matching when every word of the
query is in the hit's title or text (case-insensitive). Lines of the export that are not
JSON are not served (an API sends whole pages); a hit without objectID is, and the
connector quarantines it.

Any other window (a `pulse listen --from ... --to ...` of a few hours, a schedule's
cursor-to-now) has no exact recording: for those, each query's hits over the whole span
are recorded once more, paged but without the window filter, and the replay's
most-specific-match rule serves them; the connector keeps the hits inside its window
itself, as it does for every page.

generate.py calls this after writing the exports, so one run rewrites both:

    python3 sample_data/record_payloads.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere: the project's own modules


def _hits(export: Path) -> list[dict]:
    out = []
    for line in export.read_text(encoding="utf-8").splitlines():
        try:
            hit = json.loads(line)
        except ValueError:
            continue
        if isinstance(hit, dict) and isinstance(hit.get("created_at_i"), int):
            hit["created_at"] = datetime.fromtimestamp(hit["created_at_i"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append(hit)
    return sorted(out, key=lambda h: (-h["created_at_i"], str(h.get("objectID"))))


def _matches(hit: dict, words: list[str]) -> bool:
    text = " ".join(str(hit.get(k) or "") for k in ("title", "story_title", "story_text", "comment_text")).lower()
    return all(w in text for w in words)


def _pages(q: str, found: list[dict], per_page: int, **match: str) -> list[dict]:
    """The pages Algolia answers `found` with, each as one recorded interaction."""
    pages = math.ceil(len(found) / per_page)
    out = []
    for n in range(max(pages, 1)):
        body = {"hits": found[n * per_page:(n + 1) * per_page], "nbHits": len(found), "page": n, "nbPages": pages,
                "hitsPerPage": per_page, "query": q, "exhaustiveNbHits": True}
        out.append({"request": {"method": "GET", "path": "/api/v1/search_by_date", "query": {"query": q, **match, "page": str(n)}},
                    "response": {"status": 200, "headers": {"Content-Type": "application/json; charset=utf-8"}, "json": body}})
    return out


def record_hackernews(export: Path, out: Path) -> Path:
    from tasks.calendar import day_bounds
    from tasks.config import load_config
    from tasks.sources import epoch_ceil, queries, windows
    from tasks.sources.hackernews import ALGOLIA_CAP, HackerNewsSource

    cfg = load_config(HERE.parent / "config")
    source = next(s for s in cfg.sources if s.name == "hackernews")
    assert isinstance(source, HackerNewsSource), "config/sources.yaml: the demo's hackernews source must be kind hackernews"
    start, end = day_bounds(cfg.settings.demo.start, cfg.settings.demo.end)
    per_page = min(source.page_size, ALGOLIA_CAP)
    hits = _hits(export)
    interactions = []
    for q in dict.fromkeys(q for brand in cfg.brands for q in queries(source, brand)):
        words = q.lower().replace('"', "").split()
        for lo, hi in windows(start, end, source.max_window_hours):
            a, b = epoch_ceil(lo), epoch_ceil(hi)
            found = [h for h in hits if a <= h["created_at_i"] < b and _matches(h, words)]
            interactions += _pages(q, found, per_page, numericFilters=f"created_at_i>={a},created_at_i<{b}")
        # Any other window: the query's hits over the whole span, unfiltered (fewer parameters: matched last).
        interactions += _pages(q, [h for h in hits if _matches(h, words)], per_page)
    folder = out / "payloads" / "hackernews"
    folder.mkdir(parents=True, exist_ok=True)
    cassette = folder / "demo.cassette.json"
    lines = ",\n".join(json.dumps(i, ensure_ascii=False, sort_keys=True) for i in interactions)
    cassette.write_text('{"interactions": [\n' + lines + "\n]}\n", encoding="utf-8")
    return cassette


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE), help="the folder holding the exports; payloads/ is written under it")
    out = Path(ap.parse_args().out)
    print(record_hackernews(out / "hackernews.jsonl", out))


if __name__ == "__main__":
    main()
