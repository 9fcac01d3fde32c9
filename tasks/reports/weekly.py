"""The weekly cross-team summary: numbers per brand and ISO week, rendered to
Markdown and a self-contained HTML page.

`build_summary` is a plain function of frames in and a dict out; rendering is
separate so the same model feeds the report files, the Prefect artifacts and,
later, a webhook.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date

import polars as pl

from tasks.calendar import parse_week, week_before, week_days
from tasks.config import Brand, DiscoverySettings, SummarySettings, TaxonomyFile
from tasks.digest import digest
from tasks.discovery import attention_line, period_issues, pseudonymised_posts, ranked, without_members
from tasks.emerging import PhraseCut, emerging_phrases, negative_phrase_counts
from tasks.privacy import mask_text, pseudonymise_authors
from tasks.promises import promise_gap
from tasks.reports.metrics import category_counts, change_of, net_sentiment, praise_by_category, sample_posts
from tasks.spikes import find_spikes


def _handoffs(rows: pl.DataFrame, team: str, taxonomy: TaxonomyFile) -> list[dict]:
    """Which other teams share this team's negative mentions, how many, and over which of
    their issues: `rows` are the week's mentions routed to `team`. A team that shares
    no complaint is not listed (a shared compliment needs no hand-off)."""
    negative = rows.filter(pl.col("sentiment_label") == "negative")
    out = []
    for other, label in taxonomy.teams.items():
        if other == team:
            continue
        both = negative.filter(pl.col("teams").list.contains(other))
        if both.is_empty():
            continue
        counts = category_counts(both)
        issues = sorted(
            ((taxonomy.categories[k].label, n) for k, n in counts.items() if k in taxonomy.categories and taxonomy.categories[k].team == other),
            key=lambda ln: (-ln[1], ln[0]),
        )
        out.append({"team": label, "mentions": both.height, "issues": [name for name, _ in issues[:3]]})
    return sorted(out, key=lambda h: (-h["mentions"], h["team"]))


def build_summary(
    brand: Brand,
    week: str,
    this_week: pl.DataFrame,
    before: pl.DataFrame,
    competitor_volume: dict[str, int],
    quarantine: pl.DataFrame,
    taxonomy: TaxonomyFile,
    settings: SummarySettings,
    gates: list[dict] | None = None,
    triage_team: str = "customer_care",
    discovered: dict | Future | None = None,
    discovery: DiscoverySettings | None = None,
    brand_names: dict[str, str] | None = None,
    phrases: PhraseCut | None = None,
    baseline_phrases: pl.DataFrame | None = None,
    week_phrases: pl.DataFrame | None = None,
) -> dict:
    """Everything the weekly report says, as plain data.

    `before` holds the brand's scored mentions of the `settings.baseline_weeks` before
    `week` (the baseline for trends, spikes and emerging phrases); `gates` are the quality-gate
    results whose windows overlap the week (as stored by the flows); `discovered` is
    the week's tasks.discovery.period_issues, or a Future of them still being found
    (found here, with no history, if not given);
    `brand_names` names the competitors in share of voice (default: their ids);
    `phrases` the phrases already cut of the week's texts (by the discovery that found
    `discovered`), cut here once for the emerging phrases, their baseline and the labels
    if not given; `baseline_phrases` and `week_phrases` the negative_phrase_counts of
    `before` and `this_week` when known (the daily boards keep them per day), else cut here."""
    phrases = phrases or PhraseCut()
    if settings.pseudonymise_authors:
        this_week, before = pseudonymise_authors(this_week), pseudonymise_authors(before)
    with ThreadPoolExecutor(1) as pool:
        # The issues are found (or finish being found, when the caller started it) while
        # the sections that do not need them are worked out: discovery leaves a core free
        # for much of its time.
        if discovered is None:
            discovery = discovery or DiscoverySettings()
            discovered = pool.submit(
                period_issues, this_week, None, week, discovery, taxonomy, [*brand.terms, brand.name], discovery.min_mentions_week, settings.mask_pii, cut=phrases, threads=2,
            )
        elif settings.pseudonymise_authors:
            # found by the caller, from the mentions as stored
            discovered = pool.submit(lambda found: pseudonymised_posts(found.result() if isinstance(found, Future) else found), discovered)
        last_week = before.filter(pl.col("date") >= parse_week(week_before(week)))
        volume, prev_volume = this_week.height, last_week.height
        net, prev_net = net_sentiment(this_week), net_sentiment(last_week)
        praise = praise_by_category(this_week, category_counts(last_week), taxonomy, settings)
        history = pl.concat([before.select("date", "sentiment_label"), this_week.select("date", "sentiment_label")], how="vertical")
        emerging = emerging_phrases(
            this_week, negative_phrase_counts(before, cut=phrases) if baseline_phrases is None else baseline_phrases, 7, 7 * settings.baseline_weeks, ignore=[*brand.terms, brand.name],
            min_mentions=settings.emerging_min_mentions, min_lift=settings.emerging_min_lift, cut=phrases, counts=week_phrases,
        )
        spikes = _spikes(this_week, history, week_days(week), settings)
        promises = promise_gap(this_week, brand.promises)
        triage = _triage(this_week, taxonomy, settings, triage_team)
        discovered = discovered.result() if isinstance(discovered, Future) else discovered
    issues, top_issues = _issues(this_week, discovered, settings)
    teams = _teams(this_week, issues, praise, taxonomy)
    return {
        "brand": brand.id,
        "brand_name": brand.name,
        "week": week,
        "week_start": parse_week(week).isoformat(),
        "week_end": week_days(week)[-1].isoformat(),
        "volume": volume,
        "previous_volume": prev_volume,
        "volume_change_pct": change_of(volume, prev_volume, relative=True),
        "net_sentiment": net,
        "previous_net_sentiment": prev_net,
        "net_sentiment_change": change_of(net, prev_net, relative=False),
        "share_of_voice": _share_of_voice(brand, volume, competitor_volume, brand_names),
        "unscored": this_week.filter(pl.col("sentiment_label") == "unscored").height,
        "languages": dict(sorted(this_week.group_by("lang").len().iter_rows(), key=lambda kv: (-kv[1], kv[0]))),
        "sources": dict(sorted(this_week.group_by("source").len().iter_rows())),
        "attention": [attention_line(i) for i in top_issues[:3]],
        "triage": triage,
        "top_issues": top_issues,
        "resolved_issues": [without_members(i) for i in discovered["issues"] if i["status"] == "resolved"],
        "praise_issues": [without_members(i) for i in ranked(discovered["praise"])[:3]],
        "teams": teams,
        "daily": _daily(this_week),
        "quality": _quality(quarantine),
        "validation": _validation(gates),
        "checks_run": sum(len(g["checks"]) for g in gates or []),
        "emerging": emerging,
        "spikes": spikes,
        "promises": promises,
        "weekly_trend": _weekly_trend(history),
        "issues_by_team": [{"team": t["name"], "negative": sum(i["mentions"] for i in t["issues"])} for t in teams if t["issues"]],
    }


# ---------------------------------------------------------------- one function per section
def _issues(this_week: pl.DataFrame, discovered: dict, settings: SummarySettings) -> tuple[list[dict], list[dict]]:
    """The week's open discovered issues, most pressing first, and the top ones with a digest."""
    issues = ranked(discovered["issues"])
    top_issues = issues[: settings.top_issues]
    if top_issues:
        # The 2,000 most seen posts of each stand for the rest (the digest is read, not
        # counted): found in one join of the issues' mention ids, sorted without the texts,
        # which are fetched for those 2,000 only.
        members = pl.concat([i["mention_ids"].to_frame("mention_id").with_columns(pl.lit(k, pl.UInt32).alias("_issue")) for k, i in enumerate(top_issues)])
        seen = (
            this_week.select("mention_id", "dup_count", "engagement").with_row_index("_row")
            .join(members, on="mention_id")
            .sort(["_issue", "dup_count", "engagement", "mention_id"], descending=[False, True, True, False], nulls_last=True)
            .group_by("_issue", maintain_order=True).head(2000)
        )
        text = this_week.select(pl.coalesce("text_brand", "text_for_sentiment")).to_series()
        for (k,), rows in seen.partition_by("_issue", as_dict=True).items():
            posts = text.gather(rows.get_column("_row")).to_list()
            top_issues[k]["digest"] = [mask_text(s) if settings.mask_pii else s for s in digest(posts)]
    return [without_members(i) for i in issues], [without_members(i) for i in top_issues]


