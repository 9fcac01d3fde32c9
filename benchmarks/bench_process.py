"""The whole `process` pipeline on N generated mentions: throughput and peak memory of
each stage, of the `process` command under Prefect, and of a naive script one would
write by hand, in the same run.

For each N a throw-away data lake gets N raw mentions shaped like the bundled sample
(its generator and vocabulary, scaled to one ISO week: five sources, two brands,
spam, off-topic uses, other languages, HTML, emoji, reposts and near-duplicates). Then,
each in a fresh process so that peak memory is its own:

- every stage alone: clean, validate (both Great Expectations gates), score, routing
  (categories, teams, stance), the daily issue boards, the weekly summaries;
- `python -m flows.cli process` over the week, then over its last day, each starting
  its temporary Prefect server (PREFECT_HOME throw-away): wall time, peak memory of
  the process tree, and from Prefect's records the flow run, its task runs and the
  overhead (flow run time not covered by any task run);
- the naive baseline: pandas, regex cleaning, `drop_duplicates`, row-by-row NLTK VADER
  with `Series.apply`, a keyword `apply` for routing, a `groupby` summary; and NLTK
  VADER alone in a plain loop, one core's ceiling.

    .venv/bin/python benchmarks/bench_process.py [--n 100000 1000000] [--repeat R]
        [--json benchmarks/results/process.json] [--profile]

Medians of --repeat runs (default 3 below 1,000,000 mentions, 1 from there). The
machine may be shared: a measurement during which other processes kept more than half a
core busy is taken again (twice at most) and the least disturbed attempt kept. With
--profile (needs `pip install pyinstrument`), the clean, validate, routing and board
stages run once more, untimed, under pyinstrument, and the Python callbacks polars runs
on its own threads during cleaning (which a sampling profiler of the main thread does
not see) are timed, with the peak memory while each runs; the profiles land in a
`profiles/` folder next to the JSON file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl

from common import nltk_vader, peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
WEEK = "2026-W47"  # the sample's busiest week: the outage of 18-19 November
DAYS = [date(2026, 11, 16) + timedelta(days=i) for i in range(7)]
WEEK_BOUNDS = (datetime(2026, 11, 16, tzinfo=timezone.utc), datetime(2026, 11, 23, tzinfo=timezone.utc))  # [start, end) in UTC
STAGES = ["clean", "score", "routing", "validate", "boards", "summary"]  # in this order each finds its input
PROFILED = {"clean", "validate", "routing", "boards"}  # the costs besides scoring
LAKE_VERSION = 1  # bump when the generated data changes, so cached lakes are rebuilt

# Raw rows per generated record: comparison posts land in both brands' partitions.
# Measured once; with it the lake holds close to N raw rows.
BOTH_BRANDS = 1.026


# ------------------------------------------------------------------ generating the lake
def _sample_generator():
    """sample_data/generate.py as a module: its vocabulary, templates and renderers."""
    spec = importlib.util.spec_from_file_location("sample_generate", REPO / "sample_data" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


RELATIVES = ["partner", "mum", "dad", "brother", "sister", "flatmate", "colleague", "neighbour", "son", "daughter", "boss"]
PLANS = ["SIM-only", "Essentials", "Unlimited", "Family", "Pay as you go", "Business", "Student", "Data-only"]
PLACES = ["station", "office", "gym", "school gates", "hospital car park", "library", "bus stop", "retail park", "motorway services"]
# Other languages' posts get the same kind of detail in their own words and towns.
FOREIGN = {
    "es": (["Madrid", "Sevilla", "Valencia", "Bilbao", "Zaragoza"], ["Pedido {code}.", "Con ellos desde {year}, {n} euros al mes.",
           "Lo probé otra vez a las {clock} en {town}.", "Mi {rel} en {town} tiene lo mismo."]),
    "fr": (["Lyon", "Paris", "Lille", "Nantes", "Toulouse"], ["Dossier {code}.", "Client depuis {year}, {n} euros par mois.",
           "Réessayé à {clock} près de {town}.", "Pareil pour mon {rel} à {town}."]),
    "de": (["Berlin", "Köln", "München", "Hamburg", "Leipzig"], ["Vorgangsnummer {code}.", "Kunde seit {year}, {n} Euro im Monat.",
           "Um {clock} in {town} nochmal probiert.", "Mein {rel} in {town} hat dasselbe."]),
    "pt": (["Lisboa", "Porto", "Braga", "Coimbra", "Faro"], ["Protocolo {code}.", "Cliente desde {year}, {n} euros por mês.",
           "Tentei de novo às {clock} em {town}.", "O meu {rel} em {town} tem o mesmo."]),
}
FOREIGN_RELATIVES = {"es": "vecino", "fr": "voisin", "de": "Nachbar", "pt": "vizinho"}


def personal_detail(gen, rng: random.Random, lang: str = "en") -> str:
    """A sentence of the kind real posts carry and templates lack: a number, a place,
    a person. Without it a million posts from the sample's few hundred templates repeat
    each other far more than real posts do, and de-duplication would do the work."""
    n, year, clock = rng.randint(2, 97), rng.randint(2006, 2026), f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
    code = f"{gen.code(rng, 3).upper()}-{rng.randint(10_000, 99_999)}"
    if lang in FOREIGN:
        towns, templates = FOREIGN[lang]
        return rng.choice(templates).format(code=code, year=year, n=n, clock=clock, town=rng.choice(towns), rel=FOREIGN_RELATIVES[lang])
    name, other, city = rng.choice(gen.NAMES).title(), rng.choice(gen.NAMES).title(), rng.choice(gen.SLOTS["CITY"])
    street = rng.choice(gen.WORDS).title() + rng.choice([" Road", " Street", " Lane", " Avenue", " Close", " Way", " Crescent"])
    rel, place, plan = rng.choice(RELATIVES), rng.choice(PLACES), rng.choice(PLANS)
    return rng.choice([
        f"Been with them since {year}, {n} quid a month.",
        f"Case reference {rng.randint(100_000, 9_999_999)}.",
        f"My {rel} {name} on {street} has had the same for {n} days.",
        f"Checked again at {clock} near {street}, {city}.",
        f"{name} at the {city} shop told me to post here.",
        f"Order number {code}.",
        f"On the {plan} plan with {n}GB, if that matters.",
        f"Postcode area {rng.choice('BCDEGHLMNS')}{rng.choice('ABHLMNORSTY')}{rng.randint(1, 29)}, {city}.",
        f"Tried from the {place} in {city} at {clock}.",
        f"{name} and {other} at work are on {plan} too.",
        f"Third time since {['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'the weekend'][n % 5]}, ticket {rng.randint(10_000, 999_999)}.",
        f"We have {n % 6 + 2} lines on one account, {plan}.",
        f"Writing this from {street} in {city}.",
        f"My {rel} says {other} at the {place} had the same.",
    ])


FILLERS = ["just", "now", "again", "still", "tbh", "anyway", "basically", "apparently", "btw", "today", "here", "honestly"]
DROPPABLE = {"the", "a", "an", "my", "is", "to", "of", "and", "in", "on", "it", "for", "this", "that", "with", "at", "i", "so"}


def reword(rng: random.Random, text: str) -> str:
    """What people do to a sentence they type: leave out a small word, add a filler,
    swap two letters. A few edits per post; brand words, links, handles and hashtags
    stay as they are, so relevance and routing see what the sample would give them."""
    words = text.split(" ")
    for _ in range(1 + len(words) // 12):
        i = rng.randrange(len(words))
        word = words[i]
        if not word or word[0] in "@#<&" or "http" in word or any(b in word.lower() for b in ("halcyon", "brightwave")):
            continue
        edit = rng.random()
        if edit < 0.35 and word.lower() in DROPPABLE and len(words) > 4:
            del words[i]
        elif edit < 0.8:
            words.insert(i, rng.choice(FILLERS))
        elif len(word) >= 6 and word.isalpha():
            j = rng.randrange(1, len(word) - 2)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def generate_lake(n: int, seed: int, lake_root: Path) -> dict:
    """Write about `n` raw rows into lake_root/raw the way `listen` commits them: the
    sample generator's records rendered as each source exports them, read back by the
    file connector, stored per (source, brand, date)."""
    from tasks.config import load_config
    from tasks.sources import file_import
    from tasks.storage import Lake

    gen = _sample_generator()
    # One ISO week instead of the sample's five; the outage and its aftermath keep their
    # dates, and every day gets the topic mix of the sample's last week.
    gen.START = datetime(DAYS[0].year, DAYS[0].month, DAYS[0].day, tzinfo=timezone.utc)
    gen.DAYS = len(DAYS)
    gen.START_TS = int(gen.START.timestamp())
    gen.END_TS = gen.START_TS + gen.DAYS * 86400 - 1
    gen.HALCYON_TOPICS = [(topic, [weights[-1]] * len(weights)) for topic, weights in gen.HALCYON_TOPICS]
    gen.OVERLONG_COUNTS = {}  # listen's raw gate quarantines them: they never reach raw/
    per_unit = sum(gen.BASE_COUNTS.values()) + sum(gen.SPIKE_COUNTS.values()) + sum(gen.TAIL_COUNTS.values())
    scale = n / (per_unit * (1 + gen.REPOST_RATE + gen.NEAR_DUP_RATE) * BOTH_BRANDS)
    gen.EMPTY_COUNTS = {s: round(c * scale) for s, c in gen.EMPTY_COUNTS.items()}

    compose, paragraphs = gen.compose, gen.paragraphs

    def compose_with_detail(rng, src, brand, topic):
        title, text = compose(rng, src, brand, topic)
        title, text = title and reword(rng, title), text and reword(rng, text)
        if rng.random() < (0.9 if src in ("bluesky", "mastodon") or not text else 0.5):
            extra = personal_detail(gen, rng)
            if text and (src != "bluesky" or len(text) + len(extra) < 299):  # Bluesky caps posts at 300
                text = gen.full_stop(text) + " " + extra
            elif not text and title:  # a Reddit link post: the title is the post
                title = gen.full_stop(title) + " " + extra
        return title, text

    def paragraphs_with_details(rng, sentences):
        # Long posts draw their sentences from a few dozen per topic: at this volume
        # many would share most of them. People tell their own story instead.
        return paragraphs(rng, sentences[:1] + [personal_detail(gen, rng) if rng.random() < 0.3 else s for s in sentences[1:]])

    gen.compose, gen.paragraphs = compose_with_detail, paragraphs_with_details
    rng = random.Random(seed)
    # Author pools grow with the volume (the sample has 520-900 accounts per source).
    sizes = {"hackernews": 520, "reddit": 900, "mastodon": 820, "bluesky": 820, "reviews": 640}
    pools = {src: [gen.new_author(rng, src) for _ in range(max(50, round(size * scale)))] for src, size in sizes.items()}
    day_weights = [0.8 if d.weekday() >= 5 else 1.0 for d in DAYS]
    records = [gen.base_mention(rng, pools, src, day_weights) for src in gen.SOURCES for _ in range(round(gen.BASE_COUNTS[src] * scale))]
    for src in gen.SOURCES:
        for counts, when, topic in ((gen.SPIKE_COUNTS, gen.spike_ts, "outage_spike"), (gen.TAIL_COUNTS, gen.tail_ts, "outage_tail")):
            for _ in range(round(counts[src] * scale)):
                title, text = gen.compose(rng, src, "halcyon", topic)
                records.append(gen.mention(src, when(rng), gen.pick_author(rng, pools, src), title, text, "halcyon", topic))
    for r in records:
        if r["topic"] == "non_english" and rng.random() < 0.9:
            r["text"] = gen.full_stop(r["text"]) + " " + personal_detail(gen, rng, r["lang"])
    records += gen.special_records(rng, pools, day_weights)
    records += gen.reposts(rng, pools, records)
    gen.text_faults(rng, records)  # mojibake and HTML entities; no malformed lines: listen quarantines those
    for i, r in enumerate(records):
        r["seq"], r["ms"] = i, rng.randrange(1000) if r["src"] in ("mastodon", "bluesky") else 0

    cfg = load_config()
    lake = Lake(lake_root)
    exports = lake_root / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    start, end = gen.START, gen.START + timedelta(days=gen.DAYS)
    # Each source's export as a file import, `<source>-export` (the demo replays them through the API connectors).
    sources = {s.name.removesuffix("-export"): s for s in cfg.sources if s.kind == "file"}
    rows = {}
    for src in gen.SOURCES:
        path = gen.write_file(rng, exports, src, [r for r in records if r["src"] == src])
        source = sources[src].model_copy(update={"path": path})
        for brand in cfg.brands:
            mentions = file_import.fetch(source, brand, start, end).mentions
            lake.replace_partitions("raw", brand.id, DAYS, mentions, source=src)
            rows[f"{src}/{brand.id}"] = mentions.height
        file_import._records.cache_clear()  # the connector keeps parsed files; one at a time bounds memory
        path.unlink()
    exports.rmdir()
    noise = {}
    for r in records:
        for kind in r["noise"] or ["clean"]:
            kind = kind.split(":")[0]
            noise[kind] = noise.get(kind, 0) + 1
    raw_rows = pl.scan_parquet(str(lake_root / "raw" / "**" / "*.parquet")).select(pl.len()).collect().item()
    return {"records": len(records), "raw_rows": raw_rows, "rows_by_source_brand": rows, "planted": noise, "seed": seed}


# ------------------------------------------------------------------ one stage, in a child process
def _pipeline():
    from tasks.config import load_config
    from tasks.storage import Lake

    return load_config(), Lake()


def _batches(lake, stage: str, brand, sources=None) -> list[tuple[date, ...]]:
    """The batches of days the `process` flow works through (tasks/stage.py)."""
    from tasks.stage import batches_of_days

    return [b.days for b in batches_of_days(lake, stage, brand.id, DAYS, sources)]


def stage_clean() -> dict:
    """The `clean` task's stage (tasks/stage.py) with its gate; the figure is the
    cleaning alone (the gate's time goes to `validate`)."""
    from tasks.stage import clean_stage

    cfg, lake = _pipeline()
    rows_in, rows_out, seconds, dropped = 0, 0, 0.0, {}
    for b in cfg.brands:
        timings = {}
        stats = clean_stage(cfg, lake, b, DAYS, lake.sources_present(b.id), timings=timings)
        seconds += timings.get("transform", 0.0)
        rows_in, rows_out = rows_in + stats.rows_in, rows_out + stats.rows_out + stats.quarantined
        for reason, count in stats.dropped.items():
            reason = "duplicate" if reason.startswith("duplicate") else reason
            dropped[reason] = dropped.get(reason, 0) + count
    return {"rows_in": rows_in, "rows_out": rows_out, "seconds": seconds, "dropped": dropped}


def stage_score() -> dict:
    """Sentiment alone, batch by batch; the worker pool starts inside the timing, as every
    `process` run pays for it."""
    from tasks.score import score_sentiment

    cfg, lake = _pipeline()
    rows_in, seconds, distinct = 0, 0.0, 0
    for b in cfg.brands:
        for batch in _batches(lake, "clean", b):
            clean = lake.read("clean", b.id, batch)
            t0 = time.perf_counter()
            scored = score_sentiment(clean, cfg.settings.sentiment, b.languages)
            seconds += time.perf_counter() - t0
            rows_in += clean.height
            distinct += clean.select("text_for_sentiment").n_unique()
            lake.replace_partitions("scored", b.id, batch, scored)
    return {"rows_in": rows_in, "seconds": seconds, "distinct_texts": distinct}


def stage_routing() -> dict:
    from tasks.routing.router import load_models, route_and_stance

    cfg, lake = _pipeline()
    models = load_models(cfg)  # trained or read from the cache outside the timings
    rows_in, seconds = 0, 0.0
    for b in cfg.brands:
        for batch in _batches(lake, "scored", b):
            scored = lake.read("scored", b.id, batch).drop("categories", "team", "team_confidence", "teams", "routed_by", "needs_triage", "stance")
            t0 = time.perf_counter()
            routed = route_and_stance(scored, cfg, models, lambda df: df)
            seconds += time.perf_counter() - t0
            rows_in += scored.height
            lake.replace_partitions("scored", b.id, batch, routed)
    return {"rows_in": rows_in, "seconds": seconds}


def stage_validate() -> dict:
    """Both gates of `process`, batch by batch, with the parameters the flow passes."""
    from tasks import validate
    from tasks.stage import clean_gate_parameters

    cfg, lake = _pipeline()
    t0 = time.perf_counter()
    for suite in ("clean", "scored"):  # Great Expectations' import and context, paid once per process
        validate._validation(suite)
    setup = time.perf_counter() - t0
    rows_in, seconds, quarantined = 0, setup, 0
    for b in cfg.brands:
        for batch in _batches(lake, "clean", b):
            clean, scored = lake.read("clean", b.id, batch), lake.read("scored", b.id, batch)
            parameters = clean_gate_parameters(lake, b.id, batch)
            t0 = time.perf_counter()
            gates = (validate.run_gate(clean, "clean", parameters), validate.run_gate(scored, "scored"))
            seconds += time.perf_counter() - t0
            rows_in += clean.height
            quarantined += sum(len(g.rejected) for g in gates)
            for gate in gates:  # the weekly summary lists the week's warnings from these files
                lake.write_gate(gate.suite, b.id, parameters["earliest"], parameters["latest"], b.id, gate.table())
    return {"rows_in": rows_in, "seconds": seconds, "setup_seconds": setup, "quarantined": quarantined}


def stage_boards() -> dict:
    """The `issue-board` task's work for every brand (reading each day included), without
    its Prefect artifact."""
    from tasks.reports.daily import lake_boards, render_board
    from tasks.storage import write_text

    cfg, lake = _pipeline()
    rows_in, t0 = 0, time.perf_counter()
    for b in cfg.brands:
        for day, rows, model in lake_boards(lake, b, DAYS, cfg):
            lake.write_issues(b.id, day.isoformat(), model.pop("discovered"))
            write_text(render_board(model), lake.board_dir(b.id, day) / "board.md")
            write_text(json.dumps(model, indent=2, ensure_ascii=False, default=str) + "\n", lake.board_dir(b.id, day) / "board.json")
            rows_in += rows.height
    return {"rows_in": rows_in, "seconds": time.perf_counter() - t0}


def weeks_before(week: pl.DataFrame) -> pl.DataFrame:
    """A baseline for a generated week: the four weeks before it, each an eighth of the
    week's rows shifted back, with fresh ids (half the week's volume in all)."""
    return pl.concat([
        week.sample(fraction=1 / 8, seed=k).with_columns(
            (pl.lit(f"w{k}") + pl.col("mention_id")).alias("mention_id"),
            pl.col("date") - timedelta(weeks=k), pl.col("created_at") - timedelta(weeks=k),
        )
        for k in range(1, 5)
    ])


def stage_summary() -> dict:
    """The `build-weekly-summary` task's work for every brand. The four weeks before are
    the week's own scored mentions shifted back (half as many, like bench_summary.py),
    so week-over-week change, spikes and rising phrases have a baseline to work on.
    Needs the boards stage before it (its kept day counts)."""
    from tasks.emerging import negative_phrase_counts
    from tasks.reports.daily import kept_phrase_counts
    from tasks.reports.render import render_html, render_markdown
    from tasks.reports.weekly import build_summary

    cfg, lake = _pipeline()
    inputs, per_brand = {}, {}
    for b in cfg.brands:
        week = lake.read_reported(b.id, DAYS)  # as the weekly-summary flow reads it
        before = weeks_before(week)
        inputs[b.id] = dict(
            this_week=week, before=before, quarantine=lake.read_quarantine(b.id, DAYS), gates=lake.read_gates(b.id, *WEEK_BOUNDS),
            competitor_volume={c: lake.count_rows("scored", c, DAYS) for c in b.competitors},
            # The phrase counts the flow passes: the week's as the boards stage kept them,
            # the made-up weeks before's counted here, off the clock (no board ever saw them).
            week_phrases=kept_phrase_counts(lake, b.id, DAYS), baseline_phrases=negative_phrase_counts(before),
        )
    t0 = time.perf_counter()
    for b in cfg.brands:
        t1 = time.perf_counter()
        model = build_summary(b, WEEK, taxonomy=cfg.taxonomy, settings=cfg.settings.summary, **inputs[b.id])
        render_markdown(model), render_html(model)
        per_brand[b.id] = {"scored_mentions": inputs[b.id]["this_week"].height, "seconds": time.perf_counter() - t1}
    return {"rows_in": sum(i["this_week"].height for i in inputs.values()), "seconds": time.perf_counter() - t0, "per_brand": per_brand}


# ------------------------------------------------------------------ the naive baseline, in a child process
def naive_baseline(lake_root: Path, vader_sample: int) -> dict:
    """What one would write by hand with pandas and NLTK: read, regex-clean, drop exact
    duplicates, score row by row, route by keywords, group by week. One process."""
    import html

    import pandas as pd

    from tasks.config import load_config
    from tasks.score import analyzer

    taxonomy = load_config().taxonomy
    sia, ours = nltk_vader(), analyzer()
    stages, hwm = {}, {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        stages[name], hwm[name], clock = now - clock, peak_rss_mb(), now

    files = sorted((lake_root / "raw").glob("source=*/brand=*/date=*/part.parquet"))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    rows = len(df)
    lap("read")
    text = (df["title"].fillna("") + " " + df["text"].fillna("")).str.replace(r"<[^>]+>", " ", regex=True)
    df["text"] = text.map(html.unescape).str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    df = df[df["text"] != ""]
    lap("clean")
    df = df.drop_duplicates("text")
    lap("dedup")
    df["sentiment"] = df["text"].apply(sia.polarity_scores).map(lambda s: s["compound"])
    lap("score")
    keywords = {c.team: [] for c in taxonomy.categories.values()}
    for c in taxonomy.categories.values():
        keywords[c.team] += [p.lower() for p in c.phrases]
    df["teams"] = df["text"].apply(lambda t: [team for team, phrases in keywords.items() if any(p in t for p in phrases)])
    lap("routing")
    df["week"] = df["created_at"].dt.strftime("%G-W%V")
    df["negative"] = df["sentiment"] <= -0.05
    per_team = df.explode("teams").groupby(["brand", "week", "teams"]).agg(
        mentions=("mention_id", "size"), sentiment=("sentiment", "mean"), negative_share=("negative", "mean"))
    per_brand = df.groupby(["brand", "week"]).agg(mentions=("mention_id", "size"), sentiment=("sentiment", "mean"))
    lap("summary")
    out = lake_root / "naive"
    out.mkdir(exist_ok=True)
    df.drop(columns=["raw_payload"]).to_parquet(out / "scored.parquet")
    per_team.to_csv(out / "per_team.csv"), per_brand.to_csv(out / "per_brand.csv")
    lap("write")
    result = {"rows_in": rows, "rows_scored": len(df), "seconds": sum(stages.values()), "stages": stages, "hwm_mb_after": hwm,
              "peak_rss_mb": peak_rss_mb()}

    # One core's ceiling: VADER alone in a plain loop, on (a sample of) the same texts.
    texts = df["text"].sample(n=min(vader_sample or len(df), len(df)), random_state=1).tolist()
    t0 = time.perf_counter()
    for t in texts:
        sia.polarity_scores(t)
    result["vader"] = {"texts": len(texts), "seconds": time.perf_counter() - t0}
    # The same texts through our analyzer (NLTK's scoring, tokens worked out once each).
    t0 = time.perf_counter()
    for t in texts:
        ours.polarity_scores(t)
    result["vader_ours"] = {"texts": len(texts), "seconds": time.perf_counter() - t0}
    return result


# ------------------------------------------------------------------ Prefect's record of a run, in a child process
def prefect_record() -> dict:
    """The latest `process` flow run in PREFECT_HOME's database, with its task runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        run = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["process"])), sort=FlowRunSort.START_TIME_DESC, limit=1)[0]
        tasks, logs = [], []
        while page := client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])), limit=200, offset=len(tasks)):
            tasks += page  # the API serves at most 200 at a time
        while page := client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])), limit=200, offset=len(logs)):
            logs += page
        docs = [log.timestamp.timestamp() for log in logs if "Data Docs" in log.message]
    return {
        "state": run.state_name,
        "start": run.start_time.timestamp(),
        "end": run.end_time.timestamp(),
        "tasks": [{"name": t.name, "state": t.state_name, "start": t.start_time.timestamp(), "end": t.end_time.timestamp()} for t in tasks],
        "data_docs_logged": docs[0] if docs else None,
    }


def flow_breakdown(record: dict) -> dict:
    """Flow run time split into task work and Prefect's overhead. Brands run in parallel,
    so task runs overlap: the work is the union of their spans, not their sum."""
    spans = sorted((t["start"], t["end"]) for t in record["tasks"])
    covered, reach = 0.0, float("-inf")
    for start, end in spans:
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    wall = record["end"] - record["start"]
    last_task = max(end for _, end in spans)
    return {
        "flow_run_seconds": wall,
        "task_runs": len(spans),
        "task_states": sorted({t["state"] for t in record["tasks"]}),
        "task_seconds_union": covered,
        "task_seconds_sum": sum(end - start for start, end in spans),
        "overhead_seconds": wall - covered,
        "before_first_task": spans[0][0] - record["start"],
        "after_last_task": record["end"] - last_task,
        # Great Expectations' Data Docs are built in the flow's body after the last task,
        # so they count as overhead here; this is how much of it they take.
        "data_docs_seconds": record["data_docs_logged"] - last_task if record["data_docs_logged"] else None,
    }


def command_phases(log: Path, spawned: float, wall: float) -> dict:
    """Where a `process` command's time goes outside its flow run, from its log's
    timestamps: starting Python and importing, starting the temporary server, and
    stopping it."""
    marks = {"server_start": "Starting temporary server", "flow_begin": "Beginning flow run", "server_stop": "Stopping temporary server"}
    start = datetime.fromtimestamp(spawned)
    seen = {}
    for line in log.read_text(errors="replace").splitlines():
        for key, text in marks.items():
            if key not in seen and text in line:
                moment = datetime.combine(start.date(), datetime.strptime(line[:12], "%H:%M:%S.%f").time())
                seen[key] = (moment + timedelta(days=moment < start - timedelta(seconds=1))).timestamp() - spawned
    if len(seen) < len(marks):
        return {}
    return {"python_and_imports_seconds": seen["server_start"], "server_start_seconds": seen["flow_begin"] - seen["server_start"],
            "server_stop_seconds": wall - seen["server_stop"]}


# ------------------------------------------------------------------ measuring a child process
def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError):
        return 0.0


def _is_prefect_server(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"uvicorn" in cmd or b"prefect.server" in cmd or b"server start" in cmd


def _busy_cpu_seconds() -> float:
    """CPU time all processes on the machine have used since boot."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_measured(args: list[str], env: dict, log: Path) -> dict:
    """Run a command; wall time and peak memory of its whole process tree (worker
    processes included), sampled every 50 ms, with the Prefect server a command starts
    counted apart. ru_maxrss of the child itself comes from wait4, exactly. Other
    processes on the machine (a test suite, say) skew the timings: `others_cores` is the
    CPU they used meanwhile, in cores on average."""
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = {"total": 0.0, "without_server": 0.0, "server": 0.0}
    done = threading.Event()
    with log.open("w") as out:
        spawned, busy, t0 = time.time(), _busy_cpu_seconds(), time.perf_counter()
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)

        def sample():
            while not done.wait(0.05):
                rss = {p: _rss_mb(p) for p in _tree(proc.pid)}
                server = sum(r for p, r in rss.items() if _is_prefect_server(p))
                peak["total"] = max(peak["total"], sum(rss.values()))
                peak["without_server"] = max(peak["without_server"], sum(rss.values()) - server)
                peak["server"] = max(peak["server"], server)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        others = max(0.0, (_busy_cpu_seconds() - busy - usage.ru_utime - usage.ru_stime) / wall)
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{' '.join(args[1:4])}... exited with {proc.returncode}; log {log}:\n{tail}")
    maxrss = usage.ru_maxrss / 1024
    return {"spawned_at": spawned, "wall_seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime, "others_cores": others, "peak_tree_mb": max(peak["total"], maxrss), "peak_tree_without_server_mb": max(peak["without_server"], maxrss),
            "peak_server_mb": peak["server"], "ru_maxrss_mb": maxrss}


def child(mode: str, work: Path, env: dict, **options) -> dict:
    """This script in `mode` in a fresh process; its JSON answer plus the measurements."""
    answer = work / f"{mode}.json"
    args = [sys.executable, __file__, "--child", mode, "--answer", str(answer)]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    measured = run_measured(args, env, work / "logs" / f"{mode}.log")
    return {**json.loads(answer.read_text()), **measured}


# ------------------------------------------------------------------ one N
def lake_env(lake: Path, prefect_home: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PULSE_"))}
    env.update(PULSE_DATA_DIR=str(lake), PREFECT_SERVER_ANALYTICS_ENABLED="false", GX_ANALYTICS_ENABLED="false")
    if prefect_home is not None:
        env["PREFECT_HOME"] = str(prefect_home)
    return env


def fresh_lake(base: Path, name: str) -> Path:
    """A lake of its own for one measurement, sharing the generated raw/ read-only."""
    lake = base / name
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    (lake / "raw").symlink_to(base / "generated" / "raw", target_is_directory=True)
    return lake


def prepare(n: int, seed: int, base: Path) -> dict:
    """Generate the lake once per (N, seed, LAKE_VERSION); later runs reuse it."""
    marker = base / "generated" / "lake.json"
    key = {"n": n, "seed": seed, "version": LAKE_VERSION}
    if marker.is_file() and json.loads(marker.read_text()).get("key") == key:
        return json.loads(marker.read_text())
    shutil.rmtree(base / "generated", ignore_errors=True)
    (base / "generated").mkdir(parents=True)
    t0 = time.perf_counter()
    made = child("generate", base, lake_env(base / "generated"), n=n, seed=seed, lake=base / "generated")
    info = {"key": key, **{k: made[k] for k in ("records", "raw_rows", "rows_by_source_brand", "planted")},
            "generate_seconds": time.perf_counter() - t0}
    marker.write_text(json.dumps(info, indent=2))
    return info


def profile_stages(n: int, base: Path, profile_dir: Path) -> dict:
    """Run the non-scoring stages again under the profiler, on the lake the measured
    runs left behind (so every stage finds its input)."""
    lake = base / "stages"
    out = {}
    for stage in STAGES:
        if stage in PROFILED:
            out[stage] = child(f"stage-{stage}", base, lake_env(lake), lake=lake, profile_to=profile_dir / f"{stage}-{n}.txt")
            print(f"  profiled {stage}: {profile_dir / f'{stage}-{n}.txt'}", flush=True)
    return out


# Cores other processes may keep busy before a measurement is taken again: the machine
# may be shared (a test suite next door), and two cores leave no slack.
DISTURBED = 0.5


def undisturbed(measure, label: str) -> dict:
    """measure(), taken again up to twice while other processes kept more than
    DISTURBED cores busy; the least disturbed attempt is kept."""
    best = None
    for attempt in range(1, 4):
        result = {**measure(), "attempts": attempt}
        if best is None or result["others_cores"] < best["others_cores"]:
            best = result
        if result["others_cores"] <= DISTURBED:
            break
        print(f"  ({label}: other processes kept {result['others_cores']:.1f} cores busy; measuring again)", flush=True)
    return best


def run_once(n: int, base: Path, prefect_home: Path, vader_sample: int) -> dict:
    result = {"stages": {}}
    lake = fresh_lake(base, "stages")
    for stage in STAGES:
        result["stages"][stage] = undisturbed(lambda stage=stage: child(f"stage-{stage}", base, lake_env(lake), lake=lake), stage)
        print(f"  {stage}: {result['stages'][stage]['seconds']:.1f} s", flush=True)

    def week_then_day() -> dict:
        # A week in one run, then its last day again on the same lake: the daily run,
        # with the days before it already processed.
        lake = fresh_lake(base, "flow")
        out = {}
        for name, first, last in (("week", DAYS[0], DAYS[-1]), ("day", DAYS[-1], DAYS[-1])):
            cli = [sys.executable, "-m", "flows.cli", "process", "--from", first.isoformat(), "--to", last.isoformat()]
            log = base / "logs" / f"process-{name}.log"
            measured = run_measured(cli, lake_env(lake, prefect_home), log)
            record = child("prefect-record", base, lake_env(lake, prefect_home))
            out[name] = {**measured, **flow_breakdown(record), **command_phases(log, measured["spawned_at"], measured["wall_seconds"]),
                         "flow_state": record["state"]}
            print(f"  process command, {name}: {measured['wall_seconds']:.1f} s", flush=True)
        last_day = lake / "raw" / "**" / f"date={DAYS[-1].isoformat()}" / "part.parquet"
        out["day"]["rows_in"] = pl.scan_parquet(str(last_day)).select(pl.len()).collect().item()
        return {**out, "others_cores": max(out["week"]["others_cores"], out["day"]["others_cores"])}

    result["flow"] = undisturbed(week_then_day, "process command")

    def naive_once() -> dict:
        lake = fresh_lake(base, "naive")
        naive = child("naive", base, lake_env(lake), lake=lake, vader_sample=vader_sample)
        # End to end like the `process` command: interpreter start and imports included,
        # the VADER-alone loop that runs after it excluded.
        naive["end_to_end_seconds"] = naive["wall_seconds"] - naive["vader"]["seconds"]
        return naive

    result["naive"] = undisturbed(naive_once, "naive")
    print(f"  naive: {result['naive']['end_to_end_seconds']:.1f} s", flush=True)
    return result


def median_of(runs: list):
    """Field by field median of repeated results (numbers only; the rest from the first run)."""
    first = runs[0]
    if isinstance(first, dict):
        return {k: median_of([r[k] for r in runs if k in r]) for k in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool) and all(isinstance(r, (int, float)) for r in runs):
        middle = statistics.median(runs)
        return round(middle) if all(isinstance(r, int) for r in runs) else middle
    return first


def summarise(n_rows: int, m: dict) -> dict:
    """The figures the table shows and the targets of the issue."""
    s, flow, naive = m["stages"], m["flow"], m["naive"]
    week = flow["week"]
    vader_rate = naive["vader"]["texts"] / naive["vader"]["seconds"]
    # How much faster our analyzer is than NLTK's on the same texts: scoring got cheaper,
    # so the same cleaning is a larger share of it.
    speedup = naive["vader"]["seconds"] / naive["vader_ours"]["seconds"] if "vader_ours" in naive else 1.0
    not_scoring = s["clean"]["seconds"] + s["validate"]["seconds"] + s["routing"]["seconds"]
    largest_summary = max(s["summary"]["per_brand"].values(), key=lambda b: b["scored_mentions"])
    return {
        "throughput": {
            "process_command": n_rows / week["wall_seconds"],
            "process_flow_run": n_rows / week["flow_run_seconds"],
            "naive": n_rows / naive["end_to_end_seconds"],
            "vader_one_core": vader_rate,
        },
        "targets": {
            "process throughput vs naive (x)": target(naive["end_to_end_seconds"] / week["wall_seconds"], ">=", 1.8,
                                                      flow_run_only=naive["end_to_end_seconds"] / week["flow_run_seconds"]),
            "clean+validate+routing / scoring": target(not_scoring / s["score"]["seconds"], "<", 0.25,
                                                       with_issue_boards=(not_scoring + s["boards"]["seconds"]) / s["score"]["seconds"],
                                                       if_scoring_ran_at_nltk_rate=not_scoring / (s["score"]["seconds"] * speedup)),
            "process peak memory (GB)": target(week["peak_tree_without_server_mb"] / 1024, "<", 2.5,
                                               with_prefect_server=week["peak_tree_mb"] / 1024,
                                               largest_stage=max(r["peak_tree_mb"] for r in s.values()) / 1024),
            "Prefect overhead, one-day run (s)": target(flow["day"]["overhead_seconds"], "<", 2.0, task_runs=flow["day"]["task_runs"],
                                                        week_run=week["overhead_seconds"]),
            "weekly summary of one brand (s)": target(largest_summary["seconds"], "<", 10.0, scored_mentions=largest_summary["scored_mentions"],
                                                      note="the target is for 1,000,000 scored mentions"),
        },
    }


def target(value: float, op: str, limit: float, **context) -> dict:
    met = value >= limit if op == ">=" else value < limit
    return {"value": value, "target": f"{op} {limit:g}", "met": met, **context}


# ------------------------------------------------------------------ printing
def print_tables(n_rows: int, m: dict, summary: dict, repeats: int) -> None:
    s, flow, naive = m["stages"], m["flow"], m["naive"]
    dropped = s["clean"]["dropped"]
    dup = dropped.get("duplicate", 0) / s["clean"]["rows_in"]
    other = (sum(dropped.values()) - dropped.get("duplicate", 0)) / s["clean"]["rows_in"]
    print(f"\n{n_rows:,} raw mentions: 7 days ({WEEK}), 2 brands, 5 sources; cleaning drops {dup:.1%} as reposts/duplicates "
          f"and {other:.1%} as spam, off-topic or empty; {os.cpu_count()} cores; median of {repeats} run(s)")
    ns = naive["stages"]
    naive_of = {"clean": ("clean + dedup", ns["clean"] + ns["dedup"]), "score": ("score", ns["score"]),
                "routing": ("routing", ns["routing"]), "summary": ("groupby", ns["summary"])}
    labels = {"clean": "clean (incl. near-dup)", "validate": "validate (2 GE gates)", "score": "score (VADER, all cores)",
              "routing": "routing (category/team/stance)", "boards": "issue boards (7 days)", "summary": "weekly summary (2 brands)"}
    head = f"{'stage':<31}{'rows in':>10}{'seconds':>9}{'mentions/s':>12}{'peak MB':>9}{'others':>8}   {'naive stage':<14}{'seconds':>8}{'ours/naive':>11}"
    print(head + "\n" + "-" * len(head))
    for stage in STAGES:
        r = s[stage]
        line = f"{labels[stage]:<31}{r['rows_in']:>10,.0f}{r['seconds']:>9.2f}{n_rows / r['seconds']:>12,.0f}{r['peak_tree_mb']:>9,.0f}{r['others_cores']:>8.2f}   "
        if stage in naive_of:
            name, secs = naive_of[stage]
            line += f"{name:<14}{secs:>8.2f}{secs / r['seconds']:>10.2f}x"
        print(line)
    print("(mentions/s: raw mentions per second of the stage, so stages and contenders compare directly; peak MB: whole process tree;\n"
          f" others: cores other processes on the machine kept busy meanwhile, on average; above {DISTURBED} a measurement is taken again,\n"
          " up to twice, and the least disturbed attempt kept)")

    head = f"{'end to end':<44}{'rows in':>10}{'seconds':>9}{'mentions/s':>12}{'peak MB':>9}{'others':>8}{'vs naive':>10}"
    print("\n" + head + "\n" + "-" * len(head))
    week, day = flow["week"], flow["day"]
    for label, rows, r in (("`process` command, week (temporary server)", n_rows, week), ("`process` command, last day", day["rows_in"], day)):
        print(f"{label:<44}{rows:>10,.0f}{r['wall_seconds']:>9.1f}{rows / r['wall_seconds']:>12,.0f}{r['peak_tree_without_server_mb']:>9,.0f}{r['others_cores']:>8.2f}"
              + (f"{naive['end_to_end_seconds'] / r['wall_seconds']:>9.2f}x" if r is week else ""))
        print(f"    flow run {r['flow_run_seconds']:.1f} s: {r['task_runs']:.0f} task runs covering {r['task_seconds_union']:.1f} s (their sum "
              f"{r['task_seconds_sum']:.1f} s: brands run in parallel), Prefect overhead {r['overhead_seconds']:.2f} s ({r['before_first_task']:.2f} s "
              f"before the first task, {r['after_last_task']:.2f} s after the last, {r['data_docs_seconds'] or 0:.2f} s of it Data Docs)\n"
              f"    outside the flow run {r['wall_seconds'] - r['flow_run_seconds']:.1f} s: Python and imports {r.get('python_and_imports_seconds', 0):.1f} s, "
              f"temporary server start {r.get('server_start_seconds', 0):.1f} s, stop {r.get('server_stop_seconds', 0):.1f} s; "
              f"server peak {r['peak_server_mb']:,.0f} MB (not in the peak MB column)")
    print(f"{'naive script (pandas, apply, groupby)':<44}{n_rows:>10,.0f}{naive['end_to_end_seconds']:>9.1f}{n_rows / naive['end_to_end_seconds']:>12,.0f}"
          f"{naive['peak_tree_mb']:>9,.0f}{naive['others_cores']:>8.2f}{1:>9.2f}x")
    v = naive["vader"]
    print(f"{'NLTK VADER alone, 1 core (ceiling per core)':<44}{v['texts']:>10,.0f}{v['seconds']:>9.1f}{v['texts'] / v['seconds']:>12,.0f}")
    if o := naive.get("vader_ours"):
        print(f"{'our VADER (tokens cached), 1 core':<44}{o['texts']:>10,.0f}{o['seconds']:>9.1f}{o['texts'] / o['seconds']:>12,.0f}"
              f"{v['seconds'] / o['seconds']:>27.2f}x NLTK's rate")

    print("\ntargets of the issue (stated for 1,000,000 mentions on 2 cores):")
    for name, t in summary["targets"].items():
        extra = "; ".join(f"{k.replace('_', ' ')} {v:,.2f}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v:,}" if isinstance(v, int) else str(v)
                          for k, v in t.items() if k not in ("value", "target", "met"))
        print(f"  {name:<36}{t['value']:>8.2f}  target {t['target']:<7} {'met' if t['met'] else 'MISSED':<7}" + (f"({extra})" if extra else ""))


# ------------------------------------------------------------------ profiling
def profiled(work, path: Path) -> dict:
    """`work()` under pyinstrument, plus the time and peak memory of the Python
    functions polars calls from its own threads while cleaning."""
    from pyinstrument import Profiler

    import tasks.clean

    # Whichever of these clean.py has: per-text helpers run in this process or spread
    # over worker processes (map_distinct, timed per helper it is given).
    watched = [n for n in ("_repair", "map_distinct", "detect_language", "near_duplicate_groups") if callable(getattr(tasks.clean, n, None))]
    calls = {}

    def timing(name, fn):
        def wrapper(*args, **kwargs):
            label = f"{name}({args[1].__name__})" if name == "map_distinct" and len(args) > 1 else name
            c = calls.setdefault(label, {"seconds": 0.0, "calls": 0, "spans": []})
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                c["seconds"] += time.perf_counter() - t0
                c["calls"] += 1
                if name != "_repair":  # called per text: too many spans to keep
                    c["spans"].append((t0, time.perf_counter()))
        return wrapper

    for name in watched:
        setattr(tasks.clean, name, timing(name, getattr(tasks.clean, name)))
    samples, done = [], threading.Event()

    def sample():
        while not done.wait(0.02):
            samples.append((time.perf_counter(), _rss_mb(os.getpid())))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    with Profiler(interval=0.005) as profiler:
        answer = work()
    total = time.perf_counter() - t0
    done.set()
    sampler.join()
    lines = [f"{work.__name__}: {total:.2f} s in all, peak RSS {max((r for _, r in samples), default=0):,.0f} MB",
             "Python callbacks run by polars on its threads (invisible to the sampling profile below):"]
    for name, c in calls.items():
        if c["calls"]:
            inside = [r for t, r in samples if any(a <= t <= b for a, b in c["spans"])]
            peak = f", peak RSS while running {max(inside):,.0f} MB" if inside else ""
            lines.append(f"  tasks.clean.{name}: {c['seconds']:.2f} s ({c['seconds'] / total:.0%}) in {c['calls']:,} calls{peak}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n\n" + profiler.output_text(unicode=True, color=False, show_all=False))
    profiler.write_html(path.with_suffix(".html"))
    return answer


def code_version() -> dict:
    """The commit and uncommitted changes of the code being measured: the pipeline may
    change under a long run, and figures from two versions must not be mixed unseen."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted": git("status", "--porcelain", "--", "tasks", "flows", "config", "expectations").splitlines()}


# ------------------------------------------------------------------ entry point
def run_child(args) -> None:
    if args.lake:
        os.environ["PULSE_DATA_DIR"] = str(args.lake)
    if args.child == "generate":
        answer = generate_lake(args.n[0], args.seed, args.lake)
    elif args.child == "naive":
        answer = naive_baseline(args.lake, args.vader_sample)
    elif args.child == "prefect-record":
        answer = prefect_record()
    else:
        work = globals()["stage_" + args.child.removeprefix("stage-")]
        if args.profile_to:
            answer = profiled(work, args.profile_to)
        else:
            answer = work()
    answer["child_peak_rss_mb"] = peak_rss_mb()
    args.answer.write_text(json.dumps(answer, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000], help="raw mentions, one run per value (default 100,000 and 1,000,000)")
    parser.add_argument("--repeat", type=int, help="runs per N; medians are reported (default 3 below 1,000,000, else 1)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "process.json", help="where all figures are written")
    parser.add_argument("--dir", type=Path, default=REPO / "benchmarks" / ".data" / "process", help="throw-away lakes and Prefect home")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--vader-sample", type=int, default=200_000, help="texts for the VADER-alone loop (0: all)")
    parser.add_argument("--profile", action="store_true", help="also profile clean, validate, routing and boards with pyinstrument")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--answer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--lake", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return

    report = {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1),
                    "python": platform.python_version()},
        "week": WEEK,
        "runs": {},
    }
    for n in args.n:
        base = args.dir / f"n={n}"
        info = prepare(n, args.seed, base)
        print(f"{info['raw_rows']:,} raw mentions in {base / 'generated'} ({info['records']:,} records)", flush=True)
        prefect_home = base / "prefect-home"
        shutil.rmtree(prefect_home, ignore_errors=True)
        # Database migrations take 15-20 s in a fresh PREFECT_HOME; a deployed pipeline
        # has done them long ago, so they happen here, outside the timings.
        subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"], env=lake_env(base, prefect_home),
                       check=True, capture_output=True)
        repeats = args.repeat or (3 if n < 1_000_000 else 1)
        before = code_version()
        runs = []
        for i in range(repeats):
            print(f"run {i + 1} of {repeats}, {info['raw_rows']:,} mentions", flush=True)
            runs.append(run_once(n, base, prefect_home, args.vader_sample))
        m = median_of(runs)
        after = code_version()
        if args.profile:
            m["profiled"] = profile_stages(n, base, args.json.parent / "profiles")
        summary = summarise(info["raw_rows"], m)
        print_tables(info["raw_rows"], m, summary, repeats)
        print(f"code: commit {after['commit']}" + (f", uncommitted changes in {len(after['uncommitted'])} file(s)" if after["uncommitted"] else ""))
        if after != before:
            print(f"WARNING: tasks/, flows/, config/ or expectations/ changed during these measurements ({before['commit']} -> "
                  f"{after['commit']}): the figures mix two versions of the pipeline; run again.")
        report["runs"][str(n)] = {"lake": info, "repeats": repeats, "code": {"before": before, "after": after}, "median": m, **summary, "each_run": runs}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nfigures: {args.json}")


if __name__ == "__main__":
    main()
