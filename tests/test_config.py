
import pytest

from tasks.config import load_config
from tasks.errors import ConfigError
from tests.conftest import edit_yaml


def test_bundled_config_loads(cfg):
    assert cfg.brand_ids == ["halcyon", "brightwave"]
    assert {s.name for s in cfg.enabled_sources()} == {"hackernews", "reddit", "mastodon", "bluesky", "reviews"}, "live APIs are off: the demo is offline"
    assert all(s.path.is_file() for s in cfg.sources if s.kind == "file"), "file sources resolve against the config folder"
    assert {s.kind for s in cfg.sources} == {"file", "hackernews", "reddit", "mastodon", "bluesky", "stackexchange", "github", "rss"}
    assert cfg.taxonomy.categories["warranty_repairs"].team == "after_sales"


@pytest.mark.parametrize(
    "file, mutate, expected",
    [
        ("brands.yaml", lambda d: d["brands"][0].pop("terms"), "brands.0.terms: Field required"),
        ("brands.yaml", lambda d: d["brands"][0].update(timezone="Mars/Olympus"), "brands.0.timezone: unknown time zone 'Mars/Olympus'"),
        ("brands.yaml", lambda d: d["brands"][0].update(competitors=["nobody"]), "names competitor 'nobody'"),
        ("brands.yaml", lambda d: d["brands"][0].update(id="../etc"), "brands.0.id"),
        ("sources.yaml", lambda d: d["sources"][0].update(kind="telepathy"), "sources.0.kind"),
        ("sources.yaml", lambda d: d["sources"][0].update(colour="blue"), "sources.0.colour: Extra inputs are not permitted"),
        ("taxonomy.yaml", lambda d: d["categories"]["billing_pricing"].update(team="accounts"), "team 'accounts', which is not under `teams`"),
        ("taxonomy.yaml", lambda d: d["categories"]["billing_pricing"].update(sla_hours="soon"), "categories.billing_pricing.sla_hours"),
        ("settings.yaml", lambda d: d["deployments"].update(listen_cron="every minute"), "deployments.listen_cron: 'every minute' is not a valid cron expression"),
        ("settings.yaml", lambda d: d["cleaning"]["spam_patterns"].append("(unclosed"), "cleaning.spam_patterns"),
    ],
)
def test_bad_config_names_file_and_key(config_copy, file, mutate, expected):
    path = edit_yaml(config_copy, file, mutate)
    with pytest.raises(ConfigError) as err:
        load_config(config_copy)
    message = str(err.value)
    assert message.startswith(str(path)), message
    assert expected in message


def test_invalid_yaml_names_the_line(config_copy):
    (config_copy / "settings.yaml").write_text("sentiment:\n  positive_threshold: [0.1\n")
    with pytest.raises(ConfigError, match=r"settings.yaml: not valid YAML at line \d"):
        load_config(config_copy)


def test_missing_file_and_folder(config_copy, tmp_path):
    (config_copy / "taxonomy.yaml").unlink()
    with pytest.raises(ConfigError, match="taxonomy.yaml: file not found"):
        load_config(config_copy)
    with pytest.raises(ConfigError, match="config folder not found"):
        load_config(tmp_path / "nowhere")


def test_pulse_config_env_points_elsewhere(config_copy, monkeypatch):
    edit_yaml(config_copy, "brands.yaml", lambda d: d["brands"][1].update(name="Brightwave Ltd"))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))
    assert load_config().brand("brightwave").name == "Brightwave Ltd"


def test_unknown_brand_and_source_are_named(cfg):
    with pytest.raises(ConfigError, match="no brand with id 'acme'"):
        cfg.brand("acme")
    with pytest.raises(ConfigError, match="unknown source 'myspace'"):
        cfg.enabled_sources(["myspace"])


@pytest.mark.parametrize(
    "file, mutate, expected",
    [
        # Python's `re` accepts look-around; polars, which runs the patterns, does not.
        ("settings.yaml", lambda d: d.setdefault("cleaning", {}).update(spam_patterns=["buy(?=now)"]),
         "cleaning.spam_patterns: pattern 'buy(?=now)' is not a regular expression polars can run (polars' regex engine has no look-around"),
        ("settings.yaml", lambda d: d.setdefault("cleaning", {}).update(chrome_patterns=[r"(a)\1"]),
         "cleaning.chrome_patterns: pattern '(a)\\\\1' is not a regular expression polars can run"),
        ("settings.yaml", lambda d: d.setdefault("cleaning", {}).update(spam_patterns=[""]), "cleaning.spam_patterns: item 0 is empty"),
        ("brands.yaml", lambda d: d["brands"][0]["terms"].append(""), "brands.0.terms: item 5 is empty: an empty phrase would match every post"),
        ("brands.yaml", lambda d: d["brands"][0]["exclude"].append("  "), "brands.0.exclude: item"),
        ("taxonomy.yaml", lambda d: next(iter(d["categories"].values()))["phrases"].append(""), ".phrases: item"),
    ],
)
def test_patterns_and_phrases_that_would_fail_later_or_match_everything_are_refused(config_copy, file, mutate, expected):
    path = edit_yaml(config_copy, file, mutate)
    with pytest.raises(ConfigError) as e:
        load_config(config_copy)
    assert str(e.value).startswith(f"{path}: ") and expected in str(e.value)


def test_a_duplicate_brand_id_is_one_short_line(config_copy):
    path = edit_yaml(config_copy, "brands.yaml", lambda d: d["brands"].append(dict(d["brands"][0])))
    with pytest.raises(ConfigError) as e:
        load_config(config_copy)
    message = str(e.value)
    assert message == f"{path}: brands: brand id 'halcyon' is used twice (brands.0 and brands.2): ids must be unique"
