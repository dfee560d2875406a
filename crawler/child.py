"""One crawl, start to end, inside a dedicated process (Twisted's reactor cannot restart)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..archive import Archive, utcnow
from ..config import Config, SourceConfig
from .report import CrawlReport, SourceResult

Emit = Callable[[str, dict[str, Any]], None]
#: Seconds after the time budget at which a crawl still waiting for downloads is abandoned.
HARD_STOP_AFTER = 3.0


@dataclass(frozen=True)
class CrawlJob:
    """Everything the crawl process needs, handed over pickled on stdin."""

    config: Config
    db_path: Path
    sources: tuple[str, ...]
    log_level: int = logging.WARNING
    workers: int = field(default_factory=lambda: _usable_cpus())


def _usable_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def scrapy_settings(config: Config, log_level: int) -> dict[str, Any]:
    """Scrapy settings from ``[crawler]``: politeness, limits, safety, our components."""
    c = config.crawler
    return {
        "BOT_NAME": "wallwatch",
        "USER_AGENT": c.user_agent,
        "ROBOTSTXT_OBEY": c.obey_robots,
        "CONCURRENT_REQUESTS": c.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.per_domain_concurrency,
        "DOWNLOAD_DELAY": c.delay_seconds,
        "RANDOMIZE_DOWNLOAD_DELAY": c.delay_seconds > 0,
        "DOWNLOAD_TIMEOUT": c.timeout_seconds,
        "DOWNLOAD_MAXSIZE": c.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": c.max_redirects,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": c.retries,
        # 429/503 go to RetryAfterMiddleware, which reads Retry-After.
        "RETRY_HTTP_CODES": [500, 502, 504, 522, 524, 408],
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # Failures are in the report; the log is for -v (INFO) and -vv (DEBUG).
        "LOG_LEVEL": logging.getLevelName(log_level if log_level < logging.WARNING else logging.ERROR),
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOG_FORMAT": "%(asctime)s %(levelname)s crawl[%(process)d] %(name)s: %(message)s",
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # the spider dedupes by canonical URL
        "CLOSESPIDER_TIMEOUT": c.time_budget_seconds,
        "DOWNLOAD_HANDLERS": {"file": None, "s3": None, "ftp": None, "data": None},
        "DOWNLOADER_MIDDLEWARES": {
            "wallwatch.crawler.middlewares.NetworkGuardMiddleware": 50,
            "wallwatch.crawler.middlewares.RetryAfterMiddleware": 560,
        },
        "ITEM_PIPELINES": {"wallwatch.crawler.pipeline.ArchivePipeline": 300},
        "WALLWATCH_ALLOW_PRIVATE": c.allow_private_networks,
        "WALLWATCH_ALLOWED_PRIVATE_HOSTS": list(c.allowed_private_hosts),
        "WALLWATCH_MAX_RETRY_AFTER": min(120.0, max(1.0, c.time_budget_seconds / 4)),
        # Responses waiting for extraction count here: Scrapy's default (5 MB, some
        # 30 pages) keeps both workers fed and memory flat.
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 5_000_000,
        # An article callback yields one item: Scrapy's default of 100 parallel
        # item workers per response costs ~100 asyncio tasks per page for nothing.
        "CONCURRENT_ITEMS": 4,
    }


def _states(archive: Archive, sources: list[SourceConfig]) -> dict[str, Any]:
    from .spider import SourceState

    out = {}
    for s in sources:
        row = archive.source(s.name) or {}
        out[s.name] = SourceState(etag=row.get("etag"), last_modified=row.get("last_modified"),
                                  body_hash=row.get("body_hash"))
    return out


def run_job(job: CrawlJob, emit: Emit) -> CrawlReport:
    """Run one crawl to the end (or to the time budget) and return its report."""
    from scrapy.crawler import AsyncCrawlerProcess

    from .spider import NewsSpider
    from .storing import ArticleWriter

    config = job.config
    sources = [config.source(n) for n in job.sources]
    started, t0 = utcnow(), time.monotonic()
    archive = Archive(job.db_path)
    states = _states(archive, sources)

    def known(url: str) -> dict[str, Any] | None:
        rows = archive.query("SELECT id, fetched FROM articles WHERE url=?", (url,))
        return rows[0] if rows else None

    # Forked (and started, by the warm-up) before the reactor runs: workers
    # inherit the imported extractor and no threads, and start instantly.
    import trafilatura  # noqa: F401

    pool = ProcessPoolExecutor(max_workers=max(1, job.workers), mp_context=multiprocessing.get_context("fork"))
    list(pool.map(_warm_up, range(max(1, job.workers))))
    budget = config.crawler.time_budget_seconds
    box: dict[str, Any] = {}

    def finish(spider: Any, stopped: str | None) -> CrawlReport:
        report = CrawlReport(sources=[spider.results[s.name] for s in sources], started=started,
                             finished=utcnow(), seconds=time.monotonic() - t0, stopped=stopped)
        for s in sources:
            result = spider.results[s.name]
            if spider.pending[s.name] > 0 and stopped:
                result.warnings.append(f"stopped by the time budget with {spider.pending[s.name]} pages pending")
                if result.feed != "failed":
                    result.feed = "stopped"
            _record_fetch(archive, result, spider.fetch_state.get(s.name, {}), complete=not stopped)
        return report

    def hard_stop() -> None:
        # Scrapy's close-spider timeout waits for downloads in flight (a server
        # that trickles for minutes): report what is done and leave now. This runs
        # on the reactor thread, so no archive transaction is open; the parent
        # kills the extraction workers with the rest of the process group.
        spider = crawler.spider
        if spider is not None:
            report = finish(spider, f"time budget of {budget}s reached (downloads in flight abandoned)")
            emit("report", {"report": report.as_dict()})
        os._exit(0)

    try:
        process = AsyncCrawlerProcess(scrapy_settings(config, job.log_level))
        crawler = process.create_crawler(NewsSpider)

        def closed(spider: Any, reason: str) -> None:
            box["spider"], box["reason"] = spider, reason

        from scrapy import signals
        from twisted.internet import reactor

        crawler.signals.connect(closed, signal=signals.spider_closed)
        process.crawl(crawler, config=config, sources=sources, states=states, known=known, pool=pool,
                      emit=emit, writer=ArticleWriter(archive, config.crawler.near_duplicate_threshold))
        reactor.callLater(budget + HARD_STOP_AFTER, hard_stop)  # type: ignore[attr-defined]
        process.start()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    spider = box.get("spider")
    if spider is None:
        raise RuntimeError("the crawl ended before the spider opened (see the log above)")
    stopped = f"time budget of {budget}s reached" if box.get("reason") == "closespider_timeout" else None
    report = finish(spider, stopped)
    archive.close()
    return report


def _warm_up(_: int) -> int:
    return os.getpid()


def _record_fetch(archive: Archive, result: SourceResult, state: dict[str, Any], complete: bool) -> None:
    """Store the source's fetch state; validators only when every page of it was handled.

    Keeping an ETag or body hash after a partial crawl would make the next
    crawl skip the feed and never retry the pages that failed.
    """
    if result.error:
        archive.record_fetch(result.name, status=result.status, error=result.error)
        return
    if not state:
        return
    if complete and result.failed == 0:
        archive.record_fetch(result.name, status=state.get("status"), etag=state.get("etag"),
                             last_modified=state.get("last_modified"), body_hash=state.get("body_hash"))
    else:
        with archive.write() as conn:  # one transaction: the status and the dropped validators
            archive.record_fetch(result.name, status=state.get("status"))
            conn.execute("UPDATE sources SET etag=NULL, last_modified=NULL, body_hash=NULL WHERE name=?",
                         (result.name,))
