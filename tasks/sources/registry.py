"""The connector registry: every source kind, its module, and the sources file's model.

A new source is a module in tasks/sources/ satisfying `Connector` (its `Settings` model
with a `kind` literal, and `fetch`), plus one entry in CONNECTORS below."""

from __future__ import annotations

from typing import Annotated, Union, get_args

from pydantic import Field, field_validator

from tasks.config import Strict
from tasks.errors import ConfigError
from tasks.sources import Connector, bluesky, file_import, github, hackernews, mastodon, reddit, rss, stackexchange

CONNECTORS: tuple[Connector, ...] = (file_import, hackernews, reddit, mastodon, bluesky, stackexchange, github, rss)


def kind_of(connector: Connector) -> str:
    return get_args(connector.Settings.model_fields["kind"].annotation)[0]


REGISTRY: dict[str, Connector] = {kind_of(c): c for c in CONNECTORS}

# One entry of sources.yaml: whichever connector's settings its `kind` names.
Source = Annotated[Union[tuple(c.Settings for c in CONNECTORS)], Field(discriminator="kind")]  # type: ignore[valid-type]


class SourcesFile(Strict):
    sources: list[Source] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _unique(cls, sources: list) -> list:
        names = [s.name for s in sources]
        for i, n in enumerate(names):
            if n in names[:i]:
                raise ValueError(f"source name {n!r} is used twice (sources.{names.index(n)} and sources.{i}): names must be unique")
        return sources


def connector(kind: str) -> Connector:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise ConfigError(f"no connector for source kind {kind!r} (known: {', '.join(REGISTRY)})") from None
