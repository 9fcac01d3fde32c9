"""The daily issue board: per brand and day, the issues to act on now, who owns them,
the words customers use and the phrases that are new against the recent baseline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterator

import polars as pl

from tasks.config import BoardSettings, Brand, DiscoverySettings, SummarySettings, TaxonomyFile
from tasks.discovery import period_issues, pseudonymised_posts, ranked, stored, without_members
from tasks.emerging import PhraseCut, emerging_phrases, negative_phrase_counts, summed_counts
from tasks.privacy import pseudonymise_authors
from tasks.reports.metrics import category_counts, net_sentiment, praise_by_category
from tasks.reports.render import template_env


@dataclass(frozen=True)
class DayCounts:
    """What one day adds to the baseline of the days after it: a board compares its day
    with the days before, and each day is read and counted once, not once per board."""

    volume: int
    categories: dict[str, int]
    negative_phrases: pl.DataFrame  # negative_phrase_counts


# Bump when what a day's counts hold or how phrases are cut changes: kept counts of
# another version are counted again.
COUNTS_VERSION = 1


def day_counts(day: pl.DataFrame, cut: PhraseCut | None = None) -> DayCounts:
    return DayCounts(day.height, category_counts(day), negative_phrase_counts(day, cut=cut))


def kept_counts(lake, brand: str) -> tuple[Callable[[date], DayCounts | None], Callable[[date, DayCounts], None]]:
    """Read and write a brand's day counts in `lake` (tasks.storage.Lake): a board's
    baseline days, and the weekly summary's baseline weeks, are then read from their
    counts instead of cut into phrases again, as long as their scored partitions are
    the ones counted."""

    def read(day: date) -> DayCounts | None:
        found = lake.read_day_counts(brand, day, COUNTS_VERSION)
        return None if found is None else DayCounts(found[0]["volume"], found[0]["categories"], found[1])

    def write(day: date, counts: DayCounts) -> None:
        lake.write_day_counts(brand, day, {"volume": counts.volume, "categories": counts.categories}, counts.negative_phrases, COUNTS_VERSION)

    return read, write


def kept_phrase_counts(lake, brand: str, days: list[date]) -> pl.DataFrame | None:
    """The negative_phrase_counts of `days` summed from their kept day counts, when every
    day's are kept (and still of its scored partition); else None, to be cut from the rows."""
    read, _ = kept_counts(lake, brand)
    kept = [read(day) for day in days]
    return summed_counts([k.negative_phrases for k in kept]) if kept and all(k is not None for k in kept) else None


def lake_boards(lake, brand: Brand, days: list[date], cfg, keep_counts: bool = True) -> Iterator[tuple[date, pl.DataFrame, dict]]:
    """daily_boards over a lake (tasks.storage.Lake) with a config (tasks.config.Config):
    each day's scored rows, the day before's issues and, with `keep_counts`, the kept day
    counts read from it (and written to it)."""
    kept = kept_counts(lake, brand.id) if keep_counts else ()
    return daily_boards(
        lambda day: lake.read_reported(brand.id, [day]), brand, days, cfg.taxonomy, cfg.settings.summary, cfg.settings.board,
        cfg.settings.discovery, lambda day: lake.read_issues(brand.id, day.isoformat()), *kept,
    )


