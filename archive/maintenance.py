"""Keeping search fast as the archive grows: merge the full-text index's segments.

FTS5 writes each transaction's new postings as a segment and merges segments
as it goes (``automerge``). Merging little and often costs ingest time: on a
1M-article archive it was ~40 % of the insert cost. Migration m006 lets more
segments pile up before FTS5 merges them on its own, and this module merges
them all in the background, a small step at a time, like a search engine's
periodic force-merge. ``wallwatch optimize`` runs it, and the daemon runs it
on ``[archive] optimize_schedule``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .store import Archive

#: Pages of merged index written per step. One step holds the write lock for
#: well under a second on 2 cores, so crawls and tagging keep writing meanwhile.
STEP_PAGES = 2000
# FTS5 keeps the index's segment list in one record of its %_data table, at
# this rowid; a merge step that did any work rewrites it.
_STRUCTURE_ROWID = 10


@dataclass(frozen=True)
class OptimizeResult:
    """What ``optimize_index`` did: steps run, seconds spent, and whether merging is finished."""

    steps: int
    seconds: float
    complete: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def optimize_index(archive: Archive, *, max_seconds: float | None = None, step_pages: int = STEP_PAGES,
                   on_step: Callable[[int], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> OptimizeResult:
    """Merge the search index's segments, one short write transaction per step.

    Each step is FTS5's ``merge`` command: up to ``step_pages`` pages of
    merging on a level holding at least ``usermerge`` (2, set by m006)
    segments, so repeated steps leave one segment per level, which searches
    as fast as FTS5's ``optimize`` (docs/performance.md). (A negative page count, FTS5's
    incremental optimize, is not used: with SQLite 3.40 and a writer adding
    segments between steps it left an index no new connection could open
    after ~1,000 steps.) Stops when a step changes nothing, once
    ``max_seconds`` have passed, or when ``should_stop()`` is true between
    steps (the daemon shutting down); the next call goes on from there.
    Searches give the same hits before and after. Recorded in ``runs`` as ``optimize``.
    """
    t0 = time.monotonic()
    steps, complete = 0, False
    with archive.run("optimize") as run:
        while True:
            with archive.write() as conn:
                before = _structure(conn)
                conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', ?)", (step_pages,))
                complete = _structure(conn) == before
            if complete:
                break
            steps += 1
            if on_step is not None:
                on_step(steps)
            if ((max_seconds is not None and time.monotonic() - t0 >= max_seconds)
                    or (should_stop is not None and should_stop())):
                break
        run.add("steps", steps)
        run.add("complete", int(complete))
    return OptimizeResult(steps, time.monotonic() - t0, complete)


def _structure(conn: Any) -> bytes | None:
    row = conn.execute("SELECT block FROM articles_fts_data WHERE id = ?", (_STRUCTURE_ROWID,)).fetchone()
    return row[0] if row else None
