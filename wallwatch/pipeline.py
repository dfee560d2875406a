"""One cycle of wallwatch: crawl, tag, deliver the digests that are due.

``run_once`` is what ``wallwatch run --once`` does; the daemon
(:mod:`wallwatch.scheduler`) calls the same step functions from its jobs.
Each step is isolated: a crawl that cannot run does not stop the tagging of
what is archived, nor the digests of what is tagged; the error is in the report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .archive import Archive, ArchiveError, utcnow
from .config import Config, DigestConfig
from .errors import WallwatchError

log = logging.getLogger("wallwatch.pipeline")

Progress = Callable[[str, dict[str, Any]], None]


@dataclass
class StepResult:
    """The outcome of one step: its report as a dict, or the error that stopped it."""

    name: str
    report: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "error": self.error, "seconds": round(self.seconds, 2),
                "skipped": self.skipped, "report": self.report}


@dataclass
class CycleReport:
    """What one cycle did, step by step."""

    archive: str
    started: str
    steps: list[StepResult] = field(default_factory=list)
    digests: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and all(d["status"] != "failed" for d in self.digests)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {"archive": self.archive, "started": self.started, "seconds": round(self.seconds, 2),
                "ok": self.ok, "steps": [s.as_dict() for s in self.steps], "digests": self.digests}


def _timed(name: str, fn: Callable[[], dict[str, Any] | None]) -> StepResult:
    started = time.monotonic()
    result = StepResult(name)
    try:
        result.report = fn()
    except Exception as exc:  # one step failing must not stop the next ones
        log.warning("%s failed: %s", name, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        ours = isinstance(exc, (WallwatchError, ArchiveError))
        result.error = str(exc) if ours else f"{type(exc).__name__}: {exc}"
    result.seconds = time.monotonic() - started
    return result


def crawl_step(config: Config, sources: Sequence[str] | None = None,
               on_progress: Progress | None = None) -> StepResult:
    """Crawl the sources (all enabled ones, or those named) into the archive."""
    def run() -> dict[str, Any]:
        from .crawler import crawl

        return crawl(config, config.db_path, sources=sources, on_progress=on_progress).as_dict()

    return _timed("crawl", run)


def tag_step(config: Config, archive: Archive, on_progress: Progress | None = None,
             load_tagger: Callable[[], Any] | None = None) -> StepResult:
    """Tag every article that has no signals of the current rules yet.

    ``load_tagger`` (returning a ``wallwatch.nlp.Tagger``) lets the daemon load
    the model once for all its crawls; it is called inside the step, so a
    tagger that cannot load is this step's error, tried once per cycle.
    """
    def run() -> dict[str, Any]:
        from .nlp import tag_archive

        tagger = load_tagger() if load_tagger is not None else None

        def progress(done: int, total: int) -> None:
            if on_progress:
                on_progress("tagged", {"done": done, "total": total})

        return tag_archive(config, archive, on_progress=progress, tagger=tagger).as_dict()

    return _timed("tag", run)


def watch_step(config: Config, archive: Archive) -> StepResult:
    """Run the analysts' watches over articles they have not read yet (none configured: nothing)."""
    def run() -> dict[str, Any]:
        from .nlp.watch_store import run_configured_watches

        return run_configured_watches(config, archive)

    return _timed("watch", run)


def digest_step(config: Config, archive: Archive, *, now: datetime | None = None,
                which: str | Sequence[str] = "due", env: Mapping[str, str] | None = None,
                stop: threading.Event | None = None) -> list[dict[str, Any]]:
    """Deliver digests: ``"due"`` (by schedule), ``"instant"``, ``"all"`` or a list of names.

    Returns one dict per configured digest considered: a delivery report, or
    ``status: "not due"`` with the next scheduled time.
    """
    from .alerts import deliver, next_fire

    now = now or datetime.now(timezone.utc)
    out: list[dict[str, Any]] = []
    for digest in config.digests:
        if stop is not None and stop.is_set():
            break
        if which == "instant" and digest.schedule != "instant":
            continue  # scheduled digests have their own jobs
        if not _selected(digest, which, archive, now):
            nxt = next_fire(digest, now)
            out.append({"digest": digest.name, "channel": digest.channel, "status": "not due",
                        "next": nxt.isoformat() if nxt else None})
            continue
        try:
            report = deliver(archive, config, digest, now=now, env=env).as_dict()
        except Exception as exc:  # e.g. another process is sending it: the others still go
            report = {"digest": digest.name, "channel": digest.channel, "status": "failed", "error": str(exc),
                      "stories": 0, "pending": 0, "messages": 0, "refs": []}
        out.append(report)
    return out


def _selected(digest: DigestConfig, which: str | Sequence[str], archive: Archive, now: datetime) -> bool:
    from .alerts import is_due

    if which in ("all", "instant"):  # digest_step already left out the scheduled ones for "instant"
        return True
    if which == "due":
        return is_due(archive, digest, now)
    return digest.name in which


def run_once(config: Config, *, now: datetime | None = None, sources: Sequence[str] | None = None,
             crawl: bool = True, tag: bool = True, digests: str | Sequence[str] = "due",
             env: Mapping[str, str] | None = None, on_progress: Progress | None = None,
             stop: threading.Event | None = None, load_tagger: Callable[[], Any] | None = None) -> CycleReport:
    """One full cycle: crawl, tag, then deliver the due digests; recorded as a ``cycle`` run."""
    started = time.monotonic()
    db_path: Path = config.db_path
    with Archive(db_path) as archive:
        archive.sync_sources(config.source_rows())
        report = CycleReport(archive=str(db_path), started=utcnow())
        with archive.run("cycle") as run:
            if crawl and not _stopping(stop):
                report.steps.append(crawl_step(config, sources, on_progress))
            if tag and not _stopping(stop):
                report.steps.append(tag_step(config, archive, on_progress, load_tagger))
                report.steps.append(watch_step(config, archive))
            if not _stopping(stop):
                report.digests = digest_step(config, archive, now=now, which=digests, env=env, stop=stop)
            for step in report.steps:
                if step.error:
                    run.error(f"{step.name}: {step.error}")
            for d in report.digests:
                run.add(f"digest_{d['status'].replace(' ', '_')}")
                if d["status"] == "failed":
                    run.error(f"digest {d['digest']}: {d.get('error')}")
    report.seconds = time.monotonic() - started
    return report


def _stopping(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()
