"""The statistical backstop: features, training, the shipped model inside the tagger, and its command."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pytest

from nlp_support import tagger
from wallwatch.config import load as load_config
from wallwatch.errors import RulesError
from wallwatch.nlp import build_tagger
from wallwatch.nlp.backstop import (EVENT_TYPES, RULE_ID, Backstop, EventTypes, builtin_backstop_path, features,
                                    load_backstop, save_backstop, train_backstop, type_features)
from wallwatch.nlp.evaluate import read_passages
from wallwatch.nlp.platforms import load_platforms
from wallwatch.nlp.tagger import Tagger

FIXTURES = Path(__file__).parent / "fixtures" / "nlp"
# Phrasings no rule was written for, which the shipped model recognises.
UNCOVERED = "Baidu search results now include notes from Xiaohongshu for the first time."


def _passages(pattern: str) -> list[dict]:
    return [p for f in sorted(glob.glob(str(FIXTURES / pattern))) for _, p in read_passages(f)]


def test_features_name_kinds_of_platform_and_skip_function_words():
    f = features("WeChat now opens links to Taobao, the MIIT said.", load_platforms())
    assert {"pplatform now", "opens", "links", "pplatform", "pauthority said"} <= f
    assert not {w for w in f if "wechat" in w or "taobao" in w or "miit" in w}
    assert "to" not in f and "links to" in f  # a pair with one content word stays


def test_training_is_deterministic_and_generalises_to_another_writer(tmp_path):
    platforms = load_platforms()
    train = _passages("interop_round2_*.jsonl")
    first, second = train_backstop(train, platforms), train_backstop(train, platforms)
    assert first.vocab == second.vocab and np.array_equal(first.weights, second.weights)
    path = tmp_path / "model.json"
    save_backstop(first, path, [{"file": "round2", "passages": len(train)}])
    loaded = load_backstop(path)
    text = "Weibo has lifted its ban on Douyin links."
    assert loaded.scores(features(text, platforms))["interop"] == pytest.approx(
        first.scores(features(text, platforms))["interop"], abs=1e-3)
    # Another writer's passages, never trained on: the model alone separates them well.
    held_out = _passages("interop_round3_a.jsonl")
    said = [loaded.scores(features(p["text"], platforms))["interop"] >= 0.5 for p in held_out]
    tp = sum(s and p["interop"] for s, p in zip(said, held_out))
    fp = sum(s and not p["interop"] for s, p in zip(said, held_out))
    fn = sum(not s and p["interop"] for s, p in zip(said, held_out))
    assert 2 * tp / (2 * tp + fp + fn) >= 0.8, (tp, fp, fn)


def test_the_backstop_finds_what_no_rule_covers_and_goes_through_roles():
    with_model = tagger().tag_text(UNCOVERED, min_confidence=0.4)
    rules_only = build_tagger(backstop=False).tag_text(UNCOVERED, min_confidence=0.4)
    assert rules_only == []
    [signal] = with_model
    assert signal.rule_id == RULE_ID
    assert (signal.actor, signal.target, signal.polarity) == ("Baidu", "Xiaohongshu", "opening")
    report = next(c for r in tagger().explain(UNCOVERED) for c in r.candidates)
    assert report.notes[0].startswith("backstop: signal")


def test_the_backstop_needs_two_companies():
    # Only one company named (a generic "third-party apps" is not a second one): the sentence is left to the
    # rules, although the model scores it well above the threshold, so only that rule keeps it out.
    text = "WeChat search now surfaces content from third-party apps for the first time."
    t = tagger()
    assert t.backstop.scores(features(text, t.platforms))["interop"] >= t.backstop_threshold
    assert t.tag_text(text, min_confidence=0.4) == []


def test_a_broken_model_file_or_threshold_is_bad_input_naming_it(cli, write_config, db_path, tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text('{"format": 1, "labels": ["interop"]}', encoding="utf-8")
    with pytest.raises(RulesError, match="model.json"):
        load_backstop(bad)
    cfg = write_config(f'[nlp]\nmodel = "blank"\nbackstop_model = "{bad}"\n')
    result = cli("tag", config=cfg)
    assert result.exit_code == 2 and str(bad) in result.output
    cfg = write_config('[nlp]\nmodel = "blank"\nbackstop_threshold = 1.5\n', name="t.toml")
    with pytest.raises(Exception, match=r"t\.toml:3.*backstop_threshold"):
        load_config(cfg)


def test_train_backstop_command_writes_a_model_the_tagger_uses(cli, write_config, tmp_path):
    out = tmp_path / "mine.json"
    files = [str(FIXTURES / "interop_round2_a.jsonl"), str(FIXTURES / "interop_round2_b.jsonl")]
    result = cli("rules", "train-backstop", *files, "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["passages"] == 60 and [f["passages"] for f in report["files"]] == [30, 30]
    assert report["features"] > 100 and out.exists()
    assert json.loads(out.read_text())["trained_on"][0]["file"] == "interop_round2_a.jsonl"
    cfg = write_config(f'[nlp]\nmodel = "blank"\nbackstop_model = "{out}"\n')
    result = cli("eval", str(FIXTURES / "interop_round3_a.jsonl"), "--json", config=cfg)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 40


def test_the_model_and_its_threshold_are_part_of_the_ruleset_version(tmp_path):
    base = tagger().ruleset_version
    assert build_tagger(backstop=False).ruleset_version != base
    assert build_tagger(backstop_threshold=0.9).ruleset_version != base
    copy = tmp_path / "copy.json"
    copy.write_bytes(builtin_backstop_path().read_bytes())
    assert build_tagger(backstop=copy).ruleset_version != build_tagger(backstop=False).ruleset_version


def test_the_rules_workbench_tags_as_wallwatch_tag_does():
    # `rules diff` compares what tagging would store, so its taggers carry the configured backstop.
    from wallwatch.config import Config, NlpConfig
    from wallwatch.nlp import load_tagger
    from wallwatch.nlp.workbench_rules import build_draft_tagger, configured_draft

    for nlp in (NlpConfig(model="blank"), NlpConfig(model="blank", backstop=False)):
        config = Config(nlp=nlp)
        draft = build_draft_tagger(config, configured_draft(config))
        assert draft.ruleset_version == load_tagger(config).ruleset_version
        assert bool(draft.tag_text(UNCOVERED, min_confidence=0.4)) is nlp.backstop


@pytest.mark.parametrize("polarity,found_at", [("opening", (0.5, 0.6)), ("closing", (0.5,))])
def test_a_closing_read_needs_a_margin_over_the_threshold(polarity, found_at):
    # A one-word model that reads "wobbles" as a signal with probability 0.65 and the given polarity.
    column = {"opening": 1, "closing": 2}[polarity]
    weights = np.zeros((1, 4), dtype=np.float32)
    weights[0, 0], weights[0, column] = np.log(0.65 / 0.35), 3.0
    model = Backstop({"wobbles": 0}, weights, np.array([0.0, -1.5, -1.5, -1.5], dtype=np.float32))
    text = "WeChat wobbles Taobao."
    t = tagger()
    for threshold in (0.5, 0.6, 0.7):
        probe = Tagger(t.platforms, t.rules, model="blank", backstop=model, backstop_threshold=threshold)
        found = [s for s in probe.tag_text(text, min_confidence=0.0) if s.rule_id == RULE_ID]
        want = threshold in found_at
        assert bool(found) == want, (threshold, found)
        assert all(s.polarity == polarity for s in found)


def test_the_event_type_model_is_trained_saved_and_loaded_with_the_backstop(tmp_path):
    platforms = load_platforms()
    model = train_backstop(_passages("interop_round2_*.jsonl"), platforms, iterations=60)
    assert model.types is not None and set(model.types.probabilities([])) == set(EVENT_TYPES)
    path = tmp_path / "model.json"
    save_backstop(model, path)
    loaded = load_backstop(path)
    text = "Taobao will accept WeChat Pay at checkout."
    feats = type_features(text, platforms.find(text))
    want, got = model.types.probabilities(feats), loaded.types.probabilities(feats)
    assert max(want, key=want.get) == max(got, key=got.get) == "payment"
    # A model file from before event types still loads; the keyword cues then decide.
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["event_types"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_backstop(path).types is None
    doc["event_types"] = {"labels": ["payment"], "bias": [0.0], "features": {}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RulesError, match=r"model\.json.*event_types"):
        load_backstop(path)


def _typed_model(word: str, event_type: str, probability: float) -> Backstop:
    """A backstop whose event-type model reads ``word`` as ``event_type`` with about ``probability``."""
    weights = np.zeros((1, len(EVENT_TYPES)), dtype=np.float32)
    i = EVENT_TYPES.index(event_type)
    weights[0, i] = np.log(probability / (1 - probability) * (len(EVENT_TYPES) - 1))
    types = EventTypes({word: 0}, weights, np.zeros(len(EVENT_TYPES), dtype=np.float32))
    empty = np.zeros((0, 4), dtype=np.float32)
    return Backstop({}, empty, np.full(4, -9.0, dtype=np.float32), types=types)


@pytest.mark.parametrize("probability,want", [(0.9, "messaging"), (0.5, "payment")])
def test_the_event_type_model_decides_an_open_type_when_it_is_sure(probability, want):
    # open.able_to leaves the type open; the keyword cues say payment ("pay"), the model says messaging.
    text = "Kakao Pay users will be able to pay at PayPay merchants, the companies said."
    t = tagger()
    probe = Tagger(t.platforms, t.rules, model="blank", backstop=_typed_model("merchants", "messaging", probability))
    [signal] = [s for s in probe.tag_text(text, min_confidence=0.0) if s.rule_id == "open.able_to"][:1]
    assert signal.event_type == want
    # A rule that fixes its type keeps it, sure model or not.
    fixed = "Taobao will accept WeChat Pay from September 12."
    sure = Tagger(t.platforms, t.rules, model="blank", backstop=_typed_model("accept", "messaging", 0.99))
    assert {s.event_type for s in sure.tag_text(fixed, min_confidence=0.0)} == {"payment"}
