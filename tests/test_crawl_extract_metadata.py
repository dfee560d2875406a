"""wallwatch's own metadata pass must find what trafilatura's full ``extract_metadata`` finds.

``crawler.extract`` skips the metadata wallwatch never stores (site name,
categories, tags, licence) for speed; these tests hold it to trafilatura's
title, author, date and text, page for page.
"""

from __future__ import annotations

from pathlib import Path

import trafilatura

from wallwatch.crawler import decode_html, extract_article

from conftest import shared_path

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"


def _trafilatura_alone(html: str, url: str) -> tuple[str, str, str | None, str | None]:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=True, fast=True)
    if doc is None:
        return ("", "", None, None)
    return ((doc.text or "").strip(), (doc.title or "").strip(), doc.author or None, doc.date or None)


def _ours(html: str, url: str) -> tuple[str, str, str | None, str | None]:
    e = extract_article(html, url)
    return (e.text, e.title, e.author, e.date)


def _mismatches(pages: list[Path]) -> list[str]:
    out = []
    for i, page in enumerate(pages):
        html, _ = decode_html(page.read_bytes())
        url = f"https://news.example/{i}/{page.stem}"
        want, got = _trafilatura_alone(html, url), _ours(html, url)
        for field, a, b in zip(("text", "title", "author", "date"), want, got):
            if a != b:
                out.append(f"{page.name}: {field}: trafilatura {a!r:.60} != ours {b!r:.60}")
    return out


def test_project_fixtures_match_trafilatura_metadata():
    pages = sorted(FIXTURES.glob("*.html"))
    assert len(pages) >= 4
    assert _mismatches(pages) == []
    # The fixtures do carry metadata, so agreement is not just two empty values.
    meta = extract_article(decode_html((FIXTURES / "wechat-taobao.html").read_bytes())[0], "https://x.example/a")
    assert meta.title and meta.date


def test_every_real_page_matches_trafilatura_metadata():
    pages = sorted(shared_path("realweb", "articles").rglob("*.html"))
    assert len(pages) > 200
    assert _mismatches(pages) == []
