"""The weekly cross-team summary: numbers per brand and ISO week, rendered to
Markdown and a self-contained HTML page.

`build_summary` is a plain function of frames in and a dict out; rendering is
separate so the same model feeds the report files, the Prefect artifacts and,
later, a webhook.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader

from tasks.config import Brand, DiscoverySettings, SummarySettings, TaxonomyFile
from tasks.digest import digest
from tasks.discovery import attention_line, period_issues, ranked, without_members
from tasks.emerging import emerging_phrases, negative_phrase_counts
from tasks.extract import quote
from tasks.calendar import parse_week, week_before, week_days, week_label  # noqa: F401  (week_label: flows/demo.py imports it from here)
from tasks.links import safe_url
from tasks.privacy import mask_text, pseudonymise_authors
from tasks.promises import promise_gap
from tasks.spikes import find_spikes

TEMPLATES = Path(__file__).parent / "templates"


def net_sentiment(df: pl.DataFrame) -> float | None:
    labels = df.get_column("sentiment_label")
    scored = int((labels != "unscored").sum())
    if not scored:
        return None
    pos, neg = int((labels == "positive").sum()), int((labels == "negative").sum())
    return round(100 * (pos - neg) / scored, 1)


def _change(now: float | int | None, before: float | int | None, relative: bool) -> float | None:
    if now is None or before is None:
        return None
    if not relative:
        return round(now - before, 1)
    return None if before == 0 else round(100 * (now - before) / before, 1)


def _trend(now: float, before: float) -> str:
    if before == 0:
        return "new" if now else "none"
    if now == 0:
        return "resolved"
    ratio = now / before
    return "growing" if ratio >= 1.25 else "fading" if ratio <= 0.8 else "steady"


def _posts(df: pl.DataFrame, n: int, mask: bool = True) -> list[dict]:
    """A sample stratified by source: each source's most seen post (by copies,
    engagement and reach) in turn, then each source's second, and so on; each text once."""
    ranked = (
        df.sort(
            [pl.col("dup_count"), pl.col("engagement").fill_null(0), pl.col("author_reach").fill_null(0), pl.col("mention_id")],
            descending=[True, True, True, False],
        )
        .unique("text_for_sentiment", keep="first", maintain_order=True)
        .with_row_index("_overall")
        .with_columns(pl.int_range(pl.len()).over("source").alias("_in_source"))
        .sort("_in_source", "_overall")
    )
    shown = mask_text if mask else (lambda t: t)
    return [
        {
            # Long posts are quoted from the passage that names the brand, in whole sentences.
            "text": shown(quote(r.get("text_brand") or r["text_for_sentiment"])),
            "mention_id": r["mention_id"],
            "source": r["source"],
            "author": shown(r["author_handle"]) or "unknown",
            "reach": r["author_reach"],
            "url": safe_url(r["url"]),  # http(s) only: no javascript: link in any report
            "sentiment": r["sentiment"],
            "copies": r["dup_count"],
            "date": r["date"].isoformat(),
        }
        for r in ranked.head(n).iter_rows(named=True)
    ]


def _phrases(df: pl.DataFrame, phrases: list[str], n: int = 5) -> list[dict]:
    """The taxonomy phrases these posts use most, each counted once per post (one regex pass)."""
    alts = "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))
    found = (
        df.select("mention_id", pl.col("text_norm").str.extract_all(rf"\b(?:{alts})\b").alias("phrase"))
        .explode("phrase")
        .drop_nulls("phrase")
        .unique()
        .group_by("phrase")
        .agg(pl.len().alias("mentions"))
        .sort(["mentions", "phrase"], descending=[True, False])
    )
    return found.head(n).to_dicts()


def _authors(df: pl.DataFrame, n: int = 5) -> list[dict]:
    by = (
        df.filter(pl.col("author_handle").is_not_null())
        .group_by("author_handle", "source")
        .agg(pl.len().alias("mentions"), pl.col("author_reach").max().alias("reach"))
        .sort(["reach", "mentions", "author_handle", "source"], descending=[True, True, False, False], nulls_last=True)
    )
    return by.head(n).to_dicts()


