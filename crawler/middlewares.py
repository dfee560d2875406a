"""Downloader middlewares: refuse unsafe targets on every hop; honour Retry-After."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from .urls import refused_address, scheme_allowed

REFUSED_PREFIX = "refused"


class NetworkGuardMiddleware:
    """Only http(s), and never loopback/private/link-local/CGNAT/unique-local addresses.

    Runs before every request reaches the network, which includes robots.txt
    fetches and each redirect hop (Scrapy re-schedules redirected requests
    through the whole middleware chain). ``WALLWATCH_ALLOW_PRIVATE`` switches the
    address check off (``[crawler] allow_private_networks``); single private
    hosts can be allowed with ``WALLWATCH_ALLOWED_PRIVATE_HOSTS``.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.allow_private = settings.getbool("WALLWATCH_ALLOW_PRIVATE")
        self.allowed_hosts = {h.lower() for h in settings.getlist("WALLWATCH_ALLOWED_PRIVATE_HOSTS")}
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "NetworkGuardMiddleware":
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if not scheme_allowed(request.url):
            raise IgnoreRequest(f"{REFUSED_PREFIX}: only http and https are fetched")
        if self.allow_private:
            return
        host = (urlparse_cached(request).hostname or "").lower()
        if host in self.allowed_hosts:
            return
        if host not in self._verdicts:
            self._verdicts[host] = await self._check(host, urlparse_cached(request).port)
        verdict = self._verdicts[host]
        if verdict:
            raise IgnoreRequest(verdict)

    @staticmethod
    async def _check(host: str, port: int | None) -> str | None:
        if not host:
            return "no host name"
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            return f"DNS lookup failed for {host}: {exc}"
        for info in infos:
            reason = refused_address(str(info[4][0]))
            if reason:
                return f"{REFUSED_PREFIX}: {host} resolves to {reason} (private networks are not crawled)"
        return None


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """Retry 429 and 503 after the wait the server asks for, holding back that whole host.

    Scrapy's RetryMiddleware ignores ``Retry-After`` (scrapy/scrapy#3849), so
    these two codes are taken out of ``RETRY_HTTP_CODES`` and handled here:
    at most ``RETRY_TIMES`` retries, and a server asking for more than
    ``WALLWATCH_MAX_RETRY_AFTER`` seconds is given up on, with the reason.
    """

    codes = (429, 503)
    default_wait = 2.0

    def __init__(self, crawler: Crawler):
        self.max_retries = crawler.settings.getint("RETRY_TIMES")
        self.max_wait = crawler.settings.getfloat("WALLWATCH_MAX_RETRY_AFTER", 120.0)
        self._blocked: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RetryAfterMiddleware":
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        until = self._blocked.get(urlparse_cached(request).hostname or "")
        if until:
            wait = until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        tries = request.meta.get("retry_after_times", 0)
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        wait = self.default_wait * (2 ** tries) if asked is None else asked
        if tries >= self.max_retries or wait > self.max_wait:
            request.meta["retry_after_gave_up"] = (
                f"HTTP {response.status} after {tries} retries" if tries >= self.max_retries
                else f"HTTP {response.status}: Retry-After {wait:.0f}s is longer than {self.max_wait:.0f}s")
            return response
        host = urlparse_cached(request).hostname or ""
        self._blocked[host] = max(self._blocked.get(host, 0.0), time.monotonic() + wait)
        retry = request.replace(dont_filter=True, priority=request.priority - 1)
        retry.meta["retry_after_times"] = tries + 1
        retry.meta["retry_after_waits"] = [*request.meta.get("retry_after_waits", []), wait]
        return retry


def failure_reason(failure: Any) -> str:
    """A one-line reason for a failed request (for reports and the sources table)."""
    from scrapy.spidermiddlewares.httperror import HttpError

    exc = failure.value if hasattr(failure, "value") else failure
    if isinstance(exc, HttpError):
        response = exc.response
        gave_up = response.meta.get("retry_after_gave_up") if response.request else None
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            return f"redirect to {location.decode('latin-1')} not followed (only http and https)"
        return gave_up or f"HTTP {response.status}"
    name = type(exc).__name__
    text = str(exc).strip()
    if isinstance(exc, IgnoreRequest):
        if text == "max redirections reached":
            return "too many redirects (redirect loop?)"
        if "DOWNLOAD_MAXSIZE" in text:
            return "too large after decompression"
        return text or "ignored"
    if "Timeout" in name or "TimeoutError" in name:
        return "timed out"
    if name in ("DownloadCancelledError",) or "max size" in text or "maxsize" in text:
        return "too large (over the size limit)"
    if name in ("ResponseDataLossError", "ResponseNeverReceived", "ConnectionLost", "ConnectionDone",
                "DownloadFailedError", "ResponseFailed", "_ResponseFailed"):
        return f"connection dropped ({name})"
    if name in ("DownloadConnectionRefusedError", "ConnectionRefusedError"):
        return "connection refused"
    if name in ("CannotResolveHostError", "DNSLookupError"):
        return "DNS lookup failed"
    return f"{name}: {text}" if text else name
