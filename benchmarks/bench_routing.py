"""Routing throughput: the whole router (taxonomy rules, the learned team model,
confidence and triage, then the stance model) against keyword routing alone (the
taxonomy's phrases, what routing was before the learned router), and the learned
model's featuriser against the one it replaced (scikit-learn's TF-IDF, word 1-2-grams
and `char_wb` 2-5-grams, into the same linear SVM, trained here on the same corpus),
on the same mentions in the same run, on one core. Prints medians of --repeat runs,
wall-clock and CPU seconds (the CPU rate is the per-core figure on a busy machine).

    .venv/bin/python benchmarks/bench_routing.py [--n 20000] [--old-n 1000] [--repeat 3] [--agreement]

Before: the router as it was at main 5f3326b (a pattern per category over every text,
the numpy featuriser and sparse products), rebuilt from its parts in `router_before`;
its outputs are compared with today's.

The replaced featuriser routes about 150 mentions a second, so it is timed on the
first --old-n of the same texts. --agreement also trains both models without each
industry of the corpus and counts how often they pick the same team for its mentions.
Texts are made distinct, so "each distinct text is routed once" does not do the work.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target is per core
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import statistics
import time

import numpy as np
import polars as pl

from bench_scoring import sample_texts
from tasks.clean import normalized_text
from tasks.config import load_config
import tasks.routing.router as router
from tasks.routing.features import counts
from tasks.routing.model import Joint, TextModel, prepare, train
from tasks.routing.router import load_models, route, route_and_stance
from tasks.routing.rules import _alternation, categories, category_expr
from tasks.stance import stance


class SklearnModel(TextModel):
    """The featuriser the router had before (scikit-learn's TF-IDF vectorizers in a
    pipeline with the same LinearSVC), kept here to measure against."""

    def __init__(self, texts: list[str], labels: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union
        from sklearn.svm import LinearSVC

        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, strip_accents="unicode", dtype=np.float32),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, dtype=np.float32),
        )
        self.pipeline = make_pipeline(features, LinearSVC(C=0.5, random_state=0)).fit(texts, labels)
        self.labels = list(self.pipeline.classes_)

    def margins(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.decision_function(texts) if texts else np.zeros((0, len(self.labels)))


def keyword_categories_before(df: pl.DataFrame, taxonomy, text: pl.Expr | None = None) -> pl.DataFrame:
    """The taxonomy rules as they were (main 5f3326b): every category's phrase pattern and
    its negation pattern over every text."""
    keys = sorted(taxonomy.categories)
    flags = [pl.when(category_expr(taxonomy.categories[k].phrases, text)).then(pl.lit(k)) for k in keys]
    team_of = {k: taxonomy.categories[k].team for k in keys}
    return df.with_columns(pl.concat_list(flags).list.drop_nulls().alias("categories")).with_columns(
        pl.col("categories").list.eval(pl.element().replace_strict(team_of, return_dtype=pl.String)).list.unique().list.sort().alias("rule_teams")
    )


def joint_margins_before(self: Joint, texts: list[str]) -> list[np.ndarray]:
    """The models' margins as they were: the numpy featuriser's bucket arrays, one sparse
    matrix per kind of n-gram, one sparse product each (what training still uses)."""
    outs = [np.tile(m.intercept.astype(np.float64), (len(texts), 1)) for m in self.models]
    for start in range(0, len(texts), 4096):
        batch = texts[start:start + 4096]
        for block, lookup, w in zip(self.models[0].features._blocks(batch), self.lookup, self.weights):
            product = sum(x @ w for x in counts(block, lookup, len(w), len(batch)))
            col = 0
            for out, m in zip(outs, self.models):
                k = len(m.labels)
                length = np.sqrt(product[:, col + k])
                out[start:start + len(batch)] += product[:, col:col + k] / np.where(length > 0, length, 1)[:, None]
                col += k + 1
    return outs


def router_before(frame: pl.DataFrame, cfg, models) -> pl.DataFrame:
    """Rules, team model, triage and stance with today's parts swapped back in."""
    now_categories, now_margins = router.categories, Joint.margins
    router.categories, Joint.margins = keyword_categories_before, joint_margins_before
    try:
        return route_and_stance(frame, cfg, models, lambda df: df)
    finally:
        router.categories, Joint.margins = now_categories, now_margins


