"""``crawl()``: the entry point the CLI and the scheduler call, any number of times per process.

Each crawl runs in a child process (``python -m wallwatch.crawler``): Twisted's
reactor cannot be restarted (scrapy/scrapy#5026), and a child that exits gives
all its memory back. The parent enforces the time budget (the child stops
itself at the budget; the parent kills it, and its extraction workers, if it
is still there a grace period later), reaps it, and records the run.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..archive import Archive, utcnow
from ..config import Config
from ..errors import ConfigError, CrawlError
from .child import CrawlJob
from .report import CrawlReport, SourceResult

log = logging.getLogger("wallwatch.crawler")

Progress = Callable[[str, dict[str, Any]], None]
#: How long after the time budget a crawl process gets to wind down before it is killed.
GRACE_SECONDS = 10.0


def crawl(config: Config, db_path: Path, sources: Sequence[str] | None = None,
          on_progress: Progress | None = None) -> CrawlReport:
    """Fetch the configured sources (all enabled ones, or those named) into the archive at ``db_path``.

    Returns a :class:`CrawlReport`; sources that fail are in the report, not
    raised. Raises :class:`ConfigError` for an unknown source name and
    :class:`CrawlError` when the crawl could not run at all. Progress events
    ``(event, data)`` go to ``on_progress``: ``start``, ``queued`` (``n``
    pages now pending for a source), ``page``, ``stored``, ``report``.
    """
    if sources:
        names = tuple(config.source(n).name for n in sources)  # ConfigError names the unknown one
    else:
        names = tuple(s.name for s in config.sources if s.enabled)
    archive = Archive(db_path)
    try:
        archive.sync_sources(config.source_rows())
        with archive.run("crawl") as run:
            if not names:
                report = CrawlReport(started=utcnow(), finished=utcnow())
            else:
                job = CrawlJob(config=config, db_path=Path(db_path).absolute(), sources=names,
                               log_level=_log_level())
                report = _run_child(job, on_progress or (lambda e, d: None))
            report.run_id = run.run_id
            for key, value in report.totals.items():
                run.add(key, value)
            for s in report.failed_sources:
                run.error(f"{s.name}: {s.error}")
            if report.stopped:
                run.error(f"stopped: {report.stopped}")
    finally:
        archive.close()
    return report


def _log_level() -> int:
    level = logging.getLogger("wallwatch").getEffectiveLevel()
    return level if level < logging.WARNING else logging.WARNING


def _run_child(job: CrawlJob, on_progress: Progress) -> CrawlReport:
    budget = job.config.crawler.time_budget_seconds
    deadline = time.monotonic() + budget + GRACE_SECONDS
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallwatch.crawler"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        start_new_session=True,  # its own process group: killing it takes the extraction workers too
    )
    lines: queue.Queue[bytes | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    report_data: dict[str, Any] | None = None
    error: str | None = None
    snapshot: dict[str, SourceResult] = {n: SourceResult(name=n, kind=job.config.source(n).kind) for n in job.sources}
    killed = False
    interrupted = True  # until the loop ends normally: Ctrl-C or a failing callback stop the crawl too
    try:
        assert proc.stdin is not None
        proc.stdin.write(pickle.dumps(job))
        proc.stdin.close()
        on_progress("start", {"sources": list(job.sources)})
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                killed = True
                break
            try:
                line = lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            name = event.pop("event", "")
            if name == "report":
                report_data = event["report"]
                on_progress(name, event)
                break  # the last event (extraction workers may still hold the pipe open)
            elif name == "error":
                error = event.get("message")
            else:
                _count(snapshot, name, event)
            on_progress(name, event)
        interrupted = False
    except BrokenPipeError:
        interrupted = False
        error = "the crawl process exited at once"
    finally:
        # The child has its own session, so a Ctrl-C on the terminal does not reach it.
        _stop(proc, kill=killed or interrupted)
        reader.join(timeout=5)
    if report_data is not None:
        return CrawlReport.from_dict(report_data)
    if killed:
        report = CrawlReport(sources=list(snapshot.values()), started=None, finished=utcnow(),
                             seconds=time.monotonic() - t0,
                             stopped=f"time budget of {budget}s exceeded: the crawl process was killed")
        for s in report.sources:
            s.warnings.append("crawl killed at the time budget; pages stored before that stay stored")
        return report
    raise CrawlError(error or f"the crawl process failed (exit code {proc.returncode}); run with -v for its log")


def _pump(stream: Any, lines: queue.Queue[bytes | None]) -> None:
    try:
        for line in stream:
            lines.put(line)
    finally:
        lines.put(None)


def _count(snapshot: dict[str, SourceResult], event: str, data: dict[str, Any]) -> None:
    """Keep a rough per-source tally from progress events, for a crawl that must be killed."""
    result = snapshot.get(data.get("source", ""))
    if result is not None and event == "stored" and data.get("outcome") in ("new", "updated", "unchanged"):
        result.note(data["outcome"])


def _stop(proc: subprocess.Popen[bytes], kill: bool) -> None:
    """End the crawl process group if it overran, and reap the child: no zombies, no orphans."""
    if not kill:
        try:
            proc.wait(timeout=GRACE_SECONDS + 20)
        except subprocess.TimeoutExpired:
            kill = True
    if kill and proc.poll() is None:
        log.warning("stopping crawl process %s (time budget exceeded or interrupted)", proc.pid)
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()
    # The extraction workers are in the child's process group; none may outlive it
    # (a child that hard-stopped at its budget leaves them to us). The group id
    # cannot be reused while any member lives, so this only reaches our processes.
    _signal_group(proc.pid, signal.SIGKILL)
    if proc.stdout:
        proc.stdout.close()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


__all__ = ["crawl", "ConfigError", "CrawlError"]
