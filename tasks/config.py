"""Load and validate the YAML files under `config/` (or `$PULSE_CONFIG`).

Every file is checked when it is loaded; a bad one raises ConfigError naming the
file, the key and what was expected, so the first run fails in one readable line.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, ValidationInfo, field_validator, model_validator

from tasks.errors import ConfigError

if TYPE_CHECKING:
    from tasks.sources.registry import SourcesFile

REPO_ROOT = Path(__file__).resolve().parents[1]
FILES = ("brands.yaml", "sources.yaml", "taxonomy.yaml", "settings.yaml")
SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"  # ids end up in paths: no separators, no dots


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_blank(v: list[str]) -> list[str]:
    # An empty term or phrase matches every post: the brand query or category would take everything.
    for i, item in enumerate(v):
        if not item.strip():
            raise ValueError(f"item {i} is empty: an empty phrase would match every post")
    return v


class Promise(Strict):
    """Something marketing promised, and the phrases customers use when they talk about it."""

    name: str
    phrases: list[str] = Field(min_length=1)

    _phrases = field_validator("phrases")(_no_blank)


class Brand(Strict):
    id: str = Field(pattern=SLUG)
    name: str
    terms: list[str] = Field(min_length=1)
    exclude: list[str] = []
    competitors: list[str] = []
    languages: list[str] = ["en"]
    timezone: str = "UTC"
    promises: list[Promise] = []

    _terms = field_validator("terms", "exclude")(_no_blank)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (expected an IANA name such as Europe/London)") from None
        return v


class BrandsFile(Strict):
    brands: list[Brand] = Field(min_length=1)

    @field_validator("brands")
    @classmethod
    def _references(cls, brands: list[Brand]) -> list[Brand]:
        ids = [b.id for b in brands]
        for i, b in enumerate(ids):
            if b in ids[:i]:
                raise ValueError(f"brand id {b!r} is used twice (brands.{ids.index(b)} and brands.{i}): ids must be unique")
        for b in brands:
            for c in b.competitors:
                if c not in ids:
                    raise ValueError(f"brand {b.id!r} names competitor {c!r}, which is not a brand in this file")
        return brands


class RetryPolicy(Strict):
    """How one kind of I/O tries again after a transient failure (429, 5xx, a lost
    connection, a task that raised): `retries` more tries, `backoff_seconds` x 1, 2, 4 ...
    apart, no wait over `max_backoff_seconds`, each wait stretched at random by up to
    `jitter` of the base so parallel retries do not hit a server in step. The defaults
    are the HTTP policy's; tasks/retry.py turns a policy into waits."""

    retries: int = Field(4, ge=0, le=10)
    backoff_seconds: float = Field(1.0, ge=0)
    max_backoff_seconds: float = Field(120.0, gt=0)  # urllib3's own cap
    jitter: float = Field(0.5, ge=0, le=1)


def _policy(default: RetryPolicy, override: object) -> object:
    """`override` (a mapping of some of a policy's keys) over `default`, left for
    pydantic to validate (and to name the key) when it is not a mapping."""
    return {**default.model_dump(), **override} if isinstance(override, dict) else override


class RetrySettings(Strict):
    """Every retry policy, in one section of settings.yaml. A policy that names only
    some keys keeps this section's defaults for the rest."""

    http: RetryPolicy = RetryPolicy()  # each request of a connector; a source may override it (sources.yaml `retry`)
    window: RetryPolicy = RetryPolicy(retries=3, backoff_seconds=2.0)  # a whole listen window, fetched again
    delivery: RetryPolicy = RetryPolicy()  # each post to the weekly summary's webhook
    task: RetryPolicy = RetryPolicy(retries=3, backoff_seconds=2.0)  # the other I/O tasks (clean, score, boards, summary)

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data):
        if not isinstance(data, dict):
            return data
        return {k: _policy(cls.model_fields[k].default, v) if k in cls.model_fields else v for k, v in data.items()}


def _retry_moved(data, policy: str):
    """Old configs set `retries` in the section whose work retries: say where it lives now."""
    if isinstance(data, dict) and "retries" in data:
        raise ValueError(f"retries: moved to `retries.{policy}.retries` in settings.yaml (the `retries` section holds every retry policy)")
    return data


