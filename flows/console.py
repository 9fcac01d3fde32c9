"""The one literal printer for the command line.

Brand ids, paths, config values, error messages and post text come from outside; rich
would read `[bold]` or `[/x]` in them as markup (and `:smile:` as an emoji code),
garbling the text or crashing with MarkupError. These consoles never interpret
markup, emoji codes or highlighting: styles are applied to whole pieces of text by
the code (`say(..., style="red")`), never parsed from a string.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

_LITERAL = dict(markup=False, emoji=False, highlight=False)
out = Console(soft_wrap=True, **_LITERAL)  # long paths stay on one line, copy-pastable
err = Console(stderr=True, soft_wrap=True, **_LITERAL)


def say(*pieces: object, style: str | None = None, to: Console = out) -> None:
    """Print pieces of text as they are; a piece may be a (text, style) pair."""
    text = Text()
    for piece in pieces:
        if isinstance(piece, tuple):
            text.append(str(piece[0]), style=piece[1])
        else:
            text.append(str(piece), style=style)
    to.print(text)


def show(renderable) -> None:
    """A table or other rich object; its string cells are literal too (console markup off)."""
    out.print(renderable)


def error(message: object, prefix: str = "error:") -> None:
    say((prefix, "red"), " ", str(message), to=err)
