"""`wallwatch rules test` through the CLI: counts, breakdowns, highlighted examples, nothing written."""

from __future__ import annotations

import json

import pytest
from conftest import shared_path
from rules_support import FIXTURES, fill, realweb_articles, snapshot

from wallwatch.archive import Archive
from wallwatch.nlp.watches import ArticleContext, match_text, parse_watch_query
from wallwatch.nlp.workbench_scan import test_query as run_test_query
from wallwatch.nlp.workbench_text import PlatformFinder


@pytest.fixture
def filled(db_path, write_config):
    with Archive(db_path) as a:
        ids = fill(a)
    config = write_config(f'[nlp]\nwatches = "{FIXTURES / "watches.toml"}"\n')
    return ids, config


def test_counts_breakdowns_and_highlighted_examples(cli, filled, db_path):
    _, config = filled
    before = snapshot(db_path)
    result = cli("rules", "test", "(WeChat OR Weixin) w/10 Tmall", "--json", config=config)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # Moments ad (one sentence), earnings ("WeChat mini programs ... Tmall": 10 words apart),
    # Weixin ads (title + first sentence); Douyin names WeChat and Tmall in different sentences.
    assert (report["articles"], report["sentences"], report["archive_articles"]) == (3, 4, 10)
    assert report["by_source"] == {"jing-daily": 2, "techcrunch": 1}
    assert report["by_month"] == {"2022-06": 1, "2024-02": 1, "2024-11": 1}
    texts = [s for ex in report["examples"] for s in ex["sentences"]]
    assert "A «WeChat» Moments advert led users directly to «Tmall» stores ahead of 618." in texts
    assert "«Weixin» ads now link to «Tmall» Luxury Pavilion" in texts
    assert sum(report["by_month"].values()) == report["articles"]
    assert snapshot(db_path) == before


def test_the_counts_equal_a_sentence_by_sentence_reading_of_every_article(cli, filled, db_path):
    _, config = filled
    queries = ["(WeChat OR Weixin) w/10 Tmall", "platform:WeChat AND ad*", "link* NOT luxury", "accept* -store",
               "polarity:closing OR Tmall", 'title:"WeChat Pay" AND accept*', "topic:luxury AND link*"]
    with Archive(db_path) as a:
        finder = PlatformFinder(__import__("wallwatch.nlp.platforms", fromlist=["x"]).load_platforms(None))
        rows = a.query("SELECT a.*, s.topics AS st FROM articles a LEFT JOIN sources s ON s.name = a.source")
        for text in queries:
            q = parse_watch_query(text)
            expected_articles = expected_sentences = 0
            for r in rows:
                ctx = ArticleContext(title=r["title"], source=r["source"],
                                     topics=[*json.loads(r["topics"]), *json.loads(r["st"] or "[]")], finder=finder)
                hits = match_text(q, r["body"], ctx, pattern=None)  # no anchors, no FTS5
                expected_articles += bool(hits)
                expected_sentences += len(hits)
            report = run_test_query(a, q, finder)
            assert (report.articles, report.sentences) == (expected_articles, expected_sentences), text
            assert report.candidates >= report.articles


def test_text_output_since_limit_and_watch(cli, filled):
    _, config = filled
    result = cli("rules", "test", "WeChat", "--since", "2024-01-01", "--limit", "1", config=config)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "query      WeChat" in out and 'full text  "WeChat"' in out
    assert "matched    2 articles" in out  # "Weixin" is not the word WeChat
    assert "by month   2024-09 1, 2024-11 1" in out
    assert out.count("  > ") >= 1 and out.count("[#") == 1  # one example article
    assert "«WeChat»" in out

    result = cli("rules", "test", "--watch", "wallet-acceptance", "--json", config=config)
    report = json.loads(result.output)
    assert report["query"] == 'platform:"WeChat Pay" AND accept* NOT store'
    assert report["articles"] == 1 and report["sentences"] == 2
    assert report["prefilter"].startswith('(("WeChat Pay" OR ')


