"""Stance: complaint, praise or neutral, for the report's praise boxes and complaint counts.

VADER alone calls sarcasm praise ("Brilliant. Not.", "thanks for nothing @brand 😠",
"1 star, lovely staff, phone broke in a week"). So a mention is praise only when the
stance model, trained on the labelled corpus, says praise by a clear margin and no
complaint cue (config/settings.yaml `stance.complaint_cues`) nor neutral cue (a
middling verdict, "3/5", or a news headline: `stance.neutral_cues`) is present. It is a
complaint when a cue is present, the model says complaint, or VADER reads it negative
and the model is not sure of praise (VADER calls "zero faults, can't fault them" negative).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tasks.config import StanceSettings
from tasks.routing.model import TextModel


def cue_expr(cues: list[str], text: pl.Expr | None = None, lowered: bool = False) -> pl.Expr:
    """Whether any of `cues` (regexes) is present; `lowered`: the text is lower-cased
    already (the expression would otherwise lower-case it once per cue)."""
    text = pl.col("text_for_sentiment") if text is None else text
    text = text if lowered else text.str.to_lowercase()
    if not cues:
        return pl.lit(False)
    # one pattern per cue: joined into one alternation they are 30 times slower (the
    # regex engine loses each cue's literal prefilter)
    return pl.any_horizontal([text.str.contains(c) for c in cues]).fill_null(False)


def stance(df: pl.DataFrame, settings: StanceSettings, model: TextModel, margins: np.ndarray | None = None) -> pl.DataFrame:
    """Adds `stance`. Needs `sentiment_label`, `text_norm` and `text_for_sentiment`;
    `margins`: the stance model's for each row's `text_norm`, when already known."""
    from tasks.routing.router import distinct

    if df.is_empty():
        return df.with_columns(pl.lit(None, pl.String).alias("stance"))
    if margins is None:
        texts, where = distinct(df.get_column("text_norm").to_list())
        margins = model.margins(texts)[where]
    praise_i, complaint_i = model.labels.index("praise"), model.labels.index("complaint")
    others = np.delete(margins, praise_i, axis=1)
    lead = margins[:, praise_i] - others.max(axis=1)
    df = df.with_columns(
        pl.Series("_praise_lead", lead, dtype=pl.Float64),
        pl.Series("_model_complaint", margins.argmax(axis=1) == complaint_i, dtype=pl.Boolean),
        pl.col("text_for_sentiment").str.to_lowercase().alias("_lower"),
    )
    cue = cue_expr(settings.complaint_cues, pl.col("_lower"), lowered=True)
    middling = cue_expr(settings.neutral_cues, pl.col("_lower"), lowered=True)
    return (
        df.with_columns(
            pl.when(cue | pl.col("_model_complaint"))
            .then(pl.lit("complaint"))
            .when((pl.col("_praise_lead") >= settings.praise_margin) & ~middling)
            .then(pl.lit("praise"))
            .when(pl.col("sentiment_label") == "negative")
            .then(pl.lit("complaint"))
            .otherwise(pl.lit("neutral"))
            .alias("stance")
        )
        .drop("_praise_lead", "_model_complaint", "_lower")
    )


MARGINS = tuple(round(0.05 * i, 2) for i in range(21))  # the praise margins tried: 0 to 1


def _verdicts(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
    """The praise lead of a stance model trained on `train`, for each row of `test`."""
    from tasks.routing.model import prepare
    from tasks.routing.model import train as fit

    model = fit(prepare(train.get_column("text")), train.get_column("stance").to_list())
    margins = model.margins(test.get_column("text_norm").to_list())
    praise_i = model.labels.index("praise")
    return margins[:, praise_i] - np.delete(margins, praise_i, axis=1).max(axis=1)


def _praise(lead: np.ndarray, cue: np.ndarray, margin: float) -> np.ndarray:
    """Where `stance` says praise: no complaint cue and the praise lead at least `margin`
    (a lead of 0 or more also means the model's choice is not complaint)."""
    return ~cue & (lead >= margin)


def _precision_recall(praise: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    hits = int((praise & (gold == "praise")).sum())
    return (hits / praise.sum() if praise.sum() else 0.0), hits / max(int((gold == "praise").sum()), 1)


def choose_margin(rows: pl.DataFrame, target: float, folds: int) -> float:
    """The smallest praise margin whose praise precision reaches `target` on `rows`,
    each of `folds` groups of industries predicted by a model trained on the others
    (the highest-precision margin when none does)."""
    industries = sorted(set(rows.get_column("industry").to_list()))
    leads = np.zeros(rows.height)
    for k in range(folds):
        held = [g for i, g in enumerate(industries) if i % folds == k]
        mask = rows.get_column("industry").is_in(held).to_numpy()
        leads[mask] = _verdicts(rows.filter(~pl.Series(mask)), rows.filter(pl.Series(mask)))
    cue, gold = rows.get_column("_cue").to_numpy(), rows.get_column("stance").to_numpy()
    precision = [_precision_recall(_praise(leads, cue, m), gold)[0] for m in MARGINS]
    reaching = [m for m, p in zip(MARGINS, precision) if p >= target]
    return reaching[0] if reaching else MARGINS[int(np.argmax(precision))]


def praise_cv(cfg, target: float = 0.90, inner_folds: int = 4, progress=print) -> dict:
    """Held-out praise precision with the margin chosen by nested cross-validation:
    for each industry of the corpus, the margin is chosen inside the other industries
    only (`choose_margin`, grouped folds of industries), then a model trained on all
    of them calls the held-out industry's praise with that margin."""
    from tasks.config import REPO_ROOT
    from tasks.evaluate import _prepared
    from tasks.routing.corpus import load_corpus
    from tasks.score import emoji_to_words, score_texts

    r = cfg.settings.routing
    corpus = load_corpus(cfg.root / r.corpus_dir, cfg.root / r.corrections_file, set(cfg.taxonomy.teams))
    rows = _prepared(corpus.rows.filter((pl.col("stance") != "") & (pl.col("industry") != "corrections")))
    # (Either kind of cue keeps a mention from being praise.)
    rows = rows.with_columns(cue_expr([*cfg.settings.stance.complaint_cues, *cfg.settings.stance.neutral_cues]).alias("_cue"))
    industries = sorted(set(rows.get_column("industry").to_list()))
    chosen, leads = {}, np.zeros(rows.height)
    for n, g in enumerate(industries, start=1):
        mask = (rows.get_column("industry") == g).to_numpy()
        rest = rows.filter(~pl.Series(mask))
        chosen[g] = choose_margin(rest, target, inner_folds)
        leads[mask] = _verdicts(rest, rows.filter(pl.Series(mask)))
        if progress:
            progress(f"{n}/{len(industries)} {g}: margin {chosen[g]}")
    cue, gold = rows.get_column("_cue").to_numpy(), rows.get_column("stance").to_numpy()
    margin_of_row = np.array([chosen[g] for g in rows.get_column("industry").to_list()])
    nested = _praise(leads, cue, 0) & (leads >= margin_of_row)
    result = {"rows": rows.height, "praise_rows": int((gold == "praise").sum()), "margins": chosen}
    result["nested"] = _precision_recall(nested, gold)
    result["fixed"] = {m: _precision_recall(_praise(leads, cue, m), gold) for m in (0.0, 0.3)}
    if progress:
        progress("held-out praise precision %.3f, recall %.3f (margin by nested CV); with margin 0: %.3f, %.3f; 0.3: %.3f, %.3f"
                 % (*result["nested"], *result["fixed"][0.0], *result["fixed"][0.3]))
    # The margin the whole corpus chooses, the same way, on the stance set no model or
    # margin has seen: other writers, other brands.
    result["corpus_margin"] = choose_margin(rows, target, inner_folds)
    stance_settings = cfg.settings.stance.model_copy(update={"praise_margin": result["corpus_margin"]})
    gold_set = _prepared(pl.read_csv(REPO_ROOT / "tests" / "fixtures" / "stance_gold.csv"))
    settings = cfg.settings.sentiment
    scores = score_texts(gold_set.select(emoji_to_words(pl.col("text_for_sentiment"))).to_series().to_list(), settings)
    labels = ["positive" if s >= settings.positive_threshold else "negative" if s <= settings.negative_threshold else "neutral" for s in scores]
    from tasks.routing.router import load_models

    out = stance(gold_set.with_columns(pl.Series("sentiment_label", labels)), stance_settings, load_models(cfg).stance)
    result["stance_set"] = _precision_recall((out.get_column("stance") == "praise").to_numpy(), gold_set.get_column("stance").to_numpy())
    return result


if __name__ == "__main__":
    # .venv/bin/python -m tasks.stance: the nested cross-validation above (a few minutes)
    from tasks.config import load_config

    res = praise_cv(load_config())
    print(f"{res['rows']} corpus mentions with a stance ({res['praise_rows']} praise), leave-one-industry-out")
    print("margin chosen inside the training industries: " + ", ".join(f"{g} {m}" for g, m in res["margins"].items()))
    print("held-out praise precision %.3f, recall %.3f (margin by nested CV)" % res["nested"])
    for m, (p, rc) in res["fixed"].items():
        print(f"for reference, one margin for every fold, not chosen by CV: {m}: precision {p:.3f}, recall {rc:.3f}")
    print("margin chosen on the whole corpus the same way: %s; on tests/fixtures/stance_gold.csv: precision %.3f, recall %.3f"
          % (res["corpus_margin"], *res["stance_set"]))
