"""Long-form text: the main content of web pages, page chrome removed as whole blocks,
paragraphs and sentences as units, and the passages that name the brand.

Short posts (tweets, toots, most comments) never come here: cleaning sends only HTML
pages (`BLOCK_TAGS`) over `long_text_chars` and texts over `long_plain_chars` through Python.

- `main_text` reads an HTML body with trafilatura (chosen by measurement on the
  long-form fixtures, see README "How each stage works"), which drops navigation,
  comment sections, share bars and footers as elements, and returns one block per
  line: paragraphs, headings, list items and table rows each on their own.
- `drop_chrome` then judges each block as a whole: a short block that matches a chrome
  pattern ("Share this:", "Advertisements", a price ticker) is removed whole, a block
  that opens a comment section ("Leave a Reply", "3 thoughts on ...", "0 nhận xét")
  ends the post, and a block that matches a spam pattern (a bot's comment) is
  removed, so bot comments after an article never make the article spam.
- `brand_passages` finds the sentences that name the brand, with one sentence of
  context either side, within their paragraph.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A body is a page when it has page structure: paragraphs alone (<p>, as Hacker News and
# Mastodon send) are not, divisions, tables, list items, headings and sections are.
BLOCK_TAGS = re.compile(r"(?i)<\s*(?:div|li|h[1-6]|tr|td|th|table|article|section|footer|header|nav|aside|form)\b")
# A block this short can be furniture; longer ones are prose, whatever phrase they contain.
CHROME_BLOCK_WORDS = 25
# Sentence ends: after . ! ? (and their CJK forms) followed by space; a line is always a unit.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(\[]?[\w¡¿])|(?<=[。！？])")
# Blocks made only of ticker quotes: "BTC 58440.50", "STEEM 0.16 ▲ 2.1%", "AAPL: $187.20 (+1.3%)".
TICKER_ITEM = r"[A-Z][A-Z0-9.]{1,9}:?\s*[$€£¥]?\s?\d[\d,]*(?:\.\d+)?\s*(?:\(?\s*[▲▼↑↓+\-−]?\s*\d+(?:[.,]\d+)?\s*%\s*\)?)?"
TICKER_BLOCK = re.compile(rf"^\s*(?:{TICKER_ITEM}[\s|·,;/]*)+$")


@lru_cache(maxsize=1)
def _trafilatura():
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    # Fragments from feeds are short pages: keep what they hold rather than return nothing.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no signals: extraction runs in worker processes and threads
    return trafilatura, config


def main_text(html: str) -> str | None:
    """The main content of an HTML body, one block per line; None when nothing is found."""
    trafilatura, config = _trafilatura()
    text = trafilatura.extract(
        html, config=config, output_format="txt", include_comments=False, include_tables=True,
        include_links=False, include_images=False, favor_recall=True, deduplicate=False,
    )
    return text or None


def blocks_of(text: str) -> list[str]:
    """Lines of a text, stripped, without empty ones: the units chrome is judged by."""
    return [b for b in (re.sub(r"[ \t\f\v\u00a0]+", " ", line).strip() for line in text.splitlines()) if b]


def drop_chrome(blocks: list[str], chrome: re.Pattern | None, comments: re.Pattern | None, spam: re.Pattern | None) -> list[str]:
    """The post's own blocks: furniture and bot comments removed whole, the comment
    section (and all after it) cut off. The first block is never a comment."""
    out: list[str] = []
    for i, block in enumerate(blocks):
        short = len(block.split()) <= CHROME_BLOCK_WORDS
        if i and short and comments is not None and comments.search(block):
            break
        if TICKER_BLOCK.match(block) or (short and chrome is not None and chrome.search(block)):
            continue
        if i and spam is not None and spam.search(block):
            continue
        out.append(block)
    return out


def sentences(block: str) -> list[str]:
    """Sentences of one block (a paragraph, heading, list item or table row)."""
    return [s.strip() for s in SENTENCE_END.split(block) if s and s.strip()]


def units(text: str) -> list[list[str]]:
    """Paragraphs (lines) of a text, each as its sentences."""
    return [ss for ss in (sentences(b) for b in text.split("\n")) if ss]


def brand_passages(text: str, names, context: int = 1) -> str | None:
    """The sentences that name the brand, each with `context` sentences either side in
    its paragraph, in order, one paragraph's passage per line; None if none names it."""
    out: list[str] = []
    for line in text.split("\n"):
        if not names.search(line):  # most paragraphs of a long post never name the brand
            continue
        paragraph = sentences(line)
        hits = [i for i, s in enumerate(paragraph) if names.search(s)]
        if not hits:
            continue
        keep = sorted({j for i in hits for j in range(max(0, i - context), min(len(paragraph), i + context + 1))})
        run = [keep[0]]
        for j in keep[1:]:
            if j != run[-1] + 1:  # a gap: separate passages
                out.append(" ".join(paragraph[k] for k in run))
                run = []
            run.append(j)
        out.append(" ".join(paragraph[k] for k in run))
    return "\n".join(out) if out else None


def cut_to_brand(text: str, names, max_chars: int) -> str:
    """An over-long body reduced to the passages that name the brand (its first
    `max_chars` characters when none does), cut at a word boundary."""
    main = (main_text(text) if BLOCK_TAGS.search(text, 0, 20_000) else None) or text
    kept = brand_passages(main, names) or main
    return kept if len(kept) <= max_chars else kept[:max_chars].rsplit(None, 1)[0]


def cut_long_texts(mentions, brand, max_chars: int):
    """Listen's rows with bodies over `max_chars` cut to their brand passages and
    flagged `text_cut`, so a long post is kept (its whole record stays in raw_payload)
    instead of failing the raw gate's length check."""
    import polars as pl

    from tasks.terms import BrandNames

    long = (mentions.get_column("text").str.len_chars() > max_chars).fill_null(False)
    flags = pl.Series("text_cut", long.to_list(), dtype=pl.Boolean)
    if not long.any():
        return mentions.with_columns(flags)
    names = BrandNames(brand.terms, brand.exclude)
    cut = [cut_to_brand(t, names, max_chars) for t in mentions.filter(long).get_column("text").to_list()]
    return mentions.with_columns(mentions.get_column("text").scatter(long.arg_true(), pl.Series(cut, dtype=pl.String)), flags)


def quote(text: str, max_chars: int = 280) -> str:
    """A quote for a report: whole sentences from the start of `text` (a brand passage),
    as many as fit in `max_chars`; a first sentence longer than that is cut at a word
    boundary and marked with an ellipsis."""
    out = ""
    for paragraph in units(text):
        for s in paragraph:
            joined = f"{out} {s}" if out else s
            if len(joined) > max_chars:
                if out:
                    return out
                cut = s[: max_chars - 1].rsplit(None, 1)[0] if " " in s[: max_chars - 1] else s[: max_chars - 1]
                return cut.rstrip(" ,;:-–—") + "…"
            out = joined
    return out
