"""`wallwatch run --once`: crawl (real Scrapy, loopback server), tag (real rules), write the digest;
the same cycle twice delivers nothing twice; crawls run again and again in one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from crawl_support import LoopbackServer, crawl_server, crawler_toml  # noqa: F401 (fixture)
from wallwatch.archive import Archive


def cycle_config(write_config, server: LoopbackServer, tag: str, folder: Path, extra: str = "") -> Path:
    feed = server.add_feed(f"/runonce/{tag}.xml", [
        {"url": server.url(f"/fixtures/wechat-taobao.html?{tag}"), "title": "WeChat and Taobao"},
        {"url": server.url(f"/fixtures/wechat-taobao-syndicated.html?{tag}"), "title": "Syndicated copy"},
        {"url": server.url(f"/fixtures/weibo-qr.html?{tag}"), "title": "Weibo and WeChat QR codes"},
    ])
    return write_config(f"""
{crawler_toml(timeout_seconds=10, retries=0)}
[nlp]
model = "blank"
[[sources]]
name = "loop"
url = "{feed}"
topics = ["tech"]
[[digests]]
name = "daily"
channel = "file"
folder = "{folder}"
schedule = "30 8 * * *"
timezone = "Asia/Shanghai"
min_confidence = 0.3
send_empty = true
lookback_days = 3650  # the fixture articles are from 2024
{extra}
""")


def test_run_once_crawls_tags_writes_digest_then_nothing_twice(cli, write_config, crawl_server, db_path, tmp_path):
    folder = tmp_path / "digests"
    conf = cycle_config(write_config, crawl_server, "a", folder)
    first = cli("run", "--once", config=conf)
    assert first.exit_code == 0, first.output
    assert "crawl  1 sources, new 3" in first.output
    assert f"-> {folder}" in first.output
    latest = (folder / "daily-latest.txt").read_text(encoding="utf-8")
    with Archive(db_path) as archive:
        n_signals = archive.query("SELECT count(*) AS n FROM signals")[0]["n"]
        sent = archive.query("SELECT story_key FROM deliveries WHERE status = 'sent'")
    assert n_signals > 0 and len(sent) > 0
    assert latest.splitlines()[1].startswith(f"{len(sent)} new ")
    assert "WeChat" in latest and crawl_server.url("/fixtures/") in latest
    # again, everything due: the crawl finds nothing new and no story is delivered twice
    second = cli("run", "--once", "--all-digests", "--json", config=conf)
    assert second.exit_code == 0, second.output
    report = json.loads(second.output)
    assert report["steps"][0]["report"]["totals"]["new"] == 0
    assert report["digests"][0]["stories"] == 0
    with Archive(db_path) as archive:
        keys = [r["story_key"] for r in archive.query("SELECT story_key FROM deliveries WHERE status = 'sent'")]
        runs = archive.query("SELECT job, status FROM runs WHERE job IN ('cycle', 'digest:daily') ORDER BY id")
    assert sorted(keys) == sorted(r["story_key"] for r in sent)
    assert [r["status"] for r in runs if r["job"] == "cycle"] == ["ok", "ok"]


def test_two_crawl_jobs_in_one_process(write_config, crawl_server, db_path, tmp_path):
    from wallwatch.config import load
    from wallwatch.scheduler import Resources, crawl_job

    instant = f'[[digests]]\nname = "now"\nfolder = "{tmp_path / "instant"}"\nschedule = "instant"\n' \
              'min_confidence = 0.3\nlookback_days = 3650\n'
    conf = cycle_config(write_config, crawl_server, "b", tmp_path / "digests", extra=instant)
    config = load(conf, db=db_path)
    import threading

    stop = threading.Event()
    resources = Resources(config)  # as in the daemon: the tagger is loaded once, for both jobs
    reports = [crawl_job(config, ["loop"], stop, None, resources) for _ in range(2)]
    assert resources.tagger() is resources.tagger()
    assert [r["ok"] for r in reports] == [True, True], reports
    totals = [r["steps"][0]["report"]["totals"] for r in reports]
    assert totals[0]["new"] == 3 and totals[1]["new"] == 0
    # the instant digest went out right after the first tagging, and only then; the daily one waits
    assert [[d["digest"] for d in r["digests"]] for r in reports] == [["now"], ["now"]]
    assert reports[0]["digests"][0]["stories"] > 0 and reports[1]["digests"][0]["status"] == "empty"
    assert len(list((tmp_path / "instant").glob("now-2*.html"))) == 1
    assert not (tmp_path / "digests").exists()


def test_fresh_machine_embedded_defaults(tmp_path):
    """No config, no archive, no network: every source fails with its reason, the digest is still written."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("WALLWATCH_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    # Keep the test off the internet where there is one: every fetch goes to a dead loopback proxy.
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"
    done = subprocess.run([sys.executable, "-c", "from wallwatch.cli import main; main()", "run", "--once"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"archive {tmp_path / 'data' / 'wallwatch' / 'wallwatch.db'}"
    digest_line = next(line for line in lines if line.startswith("digest daily (file)"))
    written = Path(digest_line.rsplit("-> ", 1)[1])
    assert written.exists() and written.parent == tmp_path / "data" / "wallwatch" / "digests"
    assert "wallwatch digest" in written.read_text(encoding="utf-8")
    from wallwatch.config import DEFAULT_CONFIG, load

    n = len(load(DEFAULT_CONFIG).sources)
    assert f"crawl  {n} sources" in done.stdout
    assert sum(1 for line in lines if line.startswith("       ")) == n  # one failing source per line, with why
    assert (written.parent / "daily-latest.txt").exists()


def test_run_once_runs_the_configured_watches(cli, write_config, crawl_server, db_path, tmp_path):
    conf = cycle_config(write_config, crawl_server, "w", tmp_path / "digests", extra="""
[[nlp.watch]]
name = "qr-codes"
query = '"QR codes" OR "QR code"'
""")
    result = cli("run", "--once", "--json", config=conf)
    assert result.exit_code == 0, result.output
    steps = {s["name"]: s for s in json.loads(result.output)["steps"]}
    assert steps["watch"]["error"] is None
    with Archive(db_path) as archive:
        rows = archive.query("SELECT evidence FROM signals WHERE kind = 'watch:qr-codes'")
    assert rows and all("QR code" in r["evidence"] for r in rows)
