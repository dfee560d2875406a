"""The `wallwatch` command through click: real archive file, output, exit codes, help."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from wallwatch.archive import Archive, ArticleRecord
from wallwatch.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def seeded(db_path):
    with Archive(db_path) as a:
        a.upsert_articles([
            ArticleRecord(url="https://technode.com/1", title="Taobao to accept WeChat Pay",
                          body="Taobao will accept WeChat Pay from 12 September.", published="2024-09-05"),
            ArticleRecord(url="https://technode.com/2", title="Tencent earnings",
                          body="WeChat advertising revenue rose.", published="2024-11-13"),
        ])
    return db_path


def test_search_text_json_csv(cli, seeded):
    text = cli("search", "wechat pay")
    assert text.exit_code == 0
    assert "Taobao to accept WeChat Pay" in text.output and "«WeChat» «Pay»" in text.output
    hits = json.loads(cli("search", "wechat", "--json").output)
    assert [h["url"] for h in hits][0] == "https://technode.com/1"
    rows = list(csv.DictReader(io.StringIO(cli("search", "wechat", "--csv", "--since", "2024-10-01").output)))
    assert [r["url"] for r in rows] == ["https://technode.com/2"]


def test_bad_query_is_one_line_and_exit_2(cli, seeded):
    result = cli("search", "(wechat OR")
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith("Error: invalid query:")
    assert "Traceback" not in result.output


def test_empty_query_writes_nothing(cli, db_path):
    result = cli("search", "")
    assert result.exit_code == 2 and "the query is empty" in result.output
    assert not db_path.exists()


def test_bad_date_is_a_usage_error(cli, seeded):
    result = cli("search", "wechat", "--since", "yesterday")
    assert result.exit_code == 2 and "not a date" in result.output


def test_bad_config_exit_2_and_nothing_written(cli, db_path, write_config):
    path = write_config('[crawler]\nconcurrency = "lots"\n')
    result = cli("stats", config=path)
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {path}:2: crawler.concurrency: expected a whole number, got 'lots'"
    assert not db_path.exists()


def test_corrupt_archive_exit_1(cli, db_path):
    db_path.write_bytes(b"GIF89a not sqlite" * 100)
    result = cli("stats")
    assert result.exit_code == 1 and "not a wallwatch archive" in result.output


def test_stats_json(cli, seeded, write_config):
    path = write_config('[[sources]]\nname = "technode"\nurl = "https://technode.com/feed/"\n')
    figures = json.loads(cli("stats", "--json", config=path).output)
    assert figures["articles"] == 2 and figures["signals"] == 0
    assert figures["sources"][0]["name"] == "technode" and figures["sources"][0]["healthy"] is False
    assert figures["size_bytes"] > 0


def test_config_check(cli, write_config):
    path = write_config('[[sources]]\nname = "technode"\nurl = "https://technode.com/feed/"\n')
    result = cli("config", "check", config=path)
    assert result.exit_code == 0 and "1 sources" in result.output


def _commands(group: click.Group, prefix: str = "wallwatch"):
    for name, cmd in sorted(group.commands.items()):
        yield f"{prefix} {name}", cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, f"{prefix} {name}")


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, cmd in _commands(main):
        assert cmd.help and "Example:" in cmd.help, f"{name}: --help needs an example"
        if not isinstance(cmd, click.Group):
            assert re.search(rf"`{re.escape(name)}\b", readme), f"README does not document `{name}`"


def test_console_script_runs_as_a_subprocess(tmp_path):
    result = subprocess.run([sys.executable, "-m", "wallwatch", "--help"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0 and "walled gardens" in result.stdout
