"""Rules first, the learned router for the rest, an analyst's corrections on top.

Adds to each mention:
- `categories`: what the taxonomy's phrases found;
- `team`: the owning team; `team_confidence` (0..1); `routed_by`: rule, model or correction;
- `teams`: `team`, plus a second team only when the evidence for it is strong;
- `needs_triage`: confidence below `routing.triage_below`: the mention keeps its best
  guess in `team` and waits in the triage queue of `routing.triage_team` (the reports
  count it), so nothing is routed silently to nobody.

A long post is routed by the passages that name the brand (`text_brand`) when the
cleaning stage found them, not by incidental words elsewhere on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

from tasks.clean import dedup_key, normalized_text
from tasks.config import RoutingSettings, TaxonomyFile
from tasks.routing.corpus import Corpus
from tasks.routing.model import Joint, TextModel, softmax
from tasks.routing.rules import categories

ROUTED = {
    "categories": pl.List(pl.String), "team": pl.String, "team_confidence": pl.Float64,
    "teams": pl.List(pl.String), "routed_by": pl.String, "needs_triage": pl.Boolean,
}


def routing_text(df: pl.DataFrame) -> pl.Expr:
    if "text_brand" in df.columns:
        return normalized_text(pl.coalesce(pl.col("text_brand"), pl.col("text_for_sentiment")))
    return pl.col("text_norm")


def distinct(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts, in first-seen order, and where each text is among them: each
    distinct text is featurised once (reposts, a brand's canned replies)."""
    index: dict[str, int] = {}
    where = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64, count=len(texts))
    return list(index), where


def _model_guesses(probs: np.ndarray, teams: list[str]) -> dict[str, pl.Series]:
    """Each row's best team and its confidence, and the runner-up and its confidence."""
    rows = np.arange(len(probs))
    best = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
    p_best = probs[rows, best]
    rest = probs.copy()
    rest[rows, best] = -np.inf
    second = rest.argmax(axis=1) if len(probs) else best
    names = pl.Series(teams, dtype=pl.String)
    return {
        "_model_team": names.gather(best), "_model_p": pl.Series(p_best, dtype=pl.Float64),
        "_second": names.gather(second), "_second_p": pl.Series(probs[rows, second], dtype=pl.Float64),
    }


@dataclass(frozen=True)
class Models:
    team: TextModel
    stance: TextModel
    corpus: Corpus

    @cached_property
    def joint(self) -> Joint:
        """The team and the stance model through one featurisation."""
        return Joint([self.team, self.stance])


def load_models(cfg) -> Models:
    """The corpus and corrections under config/, and the team and stance models trained
    from them (cached by their content hash)."""
    from tasks.routing.corpus import load_corpus
    from tasks.routing.model import load_or_train

    r = cfg.settings.routing
    corpus = load_corpus(cfg.root / r.corpus_dir, cfg.root / r.corrections_file, set(cfg.taxonomy.teams))
    return Models(load_or_train(corpus, "team"), load_or_train(corpus, "stance"), corpus)


def route_and_stance(df: pl.DataFrame, cfg, models: Models, score) -> pl.DataFrame:
    """Route, then `score` (sentiment), then stance: the scoring stage's whole transform.
    The routed text and `text_norm` (the stance model's) are often the same string: the
    distinct texts of both are featurised once, for both models."""
    from tasks.stance import stance

    if df.is_empty():
        return stance(score(route(df, cfg.taxonomy, cfg.settings.routing, models.team, models.corpus)), cfg.settings.stance, models.stance)
    both = df.select(routing_text(df).alias("_text"), pl.col("text_norm"))
    texts, where = distinct(both.get_column("_text").to_list() + both.get_column("text_norm").to_list())
    team, stance_margins = models.joint.margins(texts)
    routed = route(df, cfg.taxonomy, cfg.settings.routing, models.team, models.corpus, probs=softmax(team)[where[:df.height]])
    return stance(score(routed), cfg.settings.stance, models.stance, margins=stance_margins[where[df.height:]])


