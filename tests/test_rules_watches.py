"""Watches: loading with file:line errors, sentence-level matching, stored signals, incremental runs."""

from __future__ import annotations

import pytest
from rules_support import FIXTURES, fill

from wallwatch.archive import ArticleRecord
from wallwatch.errors import RulesError
from wallwatch.nlp.platforms import load_platforms
from wallwatch.nlp.watch_store import pending_articles, tag_watches
from wallwatch.nlp.watches import ArticleContext, check_examples, load_watches, loads_watches, match_text
from wallwatch.nlp.workbench_text import PlatformFinder, sentence_spans, sentences


@pytest.fixture(scope="module")
def finder() -> PlatformFinder:
    return PlatformFinder(load_platforms(None))


@pytest.fixture
def watches():
    return load_watches(FIXTURES / "watches.toml")


def test_loads_the_fixture_file(watches):
    assert [w.name for w in watches.watches] == ["wechat-tmall", "wallet-acceptance", "luxury-links", "disabled-one"]
    assert [w.name for w in watches.enabled] == ["wechat-tmall", "wallet-acceptance", "luxury-links"]
    w = watches.get("wechat-tmall")
    assert w.kind == "watch:wechat-tmall" and w.where.endswith("watches.toml:3")
    assert w.must and w.must_not
    with pytest.raises(RulesError, match="no watch named 'nope'"):
        watches.get("nope")


@pytest.mark.parametrize(("text", "message"), [
    ('[[watch]]\nname = "a"\nquery = "wechat AND"\n', "<w>:3: watch 'a': invalid query: AND needs a term after it"),
    ('[[watch]]\nname = "a"\nquery = "x"\n\n[[watch]]\nname = "a"\nquery = "y"\n',
     "<w>:6: watch 'a' is defined twice (also line 1)"),
    ('[[watch]]\nname = "a"\nquerry = "x"\n', "<w>:3: unknown key 'querry'"),
    ('[[watch]]\nname = "Bad Name"\nquery = "x"\n', "<w>:2: watch name 'Bad Name'"),
    ('[[watch]]\nname = "a"\n', "<w>:1: watch 'a' needs a query"),
    ('[[watch]]\nname = "a"\nquery = "vendor:x"\n', "<w>:3: watch 'a': invalid query: unknown field 'vendor:'"),
    ('[[watch]]\nname = "a"\nquery = "x"\nmust = [1]\n', "<w>:4: watch 'a': must must be a list"),
    ('[[watch]]\nname = "a"\nquery = "x\n', "<w>:3: not valid TOML"),
    ('name = "a"\n', "<w>:1: unknown top-level key 'name'"),
    ('[[watch]]\nname = "a"\nquery = "x OR NOT y"\n', "<w>:3: watch 'a': invalid query: NOT cannot stand alone"),
])
def test_bad_watch_files_name_file_and_line(text, message):
    with pytest.raises(RulesError) as info:
        loads_watches(text, "<w>")
    assert str(info.value).startswith(message)


def test_missing_file_is_a_rules_error(tmp_path):
    with pytest.raises(RulesError, match="no such watch file"):
        load_watches(tmp_path / "nope.toml")


def test_sentence_splitter_keeps_abbreviations_and_numbers():
    text = ("The U.S. market was quiet. Mr. Ma said nothing, e.g. about Tmall. Revenue rose 3.5 billion yuan!"
            "\n\nA new paragraph \"quoted.\" Then another one")
    assert sentences(text) == [
        "The U.S. market was quiet.", "Mr. Ma said nothing, e.g. about Tmall.", "Revenue rose 3.5 billion yuan!",
        'A new paragraph "quoted."', "Then another one"]
    for s, e in sentence_spans(text):
        assert text[s:e] == text[s:e].strip() and text[s:e]


