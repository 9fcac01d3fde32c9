"""The replay twin: a connector's HTTP answered from recorded responses, never the network.

A source with `replay: <folder>` in sources.yaml runs its real connector (queries,
paging, cursors, rate-limit and Retry-After handling) while HttpClient mounts
`ReplayAdapter` in place of the network. The folder holds cassettes, `*.cassette.json`
(at any depth), each `{"interactions": [...]}` of

    {"request": {"method": "GET", "path": "/2.3/search/advanced",
                 "query": {"q": "halcyon", "page": "2"}},
     "response": {"status": 200, "headers": {"X-RateLimit-Remaining": "0", ...},
                  "json": {...} | "text": "..." | "body_file": "search_advanced.json"}}

A request matches an interaction when the method and URL path are equal (the host and a
trailing slash are not compared, so a test server or another base_url replays the same
files) and every
query parameter the recording names has the request's value: the recording names the
parameters that matter (the query, the window, the page or cursor) and leaves out the
ones that do not (page sizes, keys, `raw_json`). Of the matches, the one naming the most
parameters wins; equal ones are played in order, the last repeating, so a recorded 429
then 200 for one request replays a retry. A request nothing matches gets a 404 saying
so, which the connector reports as it would a live 404.

Waits are not slept: the rate-limit and Retry-After pauses a live run would take are
counted in FetchStats and skipped, so a replay takes as long as its parsing.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3.exceptions import MaxRetryError

from tasks.errors import ConfigError

CASSETTE = "*.cassette.json"


@dataclass
class Interaction:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    headers: dict[str, str]
    body: bytes
    origin: str  # cassette file and position, for messages


@dataclass
class Recordings:
    """Every interaction recorded in a folder, and which of them were played."""

    folder: Path
    interactions: list[Interaction]
    played: dict[int, int] = field(default_factory=dict)  # id(interaction) -> times

    def answer(self, method: str, url: str) -> Interaction | None:
        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        matches = [
            i for i in self.interactions
            if i.method == method.upper() and i.path.rstrip("/") == parts.path.rstrip("/") and all(query.get(k) == v for k, v in i.query.items())
        ]
        if not matches:
            return None
        most = max(len(i.query) for i in matches)
        best = [i for i in matches if len(i.query) == most]
        chosen = next((i for i in best if id(i) not in self.played), best[-1])
        self.played[id(chosen)] = self.played.get(id(chosen), 0) + 1
        return chosen


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _body(response: dict, cassette: Path) -> bytes:
    if "json" in response:
        return json.dumps(response["json"], ensure_ascii=False).encode()
    if "text" in response:
        return str(response["text"]).encode()
    if "body_file" in response:
        return (cassette.parent / response["body_file"]).read_bytes()
    return b""


@lru_cache(maxsize=32)
def _load(folder: Path, stamp: tuple) -> tuple[Interaction, ...]:
    out = []
    for cassette in sorted(folder.rglob(CASSETTE)):
        try:
            doc = json.loads(cassette.read_text(encoding="utf-8"))
            for n, item in enumerate(doc["interactions"]):
                req, res = item["request"], item["response"]
                out.append(Interaction(
                    method=req.get("method", "GET").upper(),
                    path=req["path"],
                    query={k: _values(v) for k, v in (req.get("query") or {}).items()},
                    status=int(res.get("status", 200)),
                    headers={str(k): str(v) for k, v in (res.get("headers") or {}).items()},
                    body=_body(res, cassette),
                    origin=f"{cassette.name} #{n}",
                ))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{cassette}: not a replay cassette ({type(e).__name__}: {e})") from None
    return tuple(out)


def recordings(folder: Path) -> Recordings:
    """The folder's cassettes, read once per version of the files."""
    if not folder.is_dir():
        raise ConfigError(f"replay folder {folder} not found (sources.yaml `replay` is relative to the config folder)")
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(folder.rglob(CASSETTE)))
    return Recordings(folder, list(_load(folder, stamp)))


class ReplayAdapter(HTTPAdapter):
    """requests' HTTPAdapter with recordings where the network was. The client's Retry
    (429 / 5xx, Retry-After, backoff, counting) runs over the recorded answers as it
    would over live ones."""

    def __init__(self, recorded: Recordings, max_retries: Any, wait: Callable[[float], None]):
        super().__init__(max_retries=max_retries)
        self.recorded, self.wait = recorded, wait

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None, proxies: Any = None) -> Response:
        method, url = request.method or "GET", request.url or ""
        retries = self.max_retries
        while True:
            raw = self._respond(method, url)
            if not retries.is_retry(method, raw.status, "Retry-After" in raw.headers):
                break
            try:
                retries = retries.increment(method, url, response=raw)
            except MaxRetryError:
                break
            after = retries.get_retry_after(raw) if retries.respect_retry_after_header else None
            self.wait(after if after is not None else retries.get_backoff_time())
        return self.build_response(request, raw)

    def _respond(self, method: str, url: str) -> HTTPResponse:
        hit = self.recorded.answer(method, url)
        if hit is None:
            parts = urlsplit(url)
            message = f"no recorded response for {method} {parts.path}?{parts.query} in {self.recorded.folder}"
            return HTTPResponse(body=io.BytesIO(json.dumps({"message": message}).encode()), status=404, reason="Not Recorded",
                                headers={"Content-Type": "application/json"}, preload_content=False)
        return HTTPResponse(body=io.BytesIO(hit.body), status=hit.status, headers=hit.headers, reason="Replayed",
                            preload_content=False, decode_content=False)
