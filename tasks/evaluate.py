"""How well the pipeline agrees with people, on a labelled file.

Two kinds of file, told apart by their header:

- sentiment: tab-separated `id, score, text` with a human score on any numeric scale.
  Reports the Pearson correlation of VADER's compound score with the human score and
  the accuracy and macro-F1 of the three labels (the human scale's midpoint is neutral).
- routing: CSV `text, team` and/or `text, category`. Reports precision, recall and F1
  per class, their macro average, and a confusion table; `none` is a class of its own.

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
from tasks.issues import primary_category
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
    first = text.splitlines()[0] if text else ""
    if first.split("\t")[:3] == ["id", "score", "text"]:
        return "sentiment", _read_sentiment(path, text)
    header = next(csv.reader([first]), [])
    if "text" in header and ({"team", "category"} & set(header)):
        return "routing", _read_routing(path, text)
    raise LabelledFileError(f"{path}: line 1: expected a header 'id<TAB>score<TAB>text' or 'text,team' / 'text,category', got {first[:60]!r}")


def _read_sentiment(path: Path, text: str) -> pl.DataFrame:
    rows = []
    for n, line in enumerate(text.splitlines()[1:], start=2):
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


def _read_routing(path: Path, text: str) -> pl.DataFrame:
    reader = csv.DictReader(text.splitlines())
    rows = []
    for rec in reader:
        n = reader.line_num
        if None in rec or any(v is None for v in rec.values()):
            raise LabelledFileError(f"{path}: line {n}: expected {len(reader.fieldnames)} fields ({', '.join(reader.fieldnames)})")
        if not rec["text"].strip():
            raise LabelledFileError(f"{path}: line {n}: empty text")
        rows.append({k: rec[k].strip() for k in reader.fieldnames if k in ("text", "team", "category")})
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
    model = score_texts(prepared.get_column("vader").to_list(), settings)
    human = prepared.get_column("human").to_list()
    mid = (min(human) + max(human)) / 2
    gold = ["positive" if h > mid else "negative" if h < mid else "neutral" for h in human]
    predicted = ["positive" if s >= settings.positive_threshold else "negative" if s <= settings.negative_threshold else "neutral" for s in model]
    r = pl.DataFrame({"h": human, "m": model}).select(pl.corr("h", "m")).item()
    return {"kind": "sentiment", "rows": len(human), "pearson_r": r, "neutral_at": mid, **classification(gold, predicted)}


def evaluate_routing(df: pl.DataFrame, cfg: Config) -> dict:
    prepared = _prepared(df)
    category = primary_category(prepared, cfg.taxonomy).fill_null("none").to_list()
    team_of = {k: c.team for k, c in cfg.taxonomy.categories.items()} | {"none": "none"}
    results = {"kind": "routing", "rows": df.height}
    if "team" in df.columns:
        results["team"] = classification(df.get_column("team").to_list(), [team_of[c] for c in category])
    if "category" in df.columns:
        results["category"] = classification(df.get_column("category").to_list(), category)
    return results


def evaluate(path: Path, cfg: Config) -> dict:
    kind, rows = read_labelled(path)
    return evaluate_sentiment(rows, cfg) if kind == "sentiment" else evaluate_routing(rows, cfg)
