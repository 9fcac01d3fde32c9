"""Masking of e-mail addresses and phone numbers in text that is stored or reported,
and pseudonyms for authors in reports."""

from __future__ import annotations

import hashlib
import re

import polars as pl

# Not preceded by "@" or a word character: "@ann@mastodon.social" is a handle, not an e-mail.
EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# A candidate phone number; it is masked only if it has 9 to 15 digits and is not a date.
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,18}\d(?!\w)")
DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}")
HINT = re.compile(r"@|\d{3}")  # texts without either hold nothing to mask


def _phone(match: re.Match) -> str:
    s = match.group(0)
    digits = sum(c.isdigit() for c in s)
    return "[phone]" if 9 <= digits <= 15 and not DATE_LIKE.match(s) else s


def mask_text(text: str | None) -> str | None:
    if text is None or not HINT.search(text):
        return text
    return PHONE.sub(_phone, EMAIL.sub("[email]", text))


def mask_pii(texts: pl.Expr) -> pl.Expr:
    # Python's re: polars' regex engine has no look-behind, which tells handles from e-mails.
    return texts.map_batches(lambda s: pl.Series([mask_text(v) for v in s], dtype=pl.String), return_dtype=pl.String)


def pseudonym(handle: str | None) -> str | None:
    """A stable stand-in for a handle: the same author gets the same name in every report."""
    return None if handle is None else "author-" + hashlib.sha256(handle.encode()).hexdigest()[:8]


def pseudonymise_authors(df: pl.DataFrame) -> pl.DataFrame:
    if "author_handle" not in df.columns:
        return df
    return df.with_columns(pl.col("author_handle").map_batches(lambda s: pl.Series([pseudonym(v) for v in s], dtype=pl.String), return_dtype=pl.String))