def daily_boards(
    read_day: Callable[[date], pl.DataFrame],
    brand: Brand,
    days: list[date],
    taxonomy: TaxonomyFile,
    summary: SummarySettings,
    board: BoardSettings,
    discovery: DiscoverySettings | None = None,
    read_issues: Callable[[date], dict | None] = lambda day: None,
    read_counts: Callable[[date], DayCounts | None] = lambda day: None,
    write_counts: Callable[[date, DayCounts], None] = lambda day, counts: None,
) -> Iterator[tuple[date, pl.DataFrame, dict]]:
    """(day, its scored rows, its board) for each of `days`, in order. `read_day` gives a
    day's scored rows; each day, and each of the `board.baseline_days` before the first,
    is read once, and only its counts are kept for the boards after it.

    Each board's `discovered` holds the day's issues as the lake keeps them (the flow
    writes them beside the board): each followed from the day before, whose issues
    `read_issues` gives from the lake or, when it has none, are discovered here.
    A day before `days` whose counts `read_counts` gives is not read at all; counts
    made here go to `write_counts` (kept_counts)."""
    n = board.baseline_days
    discovery = discovery or DiscoverySettings()
    counts: dict[date, DayCounts] = {}
    first = days[0] - timedelta(days=n)
    previous: dict | None = None
    ignore = [*brand.terms, brand.name]

    def found(rows: pl.DataFrame, day: date, before: dict | None, cut: PhraseCut) -> dict:
        return stored(period_issues(rows, before, day.isoformat(), discovery, taxonomy, ignore, discovery.min_mentions_day, summary.mask_pii, cut=cut))

    for day in (first + timedelta(days=i) for i in range((days[-1] - first).days + 1)):
        the_day_before = day == days[0] - timedelta(days=1)
        if the_day_before:
            previous = read_issues(day)
        rows_needed = day >= days[0] or (the_day_before and previous is None)  # for a board, or to discover the day before
        if not rows_needed and (known := read_counts(day)) is not None:
            counts[day] = known
            continue
        rows = read_day(day)
        cut = PhraseCut()  # the day's texts cut once for its baseline counts, its issues' labels and its rising phrases
        counts[day] = day_counts(rows, cut)
        write_counts(day, counts[day])
        if the_day_before and previous is None:
            previous = found(rows, day, None, cut)
        if day in days:
            baseline = [counts[day - timedelta(days=i)] for i in range(n, 0, -1)]
            previous = found(rows, day, previous, cut)
            yield day, rows, build_board(brand, day, rows, baseline, n, taxonomy, summary, board, previous, cut, counts[day].negative_phrases)


def build_board(
    brand: Brand,
    day: date,
    today: pl.DataFrame,
    baseline: list[DayCounts],
    baseline_days: int,
    taxonomy: TaxonomyFile,
    summary: SummarySettings,
    board: BoardSettings,
    discovered: dict,
    cut: PhraseCut | None = None,
    counts: pl.DataFrame | None = None,
) -> dict:
    """Plain data for one brand and day; `baseline` counts the `baseline_days` before it
    (fewer where the lake does not go back so far); `discovered` is the day's
    tasks.discovery.period_issues; `cut` the phrases already cut of the day's texts;
    `counts` the day's negative_phrase_counts when already counted."""
    shown = discovered  # the issues as the board shows them; the lake keeps them as found
    if summary.pseudonymise_authors:
        today, shown = pseudonymise_authors(today), pseudonymised_posts(discovered)
    categories: dict[str, int] = {}
    for d in baseline:
        for key, n in d.categories.items():
            categories[key] = categories.get(key, 0) + n
    per_day = {k: n / max(baseline_days, 1) for k, n in categories.items()}
    phrases = [d.negative_phrases for d in baseline]
    baseline_phrases = summed_counts(phrases) if phrases else negative_phrase_counts(today.clear())
    praise = praise_by_category(today, per_day, taxonomy, summary)
    return {
        "brand": brand.id,
        "brand_name": brand.name,
        "day": day.isoformat(),
        "volume": today.height,
        "baseline_daily_volume": round(sum(d.volume for d in baseline) / max(baseline_days, 1)),  # a count: no decimals
        "baseline_days": baseline_days,
        "negative": today.filter(pl.col("sentiment_label") == "negative").height,
        "net_sentiment": net_sentiment(today),
        "top_issues": [without_members(i) for i in ranked(shown["issues"])[: board.top_issues]],
        "resolved_issues": [without_members(i) for i in shown["issues"] if i["status"] == "resolved"],
        "discovered": discovered,
        "emerging": emerging_phrases(
            today, baseline_phrases, 1, baseline_days, ignore=[*brand.terms, brand.name],
            min_mentions=board.emerging_min_mentions, min_lift=board.emerging_min_lift, cut=cut, counts=counts,
        ),
        "praise": praise[:3],
        "praise_issues": [without_members(i) for i in ranked(shown["praise"])[: board.top_issues]],
    }


def render_board(model: dict) -> str:
    return template_env(autoescape=False).get_template("board.md.j2").render(**model)
