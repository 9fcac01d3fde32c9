"""Issue discovery: a period's negative (or praising) mentions of a brand clustered into
issues, each labelled with the customers' own most distinctive phrases, owned by the
team most of its mentions are routed to, and followed from one period to the next.

The shape is BERTopic's, with parts that run offline: TF-IDF over each distinct text
(words and word pairs; a repost or a template is clustered once and weighs by its
copies), latent semantic analysis (truncated SVD) to 100 dimensions, average-linkage
agglomerative clustering by cosine distance with a distance threshold (so the number
of issues is found, not chosen), then class-based TF-IDF over whole-clause phrases for
the label. Texts past `fit_texts` are assigned to the nearest issue centre instead of
joining the linkage, which is quadratic. `pulse evaluate --discovery` measures it on
the sample's planted storylines.

An issue's `terms` are its centre in word space (the 40 heaviest TF-IDF terms),
independent of any one period's vocabulary: the lifecycle matches an issue with the
previous period's by the cosine of those centres.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import polars as pl

from tasks.config import DiscoverySettings, TaxonomyFile
from tasks.emerging import STOPWORDS, PhraseCut
from tasks.links import safe_url  # http(s) only: no javascript: link in any report
from tasks.privacy import mask_text, pseudonym
from tasks.tfidf import ENGLISH_STOP_WORDS, Tfidf, unit_rows

OTHER = -1
NO_TEAM = "customer_care"


def owner(df: pl.DataFrame) -> pl.Expr:
    """The one team owning each mention: the router's `team`, else (rows routed before
    the learned router) the first of `teams`, else customer care."""
    candidates = [pl.col(c) if c == "team" else pl.col(c).list.first() for c in ("team", "teams") if c in df.columns]
    return pl.coalesce(*candidates, pl.lit(NO_TEAM)) if candidates else pl.lit(NO_TEAM)


@dataclass(frozen=True)
class Clusters:
    """Per distinct text: its cluster (OTHER when none) and the vectors behind it."""

    texts: pl.DataFrame  # key, text (text_norm's start), copies, first (row of its first mention), cluster
    vectors: np.ndarray  # LSA vectors of texts, unit length
    tfidf: object  # sparse TF-IDF of texts
    terms: np.ndarray  # TF-IDF vocabulary


def _cluster_labels(x: np.ndarray, settings: DiscoverySettings, method: str) -> np.ndarray:
    """Cluster numbers of the unit rows of `x`, numbered in order of first row."""
    if len(x) < 2:
        return np.zeros(len(x), dtype=int)
    labels = _kmeans(x, settings) if method == "kmeans" else _average_linkage(x, settings.distance_threshold)
    _, first_row, cluster_of = np.unique(labels, return_index=True, return_inverse=True)
    number = np.empty(len(first_row), dtype=int)
    number[np.argsort(first_row)] = np.arange(len(first_row))
    return number[cluster_of]


def _average_linkage(x: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage clusters by cosine distance, merged while closer than `threshold`:
    scikit-learn's AgglomerativeClustering(metric="cosine", linkage="average",
    distance_threshold=threshold), whose tree is SciPy's, built by fastcluster (the same
    tree, a third of the time: the daily boards build sixteen a week)."""
    import fastcluster
    from scipy.cluster.hierarchy import fcluster

    # Cosine distances by matrix products (pdist's loop took longer than the tree), a
    # block of rows at a time into the condensed vector the tree is built in place of:
    # the full square matrix of 4,000 texts would add 128 MB to the week's peak.
    x = np.asarray(x, dtype=np.float64)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    n = len(unit)
    condensed, at = np.empty(n * (n - 1) // 2), 0
    for start in range(0, n, 512):
        block = unit[start : start + 512] @ unit.T
        for i, row in enumerate(block, start=start):
            condensed[at : at + n - i - 1] = row[i + 1 :]
            at += n - i - 1
    np.subtract(1, condensed, out=condensed)
    np.clip(condensed, 0, 2, out=condensed)
    tree = fastcluster.linkage(condensed, method="average", preserve_input=False)
    # scikit-learn stops at a merge as far as the threshold; fcluster merges up to it.
    return fcluster(tree, np.nextafter(threshold, -np.inf), criterion="distance")


def _kmeans(x: np.ndarray, settings: DiscoverySettings) -> np.ndarray:
    """k by silhouette: the comparison `pulse evaluate --discovery` reports."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best, best_score = np.zeros(len(x), dtype=int), -1.0
    for k in range(2, min(settings.max_issues, len(x) - 1) + 1):
        labels = KMeans(k, n_init=3, random_state=0).fit_predict(x)
        score = silhouette_score(x, labels, metric="cosine", sample_size=min(len(x), 3000), random_state=0)
        if score > best_score:
            best, best_score = labels, score
    return best


def text_key(settings: DiscoverySettings) -> pl.Expr:
    return pl.col("text_norm").str.slice(0, settings.max_chars).hash(seed=0).alias("key")


_blas = {"lock": threading.Lock(), "users": 0, "limiter": None}


@contextmanager
def one_blas_thread():
    """BLAS on one thread while any discovery in this process runs. The matrices are
    small (thousands of rows): one thread runs the SVD 7x faster than a pool per core
    competing with the pipeline's other work (measured on 2 cores). The limit is the
    process's, so it is set by the first discovery in and undone by the last out: two
    brands' boards each setting and undoing it undid each other's, and a thread's SVD
    then ran on every core, its sums in another order, its clusters now and then not the
    same from one run to the next."""
    from threadpoolctl import threadpool_limits

    with _blas["lock"]:
        if _blas["users"] == 0:
            _blas["limiter"] = threadpool_limits(1)
        _blas["users"] += 1
    try:
        yield
    finally:
        with _blas["lock"]:
            _blas["users"] -= 1
            if _blas["users"] == 0:
                _blas["limiter"].restore_original_limits()


def cluster_texts(rows: pl.DataFrame, settings: DiscoverySettings, ignore: list[str], method: str | None = None) -> Clusters:
    """Clusters the distinct `text_norm` of `rows`."""
    with one_blas_thread():
        return _cluster_texts(rows, settings, ignore, method)


def _cluster_texts(rows: pl.DataFrame, settings: DiscoverySettings, ignore: list[str], method: str | None) -> Clusters:
    from scipy.sparse.linalg import svds

    texts = (
        rows.select(text_key(settings), pl.col("text_norm").str.slice(0, settings.max_chars).alias("text"))
        .with_row_index("_row")
        # Grouped by a hash of the text: a million long strings would be slow to group.
        .group_by("key")
        .agg(pl.col("text").first(), pl.len().alias("copies"), pl.col("_row").min().alias("first"))
        .sort(["copies", "first"], descending=[True, False])
    )
    n = texts.height
    brand_words = sorted({w.lower() for term in ignore for w in re.findall(r"[^\W_][\w']*", term)})
    stop_words = sorted(ENGLISH_STOP_WORDS | set(STOPWORDS) | set(brand_words))
    # The most copied texts and an even spread of the rest fit the model; all are assigned.
    fit = np.arange(n) if n <= settings.fit_texts else np.sort(np.r_[np.arange(settings.fit_texts // 2), np.linspace(settings.fit_texts // 2, n - 1, settings.fit_texts // 2).astype(int)])
    corpus = texts.get_column("text")
    try:
        vectorizer = Tfidf.fit(corpus[fit], stop_words, min_df=2 if n >= 20 else 1, max_df=0.5 if n >= 20 else 1.0)
    except ValueError:  # no word survives (all stop words)
        return Clusters(texts.with_columns(pl.lit(OTHER).alias("cluster")), np.zeros((n, 1)), None, np.array([]))
    tfidf = vectorizer.transform(corpus)
    dims = min(settings.dimensions, tfidf.shape[1] - 1, len(fit) - 1)
    if dims >= 2:
        # The exact truncated SVD (ARPACK, its start fixed): as fast here as scikit-learn's
        # randomized one, which would import scikit-learn for it.
        _, _, components = svds(tfidf[fit], k=dims, random_state=0)
        vectors = unit_rows(tfidf @ components.T)
    else:
        vectors = unit_rows(tfidf.toarray())
    labels = np.full(n, OTHER)
    fit = fit[np.linalg.norm(vectors[fit], axis=1) > 0]  # a text of only rare or common words has no place
    labels[fit] = _cluster_labels(vectors[fit], settings, method or settings.method)
    ids = [c for c in np.unique(labels[fit]) if c != OTHER]
    if ids and len(fit) < n:
        centres = unit_rows(np.vstack([vectors[fit][labels[fit] == c].mean(axis=0) for c in ids]))
        rest = np.ones(n, dtype=bool)
        rest[fit] = False
        rest = np.flatnonzero(rest)
        # A block of texts at a time: all of a week's at once is a copy of their vectors
        # and a similarity matrix of hundreds of megabytes each.
        for block in np.array_split(rest, -(-len(rest) // 8192)):
            sims = vectors[block] @ centres.T
            best = sims.argmax(axis=1)
            labels[block] = np.where(sims[np.arange(len(block)), best] >= 1 - settings.distance_threshold, np.asarray(ids)[best], OTHER)
    labels = _merge_alike(labels, tfidf, texts.get_column("copies").to_numpy(), settings.match_similarity)
    return Clusters(texts.with_columns(pl.Series("cluster", labels)), vectors, tfidf, vectorizer.feature_names)


def _weighted_sums(tfidf, rows: np.ndarray, weights: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Per group, the weighted sum of `tfidf`'s `rows` (row i in group `group[i]`), dense:
    one sparse product, where slicing a week's issue's rows out would copy them."""
    from scipy.sparse import csr_matrix

    member = csr_matrix((weights.astype(np.float32), (group, rows)), shape=(groups, tfidf.shape[0]))
    return (member @ tfidf).toarray()


def _merge_alike(labels: np.ndarray, tfidf, copies: np.ndarray, threshold: float) -> np.ndarray:
    """Clusters whose word-space centres are as alike as one issue's on two days are one
    issue: the lifecycle's test of sameness, applied within the period."""
    ids = [c for c in np.unique(labels) if c != OTHER]
    if len(ids) < 2:
        return labels
    # Each cluster's copies-weighted sum of its rows.
    clustered = np.flatnonzero(labels != OTHER)
    centres = unit_rows(_weighted_sums(tfidf, clustered, copies[clustered], np.searchsorted(ids, labels[clustered]), len(ids)))
    sims = centres @ centres.T
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(sims, 1) >= threshold)):
        parent[root(j)] = root(i)
    mapping = {c: ids[root(k)] for k, c in enumerate(ids)}
    return np.array([mapping.get(c, OTHER) for c in labels])


