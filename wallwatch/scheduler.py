"""``wallwatch run``: the daemon. APScheduler 3.11, one process, jobs from the config.

Jobs (explicit ids, ``replace_existing``):
- ``crawl:<schedule>``: crawl the sources sharing that cron (``[crawler] schedule``
  or a source's own ``schedule``), then tag, then send the ``instant`` digests;
- ``digest:<name>``: deliver one digest on its cron, in its time zone;
- ``optimize``: merge the search index's segments (``[archive] optimize_schedule``).

Every job has ``coalesce=True`` and ``max_instances=1``, and all run in one
worker thread, so jobs never overlap. Digests have no misfire limit
(APScheduler's default of 1 s silently skips a daily digest that comes due while
a crawl runs); a digest whose time passed while the daemon was down runs once on
start. SIGTERM/SIGINT let the current step finish, then the daemon exits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from .archive import Archive
from .config import Config
from .errors import WallwatchError
from .locks import LockHeld, acquire_lock

log = logging.getLogger("wallwatch.scheduler")

RETRY_MINUTES = 15  # a digest whose channel failed is tried again this much later (until it goes out)
CRAWL_MISFIRE_GRACE_SECONDS = 15 * 60  # a crawl this late still runs; later ones are coalesced into the next
DIGEST_MISFIRE_GRACE_SECONDS = None  # a late digest always runs (once, coalesced)


def crawl_groups(config: Config) -> dict[str, list[str]]:
    """Enabled sources grouped by the cron they are crawled on."""
    groups: dict[str, list[str]] = {}
    for s in config.sources:
        if s.enabled:
            groups.setdefault(s.schedule or config.crawler.schedule, []).append(s.name)
    return groups


class Resources:
    """What the daemon's jobs share: the tagger, loaded once (rules and model) on first use."""

    def __init__(self, config: Config):
        self.config = config
        self.scheduler: BackgroundScheduler | None = None  # set by build_scheduler, for retries
        self._tagger: Any = None
        self._lock = threading.Lock()

    def tagger(self) -> Any:
        with self._lock:
            if self._tagger is None:
                from .nlp import load_tagger

                self._tagger = load_tagger(self.config)
            return self._tagger


def crawl_job(config: Config, sources: list[str], stop: threading.Event,
              env: Mapping[str, str] | None = None, resources: Resources | None = None) -> dict[str, Any]:
    """Crawl ``sources``, tag what came in, send the instant digests; one ``cycle`` run."""
    from .pipeline import run_once

    # Loaded inside the tag step: a tagger that cannot load is that step's error; crawl and digests go on.
    report = run_once(config, sources=sources, digests="instant", env=env, stop=stop,
                      load_tagger=resources.tagger if resources is not None else None)
    for step in report.steps:
        if step.error:
            log.warning("%s: %s", step.name, step.error)
    return report.as_dict()


def digest_job(config: Config, name: str, stop: threading.Event,
               env: Mapping[str, str] | None = None, resources: Resources | None = None) -> dict[str, Any]:
    """Deliver digest ``name`` now (unless the daemon is stopping: it stays due for the catch-up).

    When the channel fails, a one-off retry (job ``retry:<name>``) is queued
    ``RETRY_MINUTES`` later, and again after each failure, until it goes out.
    """
    from .alerts import deliver

    if stop.is_set():
        return {"digest": name, "status": "skipped: stopping"}
    with Archive(config.db_path) as archive:
        report = deliver(archive, config, config.digest(name), env=env)
    if report.status == "failed":
        log.warning("digest %s: %s (%d stories stay pending, retry in %d min)", name, report.error,
                    report.pending, RETRY_MINUTES)
        if resources is not None and resources.scheduler is not None and not stop.is_set():
            resources.scheduler.add_job(
                digest_job, "date", run_date=datetime.now(timezone.utc) + timedelta(minutes=RETRY_MINUTES),
                args=(config, name, stop, env, resources), id=f"retry:{name}", name=f"retry digest {name}",
                replace_existing=True, misfire_grace_time=None)
    else:
        log.info("digest %s: %s, %d stories", name, report.status, report.stories)
    return report.as_dict()


def optimize_job(config: Config, stop: threading.Event) -> dict[str, Any]:
    """Merge the search index's segments, within ``[archive] optimize_max_seconds``."""
    from .archive import optimize_index

    if stop.is_set():
        return {"optimize": "skipped: stopping"}
    with Archive(config.db_path) as archive:
        # Between steps, SIGTERM wins: the daemon does not wait out the whole budget.
        result = optimize_index(archive, max_seconds=config.archive.optimize_max_seconds,
                                should_stop=stop.is_set)
    log.info("optimize: %d steps in %.1f s%s", result.steps, result.seconds,
             "" if result.complete else " (time budget reached; goes on next time)")
    return result.as_dict()