class SourceSettings(Strict):
    """What every source's settings share. Each connector module (tasks/sources/) owns
    its own model, a subclass with a `kind` literal; tasks/sources/registry.py lists them."""

    name: str = Field(pattern=SLUG)
    enabled: bool = True

    def at(self, root: Path) -> "SourceSettings":
        """These settings with their paths resolved against the config folder."""
        return self


class ApiSource(SourceSettings):
    """Settings every API connector shares. Secrets are never here: only the names of
    the environment variables that hold them (`*_env`)."""

    base_url: str
    timeout_seconds: float = Field(20.0, gt=0)
    # Per request, on 429 / 5xx / connection errors: settings.yaml `retries.http` with
    # this source's own keys (`retry: {retries: 6}`) over it; Retry-After wins when sent.
    retry: RetryPolicy = RetryPolicy()
    max_wait_seconds: float = Field(300.0, ge=0)  # longest rate-limit pause before giving up the wait
    max_pages: PositiveInt = 20  # per window and query: a runaway cursor stops here
    page_size: PositiveInt = 100
    max_window_hours: PositiveInt | None = None  # longer windows are split (APIs cap hits per query)
    queries: dict[str, str] = {}  # brand id -> the query in this API's own syntax, overriding the brand's terms
    # The replay twin: a folder of recorded responses (sample_data/payloads/<kind>/). When
    # set, the connector runs as it would live but its HTTP client answers from the folder,
    # never the network, and no credentials are needed.
    replay: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _retry_over_defaults(cls, data, info: ValidationInfo):
        # load_config passes settings.yaml's `retries.http` as the context; the source's
        # keys go over it. `retries` and `backoff_seconds` were this source's keys before
        # the policy had its own mapping: they still work, as keys of `retry`.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        override = data.get("retry", {})
        old = {new: data.pop(key) for key, new in (("retries", "retries"), ("backoff_seconds", "backoff_seconds")) if key in data}
        if old and isinstance(override, dict):
            if both := [k for k in old if k in override]:
                raise ValueError(f"{both[0]} is given twice, at the top of the source and under `retry`: keep `retry.{both[0]}`")
            override = {**override, **old}
        data["retry"] = _policy((info.context or {}).get("http_retry") or RetryPolicy(), override)
        return data

    def at(self, root: Path) -> "ApiSource":
        return self.model_copy(update={"replay": (root / self.replay).resolve()}) if self.replay else self


class Category(Strict):
    label: str
    team: str
    sla_hours: PositiveInt
    playbook: str
    phrases: list[str] = Field(min_length=1)
    kind: Literal["complaint", "praise"] = "complaint"

    _phrases = field_validator("phrases")(_no_blank)