@pytest.mark.parametrize(("args", "message"), [
    (["wechat AND"], "AND needs a term after it"),
    (["vendor:x"], "unknown field 'vendor:'"),
    (["--watch", "nope"], "no watch named 'nope'"),
    ([], "give either a QUERY or --watch NAME"),
])
def test_bad_input_exits_2_with_one_clear_line(cli, filled, args, message):
    _, config = filled
    result = cli("rules", "test", *args, config=config)
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_watch_file_names_its_line(cli, filled, write_config, tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text('[[watch]]\nname = "a"\nquery = "(wechat"\n', encoding="utf-8")
    config = write_config(f'[nlp]\nwatches = "{bad}"\n', name="bad.toml")
    result = cli("rules", "test", "--watch", "a", config=config)
    assert result.exit_code == 2
    assert f"{bad}:3: watch 'a': invalid query: '(' is never closed" in result.output


def test_on_real_article_text(cli, db_path, write_config):
    truth = shared_path("realweb", "articles", "scrapinghub-aeb", "ground-truth.json")
    with Archive(db_path) as a:
        fill(a, realweb_articles(truth, limit=80))
    config = write_config("[nlp]\n")
    before = snapshot(db_path)
    for query in ["Apple OR Google", "(Apple OR Google) w/5 (app* OR store*)", "said NOT Apple", "platform:Apple"]:
        result = cli("rules", "test", query, "--json", config=config)
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["articles"] >= 1, query
        assert report["sentences"] >= report["articles"]
        for ex in report["examples"]:
            assert any("«" in s for s in ex["sentences"]), (query, ex)
    assert snapshot(db_path) == before


def test_a_broad_query_is_estimated_from_a_fair_sample(archive):
    from wallwatch.archive import ArticleRecord

    # 600 articles; every third one has a matching sentence.
    archive.upsert_articles([ArticleRecord(
        url=f"https://x.example/{i}", title=f"Story {i}",
        body=("Tmall ads now link to WeChat. " if i % 3 == 0 else "Tmall grew. ") + "Other news followed.",
        published=f"2024-{1 + i % 12:02d}-01") for i in range(600)])
    q = parse_watch_query("Tmall AND ads")
    exact = run_test_query(archive, q, budget_seconds=None)
    assert exact.exact and (exact.candidates, exact.articles, exact.sentences) == (200, 200, 200)
    q = parse_watch_query("Tmall")
    full = run_test_query(archive, q, budget_seconds=None)
    assert full.exact and full.articles == 600
    sampled = run_test_query(archive, q, budget_seconds=0.0)  # reads one chunk, then stops
    assert not sampled.exact and sampled.read == 250 and sampled.candidates == 600
    assert sampled.articles == 600 and sampled.as_dict()["exact"] is False
    assert run_test_query(archive, parse_watch_query("Tmall w/1 ads"), budget_seconds=0.0).articles == 200


def test_exact_flag_and_estimate_wording(cli, db_path, write_config):
    from wallwatch.archive import ArticleRecord

    with Archive(db_path) as a:
        a.upsert_articles([ArticleRecord(url=f"https://x.example/{i}", title="t", body=f"Tmall item {i}.")
                           for i in range(300)])
    config = write_config("[nlp]\n")
    out = cli("rules", "test", "Tmall", "--exact", config=config).output
    assert "matched    300 articles, 300 sentences" in out and "estimate" not in out


def test_only_the_lines_with_anchors_are_split_and_nothing_is_missed():
    from wallwatch.nlp.workbench_text import Anchors, candidate_spans, sentence_spans

    truth = shared_path("realweb", "articles", "scrapinghub-aeb", "ground-truth.json")
    anchors = Anchors(["the", "apple", "said", "u"])
    for row in realweb_articles(truth, limit=60):
        body = row["body"]
        positions = anchors.positions(body)
        expected = [(s, e) for s, e in sentence_spans(body) if any(s <= p < e for p in positions)]
        assert candidate_spans(body, anchors) == expected


def test_long_spans_are_shown_by_year(cli, db_path, write_config):
    from wallwatch.archive import ArticleRecord

    with Archive(db_path) as a:
        a.upsert_articles([ArticleRecord(url=f"https://x.example/{i}", title="t", body="Tmall grew.",
                                         published=f"{2020 + i // 12}-{1 + i % 12:02d}-03") for i in range(30)])
    out = cli("rules", "test", "Tmall", config=write_config("[nlp]\n")).output
    assert "by year    2020 12, 2021 12, 2022 6" in out and "by month" not in out
    report = json.loads(cli("rules", "test", "Tmall", "--json", config=write_config("[nlp]\n")).output)
    assert len(report["by_month"]) == 30
