"""Shared fixtures: tiny frames built the way the stages build them, and a private
data lake per test. Nothing here touches the network."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from tasks import schema
from tasks.config import REPO_ROOT, load_config

CONFIG = REPO_ROOT / "config"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PULSE_CONFIG", raising=False)
    yield
    from tasks import secrets

    secrets.forget_all()  # one test's planted secrets are not scrubbed from the next one's files


@pytest.fixture(scope="session", autouse=True)
def _private_nltk_data(tmp_path_factory):
    import os

    os.environ["PULSE_NLTK_DATA"] = str(tmp_path_factory.mktemp("nltk_data"))


@pytest.fixture(scope="session")
def cfg():
    return load_config(CONFIG)


@pytest.fixture
def config_copy(tmp_path) -> Path:
    """A writable copy of config/ whose file sources still point at the bundled sample data."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    text = (target / "sources.yaml").read_text().replace("../sample_data/", f"{REPO_ROOT / 'sample_data'}/")
    (target / "sources.yaml").write_text(text)
    return target


def raw_row(native_id: str, text: str, *, source: str = "reddit", brand: str = "halcyon", when: str = "2026-11-18T10:00:00", **extra) -> dict:
    created = datetime.fromisoformat(when).replace(tzinfo=timezone.utc)
    row = {
        "mention_id": schema.mention_id(source, native_id),
        "source": source,
        "native_id": native_id,
        "brand": brand,
        "created_at": created,
        "date": created.date(),
        "text": text,
        "raw_payload": "{}",
    }
    row.update(extra)
    return row


def raw_frame(*rows: dict) -> pl.DataFrame:
    return schema.conform(pl.DataFrame(list(rows), schema_overrides=schema.RAW, infer_schema_length=None), "raw")


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """Recorded-payload servers listen on the loopback address only."""
    return ("127.0.0.1", 0)


@pytest.fixture(scope="session")
def models():
    """The shipped team and stance models (trained once, then read from the cache)."""
    from tasks.routing.router import load_models

    return load_models(load_config(CONFIG))


def edit_yaml(folder, file, mutate):
    """Change one YAML file of a copied config folder in place; its path, for messages."""
    import yaml

    path = folder / file
    data = yaml.safe_load(path.read_text())
    mutate(data)
    path.write_text(yaml.safe_dump(data))
    return path
