"""Run the analysts' watches over the archive and store their signals.

Each watch remembers, per article, which version of its query last looked at
which text (``rules_watch_state``), so a run only reads new or changed
articles and articles an edited watch has not seen. Signals are stored with
``Archive.replace_signals(kind="watch:<name>")``; their story key comes from
the sentence, so re-running a watch never makes a delivered story new again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wallwatch.archive import Archive, SignalRecord

from .watches import Watch, WatchSet, watch_signals
from .workbench_scan import scan
from .workbench_text import PlatformFinder


@dataclass
class WatchRun:
    """Per watch: articles looked at, articles with signals, signals stored."""

    looked: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)
    signals: dict[str, int] = field(default_factory=dict)
    removed_watches: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"looked": self.looked, "matched": self.matched, "signals": self.signals,
                "removed_watches": self.removed_watches}


def pending_articles(archive: Archive, watch: Watch, *, retag_all: bool = False,
                     since: str | None = None) -> list[int]:
    """Ids of articles this version of ``watch`` has not looked at (all of them with ``retag_all``)."""
    where, params = [], [watch.name, watch.version]
    if not retag_all:
        where.append("st.article_id IS NULL")
    if since:
        where.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(since)
    sql = ("SELECT a.id FROM articles a LEFT JOIN rules_watch_state st ON st.article_id = a.id "
           "AND st.watch = ? AND st.version = ? AND st.content_hash = a.content_hash"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id")
    return [r[0] for r in archive.conn.execute(sql, params)]


def store_watch_signals(archive: Archive, article_id: int, watch: Watch, records: list[SignalRecord]) -> None:
    """Replace the article's signals of this watch, leaving the interop tagger's bookkeeping alone."""
    with archive.write() as conn:
        row = conn.execute("SELECT tagged_version, content_hash FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return
        tagged_version, digest = row
        has_any = conn.execute("SELECT 1 FROM signals WHERE article_id = ? AND kind = ? LIMIT 1",
                               (article_id, watch.kind)).fetchone()
        if records or has_any:
            archive.replace_signals(article_id, records, watch.version, kind=watch.kind)
            # replace_signals records the version in articles.tagged_version, which
            # belongs to the interop tagger: put its value back.
            conn.execute("UPDATE articles SET tagged_version = ? WHERE id = ?", (tagged_version, article_id))
        _mark_seen(conn, watch, [(article_id, digest)])


def _mark_seen(conn: Any, watch: Watch, rows: list[tuple[int, str]]) -> None:
    conn.executemany(
        "INSERT INTO rules_watch_state(watch, article_id, version, content_hash) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(watch, article_id) DO UPDATE SET version = excluded.version, "
        "content_hash = excluded.content_hash",
        [(watch.name, a, watch.version, h) for a, h in rows],
    )


def tag_watches(archive: Archive, watches: WatchSet, finder: PlatformFinder | None = None, *,
                retag_all: bool = False, since: str | None = None, prune: bool = True,
                on_progress: Callable[[int], None] | None = None) -> WatchRun:
    """Run every enabled watch on the articles it has not seen; store the signals.

    With ``prune``, signals of watches no longer in the file (or disabled) are removed.
    ``on_progress(n)`` is called as articles are done (for a progress bar).
    """
    finder = finder or PlatformFinder()
    run = WatchRun()
    for watch in watches.enabled:
        todo = pending_articles(archive, watch, retag_all=retag_all, since=since)
        run.looked[watch.name] = len(todo)
        run.matched[watch.name] = run.signals[watch.name] = 0
        if not todo:
            continue
        matched: set[int] = set()
        for chunk_start in range(0, len(todo), 2000):
            chunk = todo[chunk_start:chunk_start + 2000]
            with archive.write() as conn:
                # Materialised first: storing signals rewrites the FTS rows being scanned.
                for m in list(scan(archive, watch.query, finder, article_ids=chunk, with_signals=True)):
                    records = watch_signals(watch, m.hits, m.context)
                    store_watch_signals(archive, m.id, watch, records)
                    matched.add(m.id)
                    run.signals[watch.name] += len(records)
                # The rest of the chunk has no matching sentence: clear old signals, mark seen.
                rest = [i for i in chunk if i not in matched]
                stale = {r[0] for r in conn.execute(
                    "SELECT DISTINCT article_id FROM signals WHERE kind = ? AND article_id IN "
                    "(SELECT value FROM json_each(?))", (watch.kind, _json(rest)))}
                for article_id in stale:
                    store_watch_signals(archive, article_id, watch, [])
                _mark_seen(conn, watch, [tuple(r) for r in conn.execute(
                    "SELECT id, content_hash FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                    (_json(rest),))])
            if on_progress:
                on_progress(len(chunk))
        run.matched[watch.name] = len(matched)
    if prune:
        run.removed_watches = prune_watches(archive, watches)
    return run


def prune_watches(archive: Archive, watches: WatchSet) -> list[str]:
    """Delete the signals and state of watches that are gone or disabled; their names."""
    keep = {w.name for w in watches.enabled}
    gone = sorted({r[0][len("watch:"):] for r in archive.conn.execute(
        "SELECT DISTINCT kind FROM signals WHERE kind LIKE 'watch:%'")} - keep)
    with archive.write() as conn:
        for name in gone:
            ids = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM signals WHERE kind = ?",
                                              (f"watch:{name}",))]
            for article_id in ids:
                store_watch_signals(archive, article_id, _Gone(name), [])  # type: ignore[arg-type]
        placeholders = ",".join("?" * len(keep))
        conn.execute(f"DELETE FROM rules_watch_state WHERE watch NOT IN ({placeholders})", tuple(keep))
    return gone


@dataclass(frozen=True)
class _Gone:
    """Stands for a watch that no longer exists, to clear its signals."""

    name: str
    version: str = "removed"

    @property
    def kind(self) -> str:
        return f"watch:{self.name}"


def _json(ids: list[int]) -> str:
    return json.dumps(ids)


def run_configured_watches(config: Any, archive: Archive,
                           on_progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the watches the config names (none: nothing to do) after tagging; for the pipeline.

    The watch file is read here, so an invalid one raises :class:`RulesError`
    with its file:line like any analyst file.
    """
    from .workbench_config import config_watches, platform_finder

    watches = config_watches(config)
    if not watches.watches:
        return {"watches": 0}
    run = tag_watches(archive, watches, platform_finder(config), on_progress=on_progress)
    return {"watches": len(watches.enabled), **run.as_dict()}