class TaxonomyFile(Strict):
    teams: dict[str, str] = Field(min_length=1)
    categories: dict[str, Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _teams_exist(self) -> "TaxonomyFile":
        for key, cat in self.categories.items():
            if cat.team not in self.teams:
                raise ValueError(f"category {key!r} is owned by team {cat.team!r}, which is not under `teams`")
        return self


class RoutingSettings(Strict):
    """The learned router beside the taxonomy's rules (tasks/routing/)."""

    corpus_dir: str = "routing_corpus"                  # labelled CSVs, relative to the config folder
    corrections_file: str = "routing_corrections.csv"   # an analyst's fixes: override, and train next time
    triage_below: float = Field(0.5, ge=0, le=1)       # lower confidence: the mention waits in the triage queue
    triage_team: str = "customer_care"                  # who works the triage queue
    second_team_min: float = Field(0.3, ge=0, le=1)    # a second owning team needs this much confidence (and a rule naming it)
    rule_yields_above: float = Field(0.5, ge=0, le=1)  # a rule yields to the model when it is this sure of another team
    rule_confidence: float = Field(0.9, ge=0, le=1)    # the confidence of a sure rule the model does not back


def _polars_regex(patterns: list[str], key: str) -> list[str]:
    """Patterns run in polars' regex engine, which has no look-around or back-references:
    check them there, so a bad one fails at load time naming the key, not mid-run."""
    import polars as pl

    for p in patterns:
        if not p.strip():
            raise ValueError(f"{key}: an empty pattern matches every post")
        try:
            pl.Series([""]).str.contains(p)
        except Exception as e:
            raise ValueError(f"{key}: {p!r} is not a regular expression polars can run: {str(e).splitlines()[0]}") from None
    return patterns


class StanceSettings(Strict):
    """When a mention is praise, a complaint or neutral (tasks/stance.py)."""

    praise_margin: float = Field(0.0, ge=0)   # the stance model must prefer praise by this SVM margin (config: chosen by nested CV)
    complaint_cues: list[str] = []            # case-insensitive regexes: sarcasm and complaint markers VADER misses
    neutral_cues: list[str] = []              # ... a middling verdict or news: never praise, neutral unless it complains

    @field_validator("complaint_cues", "neutral_cues")
    @classmethod
    def _cues(cls, v: list[str], info) -> list[str]:
        return _polars_regex(v, info.field_name)


class SentimentSettings(Strict):
    positive_threshold: float = Field(0.05, ge=-1, le=1)
    negative_threshold: float = Field(-0.05, ge=-1, le=1)
    sentence_split_chars: PositiveInt = 600
    lexicon: dict[str, float] = {}  # word -> valence (-4..4) added to or replacing VADER's

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data):
        if isinstance(data, dict) and (moved := [k for k in ("workers", "parallel_min_texts") if k in data]):
            raise ValueError(f"{', '.join(moved)}: moved to the `parallel` section (workers, min_items), which every parallel step reads")
        return data

    @field_validator("lexicon")
    @classmethod
    def _valences(cls, v: dict[str, float]) -> dict[str, float]:
        for word, valence in v.items():
            if not -4 <= valence <= 4 or " " in word.strip():
                raise ValueError(f"lexicon entry {word!r}: {valence} must be one word with a valence from -4 to 4")
        return {w.strip().lower(): float(x) for w, x in v.items()}

    @model_validator(mode="after")
    def _ordered(self) -> "SentimentSettings":
        if self.negative_threshold >= self.positive_threshold:
            raise ValueError("negative_threshold must be below positive_threshold")
        return self


class ParallelSettings(Strict):
    """Pure-Python work per text split across worker processes (tasks/parallel.py):
    VADER scoring and text repair alike (language identification is compiled and stays
    in-process)."""

    workers: int = Field(0, ge=0)  # processes; 0 = one per core
    min_items: PositiveInt = 5_000  # fewer distinct texts stay in-process: starting workers would cost more than it saves


class CleaningSettings(Strict):
    min_words: PositiveInt = 2
    near_duplicate_threshold: float = Field(0.7, gt=0, le=1)
    boilerplate_min_authors: int = Field(5, ge=2)
    mask_pii: bool = False
    spam_patterns: list[str] = []
    chrome_patterns: list[str] = []
    chrome_block_patterns: list[str] = []  # long texts only: a short block matching one is removed whole
    comment_section_patterns: list[str] = []  # a short block matching one opens the comments: it and all after are cut
    long_text_chars: PositiveInt = 600  # longer HTML pages are cleaned block by block (main content, chrome blocks, comments cut)
    long_plain_chars: PositiveInt = 2000  # and any text longer than this
    brand_passage_chars: PositiveInt = 600  # longer texts get `text_brand`: the passages that name the brand
    max_text_chars: PositiveInt = 20_000  # longer texts are cut to their brand passages (raw gate's limit)

    @field_validator("spam_patterns", "chrome_patterns", "chrome_block_patterns", "comment_section_patterns")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        # Checked by the engine that runs them: polars' (Rust regex) has no look-around
        # or back-references, which Python's `re` would accept.
        import polars as pl

        for i, p in enumerate(v):
            if not p.strip():
                raise ValueError(f"item {i} is empty: an empty pattern would match every post")
            try:
                pl.select(pl.lit("x").str.contains(f"(?i){p}")).item()
            except Exception as e:
                reason = str(e).strip().splitlines()
                hint = " (polars' regex engine has no look-around or back-references)" if re.search(r"\(\?<?[=!]|\\[1-9]", p) else ""
                raise ValueError(f"pattern {p!r} is not a regular expression polars can run{hint}: {reason[-1] if reason else e}") from None
        return v


class ListenSettings(Strict):
    default_lookback_hours: PositiveInt = 24

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data):
        return _retry_moved(data, "window")


class BoardSettings(Strict):
    """The daily issue board and emerging-issue detection."""

    top_issues: PositiveInt = 5
    baseline_days: PositiveInt = 14
    emerging_min_mentions: PositiveInt = 3
    emerging_min_lift: float = Field(3.0, gt=1)


