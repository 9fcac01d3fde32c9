"""Turn a client library's recorded HTTP exchanges into a replay cassette.

    python scripts/import_recording.py betamax  <cassette.json>  <out folder> [--query KEY ...]
    python scripts/import_recording.py pygithub <ReplayData.txt> <out folder> [--query KEY ...]

Each response body is written verbatim to its own file beside the cassette
(`<out>/<name>.cassette.json`), with the status and headers as recorded. The request is
kept as method, path and the query parameters named with --query (the ones the replay
must match on; tasks/sources/replay.py). Where the payload came from goes in the folder's
README by hand: repository, path, version, licence.
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def _request(method: str, url: str, keys: list[str]) -> dict:
    parts = urlsplit(url)
    query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items() if k in keys}
    return {"method": method.upper(), "path": parts.path, "query": query}


def betamax(path: Path) -> list[tuple[str, str, int, dict, str]]:
    """(method, url, status, headers, body) of a betamax cassette (PRAW, asyncpraw)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for item in doc["interactions"]:
        req, res = item["request"], item["response"]
        headers = {k: v[0] if isinstance(v, list) else v for k, v in res["headers"].items()}
        out.append((req["method"], req["uri"], res["status"]["code"], headers, res["body"].get("string", "")))
    return out


def pygithub(path: Path) -> list[tuple[str, str, int, dict, str]]:
    """The same from PyGithub's tests/ReplayData format (ten lines per exchange)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i] in ("http", "https"):
            method, host, _port, target, _headers, _body, status, headers, body = lines[i + 1:i + 10]
            out.append((method, f"{lines[i]}://{host}{target}", int(status), dict(ast.literal_eval(headers)), body))
            i += 10
        else:
            i += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("format", choices=["betamax", "pygithub"])
    parser.add_argument("recording", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--query", nargs="*", default=[], help="query parameters the replay matches on")
    args = parser.parse_args()
    exchanges = (betamax if args.format == "betamax" else pygithub)(args.recording)
    args.out.mkdir(parents=True, exist_ok=True)
    interactions = []
    for n, (method, url, status, headers, body) in enumerate(exchanges, 1):
        name = f"{args.recording.stem}.{n}.{'json' if body.lstrip().startswith(('{', '[')) else 'txt'}"
        (args.out / name).write_text(body, encoding="utf-8")
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "transfer-encoding", "content-encoding", "set-cookie")}
        interactions.append({"request": _request(method, url, args.query), "response": {"status": status, "headers": headers, "body_file": name}})
    cassette = args.out / f"{args.recording.stem}.cassette.json"
    cassette.write_text(json.dumps({"interactions": interactions}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{cassette}: {len(interactions)} interactions")


if __name__ == "__main__":
    main()
