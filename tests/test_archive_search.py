"""Ranked search over a real archive file, and agreement between FTS5 and the passage matcher."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from wallwatch.archive import ArticleRecord, QueryError, SearchFilters, SignalRecord, parse, search

ARTICLES = [
    ("https://technode.com/a1", "Taobao to accept WeChat Pay", "Alibaba's Taobao will accept Tencent's WeChat Pay "
     "from 12 September, a step in the thaw between the rivals.", "2024-09-05", "technode", ["tech", "china"]),
    ("https://jingdaily.com/a2", "Luxury brands eye WeChat Moments ads", "A WeChat Moments advert led users directly "
     "to Tmall stores ahead of 618; luxury houses took note.", "2022-06-28", "jing-daily", ["luxury", "china"]),
    ("https://techcrunch.com/a3", "Tencent earnings beat forecasts", "Tencent's quarterly revenue rose 8% as WeChat "
     "advertising grew; earnings beat analysts' forecasts.", "2024-11-13", "techcrunch", ["tech"]),
    ("https://techcrunch.com/a4", "EU orders WhatsApp to open up", "Under the Digital Markets Act, WhatsApp must "
     "let third-party chats interoperate with its messaging service.", "2024-03-07", "techcrunch", ["tech"]),
]


@pytest.fixture
def filled(archive):
    archive.sync_sources([
        {"name": n, "kind": "feed", "url": f"https://{n}.example/feed", "topics": t}
        for n, t in {"technode": ["tech", "china"], "jing-daily": ["luxury"], "techcrunch": ["tech"]}.items()
    ])
    ids = {}
    for url, title, body, published, source, topics in ARTICLES:
        ids[url[-2:]] = archive.upsert_article(ArticleRecord(url=url, title=title, body=body, source=source,
                                                             published=published, topics=topics)).article_id
    archive.replace_signals(ids["a1"], [SignalRecord(
        start=0, end=60, evidence="Alibaba's Taobao will accept Tencent's WeChat Pay from 12 September",
        polarity="opening", event_type="payment", status="announced", confidence=0.92, rule_id="payment.accept",
        actor="Taobao", target="WeChat Pay", story_key="taobao|wechat pay|payment|opening")], "v1")
    return archive, ids


def urls(hits):
    return [h.url[-2:] for h in hits]


def test_ranked_with_snippet_and_signals(filled):
    archive, _ = filled
    hits = search(archive, '"wechat pay"')
    assert urls(hits) == ["a1"]
    hit = hits[0].as_dict()
    assert "«WeChat» «Pay»" in hit["snippet"] or "«WeChat Pay»" in hit["snippet"]
    assert hit["signals"][0]["polarity"] == "opening" and hit["signals"][0]["actor"] == "Taobao"


def test_title_matches_rank_above_body_matches(filled):
    archive, _ = filled
    hits = search(archive, "wechat")
    assert set(urls(hits)) == {"a1", "a2", "a3"}
    assert urls(hits)[-1] == "a3"  # only in the body


def test_operators(filled):
    archive, _ = filled
    assert set(urls(search(archive, "wechat NOT earnings"))) == {"a1", "a2"}
    assert urls(search(archive, "wechat NEAR/6 tmall")) == ["a2"]
    assert search(archive, "wechat NEAR/5 tmall") == []
    assert set(urls(search(archive, "(whatsapp OR tmall) AND interop*"))) == {"a4"}
    assert urls(search(archive, "title:luxury")) == ["a2"]
    assert search(archive, "title:tmall") == []


def test_filters(filled):
    archive, _ = filled
    assert set(urls(search(archive, "wechat", SearchFilters(since="2024-01-01")))) == {"a1", "a3"}
    assert urls(search(archive, "wechat", SearchFilters(until="2022-06-28"))) == ["a2"]
    assert urls(search(archive, "wechat", SearchFilters(sources=["jing-daily"]))) == ["a2"]
    assert urls(search(archive, "wechat", SearchFilters(topics=["luxury"]))) == ["a2"]
    assert urls(search(archive, "wechat", SearchFilters(signals_only=True))) == ["a1"]
    assert len(search(archive, "wechat", SearchFilters(limit=1))) == 1


def test_signal_evidence_is_searchable(filled):
    archive, ids = filled
    archive.replace_signals(ids["a4"], [SignalRecord(
        start=0, end=10, evidence="Brussels mandates interoperability gatekeeper", polarity="mandate",
        event_type="regulatory_order", status="live", confidence=0.8, rule_id="mandate.order",
        story_key="european commission|whatsapp|regulatory_order|mandate")], "v1")
    assert urls(search(archive, "gatekeeper")) == ["a4"]


@pytest.mark.parametrize("text", ["multi-agent", "don't", "a.b", "@x", 'unbalanced "quote', "C++ OR c#", "100%",
                                  "wechat:", "NEAR", "AND", "OR OR", "*", "-", "\"\"", "title:"])
def test_punctuation_never_raises_anything_but_a_query_error(filled, text):
    archive, _ = filled
    try:
        search(archive, text)
    except QueryError as exc:
        assert str(exc).startswith("invalid query:")


TEXTS = [
    "Taobao will accept WeChat Pay from 12 September",
    "WeChat ads now lead straight to Tmall stores",
    "Weibo is blocking QR codes that link to WeChat accounts",
    "Apple opens NFC to third-party wallets in the EU",
]
QUERIES = ["wechat", "wechat pay", '"wechat pay"', "wechat NOT tmall", "(tmall OR taobao) NEAR/3 wechat",
           "wechat NEAR/2 tmall", "block* wechat", "nfc OR wallet*", '"third party"', "apple -nfc",
           "NEAR(qr wechat, 4)", "wechat ONEAR/6 stores"]


def test_passage_matcher_agrees_with_fts5():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61 remove_diacritics 2')")
    conn.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", enumerate(TEXTS))
    for q, (i, text) in itertools.product(QUERIES, enumerate(TEXTS)):
        parsed = parse(q)
        in_fts = conn.execute("SELECT 1 FROM t WHERE t MATCH ? AND rowid = ?", (parsed.to_fts5(), i)).fetchone()
        if "ONEAR" in q:  # FTS5 has no ordered NEAR; the matcher is stricter there
            assert parsed.matches(text) <= bool(in_fts)
        else:
            assert parsed.matches(text) == bool(in_fts), (q, text)


def test_equal_scores_come_newest_first(archive):
    archive.upsert_articles([
        ArticleRecord(url=f"https://x.example/{d}", title="RCS on iPhone", body="Apple adopts RCS messaging.",
                      published=d) for d in ("2023-11-16", "2024-09-16", "2019-01-01")
    ])
    assert [h.published for h in search(archive, "rcs")] == ["2024-09-16", "2023-11-16", "2019-01-01"]
    assert [h.published for h in search(archive, "rcs", SearchFilters(since="2020-01-01"))] == [
        "2024-09-16", "2023-11-16"]
