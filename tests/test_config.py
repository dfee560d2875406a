"""The config loader: defaults, precedence, and one clear error naming file, line and key."""

from __future__ import annotations

import pytest

from wallwatch import config as config_mod
from wallwatch.errors import ConfigError

MINIMAL = """
[archive]
path = "a.db"

[[sources]]
name = "technode"
url = "https://technode.com/feed/"
topics = ["tech"]
"""


def test_shipped_config_is_valid_and_has_real_sources():
    cfg = config_mod.load(config_mod.DEFAULT_CONFIG)
    assert len(cfg.sources) >= 15
    assert {t for s in cfg.sources for t in s.topics} >= {"tech", "luxury", "china"}
    assert all(s.url.startswith(("http://", "https://")) for s in cfg.sources)
    assert cfg.crawler.allow_private_networks is False
    assert cfg.digests and cfg.digests[0].channel == "file"


def test_relative_archive_path_resolves_next_to_the_file(write_config, tmp_path):
    cfg = config_mod.load(write_config(MINIMAL))
    assert cfg.db_path == tmp_path / "a.db"
    assert cfg.sources[0].kind == "feed"  # default kind
    assert cfg.crawler.delay_seconds == 1.0  # defaults fill what the file omits


def test_precedence_flag_over_env_over_file(write_config, tmp_path, monkeypatch):
    path = write_config(MINIMAL)
    monkeypatch.setenv("WALLWATCH_CONFIG", str(path))
    monkeypatch.setenv("WALLWATCH_DB", str(tmp_path / "env.db"))
    assert config_mod.load().db_path == tmp_path / "env.db"
    assert config_mod.load(db=tmp_path / "flag.db").db_path == tmp_path / "flag.db"
    # Overriding the path keeps the rest of [archive].
    tuned = write_config(MINIMAL.replace('path = "a.db"', 'path = "a.db"\noptimize_schedule = ""'), name="t.toml")
    assert config_mod.load(tuned, db=tmp_path / "flag.db").archive.optimize_schedule == ""
    other = write_config(MINIMAL.replace("technode", "pandaily"), name="other.toml")
    assert config_mod.load(other).sources[0].name == "pandaily"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (MINIMAL + "\n[crawler]\nconcurency = 3\n", 11, "crawler.concurency: unknown key (did you mean 'concurrency'?)"),
        (MINIMAL + "\n[crawler]\ndelay_seconds = \"fast\"\n", 11, "crawler.delay_seconds: expected float"),
        (MINIMAL.replace('"https://technode.com/feed/"', '"ftp://technode.com/feed/"'), 7,
         "sources[1].url: not an http(s) URL"),
        (MINIMAL + '\n[[sources]]\nname = "technode"\nurl = "https://x.com/feed"\n', 11,
         "sources[2].name: duplicate name 'technode'"),
        (MINIMAL.replace('topics = ["tech"]', 'kind = "podcast"'), 8, "sources[1].kind: must be one of"),
        (MINIMAL + '\n[[digests]]\nname = "d"\ntimezone = "Mars/Olympus"\n', 12, "unknown IANA time zone"),
        (MINIMAL + '\n[[digests]]\nname = "d"\nschedule = "every morning"\n', 12, "not a cron expression"),
        (MINIMAL + '\n[[digests]]\nname = "d"\nchannel = "email"\n', 10, "needs recipients"),
        (MINIMAL + "\n[crawler\n", 10, "not valid TOML"),
        (MINIMAL.replace('path = "a.db"', 'path = "a.db"\noptimize_schedule = "nightly"'), 4,
         "archive.optimize_schedule: not a cron expression"),
        (MINIMAL.replace('path = "a.db"', 'path = "a.db"\noptimize_max_seconds = 0'), 4,
         "archive.optimize_max_seconds: must be at least 1"),
    ],
)
def test_bad_config_names_file_line_and_key(write_config, text, line, fragment):
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        config_mod.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert fragment in message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        config_mod.load(tmp_path / "nope.toml")


def test_webhook_url_in_place_of_variable_name_is_refused(write_config):
    path = write_config(MINIMAL + '\n[[digests]]\nname = "s"\nchannel = "slack"\n'
                        'webhook_env = "https://hooks.slack.com/services/T/B/X"\n')
    with pytest.raises(ConfigError, match="put the webhook URL in an environment variable"):
        config_mod.load(path)


def test_config_is_frozen(write_config):
    cfg = config_mod.load(write_config(MINIMAL))
    with pytest.raises(AttributeError):
        cfg.crawler.concurrency = 1  # type: ignore[misc]
