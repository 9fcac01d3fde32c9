"""The one link filter for reports: only http and https links are ever rendered.

A mention's `url` comes from outside (an API field, a CSV column). Escaping makes it
safe text, but not a safe link: `javascript:alert(1)` survives HTML escaping and
becomes a clickable script in the HTML report, and a `<javascript:...>` autolink in
Markdown (the reports, the daily boards and the Prefect artifacts made from them).
Every post handed to a report template passes through `safe_url`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Browsers drop tabs and newlines inside URLs ("java\tscript:" is javascript:) and
# ignore leading control characters and spaces: judge the URL as a browser reads it.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# Characters that would end a Markdown autolink or an HTML attribute, percent-encoded.
_BREAKERS = {c: f"%{ord(c):02X}" for c in '<>"\'`\\ '}
SCHEMES = ("http", "https")


def safe_url(url: object) -> str | None:
    """`url` if it is an absolute http(s) link to a host, with characters that could
    break out of a link percent-encoded; None otherwise (the report shows no link)."""
    if not isinstance(url, str):
        return None
    candidate = _INVISIBLE.sub("", url).strip(" ")
    if len(candidate) > 2048:
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in SCHEMES or not parts.netloc or parts.netloc.startswith(("@", ":")):
        return None
    return "".join(_BREAKERS.get(c, c) for c in candidate)
