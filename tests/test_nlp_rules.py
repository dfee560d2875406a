"""Rule files and the platform list: validation with file:line, examples, versioning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlp_support import tagger
from wallwatch.errors import RulesError
from wallwatch.nlp import build_tagger, load_platforms, load_rule_files, validate_rules
from wallwatch.nlp.examples import check_examples
from wallwatch.nlp.platforms import builtin_platforms_path
from wallwatch.nlp.rules import builtin_rule_paths, parse_rules

TRIGGER = {"id": "open.test", "kind": "trigger", "polarity": "opening", "patterns": ["(unblock|unblocks)"],
           "must_fire": ["WeChat unblocks Taobao links."]}


def test_every_builtin_rule_passes_its_own_examples():
    results = check_examples(tagger())
    failed = [str(r) for r in results if not r.ok]
    assert results and not failed, "\n".join(failed)


def test_every_trigger_has_examples_of_both_kinds_or_at_least_one_that_fires():
    rules = load_rule_files()
    triggers = [r for r in rules if r.kind == "trigger"]
    assert len(triggers) >= 15
    assert all(r.must_fire for r in triggers)
    assert sum(bool(r.must_not_fire) for r in triggers) >= len(triggers) - 2


def test_rule_ids_are_unique_and_patterns_compile():
    rules = load_rule_files()
    assert validate_rules(rules, load_platforms()) == []
    assert len({r.id for r in rules}) == len(rules)


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({**TRIGGER, "kind": "trigga"}), "kind 'trigga'"),
    (json.dumps({**TRIGGER, "polarity": "ajar"}), "'polarity' must be one of"),
    (json.dumps({**TRIGGER, "must_fire": []}), "needs at least one 'must_fire'"),
    (json.dumps({**TRIGGER, "colour": "red"}), "unknown key(s) colour"),
    (json.dumps({**TRIGGER, "id": "Has Spaces"}), "'id' must be"),
    (json.dumps({**TRIGGER, "weight": 3}), "'weight' must be a number"),
    (json.dumps({"id": "veto.x", "kind": "veto", "patterns": ["outage"], "spares": ["asleep"]}),
     "'spares' must be a list of live, trial"),
])
def test_a_malformed_rule_line_names_file_and_line(tmp_path: Path, line: str, message: str):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(TRIGGER) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rule_files([path])
    assert f"{path}:3:" in str(err.value)
    assert message in str(err.value)


def test_a_pattern_that_does_not_compile_names_file_line_and_rule(tmp_path: Path):
    bad = {**TRIGGER, "id": "open.broken", "patterns": ["(unblock|unblocks ~2 {NOPE}"]}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(TRIGGER) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    rules = load_rule_files([path])
    problems = validate_rules(rules, load_platforms())
    assert len(problems) == 1 and problems[0].startswith(f"{path}:2: open.broken:")
    with pytest.raises(RulesError, match=r"bad\.jsonl:2: open\.broken"):
        build_tagger(rules=[path])


@pytest.mark.parametrize("broken, fixed, why", [
    # Items are joined by separators: "(the )?" alone needs two separators in a row and never matches.
    (["(unblock|unblocks) (the )? links"], ["(unblock|unblocks) (the )?links"], "optional on its own"),
    # "(went dark|fire at ~3 data centre)" would look for the text "~3": gaps only work as items.
    (["(unblock|lift ~2 ban on) links"], ["(unblock|unblocks) links", "lift ~2 ban on links"], "gap inside a group"),
])
def test_a_pattern_that_could_never_match_is_reported(tmp_path: Path, broken, fixed, why):
    path = tmp_path / "rules.jsonl"
    path.write_text(json.dumps({**TRIGGER, "id": "open.broken", "patterns": broken}) + "\n", encoding="utf-8")
    problems = validate_rules(load_rule_files([path]), load_platforms())
    assert len(problems) == 1 and f"{path}:1: open.broken:" in problems[0] and why in problems[0]
    path.write_text(json.dumps({**TRIGGER, "id": "open.fixed", "patterns": fixed}) + "\n", encoding="utf-8")
    assert validate_rules(load_rule_files([path]), load_platforms()) == []


def test_duplicate_ids_are_reported_with_both_places(tmp_path: Path):
    path = tmp_path / "dup.jsonl"
    path.write_text(json.dumps(TRIGGER) + "\n" + json.dumps(TRIGGER) + "\n", encoding="utf-8")
    problems = validate_rules(load_rule_files([path]), load_platforms())
    assert problems == [f"{path}:2: open.test: duplicate id (first at {path}:1)"]


def test_a_broken_platform_list_names_file_and_line(tmp_path: Path):
    path = tmp_path / "platforms.jsonl"
    path.write_text('{"name": "Foo", "kind": "app"}\n{"name": "Bar", "kind": "spaceship"}\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"platforms\.jsonl:2: Bar: kind 'spaceship'"):
        load_platforms(path)
    path.write_text('{"name": "Foo", "kind": "app", "aliases": ["Baz"]}\n'
                    '{"name": "Bar", "kind": "app", "aliases": ["baz"]}\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r":2: Bar: alias 'baz' already belongs to Foo"):
        load_platforms(path)
    path.write_text('{"name": "Foo", "kind": "app", "aliases": ["Baz"], "in_context": ["Qux"]}\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r":1: Foo: in_context lists \['Qux'\] that are not names of it"):
        load_platforms(path)


def test_a_national_body_s_generic_name_is_not_taken_after_another_country(tmp_path: Path):
    path = tmp_path / "platforms.jsonl"
    path.write_text('{"name": "Bank of Ruritania", "kind": "regulator", "aliases": ["central bank"], '
                    '"jurisdiction": ["Ruritania", "Ruritanian"]}\n', encoding="utf-8")
    plist = load_platforms(path)

    def names(text: str) -> list[str]:
        return [m.name for m in plist.find(text)]

    assert names("The central bank said so.") == ["Bank of Ruritania"]
    assert names("Ruritania's central bank said so.") == ["Bank of Ruritania"]
    assert names("The Ruritanian central bank said so.") == ["Bank of Ruritania"]
    assert names("Chile's central bank said so.") == []
    assert names("The Chilean central bank said so.") == []
    path.write_text('{"name": "Foo", "kind": "regulator", "jurisdiction": "Ruritania"}\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r":1: Foo: 'jurisdiction' must be a list"):
        load_platforms(path)


def test_an_analyst_adds_an_alias_without_code_and_the_version_changes(tmp_path: Path):
    plist = tmp_path / "platforms.jsonl"
    shutil.copy(builtin_platforms_path(), plist)
    before = build_tagger(platforms=plist)
    sentence = "Zapchat will accept WeChat Pay at checkout from next month."
    assert not before.tag_text(sentence)
    with plist.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"name": "Zapchat", "kind": "marketplace", "aliases": ["Zap Chat"]}) + "\n")
    after = build_tagger(platforms=plist)
    assert after.ruleset_version != before.ruleset_version
    [signal] = after.tag_text(sentence)
    assert (signal.actor, signal.target, signal.polarity, signal.event_type) == (
        "Zapchat", "WeChat Pay", "opening", "payment")


def test_editing_a_rule_changes_the_ruleset_version(tmp_path: Path):
    copies = []
    for p in builtin_rule_paths():
        shutil.copy(p, tmp_path / p.name)
        copies.append(tmp_path / p.name)
    a = build_tagger(rules=copies).ruleset_version
    assert build_tagger(rules=copies).ruleset_version == a
    lines = copies[0].read_text(encoding="utf-8").splitlines()
    rule = json.loads(lines[0])
    rule["weight"] = 0.5
    lines[0] = json.dumps(rule)
    copies[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert build_tagger(rules=copies).ruleset_version != a


def test_parse_rules_skips_blank_and_comment_lines():
    rules = parse_rules(["", "# a comment", json.dumps(TRIGGER)], "mem.jsonl")
    assert [r.id for r in rules] == ["open.test"] and rules[0].where == "mem.jsonl:3"
