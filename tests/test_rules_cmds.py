"""`wallwatch rules check|diff|apply|explain|watch` through the CLI, on a real archive file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import shared_path
from rules_support import FIXTURES, fill, realweb_articles, snapshot

from wallwatch.archive import Archive

STORE_URL = "https://retaildive.example/2023/05/02/store-opening"
MOMENTS_URL = "https://jingdaily.example/2022/06/28/wechat-moments-tmall"


def config_text(rules: Path, watches: Path | None = FIXTURES / "watches.toml") -> str:
    text = f'[nlp]\nmodel = "blank"\nrules = ["{rules}"]\n'
    return text + (f'watches = "{watches}"\n' if watches else "")


@pytest.fixture
def setup(db_path, write_config, tmp_path):
    """An archive of the fixture articles, and the analyst's own copy of the current rules."""
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURES / "current", rules)
    with Archive(db_path) as a:
        ids = fill(a)
    return ids, rules, write_config(config_text(rules))


def stored(db_path, kind="interop"):
    with Archive(db_path) as a:
        return a.query("SELECT a.url, s.story_key, s.rule_id, s.ruleset_version, s.evidence FROM signals s "
                       "JOIN articles a ON a.id = s.article_id WHERE s.kind = ? ORDER BY a.url, s.story_key", (kind,))


# -- check ---------------------------------------------------------------------------
def test_check_passes_on_good_files(cli, setup):
    _, _, config = setup
    result = cli("rules", "check", config=config)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ") and "5 rules, 4 watches" in result.output
    result = cli("rules", "check", "--rules", str(FIXTURES / "draft"), "--json", config=config)
    report = json.loads(result.output)
    assert report["ok"] and report["rules"] == 6 and report["examples"] >= 13 and report["problems"] == []


def test_check_reports_failing_examples_with_file_line_and_exits_1(cli, setup):
    _, rules, config = setup
    path = rules / "interop.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    # Tighten close.block so that its own example no longer fires.
    lines[1] = lines[1].replace("(block|blocks|blocked|blocking) ~4 {PLATFORM}", "(blocks) (codes) ~4 {PLATFORM}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("rules", "check", config=config)
    assert result.exit_code == 1
    assert f"FAIL {path}:2: close.block: should fire: 'Weibo blocks links to WeChat.'" in result.output
    assert "FAILED: " in result.output


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": "x", "kind": "trigger", "polarity": "opening", "patterns": ["open ~2 {PAY}"]',
     "not valid JSON"),
    ('{"id": "x", "kind": "trigger", "polarity": "sideways", "patterns": ["a"], "must_fire": ["a"]}',
     "'polarity' must be one of"),
])
def test_check_reports_a_malformed_rule_line(cli, setup, line, message):
    _, rules, config = setup
    with (rules / "interop.jsonl").open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    result = cli("rules", "check", config=config)
    assert result.exit_code == 1
    assert f"FAIL {rules / 'interop.jsonl'}:6: " in result.output and message in result.output


def test_check_reports_watch_problems(cli, setup, write_config, tmp_path):
    _, rules, _ = setup
    watches = tmp_path / "w.toml"
    watches.write_text('[[watch]]\nname = "a"\nquery = "WeChat w/2 Tmall"\n'
                       'must = ["WeChat Moments ads led straight to Tmall."]\n', encoding="utf-8")
    result = cli("rules", "check", config=write_config(config_text(rules, watches), name="c2.toml"))
    assert result.exit_code == 1
    assert f"FAIL {watches}:1: watch:a: should match: 'WeChat Moments ads led straight to Tmall.'" in result.output
    watches.write_text('[[watch]]\nname = "a"\nquery = "WeChat AND"\n', encoding="utf-8")
    result = cli("rules", "check", config=write_config(config_text(rules, watches), name="c2.toml"))
    assert result.exit_code == 1 and f"FAIL {watches}:3: watch 'a': invalid query" in result.output


# -- diff ----------------------------------------------------------------------------
def test_diff_shows_the_loss_and_the_scores_and_writes_nothing(cli, setup, db_path):
    _, _, config = setup
    assert cli("rules", "apply", config=config).exit_code == 0
    before = snapshot(db_path)
    result = cli("rules", "diff", "--rules", str(FIXTURES / "draft"), "--labelled",
                 str(FIXTURES / "labelled.jsonl"), "--json", config=config)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"] == 10 and report["baseline_stored"] == 10 and report["baseline_tagged"] == 0
    assert report["lost"] == 1 and report["gained"] == 0 and report["lost_by_rule"] == {"open.payment_accept": 1}
    (lost,) = report["lost_examples"]
    assert lost["url"] == STORE_URL and "The store accepts WeChat Pay" in lost["evidence"]
    lab = report["labelled"]
    assert lab["before"]["interop"]["precision"] < lab["after"]["interop"]["precision"] == 1.0
    assert lab["before"]["interop"]["recall"] == lab["after"]["interop"]["recall"]
    assert snapshot(db_path) == before

    text = cli("rules", "diff", "--rules", str(FIXTURES / "draft"), "--labelled",
               str(FIXTURES / "labelled.jsonl"), config=config).output
    assert "-1 lost" in text and "lost by rule: open.payment_accept 1" in text
    assert "  - #" in text and "The store accepts WeChat Pay and Alipay" in text
    assert "precision" in text and "-> 1.000" in text
    assert snapshot(db_path) == before


