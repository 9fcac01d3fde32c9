"""How well the pipeline agrees with people, on a labelled file.

Two kinds of file, told apart by their header:

- sentiment: tab-separated `id, score, text` with a human score on any numeric scale.
  Reports the Pearson correlation of VADER's compound score with the human score and
  the accuracy and macro-F1 of the three labels (the human scale's midpoint is neutral).
  The VADER paper's ground-truth files read as they ship: `id<TAB>score<TAB>text`, no
  header line.
- routing: CSV `text, team` and/or `text, category`. Reports precision, recall and F1
  per class, their macro average, and a confusion table; `none` is a class of its own.
- stance: CSV `text, stance` (complaint / praise / neutral). Reports praise precision
  (what the report's praise boxes depend on) and per-class figures.

Texts go through the same cleaning, scoring and routing code as the pipeline.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import polars as pl

from tasks.clean import normalized_text, readable_text
from tasks.config import Config
from tasks.errors import PulseError
from tasks.routing.rules import primary_category
from tasks.score import emoji_to_words, score_texts

LABELS = ["negative", "neutral", "positive"]


class LabelledFileError(PulseError):
    """A labelled file cannot be read; the message names the line."""


def read_labelled(path: Path) -> tuple[str, pl.DataFrame]:
    """("sentiment" | "routing", rows) from a labelled file, or LabelledFileError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LabelledFileError(f"{path}: cannot read: {e}") from None
    text = text.removeprefix("\ufeff")
    first = text.splitlines()[0] if text else ""
    if first.split("\t")[:3] == ["id", "score", "text"]:
        return "sentiment", _read_sentiment(path, text)
    if _headerless_sentiment(first):
        return "sentiment", _read_sentiment(path, text, skip=0)
    header = next(csv.reader([first]), [])
    if "text" in header and "stance" in header:
        return "stance", _read_routing(path, text, ("text", "stance"))
    if "text" in header and ({"team", "category"} & set(header)):
        return "routing", _read_routing(path, text)
    raise LabelledFileError(f"{path}: line 1: expected 'id<TAB>score<TAB>text' (with or without that header), or a CSV header 'text,team' / 'text,category' / 'text,stance', got {first[:60]!r}")


def _headerless_sentiment(line: str) -> bool:
    """A VADER ground-truth line: `1_1<TAB>1.2<TAB>text`."""
    parts = line.split("\t")
    if len(parts) != 3:
        return False
    try:
        return math.isfinite(float(parts[1]))
    except ValueError:
        return False