def _share_of_voice(brand: Brand, volume: int, competitor_volume: dict[str, int], brand_names: dict[str, str] | None) -> list[dict]:
    total_voice = volume + sum(competitor_volume.values())
    return [
        {"brand": b, "name": (brand_names or {}).get(b, brand.name if b == brand.id else b), "mentions": n, "share_pct": round(100 * n / total_voice, 1) if total_voice else None}
        for b, n in [(brand.id, volume), *sorted(competitor_volume.items())]
    ]


def _spikes(this_week: pl.DataFrame, history: pl.DataFrame, days: list[date], settings: SummarySettings) -> list[dict]:
    spikes = find_spikes(history, days, 7 * settings.baseline_weeks, settings.spike_z, settings.spike_min_mentions)
    for spike in spikes:
        day = date.fromisoformat(spike["date"])
        spike["posts"] = sample_posts(this_week.filter((pl.col("date") == day) & (pl.col("stance") == "complaint")), 3, settings.mask_pii)
    return spikes


def _weekly_trend(history: pl.DataFrame) -> list[dict]:
    return (
        history.with_columns(pl.col("date").dt.strftime("%G-W%V").alias("week"))  # week_label, vectorised
        .group_by("week")
        .agg(
            pl.len().alias("volume"),
            # Int64 before subtracting: boolean sums are unsigned and would wrap below zero.
            ((pl.col("sentiment_label") == "positive").sum().cast(pl.Int64) - (pl.col("sentiment_label") == "negative").sum().cast(pl.Int64)).alias("_net"),
            (pl.col("sentiment_label") != "unscored").sum().alias("_scored"),
        )
        .with_columns(pl.when(pl.col("_scored") > 0).then((100 * pl.col("_net") / pl.col("_scored")).round(1)).alias("net_sentiment"))
        .sort("week")
        .select("week", "volume", "net_sentiment")
        .to_dicts()
    )


