"""Exactly once, through the file channel and a real archive: send, fail, resend, re-tag, late sources."""

from __future__ import annotations

from datetime import datetime, timezone

from alerts_support import add_article, config, signal
from wallwatch.alerts import deliver
from wallwatch.alerts.ledger import history

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
EV = dict(evidence="WeChat Moments ads now lead straight to Tmall stores.", actor="WeChat", target="Tmall",
          event_type="advertising_traffic")


def setup(tmp_path, extra: str = ""):
    cfg = config(f'[[digests]]\nname = "daily"\nchannel = "file"\nfolder = "out"\n{extra}', tmp_path)
    return cfg, cfg.digests[0]


def sent_keys(archive, name="daily"):
    return [r["story_key"] for r in history(archive, name) if r["status"] == "sent"]


def test_send_then_nothing_new(archive, tmp_path):
    cfg, d = setup(tmp_path)
    add_article(archive, "https://a.example/1", "WeChat x Tmall", signals=[EV])
    first = deliver(archive, cfg, d, now=NOW)
    assert first.status == "sent" and first.stories == 1
    html = (tmp_path / "out" / "daily-latest.html").read_text()
    assert "WeChat" in html and "Tmall" in html
    again = deliver(archive, cfg, d, now=NOW)
    assert again.status == "empty" and again.stories == 0
    assert sent_keys(archive) == ["wechat|tmall|advertising_traffic|opening"]
    runs = archive.query("SELECT status, counts FROM runs WHERE job = 'digest:daily' ORDER BY id")
    assert [r["status"] for r in runs] == ["ok", "ok"]


def test_retag_with_new_signal_ids_is_not_resent(archive, tmp_path):
    cfg, d = setup(tmp_path)
    aid, old_ids = add_article(archive, "https://a.example/1", "WeChat x Tmall", signals=[EV])
    add_article(archive, "https://a.example/2", "Other", signals=[dict(evidence="X opens to Y.", actor="X", target="Y")])
    assert deliver(archive, cfg, d, now=NOW).stories == 2
    new_ids = archive.replace_signals(aid, [signal(**EV)], "test-2")
    assert set(new_ids).isdisjoint(old_ids)
    assert deliver(archive, cfg, d, now=NOW).status == "empty"


def test_story_gaining_sources_after_send_is_not_new(archive, tmp_path):
    cfg, d = setup(tmp_path)
    add_article(archive, "https://a.example/1", "First", published="2026-11-20T08:00:00+00:00", signals=[EV])
    assert deliver(archive, cfg, d, now=NOW).stories == 1
    # Later outlets, each within the window of the previous one: the story just grows.
    add_article(archive, "https://b.example/2", "Second", source="b", published="2026-11-22T08:00:00+00:00", signals=[EV])
    assert deliver(archive, cfg, d, now=NOW).status == "empty"
    add_article(archive, "https://c.example/3", "Third", source="c", published="2026-11-24T08:00:00+00:00", signals=[EV])
    assert deliver(archive, cfg, d, now=NOW).status == "empty"
    # The same pair weeks later is a new event.
    add_article(archive, "https://d.example/4", "Again", published="2026-12-20T08:00:00+00:00", signals=[EV])
    later = deliver(archive, cfg, d, now=NOW)
    assert later.stories == 1


def test_failure_leaves_pending_records_error_and_resend_delivers_once(archive, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file where the digest folder should be")
    cfg, d = setup(tmp_path)
    add_article(archive, "https://a.example/1", "WeChat x Tmall", signals=[EV])
    failed = deliver(archive, cfg, d, now=NOW)
    assert failed.status == "failed" and failed.pending == 1 and "cannot write the digest" in failed.error
    [entry] = history(archive, "daily")
    assert entry["status"] == "failed" and "cannot write" in entry["error"]
    run = archive.query("SELECT status, errors FROM runs WHERE job = 'digest:daily'")[0]
    assert run["status"] == "partial" and "cannot write" in run["errors"]
    blocker.unlink()
    assert deliver(archive, cfg, d, now=NOW).stories == 1
    assert deliver(archive, cfg, d, now=NOW).status == "empty"
    assert sent_keys(archive) == ["wechat|tmall|advertising_traffic|opening"]


def test_held_back_stories_go_out_next_time(archive, tmp_path):
    cfg, d = setup(tmp_path, "max_items = 2")
    for i in range(3):
        add_article(archive, f"https://a.example/{i}", f"T{i}",
                    signals=[dict(evidence=f"A{i} opens to B.", actor=f"A{i}", target="B")])
    first = deliver(archive, cfg, d, now=NOW)
    assert (first.stories, first.pending) == (2, 1)
    second = deliver(archive, cfg, d, now=NOW)
    assert (second.stories, second.pending) == (1, 0)
    assert len(set(sent_keys(archive))) == 3 == len(sent_keys(archive))


def test_digests_have_separate_ledgers(archive, tmp_path):
    cfg = config('[[digests]]\nname = "a"\nfolder = "out"\n[[digests]]\nname = "b"\nfolder = "out"\n', tmp_path)
    add_article(archive, "https://a.example/1", "WeChat x Tmall", signals=[EV])
    assert [deliver(archive, cfg, d, now=NOW).stories for d in cfg.digests] == [1, 1]
    assert [deliver(archive, cfg, d, now=NOW).status for d in cfg.digests] == ["empty", "empty"]


def test_empty_digest_written_only_with_send_empty(archive, tmp_path):
    cfg, d = setup(tmp_path)
    assert deliver(archive, cfg, d, now=NOW).status == "empty"
    assert not (tmp_path / "out").exists()
    cfg, d = setup(tmp_path, "send_empty = true")
    report = deliver(archive, cfg, d, now=NOW)
    assert report.status == "sent" and report.stories == 0
    assert "Nothing new since the last digest." in (tmp_path / "out" / "daily-latest.txt").read_text()


def test_channel_down_longer_than_lookback_loses_nothing(archive, tmp_path):
    blocker = tmp_path / "out"
    cfg, d = setup(tmp_path, "lookback_days = 1")
    add_article(archive, "https://a.example/0", "Early", published="2026-11-24T08:00:00+00:00",
                signals=[dict(EV, actor="Early")])
    assert deliver(archive, cfg, d, now=NOW).stories == 1  # a complete run...
    with archive.write() as conn:  # ...ten days ago
        conn.execute("UPDATE runs SET started = '2026-11-14T12:00:00+00:00' WHERE job = 'digest:daily'")
    add_article(archive, "https://a.example/1", "WeChat x Tmall", published="2026-11-20T08:00:00+00:00", signals=[EV])
    (tmp_path / "out").rename(tmp_path / "moved")
    blocker.write_text("the channel is down")
    assert deliver(archive, cfg, d, now=NOW).status == "failed"
    blocker.unlink()
    # six days later than a one-day lookback, and still sent: the lookback counts from the last good run
    report = deliver(archive, cfg, d, now=NOW)
    assert report.status == "sent" and report.stories == 1
