"""Pure parts of the crawler: canonical URLs, address refusal, feed/sitemap parsing, decoding, near-duplicates."""

from __future__ import annotations

import json
import resource
import time
from datetime import datetime, timezone

import pytest
from conftest import FIXTURES, shared_path

from wallwatch.crawler import canonical_url, decode_html, is_near_duplicate, parse_feed, parse_sitemap
from wallwatch.crawler.middlewares import retry_after_seconds
from wallwatch.crawler.sitemaps import too_old
from wallwatch.crawler.urls import refused_address, same_site

CRAWL = FIXTURES / "crawl"


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://News.Example.COM:443/a/b?utm_source=rss&b=2&a=1#comments", "https://news.example.com/a/b?a=1&b=2"),
    ("http://example.com/x?fbclid=abc&gclid=1&id=7", "http://example.com/x?id=7"),
    ("http://example.com:8080/path/", "http://example.com:8080/path/"),
    ("http://example.com", "http://example.com/"),
    ("http://example.com/%7Euser/a%20b", "http://example.com/~user/a%20b"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_keeps_meaningful_query_and_is_idempotent() -> None:
    url = "https://example.com/article.php?id=42&page=2&utm_medium=social"
    once = canonical_url(url)
    assert once == "https://example.com/article.php?id=42&page=2"
    assert canonical_url(once) == once


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"), ("172.20.0.1", "private"),
    ("169.254.169.254", "link-local"), ("100.64.0.1", "CGNAT"), ("::1", "loopback"), ("fd00::1", "private"),
    ("fe80::1", "link-local"), ("::ffff:10.0.0.1", "private"), ("0.0.0.0", "private"),
])
def test_refused_addresses(address: str, kind: str) -> None:
    reason = refused_address(address)
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refused_address(address) is None


def test_same_site() -> None:
    assert same_site("https://www.example.com/a", "https://example.com/news")
    assert same_site("https://news.example.com/a", "https://www.example.com/")
    assert not same_site("https://example.org/a", "https://example.com/")
    assert not same_site("https://badexample.com/a", "https://example.com/")


def test_retry_after_forms() -> None:
    assert retry_after_seconds(b"7") == 7.0
    now = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
    assert retry_after_seconds("Mon, 01 Jan 2024 00:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def _rss(body: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (declaration + '<rss version="2.0"><channel><title>t</title>' + body + "</channel></rss>").encode("utf-8")


def test_relative_links_resolve_against_the_final_url() -> None:
    feed = parse_feed(_rss("<item><title>a</title><link>/news/1?utm_source=x</link></item>"),
                      "https://example.com/feeds/main.xml")
    assert [e.url for e in feed.entries] == ["https://example.com/news/1?utm_source=x"]
    assert feed.error is None


def test_non_http_entry_links_are_skipped_with_reason() -> None:
    feed = parse_feed(_rss("<item><link>file:///etc/passwd</link></item><item><link>http://a.example/x</link></item>"),
                      "http://example.com/f.xml")
    assert [e.url for e in feed.entries] == ["http://a.example/x"]
    assert feed.skipped and "only http and https" in feed.skipped[0]


def test_feed_without_entries_fails_with_reason() -> None:
    assert parse_feed(_rss(""), "http://example.com/f").error == "feed has no entries"
    assert "not a feed" in (parse_feed(b"<html><body>hello</body></html>", "http://example.com/").error or "")


def test_json_feed() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "https://example.com/a", "title": "A", "summary": "s",
         "date_published": "2024-09-05T10:00:00+08:00", "authors": [{"name": "Lin"}]},
        {"id": "2", "content_text": "no url"}]}).encode()
    feed = parse_feed(body, "https://example.com/feed.json", "application/feed+json")
    assert feed.error is None and len(feed.entries) == 1
    assert feed.entries[0].published == "2024-09-05T02:00:00+00:00" and feed.entries[0].author == "Lin"


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
                  + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<rss version="2.0"><channel><title>&lol9;</title>'
                  b"<item><title>&lol9;</title><link>http://example.com/a</link></item></channel></rss>")


def test_billion_laughs_feed_neither_expands_nor_hangs() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    feed = parse_feed(BILLION_LAUGHS, "http://example.com/f.xml")
    assert time.monotonic() - t0 < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB
    assert all(len(e.title) < 1000 for e in feed.entries)