def _teams(this_week: pl.DataFrame, issues: list[dict], praise: list[dict], taxonomy: TaxonomyFile) -> list[dict]:
    routed = this_week.select("teams", "categories", "sentiment_label")  # filtered eleven times: only what is counted
    teams = []
    for team, team_name in taxonomy.teams.items():
        owned = [i for i in issues if i["team"] == team]
        kudos = [p for p in praise if p["team"] == team]
        rows = routed.filter(pl.col("teams").list.contains(team))
        if rows.is_empty() and not owned:
            continue
        handoffs = _handoffs(rows, team, taxonomy)
        teams.append(
            {
                "team": team,
                "name": team_name,
                "volume": rows.height,
                "net_sentiment": net_sentiment(rows),
                "issues": owned,
                "praise": kudos[:3],
                "handoffs": handoffs,
            }
        )
    return teams


def _daily(this_week: pl.DataFrame) -> list[dict]:
    daily = (
        this_week.group_by("date", "sentiment_label").len()
        .pivot(on="sentiment_label", index="date", values="len")
        .fill_null(0)
        .sort("date")
    )
    labels = ["positive", "neutral", "negative", "unscored"]
    return [{"date": r["date"].isoformat(), **{k: int(r.get(k) or 0) for k in labels}} for r in daily.iter_rows(named=True)]


def _quality(quarantine: pl.DataFrame) -> list[dict]:
    """Rows set aside this week, by stage, disposition and reason (reasons without their line numbers)."""
    quality = [
        {"stage": s, "disposition": d, "reason": re.sub(r"^duplicate of .*", "duplicate (repost or cross-post)", re.sub(r"^\S+ line \d+: ", "", r)), "rows": n}
        for s, d, r, n in quarantine.group_by("stage", "disposition", "reason").len().iter_rows()
    ]
    merged: dict[tuple, int] = {}
    for q in quality:
        k = (q["stage"], q["disposition"], q["reason"])
        merged[k] = merged.get(k, 0) + q["rows"]
    return [{"stage": s, "disposition": d, "reason": r, "rows": n} for (s, d, r), n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))]


def _validation(gates: list[dict] | None) -> list[dict]:
    """Failed quality checks whose windows overlap the week, once each."""
    failed_checks = sorted(
        {
            (g["suite"], c["severity"], c["expectation"], c["column"], str(c["observed"]), g["where"])
            for g in gates or []
            for c in g["checks"]
            if not c["success"]
        }
    )
    return [dict(zip(("suite", "severity", "expectation", "column", "observed", "where"), row)) for row in failed_checks]


def _triage(week: pl.DataFrame, taxonomy: TaxonomyFile, settings: SummarySettings, triage_team: str) -> dict:
    """The mentions the router was unsure of: counted and shown, never routed silently."""
    waiting = week.filter(pl.col("needs_triage").fill_null(False)) if "needs_triage" in week.columns else week.clear()
    return {
        "count": waiting.height,
        "share_pct": round(100 * waiting.height / week.height, 1) if week.height else 0.0,
        "team_name": taxonomy.teams.get(triage_team, triage_team),
        "posts": sample_posts(waiting, settings.posts_per_issue, settings.mask_pii) if waiting.height else [],
    }
