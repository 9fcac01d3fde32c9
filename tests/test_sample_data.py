"""The bundled sample data is what its seeded generator makes, byte for byte."""

import subprocess
import sys

from tasks.config import REPO_ROOT

SAMPLE = REPO_ROOT / "sample_data"
FILES = ["hackernews.jsonl", "reddit.jsonl", "mastodon.jsonl", "bluesky.csv", "reviews.csv", "storylines.csv", "payloads/hackernews/demo.cassette.json",
         "payloads/reddit/demo/demo.cassette.json", "payloads/mastodon/demo/demo.cassette.json", "payloads/bluesky/demo/demo.cassette.json",
         "payloads/rss/demo/demo.cassette.json", "payloads/rss/demo/reviews.atom"]


def test_generator_reproduces_the_shipped_files(tmp_path):
    subprocess.run([sys.executable, str(SAMPLE / "generate.py"), "--out", str(tmp_path)], check=True, capture_output=True, timeout=120)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), f"{name} differs: regenerate with sample_data/generate.py"