def route(df: pl.DataFrame, taxonomy: TaxonomyFile, settings: RoutingSettings, model: TextModel, corpus: Corpus | None = None,
          probs: np.ndarray | None = None) -> pl.DataFrame:
    """`probs`: the team model's confidences for each row's routed text, when already known."""
    if df.is_empty():
        return df.with_columns([pl.lit(None, dtype).alias(name) for name, dtype in ROUTED.items()])
    text = routing_text(df)
    df = categories(df.with_columns(text.alias("_text")), taxonomy, pl.col("_text"))
    if probs is None:
        texts, where = distinct(df.get_column("_text").to_list())
        probs = model.probabilities(texts)[where]
    guesses = _model_guesses(probs, model.teams)
    rule_team = df.get_column("rule_teams").list.first()
    index = {t: i for i, t in enumerate(model.teams)}
    rule_i = rule_team.replace_strict(index, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()
    rule_p = np.where(rule_i >= 0, probs[np.arange(len(probs)), np.maximum(rule_i, 0)], 0.0)
    df = df.with_columns(**guesses, _rule_p=pl.Series(rule_p, dtype=pl.Float64))
    rule_team = pl.col("rule_teams").list.first()
    model_team, model_p = pl.col("_model_team"), pl.col("_model_p")
    # Rules are sure when every category they found belongs to one team, and the model
    # is not confident of another: on held-out industries a rule the model confidently
    # contradicts is wrong more often than the model (README, "How good is it?").
    rule_sure = (pl.col("rule_teams").list.len() == 1) & ~((model_team != rule_team) & (model_p >= settings.rule_yields_above))
    # A second team needs two kinds of evidence: the model's runner-up (its first
    # choice, when a rule overruled it) with enough confidence, and a rule naming it.
    overruled = rule_sure & (model_team != rule_team)
    df = df.with_columns(
        pl.when(rule_sure).then(rule_team).otherwise(model_team).alias("team"),
        pl.when(rule_sure).then(pl.max_horizontal(pl.col("_rule_p"), pl.lit(settings.rule_confidence))).otherwise(model_p).alias("team_confidence"),
        pl.when(rule_sure).then(pl.lit("rule")).otherwise(pl.lit("model")).alias("routed_by"),
        pl.when(overruled).then(model_team).otherwise(pl.col("_second")).alias("_other"),
        pl.when(overruled).then(model_p).otherwise(pl.col("_second_p")).alias("_other_p"),
    ).with_columns(
        pl.when(
            pl.col("_other").is_not_null() & (pl.col("_other") != pl.col("team"))
            & (pl.col("_other_p") >= settings.second_team_min) & pl.col("rule_teams").list.contains(pl.col("_other"))
        ).then(pl.col("_other")).alias("_other")
    )
    if corpus is not None and corpus.corrections.height:
        df = _apply_corrections(df, corpus.corrections)
    return df.with_columns(
        pl.concat_list(pl.col("team"), pl.col("_other")).list.drop_nulls().list.unique(maintain_order=True).alias("teams"),
        (pl.col("team_confidence") < settings.triage_below).alias("needs_triage"),
    ).drop("_text", "_model_team", "_model_p", "_second", "_second_p", "_rule_p", "_other", "_other_p", "rule_teams")


def _apply_corrections(df: pl.DataFrame, corrections: pl.DataFrame) -> pl.DataFrame:
    by_id = corrections.filter(pl.col("mention_id") != "").select("mention_id", pl.col("team").alias("_fix_id"))
    by_text = (
        corrections.filter(pl.col("text") != "")
        .select(dedup_key(pl.col("text")).alias("_words"), pl.col("team").alias("_fix_text"))
        .unique("_words", keep="last")
    )
    if "mention_id" in df.columns:
        df = df.join(by_id.unique("mention_id", keep="last"), on="mention_id", how="left")
    else:
        df = df.with_columns(pl.lit(None, pl.String).alias("_fix_id"))
    df = df.with_columns(dedup_key(pl.col("_text")).alias("_words")).join(by_text, on="_words", how="left").drop("_words")
    fix = pl.coalesce("_fix_id", "_fix_text")
    return df.with_columns(
        pl.when(fix.is_not_null()).then(fix).otherwise(pl.col("team")).alias("team"),
        pl.when(fix.is_not_null()).then(pl.lit(1.0)).otherwise(pl.col("team_confidence")).alias("team_confidence"),
        pl.when(fix.is_not_null()).then(pl.lit("correction")).otherwise(pl.col("routed_by")).alias("routed_by"),
        pl.when(fix.is_not_null()).then(pl.lit(None, pl.String)).otherwise(pl.col("_other")).alias("_other"),
    ).drop("_fix_id", "_fix_text")