@pytest.mark.parametrize(("query", "sentence", "expected"), [
    ("WeChat w/3 Tmall", "WeChat ads lead to Tmall.", True),
    ("WeChat w/1 Tmall", "WeChat ads lead to Tmall.", False),
    ("WeChat NEAR/3 Tmall", "Tmall ads come from WeChat.", True),
    ("WeChat ONEAR/3 Tmall", "Tmall ads come from WeChat.", False),
    ("WeChat PRE/3 Tmall", "WeChat ads lead to Tmall.", True),
    ("interop*", "Apps must interoperate.", True),
    ('"WeChat Pay" -Alipay', "Stores take WeChat Pay and Alipay.", False),
    ("platform:WeChat AND ads", "Weixin ads grew.", True),          # an alias from the platform list
    ("platform:Tmall", "T-mall grew.", True),
    ("platform:Tmall", "Taobao grew.", False),
    ("title:luxury AND Tmall", "Tmall grew.", True),
    ("source:technode AND Tmall", "Tmall grew.", False),
    ("topic:luxury AND Tmall", "Tmall grew.", True),
])
def test_sentence_matching(query, sentence, expected, finder):
    from wallwatch.nlp.watches import parse_watch_query

    ctx = ArticleContext(title="Luxury news", source="jing-daily", topics=["luxury"], finder=finder)
    hits = match_text(parse_watch_query(query), sentence, ctx, include_title=False)
    assert bool(hits) is expected


def test_a_query_matches_within_one_sentence_only(finder):
    from wallwatch.nlp.watches import parse_watch_query

    ctx = ArticleContext(finder=finder)
    assert not match_text(parse_watch_query("WeChat AND Tmall"), "WeChat grew. Tmall shrank.", ctx)
    hits = match_text(parse_watch_query("WeChat AND Tmall"), "Intro. WeChat links to Tmall now. End.", ctx)
    assert [(h.start, h.end, h.text) for h in hits] == [(7, 33, "WeChat links to Tmall now.")]


def test_polarity_fields_come_from_overlapping_interop_signals(finder):
    from wallwatch.nlp.watches import parse_watch_query

    body = "Weibo blocks WeChat codes. WeChat grew."
    ctx = ArticleContext(finder=finder, signals=[{"start": 0, "end": 25, "polarity": "closing",
                                                  "event_type": "link_access"}])
    hits = match_text(parse_watch_query("polarity:closing AND WeChat"), body, ctx)
    assert [h.text for h in hits] == ["Weibo blocks WeChat codes."]
    assert match_text(parse_watch_query("event_type:link_access"), body, ctx)[0].start == 0


def test_examples_pass_and_a_wrong_one_is_reported_with_file_line(watches, finder):
    assert check_examples(watches, finder) == []
    broken = loads_watches('[[watch]]\nname = "a"\nquery = "WeChat w/2 Tmall"\n'
                           'must = ["WeChat Moments ads led straight to Tmall."]\n', "w.toml")
    (failure,) = check_examples(broken, finder)
    assert str(failure) == ("w.toml:1: watch:a: should match: 'WeChat Moments ads led straight to Tmall.'")


def test_tagging_stores_watch_signals_and_leaves_the_tagger_version_alone(archive, watches, finder):
    ids = fill(archive)
    taobao = ids["https://technode.example/2024/09/05/taobao-wechat-pay"]
    with archive.write() as conn:
        conn.execute("UPDATE articles SET tagged_version = 'interop-v1'")
    run = tag_watches(archive, watches, finder)
    assert run.looked == {"wechat-tmall": 10, "wallet-acceptance": 10, "luxury-links": 10}
    rows = archive.query("SELECT article_id, kind, evidence, headline, story_key, rule_id, ruleset_version "
                         "FROM signals ORDER BY kind, article_id, start")
    by_kind: dict[str, list[str]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r["evidence"])
    assert by_kind["watch:wallet-acceptance"] == ["Taobao to accept WeChat Pay", "Alibaba's Taobao will accept Tencent's WeChat Pay from 12 September, "
                                                  "a step in the thaw between the rivals."]
    assert "A WeChat Moments advert led users directly to Tmall stores ahead of 618." in by_kind["watch:wechat-tmall"]
    assert "Weixin ads now link to Tmall Luxury Pavilion" in by_kind["watch:wechat-tmall"]  # the title
    assert all("Gucci" not in e for e in by_kind["watch:wallet-acceptance"])  # NOT store
    assert "watch:disabled-one" not in by_kind
    # luxury-links: only articles whose topics (own or their source's) include luxury
    assert set(by_kind["watch:luxury-links"]) >= {
        "Creators who post finance videos were told that links to third-party apps would be removed."}
    assert all(r["tagged_version"] == "interop-v1" for r in archive.query("SELECT tagged_version FROM articles"))
    assert run.signals["wallet-acceptance"] == 2 and run.matched["wallet-acceptance"] == 1
    # The signals are searchable like interop evidence.
    assert archive.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'signal_text:accept'") == [
        {"rowid": taobao}]

    # A second run has nothing to do and changes nothing.
    before = archive.query("SELECT * FROM signals ORDER BY id")
    again = tag_watches(archive, watches, finder)
    assert set(again.looked.values()) == {0}
    assert archive.query("SELECT * FROM signals ORDER BY id") == before


