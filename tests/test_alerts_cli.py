"""`wallwatch digest list|preview|send` through click, on a real archive file."""

from __future__ import annotations

import json

from alerts_support import SlackServer, add_article
from wallwatch.archive import Archive

CONFIG = """
[[digests]]
name = "daily"
channel = "file"
folder = "{folder}"
timezone = "Europe/Paris"

[[digests]]
name = "team"
channel = "slack"
webhook_env = "TEST_SLACK_HOOK"
schedule = "instant"
"""


def seed(db_path):
    with Archive(db_path) as archive:
        add_article(archive, "https://a.example/1", "Weibo opens <b>", source="scmp",
                    signals=[dict(evidence="Weibo now lets WeChat QR codes through.", actor="Weibo", target="WeChat")])


def test_list_says_which_channels_are_on(cli, write_config, tmp_path):
    conf = write_config(CONFIG.format(folder=tmp_path / "out"))
    rows = json.loads(cli("digest", "list", "--json", config=conf).output)
    assert [(r["name"], r["state"]) for r in rows] == [
        ("daily", "on"), ("team", "slack is off: $TEST_SLACK_HOOK (the webhook URL) is not set")]
    text = cli("digest", "list", config=conf, env={"TEST_SLACK_HOOK": "http://127.0.0.1:9/x"}).output
    assert "team" in text and "off" not in text


def test_preview_marks_nothing_then_send_marks(cli, write_config, tmp_path, db_path):
    seed(db_path)
    conf = write_config(CONFIG.format(folder=tmp_path / "out"))
    html = tmp_path / "preview.html"
    for _ in range(2):
        shown = cli("digest", "preview", "daily", "--html", str(html), config=conf)
        assert shown.exit_code == 0 and "1. Weibo -> WeChat, link access, opening, live" in shown.output
    assert "Weibo opens &lt;b&gt;" in html.read_text()
    assert not (tmp_path / "out").exists()
    data = json.loads(cli("digest", "preview", "daily", "--json", config=conf).output)
    assert data["stories"][0]["sources"][0]["url"] == "https://a.example/1"
    [payload] = json.loads(cli("digest", "preview", "team", "--slack", config=conf).output)
    assert payload["blocks"][0]["type"] == "header" and "Weibo opens &lt;b&gt;" in json.dumps(payload)
    sent = cli("digest", "send", "daily", config=conf)
    assert sent.exit_code == 0 and "wrote 1 stories" in sent.output
    assert "Nothing new" in cli("digest", "preview", "daily", config=conf).output


def test_send_failure_exits_1_and_keeps_pending(cli, write_config, tmp_path, db_path):
    seed(db_path)
    conf = write_config(CONFIG.format(folder=tmp_path / "out"))
    with SlackServer([(500, {}, b"oops")]) as server:
        env = {"TEST_SLACK_HOOK": server.url}
        failed = cli("digest", "send", "team", config=conf, env=env)
        assert failed.exit_code == 1
        assert "Slack webhook answered 500" in failed.output and "1 stories stay pending" in failed.output
        assert "XXXXSECRET" not in failed.output
        ok = cli("digest", "send", "team", "--json", config=conf, env=env)
    assert ok.exit_code == 0 and json.loads(ok.output)["stories"] == 1
    assert len(server.accepted) == 1


def test_unknown_digest_and_bad_filter_exit_2(cli, write_config, tmp_path):
    conf = write_config(CONFIG.format(folder=tmp_path / "out"))
    missing = cli("digest", "preview", "nope", config=conf)
    assert missing.exit_code == 2 and "no digest named 'nope'" in missing.output
    bad = write_config('[[digests]]\nname = "x"\nfilter = "(wechat OR"\n', name="bad.toml")
    result = cli("digest", "preview", "x", config=bad)
    assert result.exit_code == 2 and "Error: invalid query" in result.output
    [row] = json.loads(cli("digest", "list", "--json", config=bad).output)
    assert row["state"].startswith("bad filter: invalid query")
    daemon = cli("run", config=bad)  # refuses to start rather than failing every morning
    assert daemon.exit_code == 2 and "invalid query" in daemon.output