class DiscoverySettings(Strict):
    """Issue discovery (tasks/discovery.py); README "How good is it" has the measurements."""

    method: Literal["agglomerative", "kmeans"] = "agglomerative"
    distance_threshold: float = Field(0.95, gt=0, lt=2)  # cosine distance at which average linkage stops merging
    dimensions: PositiveInt = 100  # LSA dimensions
    fit_texts: int = Field(4000, ge=100)  # distinct texts the linkage sees; the rest join the nearest issue
    max_chars: PositiveInt = 1000  # of each text
    label_texts: PositiveInt = 2000  # an issue of more distinct texts is labelled from a sample of this many (estimated counts)
    max_issues: PositiveInt = 20
    min_mentions_day: PositiveInt = 3
    min_mentions_week: PositiveInt = 8
    min_authors: PositiveInt = 2  # one voice repeating itself is no issue
    match_similarity: float = Field(0.5, gt=0, le=1)  # centre cosine for "the same issue as the period before"
    growing_ratio: float = Field(1.25, gt=1)  # this many times the mentions before is growing; its inverse, fading
    posts_per_issue: PositiveInt = 2


class SummarySettings(Strict):
    top_issues: PositiveInt = 5
    posts_per_issue: PositiveInt = 3
    mask_pii: bool = True
    pseudonymise_authors: bool = False  # reports name authors "author-1a2b3c4d" instead of their handles
    baseline_weeks: PositiveInt = 4  # the weeks before that trends, spikes and rising phrases compare with
    spike_z: float = Field(3.0, gt=0)  # robust z-score over the baseline weeks
    spike_min_mentions: PositiveInt = 20
    emerging_min_mentions: PositiveInt = 3  # a rising phrase of the week needs this many negative mentions ...
    emerging_min_lift: float = Field(3.0, gt=1)  # ... and this many times its baseline rate


def _check_cron(v: str) -> str:
    from cronsim import CronSim, CronSimError

    try:
        CronSim(v, datetime(2026, 1, 1))
    except CronSimError as e:
        raise ValueError(f"{v!r} is not a valid cron expression: {e}") from None
    return v


class DeploymentSettings(Strict):
    """What `prefect.yaml` must say: `pulse deployments --write` renders it from here
    and `pulse deployments --check` (run by `make deploy` and the tests) fails when the
    two disagree."""

    work_pool: str = Field("pulse", pattern=r"^[a-z0-9][a-z0-9-]*$")
    listen_cron: str = "*/15 * * * *"  # UTC
    process_lookback_days: int = Field(1, ge=0, le=31)  # a triggered process run covers today and this many days before
    weekly_summary_cron: str = "0 8 * * 1"  # in each brand's own time zone

    _cron = field_validator("listen_cron", "weekly_summary_cron")(_check_cron)


class DemoSettings(Strict):
    """The span of the bundled sample data that `pulse demo` runs over."""

    start: date = date(2026, 10, 19)
    end: date = date(2026, 11, 22)

    @model_validator(mode="after")
    def _ordered(self) -> "DemoSettings":
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class DeliverySettings(Strict):
    """Where the weekly summary is posted. The URL is a secret, so config names the
    environment variable that holds it; unset means no delivery."""

    webhook_url_env: str = Field("PULSE_WEBHOOK_URL", pattern=r"^[A-Z_][A-Z0-9_]*$")
    mode: Literal["digest", "per_team"] = "digest"

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data):
        return _retry_moved(data, "delivery")


class SettingsFile(Strict):
    sentiment: SentimentSettings = SentimentSettings()
    parallel: ParallelSettings = ParallelSettings()
    routing: RoutingSettings = RoutingSettings()
    stance: StanceSettings = StanceSettings()
    cleaning: CleaningSettings = CleaningSettings()
    listen: ListenSettings = ListenSettings()
    retries: RetrySettings = RetrySettings()
    summary: SummarySettings = SummarySettings()
    board: BoardSettings = BoardSettings()
    discovery: DiscoverySettings = DiscoverySettings()
    delivery: DeliverySettings = DeliverySettings()
    deployments: DeploymentSettings = DeploymentSettings()
    demo: DemoSettings = DemoSettings()