def test_changed_articles_and_edited_watches_are_looked_at_again(archive, watches, finder):
    ids = fill(archive)
    tag_watches(archive, watches, finder)
    url = "https://technode.example/2024/09/05/taobao-wechat-pay"
    archive.upsert_article(ArticleRecord(url=url, title="Taobao drops WeChat Pay plan", body="Nothing to see.",
                                         source="technode"))
    w = watches.get("wallet-acceptance")
    assert pending_articles(archive, w) == [ids[url]]
    run = tag_watches(archive, watches, finder)
    assert run.looked["wallet-acceptance"] == 1 and run.signals["wallet-acceptance"] == 0
    assert archive.query("SELECT count(*) AS n FROM signals WHERE kind = 'watch:wallet-acceptance'")[0]["n"] == 0

    edited = loads_watches('[[watch]]\nname = "wechat-tmall"\nquery = "WeChat w/6 Tmall"\n', "w.toml")
    run = tag_watches(archive, edited, finder)
    assert run.looked == {"wechat-tmall": 10}
    assert run.removed_watches == ["luxury-links"]
    kinds = {r["kind"] for r in archive.query("SELECT DISTINCT kind FROM signals")}
    assert kinds == {"watch:wechat-tmall"}


def test_story_keys_survive_a_retag(archive, watches, finder):
    fill(archive)
    tag_watches(archive, watches, finder)
    keys = sorted(r["story_key"] for r in archive.query("SELECT story_key FROM signals"))
    tag_watches(archive, watches, finder, retag_all=True)
    assert sorted(r["story_key"] for r in archive.query("SELECT story_key FROM signals")) == keys
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("query", ["NOT wechat", "-wechat -tmall", "platform:(NOT Tmall)"])
def test_a_watch_needs_a_positive_term(query):
    with pytest.raises(RulesError, match="at least one term that is not negated"):
        loads_watches(f'[[watch]]\nname = "a"\nquery = "{query}"\n', "<w>")


def test_the_pipeline_hook_runs_the_configured_watches(archive, tmp_path):
    from wallwatch.config import loads
    from wallwatch.nlp.watch_store import run_configured_watches

    fill(archive)
    assert run_configured_watches(loads("[nlp]\n"), archive) == {"watches": 0}
    config = loads(f'[nlp]\nwatches = "{FIXTURES / "watches.toml"}"\n', tmp_path / "c.toml")
    out = run_configured_watches(config, archive)
    assert out["watches"] == 3 and out["looked"]["wechat-tmall"] == 10
    assert run_configured_watches(config, archive)["looked"]["wechat-tmall"] == 0


def test_watches_can_also_live_in_config_toml(tmp_path):
    from wallwatch.config import load
    from wallwatch.nlp.workbench_config import config_watches

    path = tmp_path / "config.toml"
    path.write_text(f'[nlp]\nwatches = "{FIXTURES / "watches.toml"}"\n\n[[nlp.watch]]\nname = "dma"\n'
                    'query = "(gatekeeper* OR DMA) w/8 interop*"\nmust = ["The DMA makes gatekeepers interoperate."]\n',
                    encoding="utf-8")
    watches = config_watches(load(path))
    assert [w.name for w in watches.watches][-1] == "dma" and len(watches.watches) == 5
    assert watches.get("dma").where == f"{path}:4"
    assert check_examples(watches) == []

    path.write_text('[nlp]\n\n[[nlp.watch]]\nname = "a"\nquery = "(DMA"\n', encoding="utf-8")
    with pytest.raises(RulesError, match=rf"^{path}:5: watch 'a': invalid query: '\(' is never closed"):
        config_watches(load(path))
    path.write_text(f'[nlp]\nwatches = "{FIXTURES / "watches.toml"}"\n[[nlp.watch]]\nname = "luxury-links"\n'
                    'query = "x"\n', encoding="utf-8")
    with pytest.raises(RulesError, match=rf"^{path}:4: watch 'luxury-links' is defined twice \(also .*watches.toml:16\)"):
        config_watches(load(path))
