#!/usr/bin/env python3
"""How discovered issues match the sample's planted storylines (sample_data/storylines.csv).

Reads the scored sample from the lake (`make demo` first), discovers each week's
complaints per brand as the weekly summary does, follows them week to week, and
reports per week: the adjusted Rand index and purity of the clustering against the
storylines, and for each storyline with at least 20 complaints that week, the issue
holding most of them, its share of the storyline (recall) and of the issue (precision),
its label, its owning team against the storyline's intended team, and its status
(storylines of 10 to 19 complaints are listed too, outside the totals).

    .venv/bin/python scripts/evaluate_discovery.py [--brand halcyon] [--method agglomerative|kmeans] [--threshold 0.75]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import polars as pl  # noqa: E402

from tasks.calendar import week_days  # noqa: E402
from tasks.config import load_config  # noqa: E402
from tasks.discovery import discover, follow  # noqa: E402
from tasks.schema import NOT_REPORTED, mention_id  # noqa: E402
from tasks.storage import Lake  # noqa: E402

WEEKS = ["2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]
MIN_STORYLINE = 20  # the target: every storyline this big in a week is its own issue
SHOWN = 10  # smaller ones are listed too


def truth() -> pl.DataFrame:
    rows = pl.read_csv(REPO / "sample_data" / "storylines.csv", schema_overrides={"native_id": pl.String, "intended_team": pl.String})
    return rows.with_columns(pl.struct("source", "native_id").map_elements(lambda r: mention_id(r["source"], r["native_id"]), return_dtype=pl.String).alias("mention_id"))


def evaluate(brand_id: str, method: str, threshold: float | None) -> list[dict]:
    from sklearn.metrics import adjusted_rand_score

    cfg = load_config()
    settings = cfg.settings.discovery
    if threshold is not None:
        settings = settings.model_copy(update={"distance_threshold": threshold})
    brand, lake, planted = cfg.brand(brand_id), Lake(), truth()
    previous: list[dict] = []
    results = []
    for week in WEEKS:
        rows = lake.read_reported(brand.id, week_days(week))
        found = discover(rows, "complaint", settings, cfg.taxonomy, [*brand.terms, brand.name], settings.min_mentions_week, method=method)
        issues = follow(found, previous, week, settings)
        previous = issues
        of = {m: n for n, i in enumerate(issues) for m in i["mention_ids"]}
        complaints = rows.filter(pl.col("stance") == "complaint").join(planted.select("mention_id", "storyline", "intended_team"), on="mention_id", how="left")
        complaints = complaints.with_columns(pl.col("storyline").fill_null("unknown"), pl.col("mention_id").replace_strict(of, default=-1).alias("issue"))
        truth_labels, found_labels = complaints.get_column("storyline").to_list(), complaints.get_column("issue").to_list()
        clustered = complaints.filter(pl.col("issue") >= 0)
        purity = sum(Counter(g.get_column("storyline").to_list()).most_common(1)[0][1] for _, g in clustered.group_by("issue")) / max(clustered.height, 1)
        stories = []
        for (story, team), n in sorted(Counter(zip(complaints.get_column("storyline"), complaints.get_column("intended_team"))).items(), key=lambda kv: -kv[1]):
            if n < SHOWN or story in ("unknown", "neutral", "positive", "comparison"):
                continue
            mine = complaints.filter(pl.col("storyline") == story)
            best, hits = Counter(mine.get_column("issue").to_list()).most_common(1)[0]
            if best < 0:
                stories.append({"storyline": story, "complaints": n, "issue": None})
                continue
            issue = issues[best]
            in_issue = complaints.filter(pl.col("issue") == best)
            stories.append({
                "storyline": story, "complaints": n, "issue": issue["label"], "recall": round(hits / n, 2),
                "precision": round(hits / in_issue.height, 2), "team": issue["team"], "intended_team": team,
                "routed_right": issue["team"] == team, "status": issue["status"],
                "own_issue": hits / in_issue.height >= 0.5 and hits / n >= 0.5,
            })
        results.append({
            "week": week, "complaints": complaints.height, "issues": sum(i["status"] != "resolved" for i in issues),
            "clustered_share": round(clustered.height / max(complaints.height, 1), 2),
            "ari": round(adjusted_rand_score(truth_labels, found_labels), 3), "purity": round(purity, 3), "storylines": stories,
        })
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brand", default="halcyon")
    ap.add_argument("--method", default=None, choices=["agglomerative", "kmeans"])
    ap.add_argument("--threshold", type=float, default=None, help="agglomerative distance threshold (default: config/settings.yaml)")
    args = ap.parse_args()
    method = args.method or load_config().settings.discovery.method
    results = evaluate(args.brand, method, args.threshold)
    for r in results:
        print(f"\n{r['week']}: {r['complaints']} complaints, {r['issues']} issues, {r['clustered_share']:.0%} in an issue, ARI {r['ari']}, purity {r['purity']}")
        for s in r["storylines"]:
            if s["issue"] is None:
                print(f"  {s['storyline']:<14}{s['complaints']:>5}  not found")
                continue
            print(f"  {s['storyline']:<14}{s['complaints']:>5}  {'own issue' if s['own_issue'] else 'MIXED    '} recall {s['recall']:.2f} precision {s['precision']:.2f} "
                  f"{s['status']:<8} team {s['team']}{'' if s['routed_right'] else ' (intended ' + (s['intended_team'] or 'none') + ')'}  “{s['issue']}”")
    stories = [s for r in results for s in r["storylines"] if s["complaints"] >= MIN_STORYLINE]
    own = sum(bool(s.get("own_issue")) for s in stories)
    routed = sum(bool(s.get("routed_right")) for s in stories)
    print(f"\n{method}: mean ARI {sum(r['ari'] for r in results) / len(results):.3f}, mean purity {sum(r['purity'] for r in results) / len(results):.3f}; "
          f"storyline-weeks with >= {MIN_STORYLINE} complaints: {len(stories)}, own issue {own}, routed to the intended team {routed}")


if __name__ == "__main__":
    main()
