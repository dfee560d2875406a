"""Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) parsed from bytes we fetched ourselves.

feedparser never fetches anything here: the HTTP layer hands it the body and the
final URL (as ``Content-Location``) so relative links resolve. feedparser drops
DOCTYPE entity declarations whose value refers to other entities, so a
billion-laughs feed cannot expand; JSON Feed is read with :mod:`json`.
"""

from __future__ import annotations

import calendar
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import feedparser

from .urls import scheme_allowed


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, as far as the crawler needs it."""

    url: str
    title: str = ""
    summary: str = ""
    published: str | None = None  # ISO 8601 UTC
    updated: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed body held: entries, plus a warning (ill-formed but usable) or an error."""

    title: str = ""
    format: str = ""
    entries: tuple[FeedEntry, ...] = ()
    warning: str | None = None
    error: str | None = None
    skipped: tuple[str, ...] = field(default=())  # entry links refused (scheme), with reason


def _iso(struct: time.struct_time | None) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), timezone.utc).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError):
        return None


def _iso_text(text: Any) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _iso(feedparser._parse_date(text))  # RFC 822 and the other forms feeds use
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """A JSON Feed (jsonfeed.org 1.0/1.1) document."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return ParsedFeed(format="json", error=f"not valid JSON Feed: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return ParsedFeed(format="json", error="not a JSON Feed: no 'items' list")
    entries, skipped = [], []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not link and str(item.get("id", "")).startswith(("http://", "https://")):
            link = item["id"]
        if not isinstance(link, str) or not link:
            continue
        link = urljoin(url, link)
        if not scheme_allowed(link):
            skipped.append(f"{link}: only http and https are fetched")
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        author = ", ".join(a.get("name", "") for a in authors if isinstance(a, dict) and a.get("name")) or None
        entries.append(FeedEntry(
            url=link, title=str(item.get("title") or ""),
            summary=str(item.get("summary") or item.get("content_text") or ""),
            published=_iso_text(item.get("date_published")), updated=_iso_text(item.get("date_modified")),
            author=author,
        ))
    version = str(data.get("version", ""))
    return ParsedFeed(title=str(data.get("title") or ""), format="json" + version.rsplit("/", 1)[-1],
                      entries=tuple(entries), skipped=tuple(skipped))


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body fetched from ``url`` (the final URL, after redirects).

    An ill-formed ("bozo") feed that still yields entries comes back with a
    ``warning``; a body with no entries at all comes back with an ``error``.
    """
    if _looks_like_json(body, content_type):
        return parse_json_feed(body, url)
    # No Content-Type at all (a file, a bare server) is not a defect of the feed.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    problem = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problem = f"ill-formed feed: {type(exc).__name__}: {exc}"
    entries, skipped = [], []
    for e in parsed.entries:
        link = e.get("link") or next((l.get("href") for l in e.get("links", []) if l.get("href")), None)
        if not link:
            guid = e.get("id", "")
            link = guid if guid.startswith(("http://", "https://")) else None
        if not link:
            continue
        link = urljoin(url, link)
        if not scheme_allowed(link):
            skipped.append(f"{link}: only http and https are fetched")
            continue
        entries.append(FeedEntry(
            url=link, title=e.get("title", "") or "", summary=e.get("summary", "") or "",
            # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed, with a warning.
            published=_iso(dict.get(e, "published_parsed") or dict.get(e, "updated_parsed")),
            updated=_iso(dict.get(e, "updated_parsed")), author=e.get("author") or None,
        ))
    title = parsed.feed.get("title", "") if parsed.get("feed") else ""
    fmt = parsed.get("version", "") or ""
    if not entries and not skipped:
        if parsed.entries:
            reason = "feed entries have no links"
        elif not fmt:
            reason = problem or "not a feed (no RSS, Atom or JSON Feed document found)"
        else:
            reason = "feed has no entries" + (f" ({problem})" if problem else "")
        return ParsedFeed(title=title, format=fmt, error=reason)
    return ParsedFeed(title=title, format=fmt, entries=tuple(entries), warning=problem, skipped=tuple(skipped))
