"""Crawls of the real pages and feeds in ../shared/realweb, served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path
from crawl_support import LoopbackServer, crawl_server, make_config  # noqa: F401 (fixture)

from wallwatch.archive import Archive
from wallwatch.crawler import crawl

TRAFILATURA_PAGES = 30
SCRAPINGHUB_PAGES = 10


def _snippet_ok(text: str, expected: dict[str, Any]) -> bool:
    return all(w in text for w in expected.get("with", [])) and not any(w in text for w in expected.get("without", []))


@pytest.fixture(scope="module")
def served_corpus(crawl_server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    articles = shared_path("realweb", "articles")
    traf = json.loads((articles / "trafilatura" / "expected.json").read_text())
    np4k = json.loads((articles / "newspaper4k" / "expected.json").read_text())
    index = json.loads((articles / "index.json").read_text())
    pages = sorted(traf)[:TRAFILATURA_PAGES]
    paths = [f"trafilatura/{p}" for p in pages]
    paths += sorted(k for k in index if k.startswith("scrapinghub-aeb/"))[:SCRAPINGHUB_PAGES]
    paths += ["newspaper4k/chinese_article_001.html", "newspaper4k/chinese_article_002.html"]
    s = crawl_server
    feed = s.add_feed("/realweb-test/feed.xml", [{"url": s.url(f"/realweb/articles/{p}"), "title": p} for p in paths])
    config = make_config([{"name": "realweb", "url": feed}])
    db = tmp_path_factory.mktemp("realweb") / "archive.db"
    report = crawl(config, db)
    with Archive(db) as a:
        rows = {r["url"]: r for r in a.query("SELECT * FROM articles")}
    return {"report": report, "rows": rows, "paths": paths, "traf": traf, "np4k": np4k, "dir": articles}


def test_every_served_page_is_stored_with_text(served_corpus: dict[str, Any], crawl_server: LoopbackServer) -> None:
    report, rows = served_corpus["report"], served_corpus["rows"]
    src = report.source("realweb")
    assert src.failed == 0, src.reasons
    stored = [crawl_server.url(f"/realweb/articles/{p}") in rows for p in served_corpus["paths"]]
    assert all(stored)
    full = [r for r in rows.values() if r["extraction"] == "full"]
    assert len(full) >= 0.9 * len(rows)
    assert all(len(r["body"]) >= 200 and r["title"] for r in full)


def test_extraction_keeps_the_snippets_at_least_as_well_as_trafilatura(served_corpus: dict[str, Any],
                                                                      crawl_server: LoopbackServer) -> None:
    import trafilatura

    ours = theirs = 0
    for name in sorted(served_corpus["traf"])[:TRAFILATURA_PAGES]:
        expected = served_corpus["traf"][name]
        url = crawl_server.url(f"/realweb/articles/trafilatura/{name}")
        ours += _snippet_ok(served_corpus["rows"][url]["body"], expected)
        html = (served_corpus["dir"] / "trafilatura" / name).read_bytes()
        theirs += _snippet_ok(trafilatura.extract(html, url=url) or "", expected)
    print("snippets kept: wallwatch", ours, "trafilatura", theirs)
    assert ours >= theirs, (ours, theirs)
    assert ours >= 0.5 * TRAFILATURA_PAGES


def test_chinese_pages_come_out_as_correct_text(served_corpus: dict[str, Any], crawl_server: LoopbackServer) -> None:
    for name in ("chinese_article_001.html", "chinese_article_002.html"):
        row = served_corpus["rows"][crawl_server.url(f"/realweb/articles/newspaper4k/{name}")]
        expected = served_corpus["np4k"][name]
        assert "\ufffd" not in row["body"]
        first_line = expected["text"].split("\n")[0][:20]
        assert first_line in row["body"], (name, first_line)
        assert row["title"] and expected["title"][:6] in row["title"]


def test_every_real_feed_is_fetched_and_parses_or_fails_with_a_reason(crawl_server: LoopbackServer,
                                                                     tmp_path: Path) -> None:
    folder = shared_path("realweb", "feeds")
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {f"f{i}": path for i, path in enumerate(sorted(manifest))}
    config = make_config([{"name": n, "url": crawl_server.url(f"/realweb/feeds/{p}")} for n, p in names.items()],
                         max_items_per_source=0)
    report = crawl(config, tmp_path / "a.db")
    assert len(report.sources) == len(manifest)
    for result in report.sources:
        path = names[result.name]
        if result.error:
            assert result.status == 200 and result.error.strip(), path
            assert path.startswith("illformed/"), f"{path}: a real site's feed failed: {result.error}"
        else:
            assert result.feed == "fetched" and result.entries + result.skipped == manifest[path]["entries"], path
            if manifest[path]["bozo"]:  # ill-formed but usable: ingested, with a warning
                assert any("ill-formed" in w for w in result.warnings), path
    with Archive(tmp_path / "a.db") as a:
        failing = a.query("SELECT name, last_error FROM sources WHERE consecutive_failures > 0")
    assert {r["name"] for r in failing} == {s.name for s in report.failed_sources}
    assert all(r["last_error"] for r in failing)
