"""Real Scrapy crawls against the loopback server: the catalogue of misbehaviours, identity, politeness."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from crawl_support import FIXTURES, LoopbackServer, crawl_server, make_config  # noqa: F401 (fixture)

from wallwatch.archive import Archive
from wallwatch.crawler import CrawlReport, crawl


def _articles(db: Path) -> dict[str, dict[str, Any]]:
    with Archive(db) as a:
        return {r["url"]: r for r in a.query("SELECT * FROM articles")}


def _reason(report: CrawlReport, source: str, fragment: str) -> str:
    reasons = [r for r in report.source(source).reasons if fragment in r]
    assert reasons, f"no reason mentioning {fragment!r} in {report.source(source).reasons}"
    return reasons[0]


@pytest.fixture(scope="module")
def catalogue(crawl_server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One crawl of a feed whose entries hit every misbehaviour, plus good and syndicated articles."""
    s = crawl_server
    items = [
        {"url": s.url("/fixtures/wechat-taobao.html?utm_source=rss&utm_medium=feed"), "title": "Taobao WeChat Pay",
         "summary": "Taobao accepts WeChat Pay.", "published": "Thu, 05 Sep 2024 08:30:00 GMT"},
        {"url": s.url("/fixtures/wechat-taobao.html#comments"), "title": "same article again"},
        {"url": s.url("/fixtures/wechat-taobao-syndicated.html"), "title": "syndicated copy"},
        {"url": s.url("/fixtures/weibo-qr.html"), "title": "Weibo QR"},
        {"url": s.url("/fixtures/gbk-article.html"), "title": "gbk"},
        {"url": s.url("/fixtures/stub.html"), "title": "Video", "summary": "<p>Platform chiefs discuss <b>interoperability</b> on stage.</p>",
         "published": "Fri, 06 Sep 2024 09:00:00 GMT"},
        {"url": s.url("/misc/500")}, {"url": s.url("/misc/slow")}, {"url": s.url("/misc/drop")},
        {"url": s.url("/misc/big")}, {"url": s.url("/misc/gzip-bomb")}, {"url": s.url("/misc/loop")},
        {"url": s.url("/misc/to-file")}, {"url": "file:///etc/passwd"}, {"url": s.url("/private/page")},
        {"url": s.url("/misc/429?catalogue")},
        {"url": s.add("/catalogue/429-long", "busy", status=429, headers={"Retry-After": "999"})},
        {"url": s.add("/catalogue/503", "down", status=503)},
    ]
    feed = s.add_feed("/catalogue/feed.xml", items)
    other = s.add_feed("/catalogue/other.xml", [{"url": s.url("/fixtures/weibo-qr.html?utm_campaign=x"), "title": "x"}])
    config = make_config([{"name": "catalogue", "url": feed, "topics": ["tech"]},
                          {"name": "other", "url": other}],
                         timeout_seconds=1.5, max_page_bytes=1_000_000, retries=1)
    db = tmp_path_factory.mktemp("catalogue") / "archive.db"
    events: list[tuple[str, dict[str, Any]]] = []
    t0 = time.monotonic()
    report = crawl(config, db, on_progress=lambda e, d: events.append((e, d)))
    return {"report": report, "db": db, "events": events, "seconds": time.monotonic() - t0, "config": config}


