"""The labelled corpus the router learns from, and the analyst's corrections.

config/routing_corpus/*.csv: `text,team,team2,stance,industry,brand`, one file per
industry, reviewable like any other config. config/routing_corrections.csv:
`mention_id,text,team,note`: a correction overrides the router for that mention (by
id) or that text (by its normalised words), and its text joins the next training.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tasks.errors import ConfigError

CORPUS_COLUMNS = ("text", "team", "team2", "stance", "industry", "brand")
CORRECTION_COLUMNS = ("mention_id", "text", "team", "note")
STANCES = ("complaint", "praise", "neutral")


@dataclass(frozen=True)
class Corpus:
    rows: pl.DataFrame          # text, team, team2, stance, industry, brand (corpus then corrections)
    corrections: pl.DataFrame   # mention_id, text, team
    digest: str                 # content hash of every file read: the trained model's cache key


def _read_csv(path: Path, required: tuple[str, ...], teams: set[str]) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"{path}: line 1: missing column(s) {', '.join(missing)} (expected {','.join(required)})")
    rows = []
    for rec in reader:
        n = reader.line_num
        if None in rec:
            raise ConfigError(f"{path}: line {n}: more fields than the header's {len(reader.fieldnames)}")
        rec = {k: (v or "").strip() for k, v in rec.items()}
        for key in ("team", "team2"):
            if rec.get(key) and rec[key] not in teams:
                raise ConfigError(f"{path}: line {n}: {key} {rec[key]!r} is not a team in taxonomy.yaml (known: {', '.join(sorted(teams))})")
        if "stance" in rec and rec["stance"] and rec["stance"] not in STANCES:
            raise ConfigError(f"{path}: line {n}: stance {rec['stance']!r} is not one of {', '.join(STANCES)}")
        rows.append(rec)
    return rows


_READ: dict[tuple, Corpus] = {}


def _signature(path: Path) -> tuple:
    try:
        st = path.stat()
    except OSError:
        return (path.name, None)
    return (path.name, st.st_size, st.st_mtime_ns)


def load_corpus(corpus_dir: Path, corrections_file: Path, teams: set[str]) -> Corpus:
    """Every corpus file and the corrections, validated; errors name the file and line.
    Read once per process while no file changes (size and modification time): every
    `process` run and every evaluation asks for it."""
    files = sorted(corpus_dir.glob("*.csv")) if corpus_dir.is_dir() else []
    key = (str(corpus_dir), str(corrections_file), frozenset(teams), *map(_signature, files), _signature(corrections_file))
    if key not in _READ:
        _READ.clear()  # only the newest version is worth keeping
        _READ[key] = _read_corpus(files, corpus_dir, corrections_file, teams)
    return _READ[key]


def _read_corpus(files: list[Path], corpus_dir: Path, corrections_file: Path, teams: set[str]) -> Corpus:
    if not files:
        raise ConfigError(f"{corpus_dir}: no labelled corpus (*.csv with columns {','.join(CORPUS_COLUMNS)}) to train the router from")
    digest = hashlib.sha256()
    rows: list[dict] = []
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        for rec in _read_csv(path, ("text", "team"), teams):
            if not rec["text"] or not rec["team"]:
                continue
            rows.append({c: rec.get(c, "") for c in CORPUS_COLUMNS} | {"industry": rec.get("industry") or path.stem})
    fixes: list[dict] = []
    if corrections_file.is_file():
        digest.update(b"corrections\0" + corrections_file.read_bytes())
        for rec in _read_csv(corrections_file, ("team",), teams):
            if not rec["team"] or not (rec.get("mention_id") or rec.get("text")):
                raise ConfigError(f"{corrections_file}: each correction needs a team and a mention_id or a text")
            fixes.append({"mention_id": rec.get("mention_id", ""), "text": rec.get("text", ""), "team": rec["team"]})
            if rec.get("text"):
                rows.append({"text": rec["text"], "team": rec["team"], "team2": "", "stance": "", "industry": "corrections", "brand": ""})
    corpus = pl.DataFrame(rows, schema={c: pl.String for c in CORPUS_COLUMNS})
    corrections = pl.DataFrame(fixes, schema={c: pl.String for c in ("mention_id", "text", "team")})
    return Corpus(corpus, corrections, digest.hexdigest())