def test_diff_predicts_exactly_what_apply_stores(cli, setup, db_path, write_config, tmp_path):
    _, rules, config = setup
    # Nothing tagged yet: the baseline is tagged on the fly.
    report = json.loads(cli("rules", "diff", "--rules", str(FIXTURES / "draft"), "--json", config=config).output)
    assert report["baseline_tagged"] == 10
    cli("rules", "apply", config=config)
    old = {(r["url"], r["story_key"]) for r in stored(db_path)}
    assert report["signals_before"] == len(old)
    # Adopt the draft: the analyst copies it over their rules and applies.
    shutil.copy(FIXTURES / "draft" / "interop.jsonl", rules / "interop.jsonl")
    result = cli("rules", "apply", config=config)
    assert result.exit_code == 0, result.output
    new = {(r["url"], r["story_key"]) for r in stored(db_path)}
    assert {(g["url"], g["story_key"]) for g in report["gained_examples"]} == new - old
    assert {(g["url"], g["story_key"]) for g in report["lost_examples"]} == old - new
    assert report["signals_after"] == len(new)


def test_diff_sample_and_since(cli, setup):
    _, _, config = setup
    report = json.loads(cli("rules", "diff", "--sample", "3", "--json", config=config).output)
    assert report["articles"] == 3 and report["gained"] == report["lost"] == 0
    report = json.loads(cli("rules", "diff", "--since", "2024-01-01", "--json", config=config).output)
    assert report["articles"] == 5


def test_diff_bad_inputs(cli, setup, tmp_path):
    _, _, config = setup
    result = cli("rules", "diff", "--rules", str(tmp_path), config=config)
    assert result.exit_code == 2 and "no *.jsonl rule files" in result.output
    bad = tmp_path / "l.jsonl"
    bad.write_text('{"text": "x", "interop": true}\nnot json\n', encoding="utf-8")
    result = cli("rules", "diff", "--labelled", str(bad), config=config)
    assert result.exit_code == 2 and f"{bad}:2: not valid JSON" in result.output


# -- apply ---------------------------------------------------------------------------
def test_apply_retags_keeps_deliveries_and_runs_watches(cli, setup, db_path):
    ids, rules, config = setup
    result = cli("rules", "apply", config=config)
    assert result.exit_code == 0, result.output
    assert "re-tagged 10 articles" in result.output and "watch wechat-tmall: looked at 10 articles" in result.output
    first = stored(db_path)
    version = first[0]["ruleset_version"]
    moments = next(r for r in first if r["url"] == MOMENTS_URL)
    with Archive(db_path) as a:
        with a.write() as conn:
            conn.execute("INSERT INTO deliveries(digest, story_key, status, at) VALUES ('d', ?, 'sent', "
                         "'2026-01-01T00:00:00+00:00')", (moments["story_key"],))
    shutil.copy(FIXTURES / "draft" / "interop.jsonl", rules / "interop.jsonl")
    result = cli("rules", "apply", "--json", config=config)
    data = json.loads(result.output)
    assert data["tagged"] == 10 and data["ruleset_version"] != version
    assert data["watches"]["looked"] == {"wechat-tmall": 0, "wallet-acceptance": 0, "luxury-links": 0}
    after = stored(db_path)
    assert {r["ruleset_version"] for r in after} == {data["ruleset_version"]}
    assert STORE_URL not in {r["url"] for r in after}
    # The delivered story still exists under the same key: alerts see it as delivered, not new.
    assert moments["story_key"] in {r["story_key"] for r in after if r["url"] == MOMENTS_URL}
    with Archive(db_path) as a:
        assert a.query("SELECT count(*) AS n FROM deliveries")[0]["n"] == 1
        assert a.query("SELECT job FROM runs WHERE job = 'tag'")
        assert all(r["tagged_version"] == data["ruleset_version"] for r in a.query("SELECT tagged_version FROM articles"))
    assert stored(db_path, "watch:wechat-tmall")  # watch signals survive the interop re-tag


def test_apply_refuses_a_failing_rule_set_and_changes_nothing(cli, setup, db_path):
    _, rules, config = setup
    cli("rules", "apply", config=config)
    before = snapshot(db_path)
    path = rules / "interop.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"must_fire": ["Weibo blocks links to WeChat."]',
                                                             '"must_fire": ["Weibo likes WeChat."]'), encoding="utf-8")
    result = cli("rules", "apply", config=config)
    assert result.exit_code == 1
    assert "close.block: should fire: 'Weibo likes WeChat.'" in result.output
    assert "nothing was changed" in result.output
    assert snapshot(db_path) == before


def test_apply_refuses_a_draft_the_config_does_not_use(cli, setup, db_path):
    _, _, config = setup
    before = snapshot(db_path)
    result = cli("rules", "apply", "--rules", str(FIXTURES / "draft"), config=config)
    assert result.exit_code == 2
    assert "is not what the config uses" in result.output and "set [nlp] rules" in result.output
    assert snapshot(db_path) == before


