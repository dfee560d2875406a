"""The workbench's additions to the query language: list-valued fields and the relaxed FTS5 prefilter."""

from __future__ import annotations

import itertools

import pytest

from wallwatch.archive import ArticleRecord, parse
from wallwatch.archive.query import Field, Or, Term

FIELDS = {"platform", "polarity", "title"}


def test_a_list_valued_field_matches_when_any_value_does():
    q = parse("platform:Tmall AND polarity:closing", fields=FIELDS)
    assert q.matches("x", {"platform": ["WeChat", "Tmall"], "polarity": ["opening", "closing"]})
    assert not q.matches("x", {"platform": ["WeChat"], "polarity": ["closing"]})
    assert not q.matches("x", {"platform": [], "polarity": ["closing"]})


@pytest.mark.parametrize(("query", "prefilter"), [
    ("wechat NOT earnings", '"wechat"'),
    ("wechat AND NOT earnings", '"wechat"'),
    ("(wechat OR weixin) w/5 tmall", '(NEAR("wechat" "tmall", 5) OR NEAR("weixin" "tmall", 5))'),
    ("platform:Tmall AND ads", '"ads"'),
    ("platform:Tmall OR ads", None),
    ("polarity:closing", None),
    ("title:wechat -tmall", 'title : ("wechat")'),
    ("wechat (tmall OR platform:Taobao)", '"wechat"'),
])
def test_prefilter_drops_what_fts5_cannot_decide(query, prefilter):
    assert parse(query, fields=FIELDS).to_fts5_prefilter() == prefilter


def test_prefilter_expands_fields_through_the_callers_function():
    def expand(node: Field):
        return Or((Term("Tmall"), Term("T-mall"))) if node.name == "platform" else None

    q = parse("platform:Tmall AND ads", fields=FIELDS)
    assert q.to_fts5_prefilter(expand) == '(("Tmall" OR "T-mall") AND "ads")'


SENTENCES = [
    "WeChat ads now lead to Tmall stores.", "Tmall grew; earnings of WeChat did not.",
    "Weixin advertising links to Tmall Luxury Pavilion.", "Nothing about the platforms here.",
    "The interoperability order covers WeChat.", "Earnings rose at Tencent.",
]
QUERIES = ["wechat NOT earnings", "(wechat OR weixin) w/4 tmall", "interop* AND wechat", "tmall -luxury",
           "advert* OR ads", "wechat ONEAR/4 tmall", '"wechat ads" OR earnings']


@pytest.mark.parametrize("query", QUERIES)
def test_every_article_with_a_matching_sentence_passes_the_prefilter(archive, query):
    # Articles made of every pair of sentences: the prefilter must keep each one
    # that has a matching sentence (it may keep more).
    pairs = list(itertools.permutations(SENTENCES, 2))
    archive.upsert_articles([ArticleRecord(url=f"https://x.example/{i}", title="", body=f"{a} {b}")
                             for i, (a, b) in enumerate(pairs)])
    q = parse(query)
    kept = {r["rowid"] for r in archive.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                                              (q.to_fts5_prefilter(),))}
    needed = {i + 1 for i, (a, b) in enumerate(pairs) if q.matches(a) or q.matches(b)}
    assert needed and needed <= kept


@pytest.mark.parametrize(("pasted", "ours"), [
    ("wechat near/5 tmall", "wechat NEAR/5 tmall"),
    ("wechat Near/5 tmall", "wechat NEAR/5 tmall"),
    ("wechat near5 tmall", "wechat NEAR/5 tmall"),
    ("wechat NEAR5 tmall", "wechat NEAR/5 tmall"),
    ("wechat onear/5 tmall", "wechat ONEAR/5 tmall"),
    ("wechat pre/5 tmall", "wechat ONEAR/5 tmall"),
    ("wechat W/5 tmall", "wechat NEAR/5 tmall"),
    ("wechat w/s tmall", "wechat AND tmall"),
    ("wechat w/p tmall", "wechat AND tmall"),
])
def test_pasted_meltwater_factiva_lexis_proximity(pasted, ours):
    assert parse(pasted).root == parse(ours).root
    assert parse(pasted).to_fts5() == parse(ours).to_fts5()


def test_near_as_a_plain_word_stays_a_word():
    assert parse("stores near me").to_fts5() == '("stores" AND "near" AND "me")'
    assert parse("nearby").to_fts5() == '"nearby"'