def build_scheduler(config: Config, *, stop: threading.Event | None = None,
                    env: Mapping[str, str] | None = None, now: datetime | None = None) -> BackgroundScheduler:
    """A scheduler with every job of ``config`` added and the missed digests queued to run now.

    Not started; ``run_daemon`` starts it, tests may start it themselves. Raises
    QueryError for a digest ``filter`` that cannot be parsed (before anything runs).
    """
    from .alerts import digest_trigger, is_due
    from .alerts.stories import compile_filter

    for digest in config.digests:
        compile_filter(digest.filter)

    stop = stop or threading.Event()
    resources = Resources(config)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=timezone.utc,
    )
    resources.scheduler = scheduler
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for cron, names in crawl_groups(config).items():
        scheduler.add_job(crawl_job, CronTrigger.from_crontab(cron, timezone=timezone.utc),
                          args=(config, names, stop, env, resources), id=f"crawl:{cron}", name=f"crawl {len(names)} sources",
                          replace_existing=True, misfire_grace_time=CRAWL_MISFIRE_GRACE_SECONDS)
    if config.archive.optimize_schedule:
        scheduler.add_job(optimize_job, CronTrigger.from_crontab(config.archive.optimize_schedule, timezone=timezone.utc),
                          args=(config, stop), id="optimize", name="optimize the search index",
                          replace_existing=True, misfire_grace_time=CRAWL_MISFIRE_GRACE_SECONDS)
    now = now or datetime.now(timezone.utc)
    with Archive(config.db_path) as archive:
        missed = {d.name for d in config.digests
                  if d.schedule != "instant" and is_due(archive, d, now, never_run_is_due=False)}
    for digest in config.digests:
        if digest.schedule == "instant":
            continue  # sent by the crawl jobs, right after tagging
        kwargs: dict[str, Any] = {}
        if digest.name in missed:
            log.info("digest %s: its scheduled time passed while wallwatch was not running; sending now",
                     digest.name)
            kwargs["next_run_time"] = now
        scheduler.add_job(digest_job, digest_trigger(digest), args=(config, digest.name, stop, env, resources),
                          id=f"digest:{digest.name}", name=f"digest {digest.name}", replace_existing=True,
                          misfire_grace_time=DIGEST_MISFIRE_GRACE_SECONDS, **kwargs)
    return scheduler


def _log_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its time %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        log.error("job %s failed: %s", event.job_id, event.exception)


def describe(scheduler: BackgroundScheduler) -> list[dict[str, Any]]:
    """The jobs and their next run times (for the start-up message and tests)."""
    out = []
    for job in scheduler.get_jobs():
        nxt = getattr(job, "next_run_time", None)
        if nxt is None and hasattr(job.trigger, "get_next_fire_time"):
            nxt = job.trigger.get_next_fire_time(None, datetime.now(timezone.utc))
        out.append({"id": job.id, "next": nxt.isoformat() if nxt else None})
    return out


@contextmanager
def daemon_lock(config: Config) -> Iterator[None]:
    """One daemon per archive: a second one would crawl everything twice."""
    try:
        fd = acquire_lock(Path(f"{config.db_path}.daemon.lock"), record_pid=True)
    except LockHeld as held:
        raise WallwatchError(f"another wallwatch daemon (pid {held.holder}) already runs on {config.db_path}; "
                             "stop it first, or use --db for another archive") from None
    try:
        yield
    finally:
        os.close(fd)  # closing drops the lock


def run_daemon(config: Config, *, stop: threading.Event | None = None,
               on_start: Callable[[list[dict[str, Any]]], None] | None = None,
               install_signals: bool = True) -> None:
    """Run until SIGTERM/SIGINT (or ``stop`` is set); the current step finishes first.

    Raises WallwatchError when another daemon runs on the same archive.
    """
    with daemon_lock(config):
        _run(config, stop or threading.Event(), on_start, install_signals)


def _run(config: Config, stop: threading.Event, on_start: Callable[[list[dict[str, Any]]], None] | None,
         install_signals: bool) -> None:
    scheduler = build_scheduler(config, stop=stop)
    previous: dict[int, Any] = {}
    if install_signals:
        def handle(signum: int, frame: object) -> None:
            log.warning("received %s: finishing the current step, then stopping", signal.Signals(signum).name)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handle)
    scheduler.start()
    try:
        if on_start:
            on_start(describe(scheduler))
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
