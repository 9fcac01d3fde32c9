"""Brand terms as whole words, in any script: one pattern for polars and Python.

`\\b` fails beside scripts written without spaces: in "Javaの質問" the "の" is a word
character, so `\\bjava\\b` never matches, and "C++" has no word boundary after its "+".
A term matches here where the character before and after it is the text's edge, not a
letter, digit or "_", or a letter of a script without spaces (Han, kana, Hangul,
Thai). The same syntax is read by polars (Rust's regex) and by the `regex` module.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

UNSPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}"
EDGE = rf"[^\p{{L}}\p{{N}}_]|[{UNSPACED}]"


def alternation(terms: list[str]) -> str:
    words = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    # A space in a term is any run of white space: a line break or a no-break space between its words.
    return "|".join(re.escape(w).replace("\\ ", r"\s+") for w in words)


def term_pattern(terms: list[str]) -> str:
    """Case-insensitive whole-word match of any term, for polars' `str.contains`
    (it consumes the neighbouring characters, so use it to test, not to cut)."""
    return rf"(?i)(?:^|{EDGE})(?:{alternation(terms)})(?:$|{EDGE})"


def cut_pattern(terms: list[str]) -> str:
    """The same for `regex`, with look-arounds: matches the term alone."""
    return rf"(?i)(?<=^|{EDGE})(?:{alternation(terms)})(?=$|{EDGE})"


@lru_cache(maxsize=64)
def _compiled(terms: tuple[str, ...], exclude: tuple[str, ...]) -> tuple[regex.Pattern, regex.Pattern | None]:
    names = regex.compile(cut_pattern(list(terms)), regex.V1)
    off = regex.compile(cut_pattern(list(exclude)), regex.V1) if exclude else None
    return names, off


class BrandNames:
    """Does a text name the brand? Its terms as whole words, once the brand's excluded
    phrases ("halcyon days") are taken out."""

    def __init__(self, terms: list[str], exclude: list[str] = ()):
        self.names, self.off = _compiled(tuple(terms), tuple(exclude))
        # The terms anywhere, any case: a quick test that most lines fail.
        self.quick = re.compile(alternation(terms), re.IGNORECASE)

    def search(self, text: str) -> regex.Match | None:
        if not self.quick.search(text):
            return None
        if self.off is not None:
            text = self.off.sub(" ", text)
        return self.names.search(text)