class Config:
    """All of config/, validated. Paths inside are resolved against the config folder."""

    def __init__(self, root: Path, brands: BrandsFile, sources: "SourcesFile", taxonomy: TaxonomyFile, settings: SettingsFile):
        self.root = root
        self.brands = brands.brands
        self.sources: list[SourceSettings] = [s.at(root) for s in sources.sources]
        self.taxonomy = taxonomy
        self.settings = settings
        if settings.routing.triage_team not in taxonomy.teams:
            raise ConfigError(f"{root / 'settings.yaml'}: routing.triage_team: {settings.routing.triage_team!r} is not a team in taxonomy.yaml (known: {', '.join(taxonomy.teams)})")

    def brand(self, brand_id: str) -> Brand:
        for b in self.brands:
            if b.id == brand_id:
                return b
        raise ConfigError(f"{self.root / 'brands.yaml'}: no brand with id {brand_id!r} (known: {', '.join(self.brand_ids)})")

    @cached_property
    def brand_ids(self) -> list[str]:
        return [b.id for b in self.brands]

    def enabled_sources(self, names: list[str] | None = None) -> list[SourceSettings]:
        known = {s.name: s for s in self.sources}
        if names:
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ConfigError(f"{self.root / 'sources.yaml'}: unknown source {unknown[0]!r} (known: {', '.join(known)})")
            return [known[n] for n in names]
        return [s for s in self.sources if s.enabled]


def config_dir(path: str | Path | None = None) -> Path:
    """Explicit path, else $PULSE_CONFIG, else ./config, else the repository's config/."""
    if path is not None:
        return Path(path)
    if env := os.environ.get("PULSE_CONFIG"):
        return Path(env)
    if (Path.cwd() / "config" / "brands.yaml").is_file():
        return Path.cwd() / "config"
    return REPO_ROOT / "config"


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found (expected one of {', '.join(FILES)} in the config folder)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise ConfigError(f"{path}: not valid YAML{line}: {getattr(e, 'problem', e)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def _explain(path: Path, err: ValidationError) -> ConfigError:
    from tasks.sources.registry import REGISTRY

    first = err.errors()[0]
    # Tagged unions put the tag in the location ("sources.0.file.colour"): a user wrote "sources.0.colour".
    loc = [p for p in first["loc"] if p not in REGISTRY]
    msg = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    # A model-level check's input is a whole mapping: naming the key says enough.
    scalar = not isinstance(value, (dict, list, tuple))
    got = f" (got {value!r:.200})" if first["type"] not in ("missing", "model_attributes_type") and "input" in first and scalar else ""
    if first["type"] == "union_tag_invalid":
        loc.append("kind")
        msg = f"unknown kind (expected one of {first['ctx']['expected_tags']})"
        got = f" (got {first['ctx']['tag']!r})"
    key = ".".join(str(p) for p in loc) or "(top level)"
    more = f" [and {err.error_count() - 1} more problem(s)]" if err.error_count() > 1 else ""
    return ConfigError(f"{path}: {key}: {msg}{got}{more}")


def load_config(path: str | Path | None = None) -> Config:
    # The sources file's model is the union of every connector's settings: the registry owns it.
    from tasks.sources.registry import SourcesFile

    root = config_dir(path).resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: config folder not found (set PULSE_CONFIG to a folder holding {', '.join(FILES)})")
    parsed = {}
    # settings.yaml first: its `retries.http` is every source's default policy.
    for name, model in zip(FILES[::-1], (SettingsFile, TaxonomyFile, SourcesFile, BrandsFile)):
        file = root / name
        context = {"http_retry": parsed["settings.yaml"].retries.http} if name == "sources.yaml" else None
        try:
            parsed[name] = model.model_validate(_read_yaml(file), context=context)
        except ValidationError as e:
            raise _explain(file, e) from None
    cfg = Config(root, *(parsed[name] for name in FILES))
    _register_secrets(cfg)
    return cfg


def _register_secrets(cfg: Config) -> None:
    """Every environment variable config names as holding a secret is scrubbed from
    logs, errors, artifacts and the lake from now on (tasks/secrets.py)."""
    from tasks import secrets

    for source in cfg.sources:
        for key, value in source:
            if key.endswith("_env") and isinstance(value, str):
                secrets.register_env(value)
    secrets.register_env(cfg.settings.delivery.webhook_url_env)