def _read_sentiment(path: Path, text: str, skip: int = 1) -> pl.DataFrame:
    rows = []
    for n, line in enumerate(text.splitlines()[skip:], start=skip + 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise LabelledFileError(f"{path}: line {n}: expected 3 tab-separated fields (id, score, text), got {len(parts)}")
        try:
            score = float(parts[1])
        except ValueError:
            raise LabelledFileError(f"{path}: line {n}: score {parts[1]!r} is not a number") from None
        if not math.isfinite(score):
            raise LabelledFileError(f"{path}: line {n}: score {parts[1]!r} is not a finite number")
        rows.append({"id": parts[0], "human": score, "text": parts[2]})
    if len(rows) < 3:
        raise LabelledFileError(f"{path}: needs at least 3 labelled rows, found {len(rows)}")
    return pl.DataFrame(rows)


def _read_routing(path: Path, text: str, keep: tuple[str, ...] = ("text", "team", "category")) -> pl.DataFrame:
    reader = csv.DictReader(text.splitlines())
    rows = []
    for rec in reader:
        n = reader.line_num
        if None in rec or any(v is None for v in rec.values()):
            raise LabelledFileError(f"{path}: line {n}: expected {len(reader.fieldnames)} fields ({', '.join(reader.fieldnames)})")
        if not rec["text"].strip():
            raise LabelledFileError(f"{path}: line {n}: empty text")
        rows.append({k: rec[k].strip() for k in reader.fieldnames if k in keep})
    if not rows:
        raise LabelledFileError(f"{path}: no labelled rows")
    return pl.DataFrame(rows)


def _prepared(df: pl.DataFrame) -> pl.DataFrame:
    readable = readable_text(pl.lit(None, pl.String), pl.col("text"))
    return df.with_columns(readable.alias("text_for_sentiment")).with_columns(normalized_text(pl.col("text_for_sentiment")).alias("text_norm"))


def classification(gold: list[str], predicted: list[str]) -> dict:
    """Per-class precision, recall and F1, macro F1, accuracy and the confusion counts."""
    classes = sorted(set(gold) | set(predicted))
    pairs = Counter(zip(gold, predicted))
    per_class = {}
    for c in classes:
        tp = pairs[(c, c)]
        fp = sum(n for (g, p), n in pairs.items() if p == c and g != c)
        fn = sum(n for (g, p), n in pairs.items() if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    gold_classes = [c for c in classes if per_class[c]["support"]]
    return {
        "per_class": per_class,
        "macro_f1": sum(per_class[c]["f1"] for c in gold_classes) / len(gold_classes),
        "accuracy": sum(pairs[(c, c)] for c in classes) / len(gold),
        "confusion": {g: {p: pairs[(g, p)] for p in classes} for g in classes},
    }


def evaluate_sentiment(df: pl.DataFrame, cfg: Config) -> dict:
    settings = cfg.settings.sentiment
    prepared = _prepared(df).with_columns(emoji_to_words(pl.col("text_for_sentiment")).alias("vader"))
    model = score_texts(prepared.get_column("vader").to_list(), settings, parallel=cfg.settings.parallel)
    human = prepared.get_column("human").to_list()
    mid = (min(human) + max(human)) / 2
    gold = ["positive" if h > mid else "negative" if h < mid else "neutral" for h in human]
    predicted = ["positive" if s >= settings.positive_threshold else "negative" if s <= settings.negative_threshold else "neutral" for s in model]
    r = pl.DataFrame({"h": human, "m": model}).select(pl.corr("h", "m")).item()
    return {"kind": "sentiment", "rows": len(human), "pearson_r": r, "neutral_at": mid, **classification(gold, predicted)}


def evaluate_routing(df: pl.DataFrame, cfg: Config) -> dict:
    """The whole router (rules, the model trained on the shipped corpus, corrections) by
    team; the taxonomy's phrases by category."""
    from tasks.routing.router import load_models, route

    prepared = _prepared(df)
    category = primary_category(prepared, cfg.taxonomy).fill_null("none").to_list()
    results = {"kind": "routing", "rows": df.height}
    if "team" in df.columns:
        models = load_models(cfg)
        routed = route(prepared.drop("team"), cfg.taxonomy, cfg.settings.routing, models.team, models.corpus)
        results["team"] = classification(df.get_column("team").to_list(), routed.get_column("team").to_list())
        results["triage_share"] = routed.get_column("needs_triage").mean()
    if "category" in df.columns:
        results["category"] = classification(df.get_column("category").to_list(), category)
    return results


def evaluate_stance_rows(df: pl.DataFrame, cfg: Config) -> dict:
    from tasks.routing.router import load_models
    from tasks.stance import stance

    settings = cfg.settings.sentiment
    prepared = _prepared(df).with_columns(emoji_to_words(pl.col("text_for_sentiment")).alias("vader"))
    scores = score_texts(prepared.get_column("vader").to_list(), settings, parallel=cfg.settings.parallel)
    labels = ["positive" if s >= settings.positive_threshold else "negative" if s <= settings.negative_threshold else "neutral" for s in scores]
    out = stance(prepared.with_columns(pl.Series("sentiment_label", labels)), cfg.settings.stance, load_models(cfg).stance)
    gold, predicted = df.get_column("stance").to_list(), out.get_column("stance").to_list()
    result = classification(gold, predicted)
    naive = ["praise" if label == "positive" else "complaint" if label == "negative" else "neutral" for label in labels]
    return {
        "kind": "stance", "rows": df.height, **result,
        "praise_precision": result["per_class"].get("praise", {}).get("precision", 0.0),
        "praise_recall": result["per_class"].get("praise", {}).get("recall", 0.0),
        "naive_praise_precision": classification(gold, naive)["per_class"].get("praise", {}).get("precision", 0.0),
    }


def evaluate_stance(path: Path, cfg: Config) -> dict:
    kind, rows = read_labelled(path)
    if kind != "stance":
        raise LabelledFileError(f"{path}: expected a header 'text,stance'")
    return evaluate_stance_rows(rows, cfg)


def evaluate(path: Path, cfg: Config) -> dict:
    kind, rows = read_labelled(path)
    if kind == "sentiment":
        return evaluate_sentiment(rows, cfg)
    if kind == "stance":
        return evaluate_stance_rows(rows, cfg)
    return evaluate_routing(rows, cfg)


def cross_validate(cfg: Config, by: str = "industry", progress=None) -> dict:
    """Leave-one-<by>-out: for each industry (or brand), train the router on the rest of
    the corpus and route the held-out rows through the whole router (rules, model,
    confidence, triage). The figure that predicts how it does on an unseen industry."""
    from tasks.routing.corpus import load_corpus
    from tasks.routing.model import prepare, train
    from tasks.routing.router import route

    r = cfg.settings.routing
    corpus = load_corpus(cfg.root / r.corpus_dir, cfg.root / r.corrections_file, set(cfg.taxonomy.teams))
    rows = corpus.rows.filter(pl.col("industry") != "corrections").with_row_index("_row")
    if by not in ("industry", "brand"):
        raise PulseError(f"--cv {by}: expected industry or brand")
    groups = sorted(set(rows.get_column(by).to_list()))
    if len(groups) < 2:
        raise PulseError(f"--cv {by}: the corpus has {len(groups)} {by}(s); need at least 2 to hold one out")
    out = []
    for n, group in enumerate(groups, start=1):
        held = rows.filter(pl.col(by) == group)
        rest = corpus.rows.join(held.select("text"), on="text", how="anti")
        model = train(prepare(rest.get_column("text")), rest.get_column("team").to_list())
        mentions = _prepared(held.select("_row", "text", "team", "team2"))
        out.append(route(mentions, cfg.taxonomy, r, model).select("_row", "team", "team2", pl.col("team").alias("pred"), "teams", "team_confidence", "routed_by", "needs_triage").drop("team").join(held.select("_row", "team"), on="_row"))
        if progress:
            progress(n, len(groups), group)
    routed = pl.concat(out).sort("_row")
    gold, pred = routed.get_column("team").to_list(), routed.get_column("pred").to_list()
    sure = routed.filter(~pl.col("needs_triage"))
    rules = routed.filter(pl.col("routed_by") == "rule")
    seconds = routed.filter(pl.col("teams").list.len() > 1)
    second_right = seconds.filter(pl.col("teams").list.get(1) == pl.col("team2")).height
    return {
        "kind": "routing-cv", "by": by, "groups": groups, "rows": routed.height, "routed": routed,
        "team": classification(gold, pred),
        "triage_share": routed.get_column("needs_triage").mean(),
        "accuracy_outside_triage": (sure.filter(pl.col("pred") == pl.col("team")).height / sure.height) if sure.height else 0.0,
        "rule_share": rules.height / routed.height,
        "rule_precision": (rules.filter(pl.col("pred") == pl.col("team")).height / rules.height) if rules.height else 0.0,
        "second_teams": seconds.height,
        "second_team_precision": second_right / seconds.height if seconds.height else 0.0,
        "per_group_macro_f1": {
            g: classification(part.get_column("team").to_list(), part.get_column("pred").to_list())["macro_f1"]
            for g, part in ((g, routed.join(rows.filter(pl.col(by) == g).select("_row"), on="_row")) for g in groups)
        },
    }
