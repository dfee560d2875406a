"""When a digest is due: its cron in its time zone, against the last successful run.

Shared by ``run --once`` (send what is due) and the daemon (catch up on start
with what came due while it was down).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from wallwatch.archive import Archive
from wallwatch.config import DigestConfig

CATCH_UP_HORIZON = timedelta(days=8)


class WallClockCronTrigger(CronTrigger):
    """A cron trigger that fires once per wall-clock time, also when clocks fall back.

    APScheduler's CronTrigger fires a daily 01:30 twice on the night the clocks
    go back (01:30 summer time, then 01:30 winter time); a daily digest should
    go out once. A time skipped by the spring change fires an hour later.
    """

    def get_next_fire_time(self, previous_fire_time, now):  # type: ignore[no-untyped-def]
        nxt = super().get_next_fire_time(previous_fire_time, now)
        if nxt is not None and previous_fire_time is not None:
            prev_wall = previous_fire_time.astimezone(self.timezone).replace(tzinfo=None)
            if nxt.replace(tzinfo=None) == prev_wall:
                # Step in UTC: wall-clock arithmetic on an aware time drops ``fold``.
                nxt = super().get_next_fire_time(nxt, nxt.astimezone(timezone.utc) + timedelta(seconds=1))
        return nxt


def digest_trigger(digest: DigestConfig) -> WallClockCronTrigger:
    """The digest's cron in its IANA time zone (not for ``schedule = "instant"``)."""
    return WallClockCronTrigger.from_crontab(digest.schedule, timezone=ZoneInfo(digest.timezone))


def fire_times(digest: DigestConfig, start: datetime, end: datetime) -> list[datetime]:
    """Scheduled times of ``digest`` in (start, end]."""
    trigger = digest_trigger(digest)
    out: list[datetime] = []
    prev = None
    step = timedelta(microseconds=1)
    t = trigger.get_next_fire_time(None, start.astimezone(timezone.utc) + step)
    while t is not None and t <= end and len(out) < 100_000:
        out.append(t)
        prev = t
        t = trigger.get_next_fire_time(prev, t.astimezone(timezone.utc) + step)
    return out


def previous_fire(digest: DigestConfig, now: datetime, since: datetime | None = None) -> datetime | None:
    """The latest scheduled time of ``digest`` at or before ``now`` (looking back a week at most)."""
    start = max(since or now - CATCH_UP_HORIZON, now - CATCH_UP_HORIZON)
    times = fire_times(digest, start, now)
    return times[-1] if times else None


def last_success(archive: Archive, digest: str) -> datetime | None:
    """When the last complete run of ``digest`` started (runs table, job ``digest:<name>``)."""
    row = archive.conn.execute(
        "SELECT max(started) FROM runs WHERE job = ? AND status = 'ok'", (f"digest:{digest}",)
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


def is_due(archive: Archive, digest: DigestConfig, now: datetime, *, never_run_is_due: bool = True) -> bool:
    """Whether a scheduled time of ``digest`` passed since its last complete run."""
    if digest.schedule == "instant":
        return True
    last = last_success(archive, digest.name)
    if last is None:
        return never_run_is_due
    fired = previous_fire(digest, now, since=last)
    return fired is not None and fired > last


def next_fire(digest: DigestConfig, now: datetime) -> datetime | None:
    if digest.schedule == "instant":
        return None
    return digest_trigger(digest).get_next_fire_time(None, now)
