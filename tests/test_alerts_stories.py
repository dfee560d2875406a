"""Stories, not articles: clustering, ordering, filters, highlighting (real archive file)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from alerts_support import add_article, config
from wallwatch.alerts import build_digest, select_stories
from wallwatch.alerts.stories import highlight
from wallwatch.errors import QueryError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
WECHAT_TMALL = dict(evidence="WeChat Moments ads now lead straight to Tmall stores.", actor="WeChat",
                    target="Tmall", event_type="advertising_traffic")


def digest_config(tmp_path, extra: str = ""):
    floor = "" if "min_confidence" in extra else "min_confidence = 0.5\n"
    return config(f'[[digests]]\nname = "d"\nchannel = "file"\n{floor}{extra}', tmp_path).digests[0]


def test_ten_outlets_and_syndicated_copies_are_one_story(archive, tmp_path):
    ids = []
    for i in range(10):
        aid, _ = add_article(archive, f"https://outlet{i}.example/a", f"Report {i}", source=f"outlet{i}",
                             published=f"2026-11-2{i % 3}T0{i}:00:00+00:00", signals=[WECHAT_TMALL])
        ids.append(aid)
    copy, _ = add_article(archive, "https://aggregator.example/copy", "Copy", source="agg",
                          published="2026-11-22T10:00:00+00:00", signals=[WECHAT_TMALL])
    archive.mark_duplicate(copy, ids[0])
    [story] = select_stories(archive, digest_config(tmp_path), NOW).stories
    assert len(story.sources) == 11
    assert story.independent_sources == 10
    assert story.first_report.url == "https://outlet0.example/a"
    assert story.newest.url == "https://aggregator.example/copy"


def test_same_key_far_apart_in_time_is_two_stories(archive, tmp_path):
    add_article(archive, "https://a.example/1", "Old", published="2026-11-18T08:00:00+00:00", signals=[WECHAT_TMALL])
    add_article(archive, "https://a.example/2", "New", published="2026-11-23T08:00:00+00:00", signals=[WECHAT_TMALL])
    add_article(archive, "https://a.example/0", "History", published="2026-11-01T08:00:00+00:00", signals=[WECHAT_TMALL])
    stories = select_stories(archive, digest_config(tmp_path), NOW).stories
    assert sorted(len(s.sources) for s in stories) == [1, 1] and len(stories) == 2


def test_state_changes_come_first_then_confidence(archive, tmp_path):
    add_article(archive, "https://a.example/close", "Weibo blocks", published="2026-11-18T08:00:00+00:00",
                signals=[dict(evidence="Weibo blocks WeChat QR codes.", actor="Weibo", target="WeChat",
                              polarity="closing", confidence=0.6)])
    add_article(archive, "https://a.example/open", "Weibo opens", published="2026-11-23T08:00:00+00:00",
                signals=[dict(evidence="Weibo lets WeChat QR codes through.", actor="Weibo", target="WeChat",
                              polarity="opening", confidence=0.6)])
    add_article(archive, "https://a.example/rumour", "Rumour", published="2026-11-10T08:00:00+00:00",
                signals=[dict(evidence="Taobao may accept WeChat Pay.", actor="Taobao", target="WeChat Pay",
                              event_type="payment", status="rumoured", confidence=0.7)])
    add_article(archive, "https://a.example/live", "Live", published="2026-11-22T08:00:00+00:00",
                signals=[dict(evidence="Taobao now accepts WeChat Pay.", actor="Taobao", target="WeChat Pay",
                              event_type="payment", status="live", confidence=0.7)])
    add_article(archive, "https://a.example/strong", "Strong", published="2026-11-22T08:00:00+00:00",
                signals=[dict(evidence="JD opens to Douyin links.", actor="JD", target="Douyin", confidence=0.99)])
    stories = select_stories(archive, digest_config(tmp_path), NOW).stories
    changes = [(s.actor, s.state_change) for s in stories if s.state_change]
    assert ("Weibo", "closed → open") in changes and ("Taobao", "rumoured → live") in changes
    assert all(s.state_change for s in stories[:2])
    assert stories[2].actor == "JD"  # highest confidence among the rest


def test_filters_polarity_platform_topic_and_query(archive, tmp_path):
    add_article(archive, "https://lux.example/1", "Luxury brands on WeChat", source="jing", topics=("luxury",),
                signals=[dict(WECHAT_TMALL)])
    add_article(archive, "https://tech.example/2", "Apple closes NFC", source="verge", topics=("tech",),
                signals=[dict(evidence="Apple keeps NFC closed to rivals.", actor="Apple", target="NFC",
                              polarity="closing", event_type="app_store_or_device")])
    pick = lambda extra: [s.actor for s in select_stories(archive, digest_config(tmp_path, extra), NOW).stories]  # noqa: E731
    assert pick('polarity = ["closing"]') == ["Apple"]
    assert pick('platforms = ["tmall"]') == ["WeChat"]
    assert pick('topics = ["luxury"]') == ["WeChat"]
    assert pick('filter = "title:luxury"') == ["WeChat"]
    assert sorted(pick('filter = "platform:apple OR topic:luxury"')) == ["Apple", "WeChat"]
    assert pick('min_confidence = 0.95') == []
    with pytest.raises(QueryError):
        pick('filter = "(wechat OR"')


def test_max_items_holds_back_the_rest(archive, tmp_path):
    for i in range(5):
        add_article(archive, f"https://a.example/{i}", f"T{i}",
                    signals=[dict(evidence=f"A{i} opens to B.", actor=f"A{i}", target="B", confidence=0.6 + i / 100)])
    digest = build_digest(archive, digest_config(tmp_path, "max_items = 3"), NOW)
    assert [s.actor for s in digest.stories] == ["A4", "A3", "A2"] and digest.held_back == 2
    assert digest.summary() == "3 new stories: 3 opening"


def test_highlight_platform_names():
    segs = highlight("Tencent's WeChat links to tmall now", ["WeChat (Tencent)", "Tmall"])
    assert [t for t, hot in segs if hot] == ["Tencent", "WeChat", "tmall"]
    assert "".join(t for t, _ in segs) == "Tencent's WeChat links to tmall now"


def test_signal_stored_without_story_key_gets_one(archive, tmp_path):
    from wallwatch.archive import ArticleRecord, SignalRecord

    [res] = archive.upsert_articles([ArticleRecord(url="https://a.example/k", title="t", body="b",
                                                   published="2026-11-22T08:00:00+00:00")])
    archive.replace_signals(res.article_id, [SignalRecord(0, 5, "Apple opens NFC.", "opening", "app_store_or_device",
                                                          "live", 0.9, "r", actor="Apple", target="NFC")], "v")
    [story] = select_stories(archive, digest_config(tmp_path), NOW).stories
    assert story.key == "apple|nfc|app_store_or_device|opening"
