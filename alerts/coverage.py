"""Which sent story covers a signal: the ledger's entries as merged time spans per story key.

Reading the digest's recent ledger entries once and bisecting per signal is far
faster than a correlated ``NOT EXISTS`` per signal (20 s -> 0.1 s on 100k signals).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timezone

from wallwatch.archive import Archive

_JULIAN_UNIX_EPOCH = 2440587.5


def julian(dt: datetime) -> float:
    """SQLite's julianday() of an aware datetime."""
    return dt.timestamp() / 86400.0 + _JULIAN_UNIX_EPOCH


def from_julian(jd: float) -> datetime:
    """The UTC datetime (second precision) of a Julian day number."""
    return datetime.fromtimestamp(round((jd - _JULIAN_UNIX_EPOCH) * 86400.0), tz=timezone.utc)


@dataclass
class _Windows:
    """A story key's sent stories as merged, sorted time spans (Julian days, window included)."""

    starts: list[float]
    ends: list[float]
    # per span: (delivery id with the latest story_end, that story_end) -- the entry to widen
    latest: list[tuple[int, float]]


def sent_windows(archive: Archive, digest: str, window_days: float,
                 earliest: float | None) -> dict[str, _Windows]:
    """Sent stories of ``digest`` that end late enough to cover a signal at ``earliest`` or later."""
    since = from_julian(earliest - window_days - 1).isoformat() if earliest is not None else ""
    # story_end is always written by us as UTC ISO text, so text order is time order.
    rows = archive.conn.execute(
        """SELECT story_key, julianday(story_start), julianday(story_end), id FROM deliveries
           WHERE digest = ? AND status = 'sent' AND story_end >= ?""",
        (digest, since),
    ).fetchall()
    by_key: dict[str, list[tuple[float, float, int]]] = {}
    for key, start, end, delivery in rows:
        if start is not None and end is not None:
            by_key.setdefault(key, []).append((start, end, delivery))
    out: dict[str, _Windows] = {}
    for key, entries in by_key.items():
        entries.sort()
        w = out[key] = _Windows([], [], [])
        for start, end, delivery in entries:
            lo, hi = start - window_days, end + window_days
            if w.ends and lo <= w.ends[-1]:
                if hi > w.ends[-1]:
                    w.ends[-1] = hi
                if end >= w.latest[-1][1]:
                    w.latest[-1] = (delivery, end)
            else:
                w.starts.append(lo)
                w.ends.append(hi)
                w.latest.append((delivery, end))
    return out


def covering(windows: _Windows | None, t: float) -> tuple[int, float] | None:
    """The (delivery id, story_end) of the sent story whose window holds time ``t``, if any."""
    if windows is None or t is None:
        return None
    i = bisect.bisect_right(windows.starts, t) - 1
    if i >= 0 and t <= windows.ends[i]:
        return windows.latest[i]
    return None