def test_billion_laughs_and_xxe_sitemaps_are_inert() -> None:
    bomb = BILLION_LAUGHS.replace(b"<rss", b"<!--").split(b"]>")[0] + (
        b']><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://e.com/&lol9;</loc></url></urlset>')
    t0 = time.monotonic()
    parsed = parse_sitemap(bomb)
    assert time.monotonic() - t0 < 5
    assert all(len(e.url) < 1000 for e in parsed.entries)
    xxe = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://e.com/&x;</loc></url></urlset>')
    assert all("root:" not in e.url for e in parse_sitemap(xxe).entries)


def test_news_sitemap_fields_and_age_window() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://example.com/a</loc><news:news><news:publication><news:name>Ex</news:name><news:language>en</news:language>
</news:publication><news:publication_date>2024-09-05T08:30:00+08:00</news:publication_date><news:title>WeChat opens up</news:title></news:news></url>
<url><loc>https://example.com/b</loc><lastmod>2024-08-01</lastmod></url>
</urlset>"""
    parsed = parse_sitemap(body)
    assert parsed.kind == "urlset" and parsed.error is None
    a, b = parsed.entries
    assert (a.url, a.title, a.published, a.language) == (
        "https://example.com/a", "WeChat opens up", "2024-09-05T00:30:00+00:00", "en")
    now = datetime(2024, 9, 6, tzinfo=timezone.utc)
    assert not too_old(a, 3, now) and too_old(b, 3, now)
    index = parse_sitemap(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          b"<sitemap><loc>https://example.com/s1.xml</loc></sitemap></sitemapindex>")
    assert index.kind == "sitemapindex" and index.sitemaps[0].url == "https://example.com/s1.xml"
    assert parse_sitemap(b"<html/>").error


def test_gbk_page_decodes_to_correct_text() -> None:
    body = (CRAWL / "gbk-article.html").read_bytes()
    text, encoding = decode_html(body)
    assert "淘宝接入微信支付" in text and encoding in ("gb18030", "gbk")
    text, _ = decode_html(body, "text/html")  # no charset in the header: the meta tag decides
    assert "互联互通" in text


def test_undeclared_latin1_page_is_detected() -> None:
    body = "<html><body><p>Notícias de São Paulo: ações, eleições e futebol.</p></body></html>".encode("latin-1")
    text, _ = decode_html(body)
    assert "São Paulo" in text and "eleições" in text


def test_near_duplicate_rule() -> None:
    original = (CRAWL / "wechat-taobao.html").read_text()
    copy = (CRAWL / "wechat-taobao-syndicated.html").read_text()
    other = (CRAWL / "weibo-qr.html").read_text()
    from wallwatch.crawler import extract_article

    a = extract_article(original, "http://a.example/1").text
    b = extract_article(copy, "http://b.example/1").text
    c = extract_article(other, "http://a.example/2").text
    assert is_near_duplicate(a, b, 0.9)
    assert not is_near_duplicate(a, c, 0.9)
    half = a[: len(a) // 2] + " " + c
    assert not is_near_duplicate(a, half, 0.9)  # shares half: a different story
    assert not is_near_duplicate("too short to judge", "too short to judge", 0.9)


def test_every_real_feed_parses_or_fails_with_a_reason() -> None:
    folder = shared_path("realweb", "feeds")
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, meta in manifest.items():
        feed = parse_feed((folder / name).read_bytes(), f"http://127.0.0.1/realweb/feeds/{name}")
        if feed.error:
            assert feed.error.strip(), name
            assert not name.startswith(("rss-parser/", "rsparser/", "feedjira/")) or meta["entries"] == 0, (
                f"{name}: a real feed failed: {feed.error}")
        else:
            assert len(feed.entries) + len(feed.skipped) == meta["entries"], name
            assert all(e.url.startswith(("http://", "https://")) for e in feed.entries), name


def test_latin1_feed_without_declaration_reads_correctly() -> None:
    path = shared_path("realweb", "feeds", "rss-parser", "uolNoticias.rss")
    feed = parse_feed(path.read_bytes(), "http://127.0.0.1/uol.rss")
    text = " ".join(e.title + e.summary for e in feed.entries)
    assert feed.warning and feed.entries
    assert "\ufffd" not in text and any(ch in text for ch in "ãçéíóú")


def test_gb2312_feed_reads_correctly() -> None:
    path = shared_path("realweb", "feeds", "rss-parser", "encoding-gb2312.xml")
    feed = parse_feed(path.read_bytes(), "http://127.0.0.1/gb.xml")
    assert feed.entries and any("\u4e00" <= ch <= "\u9fff" for ch in feed.entries[0].title)


def test_scrapy_stays_inside_the_crawl_process() -> None:
    import subprocess
    import sys

    code = ("import sys, wallwatch.crawler, wallwatch.cli; "
            "print(sorted(m for m in ('scrapy', 'twisted') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
