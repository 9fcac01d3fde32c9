"""Reports as text: the Jinja templates under tasks/templates/, with the escaping that
keeps post text from turning into Markdown or HTML."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from tasks.calendar import parse_week, week_days

TEMPLATES = Path(__file__).parent.parent / "templates"


def template_env(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["signed"] = lambda v, unit="": "n/a" if v is None else f"{v:+g}{unit}"
    env.filters["md"] = _md_escape
    env.filters["handle"] = _md_handle
    return env


def _md_handle(handle: object) -> str:
    """An author's handle inside Markdown, as code: renderers turn `ann@mastodon.social`
    into a mailto link otherwise. A handle that code would show wrongly (a backtick, or
    markup, which code shows verbatim and the checks for raw HTML cannot tell apart) is
    escaped as text instead, its @ escaped against the autolink."""
    text = str(handle).replace("\n", " ")
    if re.search(r"[`<>&]", text):
        return _md_escape(text).replace("@", "\\@")
    return f"`{text}`"


def _md_escape(text: object) -> str:
    """Post text inside Markdown: no raw HTML, no table breaks, no accidental markup."""
    s = re.sub(r"&(?=#?\w+;)", "&amp;", str(text)).replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", s).replace("\n", " ")


def render_markdown(model: dict) -> str:
    return template_env(autoescape=False).get_template("summary.md.j2").render(**model)


def render_html(model: dict) -> str:
    days = model["daily"]
    peak = max((sum(d[k] for k in ("positive", "neutral", "negative", "unscored")) for d in days), default=0)
    return template_env(autoescape=True).get_template("summary.html.j2").render(**model, peak=max(peak, 1))


def render_quality_html(brand_name: str, week: str, gates: list[dict]) -> str:
    """The week's quality page: every stored gate result whose window overlaps the week,
    one self-contained file beside the summary (Great Expectations' Data Docs load their
    styles and scripts from CDNs and show an empty index offline)."""
    order = {"source": 0, "raw": 1, "clean": 2, "scored": 3}  # pipeline order
    runs = sorted(gates, key=lambda g: (order.get(g["suite"], 9), g["suite"], g["start"], g["where"]))
    suites: dict[str, list[dict]] = {}
    for g in runs:
        suites.setdefault(g["suite"], []).append(g)
    checks = [c for g in runs for c in g["checks"]]
    return template_env(autoescape=True).get_template("quality.html.j2").render(
        brand_name=brand_name,
        week=week,
        week_start=parse_week(week).isoformat(),
        week_end=week_days(week)[-1].isoformat(),
        runs=runs,
        suites=suites,
        total=len(checks),
        passed=sum(c["success"] for c in checks),
        warnings=sum(not c["success"] and c["severity"] != "critical" for c in checks),
        failed=sum(not c["success"] and c["severity"] == "critical" for c in checks),
    )