def test_good_articles_are_stored_with_text_and_metadata(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    rows = _articles(catalogue["db"])
    art = rows[crawl_server.url("/fixtures/wechat-taobao.html")]
    assert art["title"] == "Taobao starts accepting WeChat Pay in a thaw between rival platforms"
    assert "ending a separation that had lasted more than a decade" in art["body"]
    assert "Cookie settings" not in art["body"] and "Subscribe to our newsletter" not in art["body"]
    assert art["published"].startswith("2024-09-05") and art["extraction"] == "full"
    assert art["language"] == "en" and art["source"] == "catalogue" and '"tech"' in art["topics"]


def test_duplicate_entries_and_tracking_parameters_make_one_row(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    rows = _articles(catalogue["db"])
    assert sum("wechat-taobao.html" in u for u in rows) == 1
    assert sum("weibo-qr.html" in u for u in rows) == 1  # also reached from the other feed with utm_campaign
    report = catalogue["report"]
    _reason(report, "catalogue", "duplicate entry")
    assert report.source("other").skipped + report.source("catalogue").skipped >= 2


def test_syndicated_copy_is_linked_not_a_new_story(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    rows = _articles(catalogue["db"])
    original = rows[crawl_server.url("/fixtures/wechat-taobao.html")]
    copy = rows[crawl_server.url("/fixtures/wechat-taobao-syndicated.html")]
    assert copy["duplicate_of"] == original["id"] and original["duplicate_of"] is None
    weibo = rows[crawl_server.url("/fixtures/weibo-qr.html")]
    assert weibo["duplicate_of"] is None
    # /misc/429 serves the Weibo page once it lets us in: the same text at another URL.
    assert rows[crawl_server.url("/misc/429?catalogue")]["duplicate_of"] == weibo["id"]
    assert catalogue["report"].totals["duplicates"] == 2


def test_gbk_page_is_stored_as_correct_text(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    art = _articles(catalogue["db"])[crawl_server.url("/fixtures/gbk-article.html")]
    assert art["title"] == "淘宝接入微信支付 平台互联互通再进一步"
    assert "工业和信息化部要求各平台按标准解除屏蔽网址链接" in art["body"] and "\ufffd" not in art["body"]


def test_page_without_article_text_falls_back_to_feed_summary(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    art = _articles(catalogue["db"])[crawl_server.url("/fixtures/stub.html")]
    assert art["extraction"] == "fallback"
    assert art["body"] == "Platform chiefs discuss interoperability on stage."
    assert art["published"] == "2024-09-06T09:00:00+00:00"
    assert catalogue["report"].source("catalogue").fallback == 1


@pytest.mark.parametrize("path, fragment", [
    ("/misc/500", "HTTP 500"),
    ("/misc/slow", "timed out"),
    ("/misc/drop", "connection dropped"),
    ("/misc/big", "too large"),
    ("/misc/gzip-bomb", "too large after decompression"),
    ("/misc/loop", "too many redirects"),
    ("/misc/to-file", "redirect to file:///etc/passwd not followed"),
])
def test_each_misbehaviour_fails_with_its_reason(catalogue: dict[str, Any], crawl_server: LoopbackServer,
                                                 path: str, fragment: str) -> None:
    reason = _reason(catalogue["report"], "catalogue", crawl_server.url(path))
    assert fragment in reason
    assert crawl_server.url(path) not in _articles(catalogue["db"])


def test_429_and_503_retries_are_bounded(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    report = catalogue["report"]
    assert "Retry-After 999s is longer than 30s" in _reason(report, "catalogue", "/catalogue/429-long")
    assert len(crawl_server.hits_for("/catalogue/429-long")) == 1  # not worth waiting for: given up at once
    assert "HTTP 503 after 1 retries" in _reason(report, "catalogue", "/catalogue/503")
    hits = crawl_server.hits_for("/catalogue/503")
    assert len(hits) == 2 and hits[1].at - hits[0].at >= 1.9  # no Retry-After: waited 2 s before the retry


def test_500_was_retried_a_bounded_number_of_times(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    assert len(crawl_server.hits_for("/misc/500")) == 2  # first try + retries = 1


def test_file_links_and_robots_disallow_are_skipped(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    report = catalogue["report"]
    assert "only http and https" in _reason(report, "catalogue", "etc/passwd")
    assert "robots.txt" in _reason(report, "catalogue", "/private/page")
    assert not crawl_server.hits_for("/private/")  # never requested


def test_429_waits_for_retry_after_then_succeeds(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    hits = crawl_server.hits_for("/misc/429?catalogue")
    assert len(hits) == 2
    assert hits[1].at - hits[0].at >= 0.95  # Retry-After: 1
    assert _articles(catalogue["db"])[crawl_server.url("/misc/429?catalogue")]["title"].startswith("Weibo blocks")


def test_counts_match_the_archive_and_the_run_is_recorded(catalogue: dict[str, Any]) -> None:
    report = catalogue["report"]
    src = report.source("catalogue")
    assert src.ok and src.feed == "fetched" and src.status == 200
    # wechat, syndicated, weibo (from whichever feed came first), gbk, stub, 429
    assert report.totals["new"] == 6 == len(_articles(catalogue["db"]))
    assert src.failed == 9
    assert report.totals["skipped"] == 4  # duplicate entry, weibo via the other feed, file:, robots
    with Archive(catalogue["db"]) as a:
        run = a.query("SELECT * FROM runs WHERE job='crawl'")[-1]
        assert run["status"] == "ok" and '"new": 6' in run["counts"] and run["id"] == report.run_id
        assert a.source("catalogue")["last_status"] == 200
    kinds = {e for e, _ in catalogue["events"]}
    assert {"start", "queued", "page", "stored"} <= kinds
    assert catalogue["report"].as_dict()["totals"]["new"] == 6


def test_user_agent_comes_from_config(catalogue: dict[str, Any], crawl_server: LoopbackServer) -> None:
    ua = crawl_server.hits_for("/catalogue/feed.xml")[0].headers["user-agent"]
    assert ua == catalogue["config"].crawler.user_agent and "+https://" in ua


def test_second_crawl_is_conditional_and_adds_nothing(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    s = crawl_server
    items = [{"url": s.url("/fixtures/weibo-qr.html?c=1"), "title": "a"},
             {"url": s.url("/fixtures/wechat-taobao.html?c=1"), "title": "b"}]
    etag_feed = s.add_feed("/cond/etag.xml", items)
    plain_feed = s.add("/cond/plain.xml", s.routes["/cond/etag.xml"].body, content_type="application/rss+xml")
    config = make_config([{"name": "etag", "url": etag_feed}, {"name": "plain", "url": plain_feed}])
    db = tmp_path / "a.db"
    first = crawl(config, db)
    # The same two articles in both feeds: stored once, the second feed's entries skipped as duplicates.
    assert first.totals["new"] == 2 and first.totals["skipped"] == 2
    second = crawl(config, db)
    assert second.totals["new"] == 0 and second.totals["updated"] == 0
    assert second.source("etag").feed == "not-modified" and second.source("etag").status == 304
    assert second.source("plain").feed == "same-body"
    assert crawl_server.hits_for("/cond/etag.xml")[-1].headers.get("if-none-match")
    assert len(crawl_server.hits_for("/fixtures/weibo-qr.html?c=1")) == 1  # articles not fetched again
    assert len(_articles(db)) == 2


def test_private_addresses_are_refused_on_every_hop(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    s = crawl_server
    hop = s.add_feed("/private-test/hop.xml", [{"url": s.url("/misc/to-private"), "title": "redirects to metadata"}])
    direct = f"http://localhost:{s.port}/private-test/direct.xml"
    s.add_feed("/private-test/direct.xml", [{"url": s.url("/fixtures/weibo-qr.html?p=1")}])
    config = make_config([{"name": "hop", "url": hop}, {"name": "direct", "url": direct}],
                         allow_private_networks=False, allowed_private_hosts=["127.0.0.1"])
    report = crawl(config, tmp_path / "a.db")
    assert "169.254.169.254" in _reason(report, "hop", "169.254.169.254") and "link-local" in _reason(report, "hop", "169")
    assert report.source("hop").failed == 1
    direct_result = report.source("direct")
    assert not direct_result.ok and "loopback" in (direct_result.error or "")
    assert not s.hits_for("/private-test/direct.xml")  # refused before connecting
    with Archive(tmp_path / "a.db") as a:
        assert a.source("direct")["consecutive_failures"] == 1 and "loopback" in a.source("direct")["last_error"]


def test_sitemap_and_listing_page_sources(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    s = crawl_server
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    fresh, old = (now - timedelta(hours=3)).isoformat(), (now - timedelta(days=30)).isoformat()
    urlset = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{s.url('/fixtures/weibo-qr.html?sm=1')}</loc><news:news><news:publication_date>{fresh}</news:publication_date>
<news:title>Weibo blocks WeChat QR codes</news:title></news:news></url>
<url><loc>{s.url('/fixtures/wechat-taobao.html?sm=old')}</loc><news:news><news:publication_date>{old}</news:publication_date>
<news:title>old</news:title></news:news></url></urlset>"""
    s.add("/sm/news.xml", urlset, content_type="application/xml")
    index = s.add("/sm/index.xml", f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
                                   f'<loc>{s.url("/sm/news.xml")}</loc></sitemap></sitemapindex>', content_type="application/xml")
    listing = s.add("/site/index.html", f"""<html><body><ul class="news">
<li><a class="story" href="/fixtures/wechat-taobao.html?site=1">one</a></li>
<li><a class="story" href="{s.url('/fixtures/gbk-article.html')}?site=1">two</a></li>
<li><a class="story" href="https://elsewhere.example/story">off-site</a></li></ul>
<a href="/about">About</a></body></html>""")
    items_page = s.add("/site/items.html", """<html><body><div class="item"><h2><a href="/fixtures/weibo-qr.html?li=1">a</a>
</h2></div><div class="item"><p>no link here</p></div></body></html>""")
    config = make_config([{"name": "sm", "kind": "sitemap", "url": index},
                          {"name": "site", "kind": "site", "url": listing, "link_selector": "ul.news a.story"},
                          {"name": "items", "kind": "site", "url": items_page, "link_selector": "div.item"},
                          {"name": "xpath", "kind": "site", "url": items_page, "link_xpath": "//h2/a/@href"},
                          {"name": "badsel", "kind": "site", "url": items_page, "link_selector": "div[[oops"}])
    report = crawl(config, tmp_path / "a.db")
    rows = _articles(tmp_path / "a.db")
    sm = report.source("sm")
    assert sm.new == 1 and sm.skipped == 1 and "older than" in sm.reasons[0]
    assert rows[s.url("/fixtures/weibo-qr.html?sm=1")]["published"] == "2024-10-02"  # the page's own date wins
    site = report.source("site")
    assert site.new == 2 and site.skipped == 1 and "off-domain" in site.reasons[0]
    assert s.url("/fixtures/gbk-article.html?site=1") in rows
    # An element selector takes the first link inside each element; an XPath may pick the href itself.
    assert report.source("items").new + report.source("xpath").new == 1
    assert report.source("items").failed == report.source("xpath").failed == 0
    assert s.url("/fixtures/weibo-qr.html?li=1") in rows
    bad = report.source("badsel")
    assert not bad.ok and "bad link_selector 'div[[oops'" in (bad.error or "")


def test_time_budget_stops_the_crawl_and_keeps_what_was_stored(crawl_server: LoopbackServer, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from wallwatch.crawler import runner

    s = crawl_server
    items = [{"url": s.url(f"/fixtures/weibo-qr.html?budget={i}")} for i in range(3)]
    items += [{"url": s.url(f"/misc/slow?s=20&budget={i}")} for i in range(4)]
    feed = s.add_feed("/budget/feed.xml", items)
    config = make_config([{"name": "b", "url": feed}], time_budget_seconds=8, timeout_seconds=30)
    # The parent's hard stop comes before the child's own budget: this tests the kill path.
    monkeypatch.setattr(runner, "GRACE_SECONDS", -4.0)
    t0 = time.monotonic()
    report = crawl(config, tmp_path / "a.db")
    assert time.monotonic() - t0 < 12
    assert report.stopped and "killed" in report.stopped
    assert len(_articles(tmp_path / "a.db")) == 3  # stored before the kill: stays stored
    with Archive(tmp_path / "a.db") as a:
        run = a.query("SELECT * FROM runs WHERE job='crawl'")[-1]
    assert run["status"] == "partial" and "time budget" in run["errors"] and run["finished"]
    assert not _children(), "the killed crawl left processes behind"


def _children() -> list[str]:
    """Live or zombie processes whose parent is this test process."""
    me, out = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == me and not _multiprocessing_helper(entry):
                out.append(f"{entry} {stat.split('(')[1].split(')')[0]} {fields[0]}")
    return out


def _multiprocessing_helper(pid: str) -> bool:
    """multiprocessing's resource tracker, started by other tests, lives as long as pytest: not a crawl's."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing.resource_tracker" in cmdline or b"multiprocessing.forkserver" in cmdline


def test_repeated_crawls_in_one_process(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    feed = crawl_server.add("/repeat/feed.xml", "<rss version='2.0'><channel><title>r</title></channel></rss>",
                            content_type="application/rss+xml")
    config = make_config([{"name": "r", "url": feed}])
    for _ in range(4):
        report = crawl(config, tmp_path / "a.db")
        assert report.source("r").error == "feed has no entries"
    assert not _children()
    with Archive(tmp_path / "a.db") as a:
        assert a.source("r")["consecutive_failures"] == 4
        assert len(a.query("SELECT * FROM runs WHERE job='crawl' AND status='partial'")) == 4


def test_crawl_stops_itself_at_the_time_budget(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    s = crawl_server
    items = [{"url": s.url(f"/fixtures/wechat-taobao.html?own={i}")} for i in range(2)]
    items += [{"url": s.url(f"/misc/slow?s=30&own={i}")} for i in range(2)]
    config = make_config([{"name": "own", "url": s.add_feed("/own-budget/feed.xml", items)}],
                         time_budget_seconds=3, timeout_seconds=60)
    t0 = time.monotonic()
    report = crawl(config, tmp_path / "a.db")
    assert time.monotonic() - t0 < 12  # budget + the child's hard stop (3 s) + start-up, not the 30 s download
    assert report.stopped and "time budget of 3s reached" in report.stopped
    result = report.source("own")
    assert result.new == 2 and result.duplicates == 1 and result.feed == "stopped"  # the copy is linked
    assert any("2 pages pending" in w for w in result.warnings)
    with Archive(tmp_path / "a.db") as a:
        assert a.source("own")["etag"] is None  # partial: the next crawl reads the feed again
        assert a.query("SELECT status FROM runs")[-1]["status"] == "partial"
    assert not _children()


def _atom(entry_url: str, updated: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>upd</title><id>urn:upd</id><updated>{updated}</updated>
<entry><title>Weibo and WeChat</title><id>urn:upd:1</id><link href="{entry_url}"/>
<published>2024-10-02T04:15:00Z</published><updated>{updated}</updated><summary>s</summary></entry></feed>"""


def test_entry_updated_in_the_feed_is_fetched_again(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    s = crawl_server
    page = (FIXTURES / "weibo-qr.html").read_text()
    s.add("/upd/page.html", page)
    feed = s.add("/upd/feed.xml", _atom(s.url("/upd/page.html"), "2024-10-02T04:15:00Z"),
                 content_type="application/atom+xml")
    config = make_config([{"name": "upd", "url": feed}])
    first = crawl(config, tmp_path / "a.db")
    assert first.source("upd").new == 1
    s.add("/upd/page.html", page.replace("The platform said users could appeal",
                                         "Update: Weibo reversed the rule on Friday. The platform said users could appeal"))
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    s.add("/upd/feed.xml", _atom(s.url("/upd/page.html"), later), content_type="application/atom+xml")
    second = crawl(config, tmp_path / "a.db")
    assert second.source("upd").updated == 1 and second.totals["new"] == 0
    row = _articles(tmp_path / "a.db")[s.url("/upd/page.html")]
    assert "Weibo reversed the rule" in row["body"] and row["updated"]


def test_interrupted_crawl_stops_its_process(crawl_server: LoopbackServer, tmp_path: Path) -> None:
    s = crawl_server
    feed = s.add_feed("/interrupt/feed.xml", [{"url": s.url("/misc/slow?s=20&interrupt=1")}])
    config = make_config([{"name": "i", "url": feed}], timeout_seconds=60)

    def progress(event: str, data: dict[str, Any]) -> None:
        if event == "queued":
            raise KeyboardInterrupt  # what Ctrl-C does in the CLI's progress callback

    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        crawl(config, tmp_path / "a.db", on_progress=progress)
    assert time.monotonic() - t0 < 10
    assert not _children()
    with Archive(tmp_path / "a.db") as a:
        assert a.query("SELECT status FROM runs")[-1]["status"] == "failed"
