"""The daemon: jobs from config, cron in a time zone, DST, catch-up, late digests, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alerts_support import add_article, config
from wallwatch.alerts import is_due
from wallwatch.alerts.due import fire_times
from wallwatch.archive import Archive
from wallwatch.scheduler import DIGEST_MISFIRE_GRACE_SECONDS, build_scheduler

EV = dict(evidence="WeChat Moments ads now lead straight to Tmall stores.", actor="WeChat", target="Tmall")


def daemon_config(tmp_path, db_path, schedule="30 8 * * *", tz="Asia/Shanghai", sources=""):
    return config(f"""
[archive]
path = "{db_path}"
[crawler]
schedule = "*/30 * * * *"
{sources}
[[digests]]
name = "daily"
channel = "file"
folder = "out"
schedule = "{schedule}"
timezone = "{tz}"
""", tmp_path)


def record_run(archive, job, started):
    with archive.write() as conn:
        conn.execute("INSERT INTO runs(job, started, finished, status) VALUES (?, ?, ?, 'ok')",
                     (job, started.isoformat(), started.isoformat()))


def seed_missed_digest(db_path, digest):
    """One pending story, and digest ``digest`` last sent two days ago (so a scheduled time was missed)."""
    with Archive(db_path) as archive:
        add_article(archive, "https://a.example/1", "WeChat x Tmall", signals=[EV])
        record_run(archive, f"digest:{digest}", datetime.now(timezone.utc) - timedelta(days=2))


def test_jobs_ids_and_settings(tmp_path, db_path):
    sources = ('[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n'
               '[[sources]]\nname = "b"\nurl = "https://b.example/feed"\nschedule = "0 * * * *"\n'
               '[[sources]]\nname = "c"\nurl = "https://c.example/feed"\n')
    cfg = daemon_config(tmp_path, db_path, sources=sources)
    scheduler = build_scheduler(cfg)
    scheduler.start(paused=True)  # job defaults are applied on start
    jobs = {j.id: j for j in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"crawl:*/30 * * * *", "crawl:0 * * * *", "digest:daily", "optimize"}
    assert jobs["crawl:*/30 * * * *"].args[1] == ["a", "c"] and jobs["crawl:0 * * * *"].args[1] == ["b"]
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
    assert jobs["digest:daily"].misfire_grace_time is DIGEST_MISFIRE_GRACE_SECONDS is None
    # 08:30 in Shanghai is 00:30 UTC
    trigger = jobs["digest:daily"].trigger
    nxt = trigger.get_next_fire_time(None, datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc))
    assert nxt.astimezone(timezone.utc) == datetime(2026, 11, 25, 0, 30, tzinfo=timezone.utc)
    # The index merge runs nightly at the shipped default, 04:15 UTC.
    nxt = jobs["optimize"].trigger.get_next_fire_time(None, datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc))
    assert nxt == datetime(2026, 11, 25, 4, 15, tzinfo=timezone.utc)


def test_optimize_job_merges_the_index_and_can_be_turned_off(tmp_path, db_path):
    from wallwatch.scheduler import optimize_job

    cfg = daemon_config(tmp_path, db_path)
    with Archive(db_path) as archive:
        for i in range(40):  # one transaction, so one index segment, each
            add_article(archive, f"https://a.example/{i}", f"WeChat opens to Taobao links, part {i}")
    result = optimize_job(cfg, threading.Event())
    assert result["complete"] is True and result["steps"] >= 1
    assert optimize_job(cfg, threading.Event())["steps"] == 0  # nothing left to merge
    off = config(f'[archive]\npath = "{db_path}"\noptimize_schedule = ""\n', tmp_path)
    scheduler = build_scheduler(off)
    assert "optimize" not in {j.id for j in scheduler.get_jobs()}


def test_dst_daily_digest_fires_once_per_day(tmp_path, db_path):
    ny = ZoneInfo("America/New_York")
    fall = daemon_config(tmp_path, db_path, schedule="30 1 * * *", tz="America/New_York").digests[0]
    times = fire_times(fall, datetime(2026, 10, 30, 12, tzinfo=ny), datetime(2026, 11, 3, 12, tzinfo=ny))
    assert [t.astimezone(ny).day for t in times] == [31, 1, 2, 3]  # 1 Nov: 01:30 happens twice, sent once
    spring = daemon_config(tmp_path, db_path, schedule="30 2 * * *", tz="America/New_York").digests[0]
    times = fire_times(spring, datetime(2026, 3, 6, 12, tzinfo=ny), datetime(2026, 3, 10, 12, tzinfo=ny))
    assert [t.astimezone(ny).day for t in times] == [7, 8, 9, 10]  # 8 Mar: 02:30 does not exist, still sent
    paris = daemon_config(tmp_path, db_path, schedule="0 8 * * *", tz="Europe/Paris").digests[0]
    utc_hours = [t.astimezone(timezone.utc).hour for t in fire_times(
        paris, datetime(2026, 3, 27, tzinfo=timezone.utc), datetime(2026, 3, 31, tzinfo=timezone.utc))]
    assert utc_hours == [7, 7, 6, 6]  # 08:00 local before and after the change


def test_due_and_catch_up_logic_with_controlled_time(tmp_path, db_path):
    cfg = daemon_config(tmp_path, db_path)
    d = cfg.digests[0]
    with Archive(db_path) as archive:
        now = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)  # 11:00 in Shanghai
        assert is_due(archive, d, now)  # never run: run --once sends it
        assert not is_due(archive, d, now, never_run_is_due=False)  # the daemon waits for the cron
        record_run(archive, "digest:daily", datetime(2026, 11, 24, 0, 30, 5, tzinfo=timezone.utc))
        assert not is_due(archive, d, now)
        # down for two days: due once
        later = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)
        assert is_due(archive, d, later, never_run_is_due=False)
        record_run(archive, "digest:daily", later)
        assert not is_due(archive, d, later + timedelta(hours=1))


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_catch_up_on_start_sends_missed_digest_once(tmp_path, db_path):
    cfg = daemon_config(tmp_path, db_path)
    seed_missed_digest(db_path, "daily")
    scheduler = build_scheduler(cfg)
    scheduler.start()
    try:
        def sent():
            with Archive(db_path) as a:
                return a.query("SELECT count(*) AS n FROM deliveries WHERE status = 'sent'")[0]["n"] == 1
        assert _wait(sent)
    finally:
        scheduler.shutdown(wait=True)
    assert len(list((tmp_path / "out").glob("daily-2*.html"))) == 1
    # restarted right away: nothing is due, nothing more is sent
    again = build_scheduler(cfg)
    again.start(paused=True)
    job = again.get_job("digest:daily")
    again.shutdown(wait=False)
    assert job.next_run_time > datetime.now(timezone.utc) + timedelta(seconds=5)  # the cron, not "now"


def test_late_daily_digest_is_not_skipped_and_runs_once(tmp_path, db_path):
    """APScheduler's default grace (1 s) would drop a digest that comes due while a crawl runs;
    three missed mornings are coalesced into one run."""
    cfg = daemon_config(tmp_path, db_path)
    with Archive(db_path) as archive:
        add_article(archive, "https://a.example/1", "WeChat x Tmall", signals=[EV])
    scheduler = build_scheduler(cfg)
    scheduler.start(paused=True)
    try:
        scheduler.modify_job("digest:daily", next_run_time=datetime.now(timezone.utc) - timedelta(days=3))
        scheduler.resume()
        assert _wait(lambda: (tmp_path / "out" / "daily-latest.html").exists())
        time.sleep(0.5)  # room for a second run, were the missed times not coalesced
    finally:
        scheduler.shutdown(wait=True)
    with Archive(db_path) as archive:
        runs = archive.query("SELECT status FROM runs WHERE job = 'digest:daily'")
    assert runs == [{"status": "ok"}]
    assert len(list((tmp_path / "out").glob("daily-2*.html"))) == 1


def test_sigterm_stops_the_daemon_cleanly(tmp_path, db_path):
    conf = tmp_path / "daemon.toml"
    conf.write_text('[[digests]]\nname = "daily"\nchannel = "file"\nfolder = "out"\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", "from wallwatch.cli import main; main()",
                             "--config", str(conf), "--db", str(db_path), "run"],
                            cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "SIGTERM or Ctrl-C" in line:
                break
        assert any("digest:daily" in line for line in lines), lines
        second = subprocess.run([sys.executable, "-c", "from wallwatch.cli import main; main()",
                                 "--config", str(conf), "--db", str(db_path), "run"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and f"another wallwatch daemon (pid {proc.pid})" in second.stderr
        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()
        assert proc.wait(timeout=15) == 0, rest
        assert "received SIGTERM" in rest and "wallwatch daemon stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_mid_send_finishes_the_delivery_then_exits(tmp_path, db_path):
    from alerts_support import SlackServer, slack_story_keys

    conf = tmp_path / "daemon.toml"
    conf.write_text('[[digests]]\nname = "team"\nchannel = "slack"\nwebhook_env = "TEST_SLACK_HOOK"\n'
                    'schedule = "0 9 * * *"\ntimezone = "Europe/Paris"\n', encoding="utf-8")
    seed_missed_digest(db_path, "team")  # missed: catch-up
    with SlackServer([(200, {}, b"ok", 3.0)]) as server:  # Slack takes 3 s to answer
        proc = subprocess.Popen([sys.executable, "-c", "from wallwatch.cli import main; main()",
                                 "--config", str(conf), "--db", str(db_path), "run"],
                                cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", "TEST_SLACK_HOOK": server.url})
        try:
            assert _wait(lambda: server.arrivals == 1, 30)
            proc.send_signal(signal.SIGTERM)  # while the message is in flight
            assert proc.wait(timeout=30) == 0, proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
        assert len(server.requests) == 1 and server.requests[0].status == 200
    with Archive(db_path) as archive:
        sent = archive.query("SELECT story_key FROM deliveries WHERE digest = 'team' AND status = 'sent'")
    assert [r["story_key"] for r in sent] == ["wechat|tmall|link_access|opening"]
    assert len(slack_story_keys([server.requests[0].payload])) == 1



def test_failed_digest_is_retried_later(tmp_path, db_path):
    from wallwatch.scheduler import RETRY_MINUTES

    cfg = daemon_config(tmp_path, db_path)
    (tmp_path / "out").write_text("a file where the digest folder should be: the channel fails")
    seed_missed_digest(db_path, "daily")
    scheduler = build_scheduler(cfg)
    scheduler.start()
    try:
        assert _wait(lambda: scheduler.get_job("retry:daily") is not None)
        retry = scheduler.get_job("retry:daily")
        delay = retry.next_run_time - datetime.now(timezone.utc)
        assert timedelta(minutes=RETRY_MINUTES - 1) < delay <= timedelta(minutes=RETRY_MINUTES)
        # the retry is the real job: run it now, with the channel back
        (tmp_path / "out").unlink()
        scheduler.modify_job("retry:daily", next_run_time=datetime.now(timezone.utc))
        assert _wait(lambda: (tmp_path / "out" / "daily-latest.html").exists())
        assert _wait(lambda: scheduler.get_job("retry:daily") is None)  # one-off: gone once it succeeded
    finally:
        scheduler.shutdown(wait=True)