# -- explain -------------------------------------------------------------------------
def test_explain_shows_mentions_rules_near_misses_and_writes_nothing(cli, setup, db_path):
    ids, rules, config = setup
    cli("rules", "apply", config=config)
    before = snapshot(db_path)
    result = cli("rules", "explain", STORE_URL, config=config)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "mentions: WeChat Pay -> WeChat Pay, Alipay -> Alipay" in out
    assert "FIRED   open.payment_accept on 'accepts WeChat Pay" in out and f"[{rules / 'interop.jsonl'}:1]" in out
    assert "watch wallet-acceptance" in out and "why: contains the excluded 'store'" in out

    draft = json.loads(cli("rules", "explain", str(ids[STORE_URL]), "--rules", str(FIXTURES / "draft"), "--json",
                           config=config).output)
    (cand,) = [c for s in draft["sentences"] for c in s["candidates"]]
    assert not cand["fired"] and cand["dropped"].startswith("vetoed: veto.store_accepts")
    assert draft["signals"] == [] and len(draft["stored"]) == 1  # the archive still has the current signal
    assert snapshot(db_path) == before


def test_explain_near_miss_names_the_failed_constraint(cli, setup):
    ids, _, config = setup
    data = json.loads(cli("rules", "explain", str(ids[MOMENTS_URL]), "--json", config=config).output)
    wt = next(w for w in data["watches"] if w["watch"] == "wechat-tmall")
    assert [m["text"] for m in wt["matched"]] == [
        "A WeChat Moments advert led users directly to Tmall stores ahead of 618."]
    assert {"text": "Weibo, by contrast, still blocks mentions of WeChat in some campaigns.",
            "why": ["no 'Tmall'"]}.items() <= next(n for n in wt["near_misses"] if "Weibo" in n["text"]).items()


def test_explain_unknown_article(cli, setup):
    _, _, config = setup
    result = cli("rules", "explain", "9999", config=config)
    assert result.exit_code == 2 and "no article '9999' in the archive" in result.output


# -- watch ---------------------------------------------------------------------------
def test_watch_runs_incrementally(cli, setup, db_path, write_config):
    _, rules, config = setup
    result = cli("rules", "watch", "--json", config=config)
    run = json.loads(result.output)
    assert run["looked"] == {"wechat-tmall": 10, "wallet-acceptance": 10, "luxury-links": 10}
    assert run["signals"]["wallet-acceptance"] == 2
    again = json.loads(cli("rules", "watch", "--json", config=config).output)
    assert set(again["looked"].values()) == {0}
    result = cli("rules", "watch", config=write_config(config_text(rules, None), name="nowatch.toml"))
    assert result.exit_code == 2 and "no watches" in result.output


def test_diff_and_explain_on_real_article_text(cli, db_path, write_config):
    truth = shared_path("realweb", "articles", "scrapinghub-aeb", "ground-truth.json")
    with Archive(db_path) as a:
        ids = fill(a, realweb_articles(truth, limit=40))
    config = write_config(config_text(FIXTURES / "current"))
    before = snapshot(db_path)
    report = json.loads(cli("rules", "diff", "--rules", str(FIXTURES / "draft"), "--json", config=config).output)
    assert report["articles"] == 50 and report["baseline_tagged"] == 50
    for url in list(ids)[-3:]:
        result = cli("rules", "explain", url, "--json", config=config)
        assert result.exit_code == 0
        assert json.loads(result.output)["article"]["url"] == url
    assert snapshot(db_path) == before


def test_a_draft_platform_list_is_checked_and_diffed(cli, setup, db_path, tmp_path):
    from wallwatch.nlp.platforms import builtin_platforms_path

    _, _, config = setup
    cli("rules", "apply", config=config)
    lines = builtin_platforms_path().read_text(encoding="utf-8").splitlines()
    # Draft: Weixin is no longer an alias of WeChat, so the Weixin ad story loses its signal.
    drafted = [json.dumps({**json.loads(x), "aliases": [a for a in json.loads(x)["aliases"] if a != "Weixin"]})
               if x.strip() and json.loads(x)["name"] == "WeChat" else x for x in lines]
    draft = tmp_path / "platforms.jsonl"
    draft.write_text("\n".join(drafted) + "\n", encoding="utf-8")
    before = snapshot(db_path)
    report = json.loads(cli("rules", "diff", "--platforms", str(draft), "--json", config=config).output)
    lost_urls = {x["url"] for x in report["lost_examples"]}
    assert "https://jingdaily.example/2024/02/14/weixin-ads-tmall" in lost_urls
    assert report["gained"] == 0
    assert snapshot(db_path) == before

    broken = tmp_path / "broken.jsonl"
    broken.write_text(lines[0] + "\n" + '{"name": "Foo", "kind": "spaceship"}\n', encoding="utf-8")
    result = cli("rules", "check", "--platforms", str(broken), config=config)
    assert result.exit_code == 1 and f"FAIL {broken}:2: Foo: kind 'spaceship'" in result.output
