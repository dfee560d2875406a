"""News sitemaps and sitemap indexes, read with their nested ``news:`` fields.

Scrapy's own sitemap reader keeps only ``loc``/``lastmod``, so this small
reader uses lxml directly: entities are never resolved, no network access,
no huge-tree mode, so a billion-laughs or XXE sitemap is inert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lxml import etree

NS_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None = None
    published: str | None = None  # news:publication_date
    title: str | None = None  # news:title
    language: str | None = None  # news:publication/news:language


@dataclass(frozen=True)
class ParsedSitemap:
    """A urlset (``entries``) or a sitemap index (``sitemaps``), or an ``error``."""

    kind: str = ""  # "urlset" or "sitemapindex"
    entries: tuple[SitemapEntry, ...] = ()
    sitemaps: tuple[SitemapEntry, ...] = ()
    error: str | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           recover=True, remove_comments=True)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Parse a sitemap document (``urlset`` with optional ``news:news``, or ``sitemapindex``)."""
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        return ParsedSitemap(error=f"not a sitemap: {exc}")
    if root is None:
        return ParsedSitemap(error="not a sitemap: empty document")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return ParsedSitemap(error=f"not a sitemap: root element is <{kind}>")
    items = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        fields: dict[str, str | None] = {}
        for child in node:
            name = _local(child.tag)
            if name in ("loc", "lastmod"):
                fields[name] = (child.text or "").strip()
            elif name == "news":
                for sub in child.iter():
                    sub_name = _local(sub.tag)
                    if sub_name == "publication_date":
                        fields["published"] = (sub.text or "").strip()
                    elif sub_name == "title":
                        fields["title"] = (sub.text or "").strip()
                    elif sub_name == "language":
                        fields["language"] = (sub.text or "").strip()
        if not fields.get("loc"):
            continue
        items.append(SitemapEntry(url=fields["loc"] or "", lastmod=_iso(fields.get("lastmod")),
                                  published=_iso(fields.get("published")), title=fields.get("title") or None,
                                  language=fields.get("language") or None))
    if kind == "sitemapindex":
        return ParsedSitemap(kind=kind, sitemaps=tuple(items))
    return ParsedSitemap(kind=kind, entries=tuple(items))


def too_old(entry: SitemapEntry, max_age_days: int, now: datetime | None = None) -> bool:
    """True when the entry's publication date (else lastmod) is older than the age window."""
    stamp = entry.published or entry.lastmod
    if not stamp or max_age_days <= 0:
        return False
    now = now or datetime.now(timezone.utc)
    return datetime.fromisoformat(stamp) < now - timedelta(days=max_age_days)
