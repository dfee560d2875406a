"""Tagging a real archive file: `wallwatch tag`, re-tagging by ruleset version, `wallwatch signals`."""

from __future__ import annotations

import json
import shutil

from nlp_support import ARTICLES, archive_with_articles, tagger
from wallwatch.archive import Archive, ArticleRecord
from wallwatch.config import Config, NlpConfig
from wallwatch.nlp import build_tagger, list_signals, tag_archive
from wallwatch.nlp.rules import builtin_rule_paths

BLANK = Config(nlp=NlpConfig(model="blank"))
BLANK_TOML = '[nlp]\nmodel = "blank"\n'


def test_tag_archive_stores_signals_with_version_and_records_the_run(db_path):
    archive = archive_with_articles(db_path)
    progress = []
    report = tag_archive(BLANK, archive, on_progress=lambda d, t: progress.append((d, t)))
    assert (report.articles, report.tagged, report.errors) == (3, 3, [])
    assert progress[-1] == (3, 3)
    rows = archive.query("SELECT a.url, s.* FROM signals s JOIN articles a ON a.id = s.article_id ORDER BY a.url")
    by_url = {r["url"]: r for r in rows}
    assert set(by_url) == {ARTICLES[0].url, ARTICLES[1].url}  # the earnings story has none
    pay = by_url[ARTICLES[0].url]
    assert (pay["actor"], pay["target"], pay["polarity"], pay["event_type"], pay["status"]) == (
        "Taobao", "WeChat Pay", "opening", "payment", "announced")
    assert pay["story_key"] == "taobao|wechat pay|payment|opening" and pay["headline"] == 1
    assert pay["ruleset_version"] == report.ruleset_version == tagger().ruleset_version
    weibo = by_url[ARTICLES[1].url]
    assert (weibo["actor"], weibo["target"], weibo["polarity"]) == ("Weibo", "WeChat", "closing")
    versions = {r["tagged_version"] for r in archive.query("SELECT tagged_version FROM articles")}
    assert versions == {report.ruleset_version}
    [run] = archive.query("SELECT * FROM runs WHERE job = 'tag'")
    assert run["status"] == "ok" and json.loads(run["counts"])["signals"] == report.signals == 2
    # Nothing is due any more.
    again = tag_archive(BLANK, archive)
    assert (again.articles, again.tagged) == (0, 0)
    assert archive.query("SELECT count(*) AS n FROM signals")[0]["n"] == 2


def test_new_rules_retag_old_articles_and_keep_delivery_history(db_path, tmp_path):
    archive = archive_with_articles(db_path)
    tag_archive(BLANK, archive)
    [sig] = archive.query("SELECT id, story_key FROM signals WHERE polarity = 'opening'")
    with archive.write() as conn:
        conn.execute("INSERT INTO deliveries(digest, story_key, signal_id, status, at) VALUES (?,?,?,?,?)",
                     ("daily", sig["story_key"], sig["id"], "sent", "2024-09-06T08:30:00+00:00"))
    # An analyst edits a rule: a new ruleset version, so every article is due again.
    rules = []
    for p in builtin_rule_paths():
        shutil.copy(p, tmp_path / p.name)
        rules.append(tmp_path / p.name)
    with rules[0].open("a", encoding="utf-8") as f:
        f.write("# tweak\n")
    edited = build_tagger(rules=rules)
    assert edited.ruleset_version != tagger().ruleset_version
    report = tag_archive(BLANK, archive, tagger=edited)
    assert report.articles == 3
    [delivery] = archive.query("SELECT * FROM deliveries")
    assert delivery["story_key"] == sig["story_key"] and delivery["status"] == "sent"
    new = archive.query("SELECT story_key, ruleset_version FROM signals WHERE polarity = 'opening'")
    assert new == [{"story_key": sig["story_key"], "ruleset_version": edited.ruleset_version}]


def test_duplicates_are_marked_without_signals_and_min_confidence_filters(db_path):
    archive = archive_with_articles(db_path)
    copy = ArticleRecord(url="https://mirror.example/taobao", title=ARTICLES[0].title, body=ARTICLES[0].body)
    [res] = archive.upsert_articles([copy])
    original = archive.article_by_url(ARTICLES[0].url)["id"]
    archive.mark_duplicate(res.article_id, original)
    strict = Config(nlp=NlpConfig(model="blank", min_confidence=0.99))
    report = tag_archive(strict, archive)
    assert report.duplicates == 1 and report.signals == 0 and report.below_threshold >= 2
    assert archive.query("SELECT count(*) AS n FROM articles WHERE tagged_version IS NULL")[0]["n"] == 0


def test_tag_and_signals_commands(cli, write_config, db_path):
    archive_with_articles(db_path).close()
    cfg = write_config(BLANK_TOML)
    result = cli("tag", "--json", config=cfg)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["tagged"] == 3 and report["signals"] == 2 and report["model"] == "blank"
    result = cli("signals", "--json", config=cfg)
    rows = json.loads(result.output)
    assert [r["url"] for r in rows] == [ARTICLES[0].url, ARTICLES[1].url]  # newest article first
    result = cli("signals", "--polarity", "closing", "--json", config=cfg)
    assert [r["actor"] for r in json.loads(result.output)] == ["Weibo"]
    result = cli("signals", "--actor", "wechat pay", "--type", "payment", config=cfg)
    assert "Taobao -> WeChat Pay" in result.output and "Weibo" not in result.output
    result = cli("signals", "--since", "2024-09-01", "--json", config=cfg)
    assert len(json.loads(result.output)) == 1
    result = cli("tag", config=cfg)
    assert result.exit_code == 0 and "tagged 0 of 0" in result.output
    result = cli("tag", "--all", config=cfg)
    assert "tagged 3 of 3" in result.output
    assert cli("signals", "--type", "nonsense", config=cfg).exit_code == 2


def test_broken_rule_file_in_config_is_bad_input(cli, write_config, db_path, tmp_path):
    bad = tmp_path / "rules.jsonl"
    bad.write_text('{"id": "x", "kind": "trigger"}\n', encoding="utf-8")
    cfg = write_config(BLANK_TOML + f'rules = ["{bad}"]\n')
    result = cli("tag", config=cfg)
    assert result.exit_code == 2
    assert f"{bad}:1" in result.output


def test_list_signals_filters(db_path):
    archive: Archive = archive_with_articles(db_path)
    tag_archive(BLANK, archive)
    assert [r["actor"] for r in list_signals(archive, polarity=["opening"])] == ["Taobao"]
    assert list_signals(archive, actor="WeChat", event_types=["link_access"])[0]["target"] == "WeChat"
    assert list_signals(archive, min_confidence=0.999) == []