def _labels(members: pl.DataFrame, ignore: list[str], top: int = 3, cut: PhraseCut | None = None, max_texts: int | None = None) -> dict[int, list[dict]]:
    """Class-based TF-IDF of whole phrases per cluster: how much of a cluster's posts use
    a phrase, against how common the phrase is across all clusters. `members` holds
    (cluster, text, copies) of clustered distinct texts; `cut` the phrases already cut
    of the period's texts, if any.

    A cluster of more than `max_texts` distinct texts is labelled from a fixed random
    sample of them, each standing for its share of the rest: a phrase's mentions are then
    an estimate. Cutting every text of a week of a million mentions held 24 million
    phrases (7 GB, 20 s) to name twenty issues."""
    if max_texts is not None and members.group_by("cluster").len().get_column("len").max() > max_texts:
        members = members.with_columns(pl.col("copies").sum().over("cluster").alias("_all"))
        members = members.sample(fraction=1.0, shuffle=True, seed=0).group_by("cluster", maintain_order=True).head(max_texts)
        # Each sampled text weighs for its cluster's copies over the sample's copies.
        members = members.with_columns((pl.col("copies") * pl.col("_all") / pl.col("copies").sum().over("cluster")).alias("copies")).drop("_all")
    pairs = (cut or PhraseCut()).pairs(members.get_column("text"), sizes=(1, 2, 3), words=80)
    if pairs.is_empty():
        return {}
    ignored = {w.lower() for term in ignore for w in re.findall(r"[^\W_][\w']*", term)}
    info = members.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("post"), "cluster", "copies")
    counts = (
        pairs.join(info, on="post")
        .filter(~pl.col("phrase").str.split(" ").list.eval(pl.element().is_in(list(ignored)) | pl.element().str.contains(r"^\d+$")).list.any())
        .group_by("cluster", "phrase")
        .agg(pl.col("copies").sum().alias("mentions"))
    )
    sizes = info.group_by("cluster").agg(pl.col("copies").sum().alias("size"))
    mean_size = sizes.get_column("size").mean()
    scored = (
        counts.join(sizes, on="cluster")
        .with_columns(pl.col("mentions").sum().over("phrase").alias("everywhere"), pl.col("phrase").str.count_matches(" ").alias("gaps"))
        # c-TF-IDF (BERTopic): share of the cluster using it x log(1 + mean cluster size / uses everywhere).
        # Word pairs and triples read better than single words: a small bonus per extra word.
        .with_columns(((pl.col("mentions") / pl.col("size")) * (1 + mean_size / pl.col("everywhere")).log() * (1 + 0.25 * pl.col("gaps"))).alias("score"))
        # A label speaks for the issue: a phrase in at least a tenth of its posts (and two).
        .filter(((pl.col("mentions") >= 2) & (pl.col("mentions") >= 0.1 * pl.col("size"))) | (pl.col("size") < 4))
        .sort(["cluster", "score", "phrase"], descending=[False, True, False])
    )
    candidates = scored.group_by("cluster", maintain_order=True).head(40)
    posts = {
        (c, p): set(ps)
        for c, p, ps in pairs.join(info.select("post", "cluster"), on="post")
        .join(candidates.select("cluster", "phrase"), on=["cluster", "phrase"])
        .group_by("cluster", "phrase")
        .agg("post")
        .iter_rows()
    }
    out: dict[int, list[dict]] = {}
    for cluster, group in candidates.group_by("cluster", maintain_order=True):
        chosen: list[tuple[dict, set, set]] = []
        for phrase, mentions in group.select("phrase", "mentions").iter_rows():
            words, mine = set(phrase.split()), posts[(cluster[0], phrase)]
            entry = {"phrase": phrase, "mentions": int(round(mentions))}  # an estimate when the issue was sampled
            # A longer phrase holding a chosen one, in a good part of its posts, says more
            # ("esim activation" for "esim", which is in every post of its issue and
            # would otherwise leave nothing else to say).
            wider = next((k for k, (_, w, p) in enumerate(chosen) if w < words and len(mine & p) >= 0.4 * len(p)), None)
            if wider is not None and not any(words <= w for _, w, _ in chosen):
                chosen[wider] = (entry, words, mine)
                continue
            # "esim activation" beside "esim activation failed", or "automated system
            # kept" beside "system kept sending" in the same posts: one of them says it.
            if any(words <= w or w <= words or len(mine & p) >= 0.8 * max(len(mine), len(p)) for _, w, p in chosen):
                continue
            chosen.append((entry, words, mine))
            if len(chosen) == top:
                break
        out[int(cluster[0])] = [c for c, _, _ in chosen]
    return out


