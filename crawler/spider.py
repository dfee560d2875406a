"""The Scrapy spider: source documents (feed, sitemap, listing page) -> article pages -> items."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response

from ..config import Config, SourceConfig
from .extract import extract_page
from .feeds import FeedEntry, parse_feed
from .middlewares import REFUSED_PREFIX, failure_reason
from .report import SourceResult
from .sitemaps import parse_sitemap, too_old
from .urls import canonical_url, same_site, scheme_allowed

MAX_CHILD_SITEMAPS = 20
HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class SourceState:
    """What the archive remembers of a source between crawls (for conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


class NewsSpider(scrapy.Spider):
    """Fetches each configured source, follows its newest entries, hands pages to extraction.

    Extraction runs in ``pool`` (worker processes), never on the reactor thread;
    finished articles leave as items for :class:`~.pipeline.ArchivePipeline`.
    """

    name = "wallwatch"

    def __init__(self, config: Config, sources: list[SourceConfig], states: dict[str, SourceState],
                 known: Callable[[str], dict[str, Any] | None], pool: Executor,
                 emit: Callable[[str, dict[str, Any]], None], **kwargs: Any):
        super().__init__(**kwargs)
        self.config = config
        self.source_configs = {s.name: s for s in sources}
        self.states = states
        self.known = known
        self.pool = pool
        self.emit = emit
        self.results = {s.name: SourceResult(name=s.name, kind=s.kind) for s in sources}
        self.fetch_state: dict[str, dict[str, Any]] = {}
        self.pending = {s.name: 0 for s in sources}
        self.followed = {s.name: 0 for s in sources}  # entries taken, across child sitemaps
        self.seen: set[str] = set()  # canonical URLs queued or handled in this crawl
        self.handled: set[str] = set()  # canonical final URLs (after redirects) handled

    # -- start -----------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for src in self.source_configs.values():
            yield self._source_request(src)

    def _source_request(self, src: SourceConfig) -> scrapy.Request:
        crawler = self.config.crawler
        meta: dict[str, Any] = {"source": src.name, "handle_httpstatus_list": [304]}
        headers = {}
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "site": self.parse_listing}[src.kind]
        if src.kind in ("feed", "sitemap"):
            meta["download_maxsize"] = crawler.max_feed_bytes
            state = self.states.get(src.name)
            if state and state.etag:
                headers["If-None-Match"] = state.etag
            if state and state.last_modified:
                headers["If-Modified-Since"] = state.last_modified
            headers["Accept"] = ("application/rss+xml, application/atom+xml, application/feed+json, "
                                 "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
        self.pending[src.name] += 1
        return scrapy.Request(src.url, callback=callback, errback=self.source_failed, meta=meta,
                              headers=headers, dont_filter=True, priority=10)

    def _done(self, source: str) -> None:
        self.pending[source] -= 1

    # -- source documents ------------------------------------------------
    def _source_body(self, response: Response) -> bytes | None:
        """Common handling of a source response; None when there is nothing to parse."""
        name = response.meta["source"]
        result = self.results[name]
        result.status = response.status
        state = {"status": response.status,
                 "etag": _header(response, b"ETag"), "last_modified": _header(response, b"Last-Modified")}
        if response.status == 304:
            result.feed = "not-modified"
            self.fetch_state[name] = state
            return None
        digest = hashlib.sha256(response.body).hexdigest()
        state["body_hash"] = digest
        self.fetch_state[name] = state
        old = self.states.get(name)
        if old and old.body_hash == digest:
            result.feed = "same-body"
            return None
        result.feed = "fetched"
        return response.body

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        name = response.meta["source"]
        try:
            body = self._source_body(response)
            if body is None:
                return
            ctype = _header(response, b"Content-Type")
            parsed = parse_feed(body, response.url, ctype)
            result = self.results[name]
            if parsed.error:
                result.fail(parsed.error, response.status)
                return
            if parsed.warning:
                result.warnings.append(parsed.warning)
            for reason in parsed.skipped:
                result.note("skipped", reason)
            entries = sorted(parsed.entries, key=lambda e: e.published or "", reverse=True)
            yield from self._follow(name, entries)
        finally:
            self._done(name)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        name = response.meta["source"]
        try:
            body = self._source_body(response) if not response.meta.get("child_sitemap") else response.body
            if body is None:
                return
            result = self.results[name]
            parsed = parse_sitemap(body)
            if parsed.error:
                if response.meta.get("child_sitemap"):
                    result.note("failed", f"{response.url}: {parsed.error}")
                else:
                    result.fail(parsed.error, response.status)
                return
            max_age = self.config.crawler.sitemap_max_age_days
            if parsed.kind == "sitemapindex":
                children = [s for s in parsed.sitemaps if not too_old(s, max_age) and scheme_allowed(s.url)]
                children.sort(key=lambda s: s.lastmod or "", reverse=True)
                for child in children[:MAX_CHILD_SITEMAPS]:
                    self.pending[name] += 1
                    yield scrapy.Request(urljoin(response.url, child.url), callback=self.parse_sitemap,
                                         errback=self.article_failed, dont_filter=True, priority=5,
                                         meta={"source": name, "child_sitemap": True,
                                               "download_maxsize": self.config.crawler.max_feed_bytes})
                return
            entries = []
            old = 0
            for e in parsed.entries:
                if too_old(e, max_age):
                    old += 1
                    continue
                entries.append(FeedEntry(url=urljoin(response.url, e.url), title=e.title or "",
                                         published=e.published or e.lastmod))
            if old:
                result.note("skipped", f"{old} sitemap entries older than {max_age} days")
                result.skipped += old - 1
            entries.sort(key=lambda e: e.published or "", reverse=True)
            yield from self._follow(name, entries)
        finally:
            self._done(name)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        name = response.meta["source"]
        try:
            if self._source_body(response) is None:
                return
            src = self.source_configs[name]
            result = self.results[name]
            if not hasattr(response, "css"):
                result.fail(f"not an HTML page ({_header(response, b'Content-Type')})", response.status)
                return
            try:
                nodes = response.css(src.link_selector) if src.link_selector else response.xpath(src.link_xpath or "")
            except (ValueError, SyntaxError) as exc:  # parsel XPath errors, cssselect SelectorSyntaxError
                which = "link_selector" if src.link_selector else "link_xpath"
                result.fail(f"bad {which} {src.link_selector or src.link_xpath!r}: {exc}", response.status)
                return
            links = []
            for node in nodes:
                if isinstance(node.root, str):  # the selector picked the attribute or text itself
                    href = node.root
                else:  # an element: its href, else the first link inside it
                    href = node.attrib.get("href") or node.xpath("string(.//a/@href)").get()
                if href and href.strip():
                    links.append(response.urljoin(href.strip()))
            entries = []
            for link in links:
                if not same_site(link, response.url):
                    result.note("skipped", f"{link}: off-domain link")
                    continue
                entries.append(FeedEntry(url=link))
            if not entries and not result.skipped:
                result.fail("no article links matched the selector", response.status)
                return
            yield from self._follow(name, entries)
        finally:
            self._done(name)

    def source_failed(self, failure: Any) -> None:
        request = failure.request
        name = request.meta["source"]
        reason = failure_reason(failure)
        status = getattr(getattr(failure.value, "response", None), "status", None)
        self.results[name].fail(reason, status)
        self.fetch_state[name] = {"status": status, "error": reason}
        self._done(name)

    # -- entries -> article requests ---------------------------------------
    def _follow(self, name: str, entries: list[FeedEntry]) -> Iterator[scrapy.Request]:
        result = self.results[name]
        result.entries += len(entries)
        limit = self.config.crawler.max_items_per_source
        for entry in entries:
            if self.followed[name] >= limit:
                break
            if not scheme_allowed(entry.url):
                result.note("skipped", f"{entry.url}: only http and https are fetched")
                continue
            canon = canonical_url(entry.url)
            if canon in self.seen:
                result.note("skipped", f"{entry.url}: duplicate entry")
                continue
            self.seen.add(canon)
            self.followed[name] += 1
            stored = self.known(canon)
            if stored is not None and not _newer(entry, stored):
                result.note("unchanged")
                continue
            self.pending[name] += 1
            yield scrapy.Request(entry.url, callback=self.parse_article, errback=self.article_failed,
                                 meta={"source": name, "entry": entry, "canonical": canon})
        # The source document itself is still pending while its entries are queued.
        self.emit("queued", {"source": name, "n": self.pending[name] - 1})

    async def parse_article(self, response: Response) -> AsyncIterator[dict[str, Any]]:
        name = response.meta["source"]
        entry: FeedEntry = response.meta["entry"]
        result = self.results[name]
        try:
            final = canonical_url(response.url)
            if final != response.meta["canonical"] and (final in self.handled or final in self.seen):
                result.note("skipped", f"{response.url}: duplicate (reached through a redirect)")
                return
            self.handled.add(final)
            ctype = _header(response, b"Content-Type") or ""
            if ctype and not ctype.lower().startswith(HTML_TYPES):
                result.note("skipped", f"{response.url}: not an article page ({ctype.split(';')[0]})")
                return
            try:
                data = await asyncio.wrap_future(self.pool.submit(extract_page, response.body, response.url, ctype))
            except Exception as exc:  # a page that crashes the extractor falls back to the summary
                data = {"text": "", "title": "", "signature": [], "error": f"{type(exc).__name__}: {exc}"}
            yield {"source": name, "url": final, "entry": entry, "data": data}
        finally:
            self._done(name)
            self.emit("page", {"source": name})

    def article_failed(self, failure: Any) -> None:
        request = failure.request
        name = request.meta["source"]
        reason = failure_reason(failure)
        counter = "skipped" if _is_skip(reason) else "failed"
        self.results[name].note(counter, f"{request.url}: {reason}")
        self._done(name)
        self.emit("page", {"source": name})


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _newer(entry: FeedEntry, stored: dict[str, Any]) -> bool:
    """The feed says the article changed since we fetched it."""
    return bool(entry.updated and stored.get("fetched") and entry.updated > stored["fetched"]
                and entry.updated != entry.published)


def _is_skip(reason: str) -> bool:
    return reason.startswith("Forbidden by robots.txt") or (
        reason.startswith(REFUSED_PREFIX) and "only http and https" in reason)


def strip_tags(html: str) -> str:
    """Plain text of a feed summary (feedparser has already sanitised it)."""
    import html as html_mod

    return " ".join(html_mod.unescape(_TAG.sub(" ", html)).split())
