"""Events dated before the article's year are background; the article's own date is the reference."""

from __future__ import annotations

from datetime import date

import pytest

from nlp_support import archive_with_articles, tagger
from wallwatch.archive import ArticleRecord
from wallwatch.config import Config, NlpConfig
from wallwatch.nlp import tag_archive
from wallwatch.nlp.dating import past_date

PAST = "In July 2013 Taobao shut off WeChat's access to its merchant interfaces."


def _status(text: str, as_of: date) -> str | None:
    found = tagger().tag_text(text, as_of=as_of, min_confidence=0.4)
    return max(found, key=lambda s: s.confidence).status if found else None


@pytest.mark.parametrize("text", [
    PAST,
    "Kuaishou closed its livestreams to outside shopping links in 2020, steering sellers to its own store.",
    "Huawei's AppGallery removed dozens of Tencent games on 1 January 2021 in a dispute with the game maker.",
    "The thaw traces back to September 2021, when the MIIT told platforms to stop blocking one another's links.",
    # a dated act named with its month and author; a past "could no longer" is no statement about now
    "Executives credit the September 2021 MIIT order that platforms stop blocking one another's links for little.",
    "Seoul changed its law in 2021 so that Google could no longer block developers from using rival billing.",
])
def test_an_event_dated_before_the_article_is_background(text):
    assert _status(text, date(2026, 11, 24)) == "background"


def test_the_same_event_reported_in_its_own_year_is_news():
    assert _status(PAST, date(2013, 7, 20)) == "live"


@pytest.mark.parametrize("text", [
    # what happens now, with an old date as context
    "WeChat now opens Taobao links directly, ending a block that began in 2013.",
    # the date belongs to a relative clause about an earlier step
    "Douyin has restored the option to place Taobao links in shopping carts, which it removed in 2018.",
    # a date used as a name, a deadline and a state still going on, each in a past year with nothing
    # saying "now": only the kind of date phrase keeps them news
    "Google stopped letting apps bypass Play billing, reversing a 2024 pilot.",
    "Regulators said platforms must stop blocking each other's links by 2025.",
    "Alipay has blocked links to Douyin since 2019.",
])
def test_old_dates_that_do_not_date_the_event(text):
    assert _status(text, date(2026, 11, 24)) != "background"


def test_past_date_needs_the_trigger_clause():
    text = "Weibo blocked WeChat links in 2019; Taobao opened to WeChat Pay on Monday."
    start = text.index("opened")
    assert past_date(text, start, start + len("opened"), 2026) is None
    start = text.index("blocked")
    assert past_date(text, start, start + len("blocked"), 2026).group(1) == "2019"


def test_tagging_the_archive_dates_events_by_each_article(db_path):
    archive = archive_with_articles(db_path)
    body = "Taobao shut off WeChat's access to its merchant interfaces in July 2013, citing user data."
    archive.upsert_articles([
        ArticleRecord(url="https://news.example/2013", source=None, published="2013-07-20T08:00:00+00:00",
                      title="Taobao shuts out WeChat", body=body),
        ArticleRecord(url="https://news.example/2026", source=None, published="2026-03-01",
                      title="A decade of walls", body=body)])
    tag_archive(Config(nlp=NlpConfig(model="blank")), archive)
    rows = archive.query("SELECT a.url, s.status FROM signals s JOIN articles a ON a.id = s.article_id "
                         "WHERE a.url LIKE '%/20__'")
    assert {r["url"][-4:]: r["status"] for r in rows} == {"2013": "live", "2026": "background"}
