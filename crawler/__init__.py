"""Everything that gets news into the archive: feeds, news sitemaps and listing pages,
fetched politely with Scrapy, articles extracted with trafilatura.

Scrapy stays inside this package: callers use :func:`crawl` (which runs each
crawl in its own process) and the pure parsers below.
"""

from .dedupe import is_near_duplicate, shingles
from .extract import Extracted, decode_html, extract_article
from .feeds import FeedEntry, ParsedFeed, parse_feed
from .report import CrawlReport, SourceResult
from .runner import crawl
from .sitemaps import ParsedSitemap, SitemapEntry, parse_sitemap
from .urls import canonical_url, refused_address

__all__ = [
    "CrawlReport", "Extracted", "FeedEntry", "ParsedFeed", "ParsedSitemap", "SitemapEntry", "SourceResult",
    "canonical_url", "crawl", "decode_html", "extract_article", "is_near_duplicate", "parse_feed",
    "parse_sitemap", "refused_address", "shingles",
]