def category_counts(df: pl.DataFrame) -> dict[str, int]:
    return dict(df.select(pl.col("categories").explode()).drop_nulls().group_by("categories").len().iter_rows())


def rank_issues(df: pl.DataFrame, expected: dict[str, float], taxonomy: TaxonomyFile, settings: SummarySettings) -> tuple[list[dict], list[dict]]:
    """Complaints by category, most pressing first, and praise by category.

    `expected` is each category's volume in the comparison period (last week, or the
    baseline's rate scaled to this period), for the trend."""
    issues, praise = [], []
    for key, cat in taxonomy.categories.items():
        rows = df.filter(pl.col("categories").list.contains(key))
        if rows.is_empty():
            continue
        negative = rows.filter(pl.col("sentiment_label") == "negative")
        # Praise boxes never show a mention VADER reads negative, whatever the stance model says.
        praised = rows.filter((pl.col("stance") == "praise") & (pl.col("sentiment_label") != "negative"))
        before = expected.get(key, 0)
        entry = {
            "key": key,
            "label": cat.label,
            "team": cat.team,
            "team_name": taxonomy.teams[cat.team],
            "sla_hours": cat.sla_hours,
            "playbook": cat.playbook,
            "volume": rows.height,
            "negative": negative.height,
            "negative_share": round(100 * negative.height / rows.height, 1),
            "previous_volume": round(before),  # mentions, though scaled from a baseline: a count
            "trend": _trend(rows.height, before),
            "phrases": _phrases(rows, cat.phrases),
            # Candidates: more than shown, so a post quoted under a more pressing issue can be skipped.
            "posts": _posts(negative if cat.kind == "complaint" and not negative.is_empty() else rows, 3 * settings.posts_per_issue, settings.mask_pii),
            "authors": _authors(negative if not negative.is_empty() else rows),
        }
        if cat.kind == "complaint" and negative.height:
            issues.append(entry)
        if not praised.is_empty():
            praise.append({**entry, "volume": praised.height, "posts": _posts(praised, 2, settings.mask_pii)})
    # Most pressing first: negative volume weighted by how negative the category is.
    issues.sort(key=lambda i: (-i["negative"] * (0.5 + i["negative_share"] / 100), i["key"]))
    praise.sort(key=lambda p: (-p["volume"], p["key"]))
    # A post is quoted under one issue (the most pressing that holds it), not under every team's.
    quoted: set[str] = set()
    for issue in issues:
        issue["posts"] = [p for p in issue["posts"] if p["mention_id"] not in quoted][: settings.posts_per_issue]
        quoted.update(p["mention_id"] for p in issue["posts"])
    for entry in issues + praise:
        entry["posts"] = entry["posts"][: settings.posts_per_issue]
    return issues, praise


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
    discovered: dict | None = None,
    discovery: DiscoverySettings | None = None,
    brand_names: dict[str, str] | None = None,
) -> dict:
    """Everything the weekly report says, as plain data.

    `before` holds the brand's scored mentions of the `settings.baseline_weeks` before
    `week` (the baseline for trends, spikes and emerging phrases); `gates` are the quality-gate
    results whose windows overlap the week (as stored by the flows); `discovered` is
    the week's tasks.discovery.period_issues (found here, with no history, if not given);
    `brand_names` names the competitors in share of voice (default: their ids)."""
    days = week_days(week)
    if settings.pseudonymise_authors:
        this_week, before = pseudonymise_authors(this_week), pseudonymise_authors(before)
    last_week = before.filter(pl.col("date") >= parse_week(week_before(week)))
    baseline_days = 7 * settings.baseline_weeks
    volume, prev_volume = this_week.height, last_week.height
    net, prev_net = net_sentiment(this_week), net_sentiment(last_week)
    total_voice = volume + sum(competitor_volume.values())
    prev_counts = category_counts(last_week)
    _, praise = rank_issues(this_week, prev_counts, taxonomy, settings)
    if discovered is None:
        discovery = discovery or DiscoverySettings()
        discovered = period_issues(this_week, None, week, discovery, taxonomy, [*brand.terms, brand.name], discovery.min_mentions_week, settings.mask_pii)
    issues = ranked(discovered["issues"])
    top_issues = issues[: settings.top_issues]
    for issue in top_issues:
        rows = this_week.filter(pl.col("mention_id").is_in(issue["mention_ids"].implode()))
        # The 2,000 most seen posts stand for the rest: the digest is read, not counted.
        seen = rows.sort(["dup_count", "engagement", "mention_id"], descending=[True, True, False], nulls_last=True).head(2000)
        issue["digest"] = [mask_text(s) if settings.mask_pii else s for s in digest(seen.select(pl.coalesce("text_brand", "text_for_sentiment")).to_series().to_list())]
    issues = [without_members(i) for i in issues]
    top_issues = [without_members(i) for i in top_issues]

    history = pl.concat([before.select("date", "sentiment_label"), this_week.select("date", "sentiment_label")], how="vertical")
    spikes = find_spikes(history, days, baseline_days, settings.spike_z, settings.spike_min_mentions)
    for spike in spikes:
        day = date.fromisoformat(spike["date"])
        spike["posts"] = _posts(this_week.filter((pl.col("date") == day) & (pl.col("stance") == "complaint")), 3, settings.mask_pii)
    weekly = (
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
    )
    emerging = emerging_phrases(
        this_week, negative_phrase_counts(before), 7, baseline_days, ignore=[*brand.terms, brand.name],
        min_mentions=settings.emerging_min_mentions, min_lift=settings.emerging_min_lift,
    )

    teams = []
    for team, team_name in taxonomy.teams.items():
        owned = [i for i in issues if i["team"] == team]
        kudos = [p for p in praise if p["team"] == team]
        rows = this_week.filter(pl.col("teams").list.contains(team))
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

    daily = (
        this_week.group_by("date", "sentiment_label").len()
        .pivot(on="sentiment_label", index="date", values="len")
        .fill_null(0)
        .sort("date")
    )
    labels = ["positive", "neutral", "negative", "unscored"]
    daily_rows = [{"date": r["date"].isoformat(), **{k: int(r.get(k) or 0) for k in labels}} for r in daily.iter_rows(named=True)]

    quality = [
        {"stage": s, "disposition": d, "reason": re.sub(r"^duplicate of .*", "duplicate (repost or cross-post)", re.sub(r"^\S+ line \d+: ", "", r)), "rows": n}
        for s, d, r, n in quarantine.group_by("stage", "disposition", "reason").len().iter_rows()
    ]
    merged: dict[tuple, int] = {}
    for q in quality:
        k = (q["stage"], q["disposition"], q["reason"])
        merged[k] = merged.get(k, 0) + q["rows"]
    quality = [{"stage": s, "disposition": d, "reason": r, "rows": n} for (s, d, r), n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))]

    failed_checks = sorted(
        {
            (g["suite"], c["severity"], c["expectation"], c["column"], str(c["observed"]), g["where"])
            for g in gates or []
            for c in g["checks"]
            if not c["success"]
        }
    )
    validation = [dict(zip(("suite", "severity", "expectation", "column", "observed", "where"), row)) for row in failed_checks]

    triage = _triage(this_week, taxonomy, settings, triage_team)
    attention = [attention_line(i) for i in top_issues[:3]]
    return {
        "brand": brand.id,
        "brand_name": brand.name,
        "week": week,
        "week_start": parse_week(week).isoformat(),
        "week_end": week_days(week)[-1].isoformat(),
        "volume": volume,
        "previous_volume": prev_volume,
        "volume_change_pct": _change(volume, prev_volume, relative=True),
        "net_sentiment": net,
        "previous_net_sentiment": prev_net,
        "net_sentiment_change": _change(net, prev_net, relative=False),
        "share_of_voice": [
            {"brand": b, "name": (brand_names or {}).get(b, brand.name if b == brand.id else b), "mentions": n, "share_pct": round(100 * n / total_voice, 1) if total_voice else None}
            for b, n in [(brand.id, volume), *sorted(competitor_volume.items())]
        ],
        "unscored": this_week.filter(pl.col("sentiment_label") == "unscored").height,
        "languages": dict(sorted(this_week.group_by("lang").len().iter_rows(), key=lambda kv: (-kv[1], kv[0]))),
        "sources": dict(sorted(this_week.group_by("source").len().iter_rows())),
        "attention": attention,
        "triage": triage,
        "top_issues": top_issues,
        "resolved_issues": [without_members(i) for i in discovered["issues"] if i["status"] == "resolved"],
        "praise_issues": [without_members(i) for i in ranked(discovered["praise"])[:3]],
        "teams": teams,
        "daily": daily_rows,
        "quality": quality,
        "validation": validation,
        "checks_run": sum(len(g["checks"]) for g in gates or []),
        "emerging": emerging,
        "spikes": spikes,
        "promises": promise_gap(this_week, brand.promises),
        "weekly_trend": weekly.to_dicts(),
        "issues_by_team": [{"team": t["name"], "negative": sum(i["mentions"] for i in t["issues"])} for t in teams if t["issues"]],
    }