def quotable(text: pl.Expr) -> pl.Expr:
    """A post a report can quote: a sentence or two, not a fragment or an essay."""
    return text.str.len_chars().is_between(40, 400) & (text.str.count_matches(r"\S+") >= 6)


def discover(
    rows: pl.DataFrame,
    stance: str,
    settings: DiscoverySettings,
    taxonomy: TaxonomyFile,
    ignore: list[str],
    min_mentions: int,
    mask: bool = True,
    method: str | None = None,
    cut: PhraseCut | None = None,
) -> list[dict]:
    """The issues in `rows` (a period's scored mentions) among mentions of `stance`
    ("complaint" or "praise"), largest first. An issue needs `min_mentions` mentions
    from `settings.min_authors` authors. `cut` keeps the phrases of texts the labels
    share with other readers of the period (the weekly summary's emerging phrases)."""
    rows = rows.filter(pl.col("stance") == stance)
    if rows.height < min_mentions:
        return []
    found = cluster_texts(rows, settings, ignore, method)
    # The posts' text and link are fetched by row for the few quoted: carried along for
    # every member they were the week's largest copy (two of them, with the split by issue).
    shown = [c for c in ("mention_id", "source", "author_handle", "author_reach", "date", "categories") if c in rows.columns]
    per_row = (
        rows.select(*shown, owner(rows).alias("_owner"), text_key(settings), pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"))
        .join(found.texts.select("key", "cluster"), on="key", how="left")
        .filter(pl.col("cluster") != OTHER)
    )
    sizes = (
        per_row
        .group_by("cluster")
        .agg(pl.len().alias("mentions"), pl.col("author_handle").n_unique().alias("authors"))
        .filter((pl.col("mentions") >= min_mentions) & (pl.col("authors") >= settings.min_authors))
        .sort(["mentions", "cluster"], descending=[True, False])
        .head(settings.max_issues)
    )
    keep = sizes.get_column("cluster").to_list()
    if not keep:
        return []
    texts = found.texts.with_row_index("_i").filter(pl.col("cluster").is_in(keep))
    labels = _labels(texts.select("cluster", "text", "copies"), ignore, cut=cut, max_texts=settings.label_texts)
    # One pass to split the rows by issue, not a filter of all rows per issue.
    by_issue = per_row.filter(pl.col("cluster").is_in(keep)).partition_by("cluster", as_dict=True)
    texts_by_issue = texts.partition_by("cluster", as_dict=True)
    issues = []
    for cluster, mentions, authors in sizes.iter_rows():
        mine = texts_by_issue[(cluster,)]
        idx = mine.get_column("_i").to_numpy()
        copies = mine.get_column("copies").to_numpy().astype(np.float32)
        vectors = found.vectors[idx]
        centre = copies @ vectors
        centre /= np.linalg.norm(centre) or 1
        closeness = vectors @ centre
        members = by_issue[(cluster,)]
        issues.append(_describe(rows, members, mine, closeness, found, idx, copies, labels.get(cluster, []), mentions, authors, taxonomy, settings, mask))
    return issues


def _describe(rows, members, mine, closeness, found, idx, copies, phrases, mentions, authors, taxonomy, settings, mask) -> dict:
    # The representative post: nearest the centre among those a report can quote.
    by_closeness = mine.with_columns(pl.Series("closeness", closeness)).sort("closeness", descending=True)
    # The nearest few hundred texts nearly always hold the quotes: a week's issue may have
    # a hundred thousand, and looking at them all only when they do not.
    for nearest in (by_closeness.head(200), by_closeness):
        firsts = members.filter(pl.col("key").is_in(nearest.get_column("key").implode())).unique("key", keep="first")
        at = firsts.get_column("_row")
        firsts = firsts.with_columns(
            rows.get_column("text_for_sentiment").gather(at).alias("text_for_sentiment"),
            rows.get_column("url").gather(at).alias("url") if "url" in rows.columns else pl.lit(None, pl.String).alias("url"),
        )
        quotes = nearest.join(firsts.select("key", "text_for_sentiment", "source", "author_handle", "url", "date", "author_reach"), on="key", how="left", maintain_order="left")
        can_quote = quotes.filter(quotable(pl.col("text_for_sentiment")).fill_null(False))
        if can_quote.height >= settings.posts_per_issue or nearest.height == by_closeness.height:
            break
    pick = (can_quote if not can_quote.is_empty() else quotes).head(settings.posts_per_issue)
    shown = mask_text if mask else (lambda t: t)
    posts = [
        {"text": shown(r["text_for_sentiment"] if len(r["text_for_sentiment"]) <= 400 else r["text_for_sentiment"][:397] + "..."),
         "source": r["source"], "author": r["author_handle"] or "unknown", "url": safe_url(r["url"]), "date": r["date"].isoformat(),
         "reach": r["author_reach"], "copies": int(r["copies"])}
        for r in pick.iter_rows(named=True)
    ]
    teams = members.group_by("_owner").len().sort(["len", "_owner"], descending=[True, False])
    team, team_n = teams.row(0)
    cats = members.select(pl.col("categories").explode()).drop_nulls().group_by("categories").len().sort(["len", "categories"], descending=[True, False])
    category = None
    if not cats.is_empty() and cats.item(0, "len") >= 0.5 * members.height:
        key = cats.item(0, "categories")
        category = {"key": key, "label": taxonomy.categories[key].label, "share": round(100 * cats.item(0, "len") / members.height, 1)} if key in taxonomy.categories else None
    # Word-space centre: the copies-weighted mean TF-IDF row, its 40 heaviest terms.
    weights = _weighted_sums(found.tfidf, idx, copies, np.zeros(len(idx), dtype=np.int64), 1).ravel()
    top = np.argsort(-weights)[:40]
    norm = float(np.linalg.norm(weights[top])) or 1.0
    terms = {str(found.terms[i]): round(float(weights[i]) / norm, 4) for i in top if weights[i] > 0}
    reach = members.group_by("author_handle", "source").agg(pl.col("author_reach").max()).get_column("author_reach").sum()
    return {
        "label": " · ".join(p["phrase"] for p in phrases[:3]) or posts[0]["text"][:60],
        "phrases": phrases,
        "mentions": int(mentions),
        "authors": int(authors),
        "sources": dict(sorted(members.group_by("source").len().iter_rows(), key=lambda kv: (-kv[1], kv[0]))),
        "reach": int(reach or 0),
        "team": team,
        "team_name": taxonomy.teams.get(team, team),
        "team_share": round(100 * team_n / members.height, 1),
        "category": category,
        "sla_hours": taxonomy.categories[category["key"]].sla_hours if category else None,
        "playbook": taxonomy.categories[category["key"]].playbook if category else None,
        "posts": posts,
        "mention_ids": members.get_column("mention_id"),  # a Series: a week's issue may hold hundreds of thousands
        "terms": terms,
    }


# ---------------------------------------------------------------- lifecycle
def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two word-space centres (each of unit length over its terms)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def follow(current: list[dict], previous: list[dict], period: str, settings: DiscoverySettings) -> list[dict]:
    """`current` issues with an `id`, `status` and `history`, matched with `previous`
    (the period before, as this function returned it) by centre similarity, best pairs
    first; issues of before that nothing matches are listed as resolved (0 mentions)."""
    pairs = sorted(
        ((similarity(c["terms"], p["terms"]), i, j) for i, c in enumerate(current) for j, p in enumerate(previous) if p["status"] != "resolved"),
        reverse=True,
    )
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for sim, i, j in pairs:
        if sim < settings.match_similarity:
            break
        if i not in matched and j not in taken:
            matched[i], _ = j, taken.add(j)
    out = []
    for i, issue in enumerate(current):
        if i in matched:
            before = previous[matched[i]]
            ratio = issue["mentions"] / max(before["mentions"], 1)
            status = "growing" if ratio >= settings.growing_ratio else "fading" if ratio <= 1 / settings.growing_ratio else "steady"
            history = [*before["history"], {"period": period, "mentions": issue["mentions"]}]
            out.append({**issue, "id": before["id"], "status": status, "first_seen": before["first_seen"], "previous_mentions": before["mentions"], "history": history[-12:]})
        else:
            out.append({**issue, "id": f"{period}#{i + 1}", "status": "new", "first_seen": period, "previous_mentions": 0, "history": [{"period": period, "mentions": issue["mentions"]}]})
    for j, before in enumerate(previous):
        if j not in taken and before["status"] != "resolved":
            history = [*before["history"], {"period": period, "mentions": 0}]
            out.append({**before, "status": "resolved", "previous_mentions": before["mentions"], "mentions": 0, "authors": 0, "history": history[-12:]})
    return out


def ranked(issues: list[dict]) -> list[dict]:
    """Open issues, most pressing first: size, with new and growing ones a little ahead."""
    boost = {"new": 1.25, "growing": 1.25, "steady": 1.0, "fading": 0.8}
    return sorted((i for i in issues if i["status"] != "resolved"), key=lambda i: (-i["mentions"] * boost.get(i["status"], 1.0), i["id"]))


def period_issues(
    rows: pl.DataFrame, previous: dict | None, period: str, settings: DiscoverySettings, taxonomy: TaxonomyFile, ignore: list[str], min_mentions: int, mask: bool,
    cut: PhraseCut | None = None,
    threads: int = 1,
) -> dict:
    """A period's followed complaints and praise: what the lake keeps per day or week.
    `threads` 2: the two found side by side, for a week's summary, which has the cores
    to itself. (The daily boards run while the other brand is cleaned and scored: there
    a second thread saved no time beyond the spread of runs of the million-mention week's
    `process`, and its run held the most memory of any, 3.7 GB.)"""
    from concurrent.futures import ThreadPoolExecutor

    previous = previous or {}
    # Complaints and praise on two threads: much of discovery (the SVD, the tree, sparse
    # sums) runs on one core, and polars and NumPy let go of the GIL while they work.
    with ThreadPoolExecutor(threads) as pool:
        found = {k: pool.submit(discover, rows, stance, settings, taxonomy, ignore, min_mentions, mask, cut=cut) for k, stance in (("issues", "complaint"), ("praise", "praise"))}
    return {"period": period, **{k: follow(f.result(), previous.get(k, []), period, settings) for k, f in found.items()}}


def pseudonymised_posts(found: dict) -> dict:
    """period_issues with their posts' authors under pseudonyms: for reports that name no
    one, when the issues were found from the mentions as stored."""
    def posts(issue: dict) -> dict:
        return {**issue, "posts": [{**p, "author": pseudonym(p["author"]) if p["author"] != "unknown" else p["author"]} for p in issue.get("posts", [])]}

    return {**found, **{k: [posts(i) for i in found[k]] for k in ("issues", "praise")}}


def without_members(issue: dict) -> dict:
    """An issue as a report or the lake keeps it: without its mention ids (a week's issue
    may hold hundreds of thousands) and, for reports, its word-space centre."""
    return {k: v for k, v in issue.items() if k not in ("mention_ids", "terms")}


def stored(found: dict) -> dict:
    """period_issues as the lake keeps them: centres (for the next period) but no mention ids."""
    return {**found, **{k: [{x: y for x, y in i.items() if x != "mention_ids"} for i in found[k]] for k in ("issues", "praise")}}


def attention_line(issue: dict) -> str:
    """One line of "Needs attention": what, how many, which way, who owns it."""
    sla = f", SLA {issue['sla_hours']} h" if issue.get("sla_hours") else ""
    return (
        f"{issue['label']}: {issue['mentions']} mentions from {issue['authors']} people ({issue['status']}), "
        f"owned by {issue['team_name']} ({issue['team_share']:g} % of its mentions){sla}"
    )
