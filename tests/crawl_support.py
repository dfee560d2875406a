"""A real HTTP server on 127.0.0.1 for crawler tests, with a catalogue of misbehaviours.

One server per test session (``crawl_server`` fixture). It serves:

- ``/realweb/...``  the real pages and feeds of ../shared/realweb (when present)
- ``/fixtures/...`` our own small fixtures (tests/fixtures/crawl)
- ``/robots.txt``   disallows ``/private/``
- ``/misc/500``, ``/misc/slow`` (answers after 4 s, or ``?s=N``), ``/misc/drop`` (closes the
  connection without answering), ``/misc/big`` (3 MB), ``/misc/gzip-bomb``
  (small on the wire, 8 MB decompressed), ``/misc/loop`` (redirects to itself),
  ``/misc/to-private`` (redirects to 169.254.169.254), ``/misc/to-file``
  (redirects to file:///etc/passwd), ``/misc/429`` (429 with Retry-After: 1
  on the first hit of each path variant, then the article), ``/private/page``
- routes a test adds with ``server.add(path, body, ...)``; feeds added with
  ``server.add_feed`` answer conditional GETs with 304.

Every request is logged (path, time, headers) so tests can check what was asked.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import mimetypes
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from wallwatch.config import Config, loads

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crawl"
REALWEB = Path(__file__).resolve().parent.parent.parent / "shared" / "realweb"


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = False  # answer If-None-Match / If-Modified-Since with 304


@dataclass
class Hit:
    path: str
    at: float
    headers: dict[str, str]


class LoopbackServer:
    """The server object tests talk to: its base URL, added routes, the request log."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.counters: dict[str, int] = {}
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str, status: int = 200, content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None, conditional: bool = False) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body, status, content_type, dict(headers or {}), conditional)
        return self.url(path)

    def add_feed(self, path: str, items: Sequence[dict[str, str]], title: str = "Test feed") -> str:
        """An RSS 2.0 feed of ``items`` (url, title, summary, published), served with ETag/Last-Modified."""
        return self.add(path, rss(items, title), content_type="application/rss+xml; charset=utf-8",
                        conditional=True)

    def hits_for(self, prefix: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path.startswith(prefix)]

    def count(self, key: str) -> int:
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]


def rss(items: Sequence[dict[str, str]], title: str = "Test feed") -> str:
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{html.escape(title)}</title>'
             "<link>http://example.com/</link><description>generated for tests</description>"]
    for it in items:
        parts.append(
            f"<item><title>{html.escape(it.get('title', ''))}</title><link>{html.escape(it['url'])}</link>"
            f"<guid>{html.escape(it.get('guid', it['url']))}</guid>"
            f"<description>{html.escape(it.get('summary', ''))}</description>"
            + (f"<pubDate>{it['published']}</pubDate>" if it.get("published") else "") + "</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients dropping connections is part of the catalogue


class _Handler(BaseHTTPRequestHandler):
    server_state: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: C901 - one branch per misbehaviour
        state = self.server_state
        path = urlsplit(self.path).path
        with state.lock:
            state.hits.append(Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()}))
        if self.path in state.routes or path in state.routes:
            route = state.routes.get(self.path) or state.routes[path]
            return self._route(route)
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path.startswith("/fixtures/"):
            return self._file(FIXTURES / path[len("/fixtures/"):])
        if path.startswith("/realweb/"):
            return self._file(REALWEB / path[len("/realweb/"):])
        if path == "/misc/500":
            return self._send(500, b"<h1>Internal Server Error</h1>")
        if path == "/misc/slow":
            query = dict(p.split("=", 1) for p in urlsplit(self.path).query.split("&") if "=" in p)
            time.sleep(float(query.get("s", 4)))
            return self._send(200, (FIXTURES / "weibo-qr.html").read_bytes())
        if path == "/misc/drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if path == "/misc/big":
            return self._send(200, b"<html><body>" + b"<p>filler text</p>" * 180_000 + b"</body></html>")
        if path == "/misc/gzip-bomb":
            body = gzip.compress(b"<html><body>" + b" " * 8_000_000 + b"</body></html>")
            return self._send(200, body, headers={"Content-Encoding": "gzip"})
        if path == "/misc/loop":
            return self._send(302, b"", headers={"Location": self.path})
        if path == "/misc/to-private":
            return self._send(302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        if path == "/misc/to-file":
            return self._send(302, b"", headers={"Location": "file:///etc/passwd"})
        if path.startswith("/misc/429"):
            if state.count(self.path) == 1:
                return self._send(429, b"slow down", headers={"Retry-After": "1"})
            return self._send(200, (FIXTURES / "weibo-qr.html").read_bytes())
        if path.startswith("/private/"):
            return self._send(200, (FIXTURES / "weibo-qr.html").read_bytes())
        return self._send(404, b"not found")

    def _route(self, route: Route) -> None:
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        headers = dict(route.headers)
        if route.conditional:
            headers.setdefault("ETag", etag)
            headers.setdefault("Last-Modified", formatdate(1_700_000_000, usegmt=True))
            if self.headers.get("If-None-Match") == headers["ETag"]:
                return self._send(304, b"", headers=headers)
        return self._send(route.status, route.body, route.content_type, headers)

    def _file(self, path: Path) -> None:
        if not path.is_file():
            return self._send(404, b"not found")
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix in (".xml", ".rss", ".rdf", ".atom"):
            ctype = "application/xml"
        return self._send(200, path.read_bytes(), ctype)

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="session")
def crawl_server() -> Iterator[LoopbackServer]:
    """The session's loopback server (started once, stopped at the end)."""
    server = LoopbackServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def crawler_toml(**settings: Any) -> str:
    """A ``[crawler]`` table for a loopback crawl: politeness off, private networks allowed (unless overridden)."""
    settings = {"allow_private_networks": True, "delay_seconds": 0, "per_domain_concurrency": 16} | settings
    return "\n".join(["[crawler]"] + [f"{k} = {_toml(v)}" for k, v in settings.items()])


def make_config(sources: Sequence[dict[str, Any]], **crawler: Any) -> Config:
    """A Config for a loopback crawl (:func:`crawler_toml`, short timeouts, one retry) with ``sources``."""
    lines = [crawler_toml(**({"timeout_seconds": 10, "retries": 1, "time_budget_seconds": 120} | crawler))]
    for s in sources:
        lines.append("[[sources]]")
        lines += [f"{k} = {_toml(v)}" for k, v in s.items()]
    return loads("\n".join(lines) + "\n")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
