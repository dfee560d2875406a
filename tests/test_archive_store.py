"""The archive file: schema, migrations, upserts, signals, runs, and bad files."""

from __future__ import annotations

import sqlite3

import pytest

from wallwatch.archive import Archive, ArchiveUnavailable, ArticleRecord, SignalRecord
from wallwatch.archive.migrations import migrations


def article(url="https://technode.com/2024/09/05/taobao-wechat-pay/", **kw) -> ArticleRecord:
    fields = {"title": "Taobao to accept WeChat Pay", "body": "Taobao will accept WeChat Pay from 12 September.",
              "source": None, "published": "2024-09-05T08:00:00+00:00"}
    fields.update(kw)
    return ArticleRecord(url=url, **fields)


def signal(**kw) -> SignalRecord:
    fields = dict(start=0, end=48, evidence="Taobao will accept WeChat Pay from 12 September.",
                  polarity="opening", event_type="payment", status="announced", confidence=0.9,
                  rule_id="payment.accept", actor="Taobao", target="WeChat Pay",
                  story_key="taobao|wechat pay|payment|opening")
    fields.update(kw)
    return SignalRecord(**fields)


def test_open_creates_schema_with_wal_and_foreign_keys(archive):
    tables = set(archive.db.table_names())
    assert {"sources", "articles", "signals", "deliveries", "runs", "articles_fts"} <= tables
    assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert archive.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_are_idempotent(db_path):
    Archive(db_path).close()
    with Archive(db_path) as again:
        applied = [m.name for m in migrations.applied(again.db)]
    assert applied == [m.name for m in migrations._migrations]
    assert len(applied) == len(set(applied))


def test_upsert_new_unchanged_updated_keeps_first_seen(archive):
    first = archive.upsert_article(article())
    assert first.outcome == "new"
    row = archive.article(first.article_id)
    assert archive.upsert_article(article()).outcome == "unchanged"
    # White space alone is not a change.
    assert archive.upsert_article(article(body="Taobao  will accept\nWeChat Pay from 12 September.")).outcome == "unchanged"
    changed = archive.upsert_article(article(body="Taobao now accepts WeChat Pay."))
    assert changed == type(first)(first.article_id, "updated")
    after = archive.article(first.article_id)
    assert after["first_seen"] == row["first_seen"]
    assert after["body"] == "Taobao now accepts WeChat Pay."
    assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_changed_article_is_queued_for_tagging_again(archive):
    a = archive.upsert_article(article())
    archive.replace_signals(a.article_id, [signal()], "v1")
    assert archive.articles_to_tag("v1") == []
    archive.upsert_article(article(body="Taobao now accepts WeChat Pay everywhere."))
    assert archive.articles_to_tag("v1") == [a.article_id]


def test_signals_replace_and_feed_full_text(archive):
    a = archive.upsert_article(article(body="A story about marketplaces."))
    archive.replace_signals(a.article_id, [signal(evidence="Alipay interoperability milestone")], "v1")
    fts = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert archive.conn.execute(fts, ("interoperability",)).fetchall() == [(a.article_id,)]
    archive.replace_signals(a.article_id, [], "v2")
    assert archive.conn.execute(fts, ("interoperability",)).fetchall() == []
    assert archive.article(a.article_id)["tagged_version"] == "v2"


def test_deleting_an_article_cascades_to_signals_and_index(archive):
    a = archive.upsert_article(article())
    archive.replace_signals(a.article_id, [signal()], "v1")
    with archive.write() as conn:
        conn.execute("DELETE FROM articles WHERE id=?", (a.article_id,))
    assert archive.conn.execute("SELECT count(*) FROM signals").fetchone()[0] == 0
    assert archive.conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'taobao'").fetchone()[0] == 0


def test_fetch_state_and_failure_streak(archive):
    archive.sync_sources([{"name": "technode", "kind": "feed", "url": "https://technode.com/feed/", "topics": ["tech"]}])
    archive.record_fetch("technode", status=500, error="HTTP 500")
    archive.record_fetch("technode", status=None, error="timeout after 30s")
    s = archive.source("technode")
    assert (s["consecutive_failures"], s["last_error"], s["last_success"]) == (2, "timeout after 30s", None)
    archive.record_fetch("technode", status=200, etag='"abc"', last_modified="Thu, 05 Sep 2024 08:00:00 GMT")
    s = archive.source("technode")
    assert (s["consecutive_failures"], s["last_error"], s["etag"]) == (0, None, '"abc"')
    archive.record_fetch("technode", status=304)
    assert archive.source("technode")["etag"] == '"abc"'  # a 304 keeps the validators


def test_run_records_counts_errors_and_failure(archive):
    with archive.run("crawl") as run:
        run.add("new", 3)
        run.error("technode: HTTP 500")
    with pytest.raises(RuntimeError):
        with archive.run("tag"):
            raise RuntimeError("boom")
    rows = archive.query("SELECT job, status, counts, errors, finished FROM runs ORDER BY id")
    assert [(r["job"], r["status"]) for r in rows] == [("crawl", "partial"), ("tag", "failed")]
    assert rows[0]["counts"] == '{"new": 3}' and "HTTP 500" in rows[0]["errors"]
    assert all(r["finished"] for r in rows)


def test_a_failed_batch_writes_nothing(archive):
    good = article(url="https://a.example/1")
    with pytest.raises(sqlite3.IntegrityError):
        with archive.write() as conn:
            archive.upsert_articles([good])
            conn.execute("INSERT INTO signals(article_id) VALUES (999)")  # violates NOT NULL
    assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(ArchiveUnavailable, match="not a wallwatch archive"):
        Archive(bogus)
    assert bogus.read_text().startswith("these are my notes")  # untouched


def test_truncated_database_is_a_clear_error(tmp_path, db_path):
    with Archive(db_path) as a:
        a.upsert_articles([article(url=f"https://a.example/{i}", body="word " * 2000) for i in range(50)])
        a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db_path.read_bytes()
    broken = tmp_path / "broken.db"
    broken.write_bytes(data[:100] + b"\x00" * 50 + data[150:len(data) // 3])
    with pytest.raises(ArchiveUnavailable):
        with Archive(broken) as a:
            a.query("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'word'")
            a.query("PRAGMA integrity_check")


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(ArchiveUnavailable, match="cannot write"):
        Archive(folder / "a.db")


def test_unwritable_location_is_a_clear_error(tmp_path):
    # Works for root too: the "folder" is a file, so nothing can be created there.
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(ArchiveUnavailable, match="cannot create folder"):
        Archive(blocker / "sub" / "a.db")
