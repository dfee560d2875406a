"""The analysts' query language: parsing, FTS5 compilation, passage matching, clear errors."""

from __future__ import annotations

import pytest

from wallwatch.archive import QueryError, parse


@pytest.mark.parametrize(
    ("query", "fts5"),
    [
        ("wechat", '"wechat"'),
        ("wechat taobao", '("wechat" AND "taobao")'),
        ('"wechat pay" OR alipay', '("wechat pay" OR "alipay")'),
        ("wechat AND NOT earnings", '(("wechat") NOT "earnings")'),
        ("wechat -earnings", '(("wechat") NOT "earnings")'),
        ("interop*", '"interop" *'),
        ("wechat NEAR/5 tmall", 'NEAR("wechat" "tmall", 5)'),
        ("wechat w/5 tmall", 'NEAR("wechat" "tmall", 5)'),
        ("NEAR(wechat tmall, 3)", 'NEAR("wechat" "tmall", 3)'),
        ("(wechat OR weixin) NEAR/10 tmall",
         '(NEAR("wechat" "tmall", 10) OR NEAR("weixin" "tmall", 10))'),
        ("title:wechat", 'title : ("wechat")'),
        ('title:"wechat pay" taobao', '(title : ("wechat pay") AND "taobao")'),
        ("multi-agent don't a.b @x", '("multi-agent" AND "don\'t" AND "a.b" AND "@x")'),
        ('"unbalanced quote', '"unbalanced quote"'),
        ("https://example.com/x", '"https://example.com/x"'),
    ],
)
def test_compiles_to_fts5(query, fts5):
    assert parse(query).to_fts5() == fts5


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "the query is empty", None),
        ("(wechat OR taobao", "'(' is never closed", 0),
        ("wechat)", "unmatched ')'", 6),
        ("wechat OR", "the query ends too early", 9),
        ("NOT wechat", "at least one term that is not negated", None),
        ("platform:Tmall", "unknown field 'platform:'", 0),
        ("wechat NEAR/5 (a AND b)", "NEAR joins words", None),
        ("- &&", "has no letters or digits", None),
        ("()", "empty parentheses", 0),
    ],
)
def test_bad_queries_say_what_and_where(query, message, position):
    with pytest.raises(QueryError) as info:
        parse(query).to_fts5()
    assert message in str(info.value)
    if position is not None:
        assert info.value.position == position
        assert info.value.pointer().splitlines()[-1] == " " * position + "^"


def test_extra_fields_are_declared_by_the_caller():
    q = parse("platform:Tmall AND polarity:closing", fields={"platform", "polarity"})
    assert q.matches("anything", {"platform": "Tmall", "polarity": "closing"})
    assert not q.matches("anything", {"platform": "Taobao", "polarity": "closing"})
    assert not q.matches("anything", {})


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("wechat taobao", "Taobao links now open inside WeChat.", True),
        ("wechat taobao", "Taobao links now open.", False),
        ('"wechat pay"', "Taobao accepts WeChat Pay from today.", True),
        ('"wechat pay"', "WeChat will pay the fine.", False),
        ('"pay wechat"', "Taobao accepts WeChat Pay from today.", False),
        ("block*", "Weibo is blocking QR codes.", True),
        ("wechat NOT earnings", "WeChat earnings rose.", False),
        # As FTS5 counts: four tokens lie between "WeChat" and "Tmall" here.
        ("wechat NEAR/3 tmall", "WeChat ads now lead to Tmall", False),
        ("wechat NEAR/4 tmall", "WeChat ads now lead to Tmall", True),
        ("tmall NEAR/4 wechat", "WeChat ads now lead to Tmall", True),
        ('"wechat ads" NEAR/3 tmall', "WeChat ads now lead to Tmall", True),
        ("tmall ONEAR/4 wechat", "WeChat ads now lead to Tmall", False),
        ("wechat ONEAR/4 tmall", "WeChat ads now lead to Tmall", True),
        ("(alipay OR \"wechat pay\") NEAR/4 taobao", "Taobao will accept WeChat Pay", True),
    ],
)
def test_matches_a_passage(query, text, expected):
    assert parse(query).matches(text) is expected


def test_positive_terms_for_highlighting():
    terms = parse('(wechat OR "apple pay") NOT earnings').terms()
    assert [t.text for t in terms] == ["wechat", "apple pay"]
