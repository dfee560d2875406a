"""`wallwatch crawl`: lines per source, --json, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from crawl_support import LoopbackServer, crawl_server, crawler_toml  # noqa: F401 (fixture)

from wallwatch.archive import Archive


def _config(write_config, server: LoopbackServer) -> Path:
    good = server.add_feed("/cli/good.xml", [{"url": server.url("/fixtures/weibo-qr.html?cli=1"), "title": "w"},
                                             {"url": server.url("/misc/500?cli=1"), "title": "broken"}])
    return write_config(f"""
{crawler_toml(retries=0)}

[[sources]]
name = "good"
url = "{good}"
topics = ["tech"]

[[sources]]
name = "gone"
url = "{server.url('/cli/missing.xml')}"

[[sources]]
name = "off"
url = "{server.url('/cli/off.xml')}"
enabled = false
""")


def test_crawl_prints_a_line_per_source_and_a_total(cli, write_config, crawl_server: LoopbackServer, db_path: Path) -> None:
    result = cli("crawl", config=_config(write_config, crawl_server))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("good") and "new    1" in lines[0] and "failed   1" in lines[0] and "HTTP 500" in lines[0]
    assert lines[1].startswith("gone") and "FAILED: HTTP 404" in lines[1]
    assert lines[2].startswith("total") and "new    1" in lines[2]
    assert len(lines) == 3  # the disabled source is not crawled
    assert "1 of 2 sources failed" in result.stderr
    with Archive(db_path) as a:
        assert len(a.query("SELECT * FROM articles")) == 1


def test_crawl_json_and_source_selection(cli, write_config, crawl_server: LoopbackServer) -> None:
    config = _config(write_config, crawl_server)
    result = cli("crawl", "--json", "--source", "gone", config=config)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["sources"]] == ["gone"]
    assert data["sources"][0]["ok"] is False and data["sources"][0]["error"] == "HTTP 404"
    assert data["totals"]["sources_failed"] == 1 and isinstance(data["run_id"], int)


def test_unknown_source_is_bad_input(cli, write_config, crawl_server: LoopbackServer) -> None:
    result = cli("crawl", "--source", "nope", config=_config(write_config, crawl_server))
    assert result.exit_code == 2 and "no source named 'nope'" in result.stderr


def test_crawl_that_cannot_run_exits_1(cli, write_config, crawl_server: LoopbackServer, db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database" * 100)
    result = cli("crawl", config=_config(write_config, crawl_server))
    assert result.exit_code == 1 and "not a wallwatch archive" in result.stderr


def test_help_has_an_example(cli) -> None:
    result = cli("crawl", "--help")
    assert result.exit_code == 0 and "Example: wallwatch crawl" in result.stdout


def test_crawl_process_that_dies_is_a_failed_run(cli, write_config, crawl_server: LoopbackServer, db_path: Path,
                                                 monkeypatch) -> None:
    import sys

    monkeypatch.setattr(sys, "executable", "/bin/false")  # the crawl process exits at once, reporting nothing
    result = cli("crawl", config=_config(write_config, crawl_server))
    assert result.exit_code == 1 and "crawl process" in result.stderr
    with Archive(db_path) as a:
        run = a.query("SELECT * FROM runs WHERE job='crawl'")[-1]
    assert run["status"] == "failed" and "CrawlError" in run["errors"]
