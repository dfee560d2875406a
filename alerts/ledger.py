"""The delivery ledger: per digest and story, when it was sent (or why it failed).

A story is written as sent only after its channel accepted the message, in
one transaction per message; so a failure leaves it pending, and a process
killed mid-send re-sends at most the one message that was in flight. Entries
carry the story's time span, so later reports of a sent story (new sources,
syndicated copies, a re-tag with new signal ids) are not new.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wallwatch.archive import Archive, utcnow
from wallwatch.errors import DeliveryError
from wallwatch.locks import LockHeld, acquire_lock

from .stories import Story


def mark_sent(archive: Archive, digest: str, stories: Sequence[Story], message: str) -> None:
    """Record ``stories`` as delivered by ``digest`` (call only after the channel accepted them)."""
    _record(archive, digest, stories, "sent", "message", message)


def record_failure(archive: Archive, digest: str, stories: Sequence[Story], error: str) -> None:
    """Record a failed attempt; the stories stay pending."""
    _record(archive, digest, stories, "failed", "error", error[:2000])


def _record(archive: Archive, digest: str, stories: Sequence[Story], status: str, column: str, note: str) -> None:
    # ``column`` is one of our two literals ("message", "error"), never input.
    now = utcnow()
    with archive.write() as conn:
        conn.executemany(
            f"""INSERT INTO deliveries(digest, story_key, signal_id, status, at, story_start, story_end,
               sources, {column}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(digest, s.key, s.signal_ids[0], status, now, s.start.isoformat(), s.end.isoformat(),
              len(s.sources), note) for s in stories],
        )


def widen(archive: Archive, absorbed: Sequence[tuple[int, str]]) -> None:
    """Stretch sent stories over the later reports they absorbed (so a slow story stays one)."""
    if not absorbed:
        return
    with archive.write() as conn:
        conn.executemany(
            "UPDATE deliveries SET story_end = ? WHERE id = ? AND julianday(story_end) < julianday(?)",
            [(end, delivery_id, end) for delivery_id, end in absorbed],
        )


def history(archive: Archive, digest: str) -> list[dict[str, Any]]:
    """Every ledger entry of ``digest``, oldest first."""
    return archive.query("SELECT * FROM deliveries WHERE digest = ? ORDER BY id", (digest,))


@contextmanager
def digest_lock(archive: Archive, digest: str) -> Iterator[None]:
    """Only one process sends a given digest at a time (the OS drops the lock if it dies)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", digest)
    try:
        fd = acquire_lock(Path(f"{archive.path}.{safe}.lock"))
    except LockHeld:
        raise DeliveryError(f"digest {digest!r} is being sent by another wallwatch process right now") from None
    try:
        yield
    finally:
        os.close(fd)