def _triage(week: pl.DataFrame, taxonomy: TaxonomyFile, settings: SummarySettings, triage_team: str) -> dict:
    """The mentions the router was unsure of: counted and shown, never routed silently."""
    waiting = week.filter(pl.col("needs_triage").fill_null(False)) if "needs_triage" in week.columns else week.clear()
    return {
        "count": waiting.height,
        "share_pct": round(100 * waiting.height / week.height, 1) if week.height else 0.0,
        "team_name": taxonomy.teams.get(triage_team, triage_team),
        "posts": _posts(waiting, settings.posts_per_issue, settings.mask_pii) if waiting.height else [],
    }


def template_env(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["signed"] = lambda v, unit="": "n/a" if v is None else f"{v:+g}{unit}"
    env.filters["md"] = _md_escape
    env.filters["handle"] = _md_handle
    return env


def _md_handle(handle: object) -> str:
    """An author's handle inside Markdown, as code: renderers turn `ann@mastodon.social`
    into a mailto link otherwise. A handle that code would show wrongly (a backtick, or
    markup, which code shows verbatim and the checks for raw HTML cannot tell apart) is
    escaped as text instead, its @ escaped against the autolink."""
    text = str(handle).replace("\n", " ")
    if re.search(r"[`<>&]", text):
        return _md_escape(text).replace("@", "\\@")
    return f"`{text}`"


def _md_escape(text: object) -> str:
    """Post text inside Markdown: no raw HTML, no table breaks, no accidental markup."""
    s = re.sub(r"&(?=#?\w+;)", "&amp;", str(text)).replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", s).replace("\n", " ")


def render_markdown(model: dict) -> str:
    return template_env(autoescape=False).get_template("summary.md.j2").render(**model)


def render_html(model: dict) -> str:
    days = model["daily"]
    peak = max((sum(d[k] for k in ("positive", "neutral", "negative", "unscored")) for d in days), default=0)
    return template_env(autoescape=True).get_template("summary.html.j2").render(**model, peak=max(peak, 1))


def render_quality_html(brand_name: str, week: str, gates: list[dict]) -> str:
    """The week's quality page: every stored gate result whose window overlaps the week,
    one self-contained file beside the summary (Great Expectations' Data Docs load their
    styles and scripts from CDNs and show an empty index offline)."""
    order = {"source": 0, "raw": 1, "clean": 2, "scored": 3}  # pipeline order
    runs = sorted(gates, key=lambda g: (order.get(g["suite"], 9), g["suite"], g["start"], g["where"]))
    suites: dict[str, list[dict]] = {}
    for g in runs:
        suites.setdefault(g["suite"], []).append(g)
    checks = [c for g in runs for c in g["checks"]]
    return template_env(autoescape=True).get_template("quality.html.j2").render(
        brand_name=brand_name,
        week=week,
        week_start=parse_week(week).isoformat(),
        week_end=week_days(week)[-1].isoformat(),
        runs=runs,
        suites=suites,
        total=len(checks),
        passed=sum(c["success"] for c in checks),
        warnings=sum(not c["success"] and c["severity"] != "critical" for c in checks),
        failed=sum(not c["success"] and c["severity"] == "critical" for c in checks),
    )
