"""The archive object: one SQLite file, opened once, passed as an argument.

Every other part of wallwatch (CLI, crawler, tagger, alerts, scheduler) reads and
writes through this class; nothing keeps a module-level connection.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .errors import ArchiveUnavailable
from .migrations import migrations

BUSY_TIMEOUT_MS = 30_000
# Page cache per connection, in KiB (SQLite's default is 2 MiB). Inserts touch
# random pages of the url and content-hash indexes and FTS5 merges re-read the
# segments they combine; past ~100k articles those no longer fit in 2 MiB and
# every insert re-reads them (benchmarks/search.py, docs/performance.md). The
# cache fills only as pages are used, so small archives pay nothing.
CACHE_KIB = 65_536
# Reads through a memory map skip a copy per page; address space, not memory.
MMAP_BYTES = 256 * 1024 * 1024


def utcnow() -> str:
    """Current time as an ISO 8601 UTC string, second precision (sorts as text)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def content_hash(title: str, body: str) -> str:
    """Hash of what a reader sees; white space is folded so re-rendering does not count as a change."""
    folded = " ".join(f"{title}\n{body}".split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleRecord:
    """An article as the crawler hands it to the archive (``url`` already canonical)."""

    url: str
    title: str
    body: str
    source: str | None = None
    summary: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    topics: Sequence[str] = ()
    extraction: str = "full"  # "full" or "fallback" (feed summary used)
    fetched: str | None = None


@dataclass(frozen=True)
class UpsertResult:
    """What ``upsert_article`` did: ``"new"``, ``"updated"`` or ``"unchanged"``."""

    article_id: int
    outcome: str


@dataclass(frozen=True)
class SignalRecord:
    """A signal as the tagger hands it to the archive."""

    start: int
    end: int
    evidence: str
    polarity: str
    event_type: str
    status: str
    confidence: float
    rule_id: str
    actor: str | None = None
    target: str | None = None
    kind: str = "interop"
    headline: bool = False
    story_key: str = ""


@dataclass
class RunRecorder:
    """Counts and errors of one job run, written to ``runs`` when the run ends."""

    archive: "Archive"
    run_id: int
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def error(self, message: str) -> None:
        self.errors.append(message)


class Archive:
    """The wallwatch archive at ``path``: opened, migrated and ready on construction.

    Raises :class:`ArchiveUnavailable` when the file is not a SQLite database,
    is corrupt, or its folder cannot be written.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.db = self._connect()

    # -- opening ---------------------------------------------------------
    def _connect(self) -> Database:
        path = self.path
        if self.readonly:
            if not path.exists():
                raise ArchiveUnavailable(f"{path}: no archive here yet (run `wallwatch crawl` first)")
            conn = self._raw_connect(f"file:{path}?mode=ro", uri=True)
        else:
            parent = path.parent if str(path.parent) else Path(".")
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ArchiveUnavailable(f"{path}: cannot create folder {parent}: {exc.strerror}") from exc
            conn = self._raw_connect(str(path))
        db = Database(conn)
        try:
            # A non-SQLite file only fails on the first read, so read now.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            if not self.readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                if migrations.pending(db):
                    # Under the write lock, so two processes opening a new file
                    # do not both run the same migration.
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        migrations.apply(db)
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ArchiveUnavailable(_explain(path, exc)) from exc
        return db

    @staticmethod
    def _raw_connect(target: str, uri: bool = False) -> sqlite3.Connection:
        # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE for
        # writes), so a writer never upgrades a read lock and hits SQLITE_BUSY.
        conn = sqlite3.connect(target, uri=uri, isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

        Nested calls run inside the outer transaction.
        """
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ArchiveUnavailable(_explain(self.path, exc)) from exc
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise ArchiveUnavailable(_explain(self.path, exc)) from exc

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read query as dicts."""
        cur = self.conn.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    # -- sources ---------------------------------------------------------
    def sync_sources(self, sources: Iterable[Mapping[str, Any]]) -> None:
        """Make the sources table list the configured sources (name, kind, url, topics).

        Fetch state of known sources is kept; sources no longer configured stay,
        so their articles keep their provenance.
        """
        with self.write() as conn:
            for s in sources:
                conn.execute(
                    """INSERT INTO sources(name, kind, url, topics) VALUES (?, ?, ?, ?)
                       ON CONFLICT(name) DO UPDATE SET kind=excluded.kind, url=excluded.url,
                       topics=excluded.topics""",
                    (s["name"], s["kind"], s["url"], json.dumps(list(s.get("topics", ())))),
                )

    def source(self, name: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM sources WHERE name = ?", (name,))
        return rows[0] if rows else None

    def record_fetch(self, name: str, *, status: int | None, error: str | None = None,
                     etag: str | None = None, last_modified: str | None = None,
                     body_hash: str | None = None) -> None:
        """Store the outcome of fetching a source; an error extends the failure streak."""
        now = utcnow()
        with self.write() as conn:
            if error:
                conn.execute(
                    """UPDATE sources SET last_status=?, last_error=?, last_attempt=?,
                       consecutive_failures=consecutive_failures+1 WHERE name=?""",
                    (status, error, now, name),
                )
            else:
                conn.execute(
                    """UPDATE sources SET last_status=?, last_error=NULL, last_attempt=?, last_success=?,
                       consecutive_failures=0, etag=coalesce(?, etag),
                       last_modified=coalesce(?, last_modified), body_hash=coalesce(?, body_hash)
                       WHERE name=?""",
                    (status, now, now, etag, last_modified, body_hash, name),
                )

    # -- articles --------------------------------------------------------
    def upsert_article(self, article: ArticleRecord) -> UpsertResult:
        """Insert or update one article by canonical URL (see ``upsert_articles``)."""
        return self.upsert_articles([article])[0]

    def upsert_articles(self, articles: Sequence[ArticleRecord]) -> list[UpsertResult]:
        """Insert or update articles by canonical URL, in one transaction.

        An unchanged article (same content hash) changes nothing; a changed one
        gets the new text, keeps ``first_seen`` and is queued for tagging again.
        """
        now = utcnow()
        with self.write() as conn:
            return [self._upsert_one(conn, a, now) for a in articles]

    @staticmethod
    def _upsert_one(conn: sqlite3.Connection, article: ArticleRecord, now: str) -> UpsertResult:
        digest = content_hash(article.title, article.body)
        row = conn.execute("SELECT id, content_hash FROM articles WHERE url = ?", (article.url,)).fetchone()
        values = {
            "source": article.source, "title": article.title, "body": article.body,
            "summary": article.summary, "author": article.author, "published": article.published,
            "language": article.language, "topics": json.dumps(list(article.topics)),
            "extraction": article.extraction, "content_hash": digest,
            "fetched": article.fetched or now,
        }
        if row is None:
            cols = ["url", "first_seen", *values]
            cur = conn.execute(
                f"INSERT INTO articles({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                (article.url, now, *values.values()),
            )
            return UpsertResult(int(cur.lastrowid), "new")
        article_id, old_hash = row
        if old_hash == digest:
            return UpsertResult(article_id, "unchanged")
        sets = ", ".join(f"{k}=?" for k in values)
        conn.execute(
            f"UPDATE articles SET {sets}, updated=?, tagged_version=NULL WHERE id=?",
            (*values.values(), now, article_id),
        )
        return UpsertResult(article_id, "updated")

    def article(self, article_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM articles WHERE id = ?", (article_id,))
        return rows[0] if rows else None

    def article_by_url(self, url: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM articles WHERE url = ?", (url,))
        return rows[0] if rows else None

    def mark_duplicate(self, article_id: int, original_id: int) -> None:
        with self.write() as conn:
            conn.execute("UPDATE articles SET duplicate_of=? WHERE id=?", (original_id, article_id))

    def articles_to_tag(self, ruleset_version: str, *, retag_all: bool = False,
                        since: str | None = None) -> list[int]:
        """Ids of articles without signals of ``ruleset_version`` (or all, with ``retag_all``)."""
        where, params = [], []
        if not retag_all:
            where.append("(tagged_version IS NULL OR tagged_version != ?)")
            params.append(ruleset_version)
        if since:
            where.append("coalesce(published, first_seen) >= ?")
            params.append(since)
        sql = "SELECT id FROM articles" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
        return [r[0] for r in self.conn.execute(sql, params)]

    # -- signals ---------------------------------------------------------
    def replace_signals(self, article_id: int, signals: Sequence[SignalRecord], ruleset_version: str,
                        *, kind: str = "interop") -> list[int]:
        """Replace the article's signals of ``kind`` with ``signals`` and record the ruleset version.

        Deliveries keep their history: they refer to stories, and a re-tagged
        signal keeps the story key of the event it describes.
        """
        now = utcnow()
        ids: list[int] = []
        with self.write() as conn:
            conn.execute("DELETE FROM signals WHERE article_id=? AND kind=?", (article_id, kind))
            for s in signals:
                cur = conn.execute(
                    """INSERT INTO signals(article_id, start, end, evidence, actor, target, polarity,
                       event_type, status, confidence, rule_id, ruleset_version, kind, headline,
                       story_key, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    (article_id, s.start, s.end, s.evidence, s.actor, s.target, s.polarity, s.event_type,
                     s.status, s.confidence, s.rule_id, ruleset_version, s.kind, int(s.headline),
                     s.story_key, now),
                )
                ids.append(int(cur.lastrowid))
            conn.execute("UPDATE articles SET tagged_version=? WHERE id=?", (ruleset_version, article_id))
        return ids

    def signals_for(self, article_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Signals of several articles at once, strongest first."""
        out: dict[int, list[dict[str, Any]]] = {i: [] for i in article_ids}
        for chunk_start in range(0, len(article_ids), 500):
            chunk = list(article_ids[chunk_start:chunk_start + 500])
            rows = self.query(
                f"SELECT * FROM signals WHERE article_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY headline DESC, confidence DESC, id",
                chunk,
            )
            for r in rows:
                out[r["article_id"]].append(r)
        return out

    # -- runs ------------------------------------------------------------
    @contextmanager
    def run(self, job: str) -> Iterator[RunRecorder]:
        """Record one job run (start, end, counts, errors) in ``runs``.

        An exception marks the run failed and propagates.
        """
        with self.write() as conn:
            cur = conn.execute("INSERT INTO runs(job, started) VALUES (?, ?)", (job, utcnow()))
        recorder = RunRecorder(self, int(cur.lastrowid))
        status = "ok"
        try:
            yield recorder
        except BaseException as exc:
            status = "failed"
            recorder.error(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if recorder.errors and status == "ok":
                status = "partial"
            with self.write() as conn:
                conn.execute(
                    "UPDATE runs SET finished=?, status=?, counts=?, errors=? WHERE id=?",
                    (utcnow(), status, json.dumps(recorder.counts), json.dumps(recorder.errors),
                     recorder.run_id),
                )


def _explain(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "file is not a database" in text or "malformed" in text:
        return f"{path}: not a wallwatch archive (SQLite says: {text}); move it aside or pick another --db"
    if "readonly" in text or "unable to open" in text:
        return f"{path}: cannot write the archive here ({text}); check the folder's permissions or pick another --db"
    return f"{path}: {text}"