def medians(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def agreement(cfg, corpus) -> None:
    """Leave-one-industry-out: both featurisers trained without the industry, their
    teams for its mentions compared (model alone, before rules and triage)."""
    rows = corpus.rows.filter(pl.col("industry") != "corrections")
    same = right_old = right_new = 0
    for industry in sorted(set(rows["industry"])):
        held = rows.filter(pl.col("industry") == industry)
        rest = corpus.rows.join(held.select("text"), on="text", how="anti")
        texts, labels = prepare(rest["text"]), rest["team"].to_list()
        old, new = SklearnModel(texts, labels), train(texts, labels)
        held_texts = prepare(held["text"])
        p_old = np.array(old.labels)[old.margins(held_texts).argmax(axis=1)]
        p_new = np.array(new.labels)[new.margins(held_texts).argmax(axis=1)]
        gold = held["team"].to_numpy()
        same += int((p_old == p_new).sum())
        right_old += int((p_old == gold).sum())
        right_new += int((p_new == gold).sum())
    n = rows.height
    print(f"\nagreement, leave-one-industry-out over {n:,} corpus mentions (team model alone): "
          f"same team {same / n:.1%}; accuracy old {right_old / n:.3f}, new {right_new / n:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="mentions per run (default 20,000)")
    parser.add_argument("--old-n", type=int, default=1_000, help="mentions per run for the replaced featuriser (default 1,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the median is reported")
    parser.add_argument("--agreement", action="store_true", help="also compare the two featurisers' teams, industry held out")
    args = parser.parse_args()

    cfg = load_config()
    models = load_models(cfg)  # trained (or read from the cache) outside the timings
    rows = models.corpus.rows.filter(pl.col("team") != "")
    corpus_texts = prepare(rows["text"])
    t = time.perf_counter()
    old = SklearnModel(corpus_texts, rows["team"].to_list())
    old_train = time.perf_counter() - t
    t = time.perf_counter()
    train(corpus_texts, rows["team"].to_list())
    new_train = time.perf_counter() - t
    texts = sample_texts(args.n)
    frame = pl.DataFrame({"text_for_sentiment": texts}).with_columns(
        normalized_text(pl.col("text_for_sentiment")).alias("text_norm"), pl.lit("neutral").alias("sentiment_label")
    )
    old_frame = frame.head(args.old_n)
    norm = frame["text_norm"].to_list()
    r = cfg.settings.routing
    contenders = [
        ("keyword rules, a pattern per category (before)", args.n, lambda: keyword_categories_before(frame, cfg.taxonomy)),
        ("keyword rules, prefiltered (now)", args.n, lambda: categories(frame, cfg.taxonomy)),
        ("team model, scikit-learn featuriser (before)", args.old_n, lambda: old.margins(norm[:args.old_n])),
        ("team model, hashed featuriser (now)", args.n, lambda: models.team.margins(norm)),
        ("router, scikit-learn featuriser (before)", args.old_n, lambda: route(old_frame, cfg.taxonomy, r, old, models.corpus)),
        ("router: rules + team model + triage (now)", args.n, lambda: route(frame, cfg.taxonomy, r, models.team, models.corpus)),
        ("router + stance, numpy featuriser (before)", args.n, lambda: router_before(frame, cfg, models)),
        ("router + stance, one compiled featurisation (now)", args.n, lambda: route_and_stance(frame, cfg, models, lambda df: df)),
    ]
    avg = sum(map(len, texts)) / len(texts)
    print(f"{args.n:,} distinct mentions ({avg:.0f} characters on average; the scikit-learn featuriser on the first "
          f"{args.old_n:,}), one core, median of {args.repeat} runs; load average {os.getloadavg()[0]:.1f}")
    print(f"training on {len(corpus_texts):,} corpus mentions: scikit-learn featuriser {old_train:.1f} s, hashed {new_train:.1f} s")
    results = {name: (n, *medians(fn, args.repeat)) for name, n, fn in contenders}
    width = max(map(len, results)) + 2
    print(f"{'contender':<{width}} {'wall s':>7} {'CPU s':>7} {'/s (CPU)':>10} {'1M mentions (CPU)':>18}")
    for name, (n, wall, cpu) in results.items():
        print(f"{name:<{width}} {wall:>7.2f} {cpu:>7.2f} {n / cpu:>10,.0f} {1e6 / (n / cpu) / 60:>14.1f} min")
    rate = {name: n / cpu for name, (n, _, cpu) in results.items()}
    names = list(results)
    print(f"keyword rules now {rate[names[1]] / rate[names[0]]:.1f}x before; team model: hashed featuriser "
          f"{rate[names[3]] / rate[names[2]]:,.0f}x the scikit-learn one; router + stance now "
          f"{rate[names[7]] / rate[names[6]]:.1f}x the numpy featuriser's")
    before, now = router_before(frame, cfg, models), route_and_stance(frame, cfg, models, lambda df: df)
    same = [(c, (before[c] == now[c]).fill_null(False).mean()) for c in ("categories", "team", "teams", "routed_by", "needs_triage", "stance")]
    print(f"router + stance now agrees with before on the {args.n:,} benchmark mentions: "
          + ", ".join(f"{c} {v:.2%}" for c, v in same)
          + f"; largest confidence difference {(before['team_confidence'] - now['team_confidence']).abs().max():.1e}")
    p_old = np.array(old.labels)[old.margins(norm[:args.old_n]).argmax(axis=1)]
    p_new = np.array(models.team.labels)[models.team.margins(norm[:args.old_n]).argmax(axis=1)]
    print(f"the two team models pick the same team for {np.mean(p_old == p_new):.1%} of the {args.old_n:,} benchmark mentions")
    if args.agreement:
        agreement(cfg, models.corpus)


if __name__ == "__main__":
    main()
