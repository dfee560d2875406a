"""Draft rule sets for the workbench: loading from given paths, checking, scoring on a labelled file.

Built on the tagger's public functions (``load_platforms``, ``load_rule_files``,
``validate_rules``, ``compile_rules``, ``Tagger``). A draft is a platform list
and rule files that may differ from the configured ones; nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wallwatch.config import Config
from wallwatch.errors import RulesError

from .platforms import builtin_platforms_path, load_platforms
from .rules import Rule, builtin_rule_paths, compile_rules, load_rule_files, validate_rules
from .tagger import Tagger
from .watches import check_examples
from .workbench_config import config_watches
from .workbench_text import PlatformFinder


@dataclass(frozen=True)
class Draft:
    """Which files make a rule set: the platform list and the rule files."""

    platforms: Path
    rules: tuple[Path, ...]

    def describe(self) -> str:
        return f"platforms {self.platforms}; rules {', '.join(str(p) for p in self.rules)}"


def rule_files(arg: str | Path) -> list[Path]:
    """The rule files named by ``--rules``: a file, or every ``*.jsonl`` of a folder."""
    path = Path(arg)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise RulesError(f"{path}: no *.jsonl rule files in this folder")
        return files
    if not path.exists():
        raise RulesError(f"{path}: no such rule file or folder")
    return [path]


def configured_draft(config: Config) -> Draft:
    """The rule set the configuration uses (what ``wallwatch tag`` tags with)."""
    nlp = config.nlp
    platforms = config.resolve(nlp.platforms) if nlp.platforms else builtin_platforms_path()
    rules = [f for p in nlp.rules for f in rule_files(config.resolve(p))] if nlp.rules else builtin_rule_paths()
    return Draft(platforms, tuple(rules))


def draft_from_args(config: Config, rules: str | Path | None = None, platforms: str | Path | None = None) -> Draft:
    """The configured rule set with ``--rules`` / ``--platforms`` swapped in."""
    base = configured_draft(config)
    return Draft(Path(platforms) if platforms else base.platforms,
                 tuple(rule_files(rules)) if rules else base.rules)


def build_draft_tagger(draft: Draft, model: str) -> Tagger:
    """A tagger over the draft's files; the first invalid line raises :class:`RulesError`."""
    if not draft.rules:
        raise RulesError("no rule files: give --rules or set [nlp] rules")
    plist = load_platforms(draft.platforms)
    rules = load_rule_files(list(draft.rules))
    ruleset = compile_rules(rules, plist, list(draft.rules))
    return Tagger(plist, ruleset, model=model, files=[draft.platforms, *draft.rules])


# -- check -------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing ``rules check`` found wrong, located at ``where`` (file:line)."""

    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}" if self.rule else f"{self.where}: {self.message}"


@dataclass
class CheckReport:
    draft: Draft
    watches_file: str | None = None
    platforms: int = 0
    rules: int = 0
    watches: int = 0
    examples: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "platforms_file": str(self.draft.platforms),
                "rule_files": [str(p) for p in self.draft.rules], "watches_file": self.watches_file,
                "platforms": self.platforms, "rules": self.rules, "watches": self.watches,
                "examples": self.examples, "problems": [str(p) for p in self.problems]}


def _split_error(exc: RulesError) -> Problem:
    text = str(exc)
    head, _, rest = text.partition(": ")
    return Problem(head, "", rest) if rest else Problem("", "", text)


def check(config: Config, draft: Draft, *, with_watches: bool = True) -> CheckReport:
    """Validate the platform list, the rule files and the watches; run every example sentence."""
    report = CheckReport(draft)
    try:
        plist = load_platforms(draft.platforms)
        report.platforms = len(plist.platforms)
    except RulesError as exc:
        report.problems.append(_split_error(exc))
        plist = None
    rules: list[Rule] = []
    try:
        rules = load_rule_files(list(draft.rules))
        report.rules = len(rules)
    except RulesError as exc:
        report.problems.append(_split_error(exc))
    if plist is not None and rules:
        problems = validate_rules(rules, plist)
        for p in problems:
            report.problems.append(_split_error(RulesError(p)))
        if not problems:
            tagger = Tagger(plist, compile_rules(rules, plist, list(draft.rules)), model=config.nlp.model,
                            files=[draft.platforms, *draft.rules])
            report.examples += sum(len(r.must_fire) + len(r.must_not_fire) for r in rules)
            report.problems.extend(rule_example_failures(tagger))
    if with_watches:
        try:
            watches = config_watches(config)
        except RulesError as exc:
            report.problems.append(_split_error(exc))
        else:
            report.watches_file = str(watches.path) if watches.path else None
            report.watches = len(watches.watches)
            report.examples += sum(len(w.must) + len(w.must_not) for w in watches.watches)
            for f in check_examples(watches, PlatformFinder(plist) if plist is not None else None):
                report.problems.append(Problem(f.where, f.rule, f"should {f.expected.replace('no ', 'not ')}: "
                                                                f"{f.sentence!r}"))
    return report


_EXPECTABLE = ("polarity", "event_type", "actor", "target", "status")


def rule_example_failures(tagger: Tagger) -> list[Problem]:
    """Every must_fire / must_not_fire sentence a rule gets wrong.

    A trigger "fires" when the tagger emits a signal from it (``expect`` pins
    fields of the signal from its first example); other kinds fire when one
    of their patterns matches.
    """
    problems = []
    compiled = {c.rule.id: c for kind in tagger.rules.compiled.values() for c in kind}
    for rule in tagger.rules.rules:
        for n, sentence in enumerate(rule.must_fire):
            fired, got = _fires(tagger, rule, compiled, sentence)
            if not fired:
                problems.append(Problem(rule.where, rule.id, f"should fire: {sentence!r}{_why(tagger, rule, sentence)}"))
            elif n == 0 and rule.expect and got is not None:
                wrong = {k: (v, getattr(got, k)) for k, v in rule.expect.items()
                         if k in _EXPECTABLE and getattr(got, k) != v}
                if wrong:
                    detail = ", ".join(f"{k} is {g!r}, expected {w!r}" for k, (w, g) in wrong.items())
                    problems.append(Problem(rule.where, rule.id, f"fires on {sentence!r} but {detail}"))
        for sentence in rule.must_not_fire:
            fired, got = _fires(tagger, rule, compiled, sentence)
            if fired:
                what = f" ({got.summary()})" if got is not None else ""
                problems.append(Problem(rule.where, rule.id, f"should not fire: {sentence!r}{what}"))
    return problems


def _fires(tagger: Tagger, rule: Rule, compiled: dict[str, Any], sentence: str) -> tuple[bool, Any]:
    if rule.kind == "trigger":
        for s in tagger.tag_sentences(sentence):
            if s.rule_id == rule.id:
                return True, s
        return False, None
    c = compiled.get(rule.id)
    return (c is not None and c.search(sentence) is not None), None


def _why(tagger: Tagger, rule: Rule, sentence: str) -> str:
    """Why a trigger did not fire on its example, from the tagger's own explanation."""
    if rule.kind != "trigger":
        return " (no pattern matches)"
    for rep in tagger.explain(sentence):
        for c in rep.candidates:
            if c.rule.rule.id == rule.id and c.dropped:
                return f" (matched {c.trigger_text!r} but dropped: {c.dropped})"
    return " (the trigger pattern does not match, or no platform is named)"


# -- labelled evaluation ------------------------------------------------------------
@dataclass
class Scores:
    """Item-level detection scores on a labelled file (an item is interop or not)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    polarity_right: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3), "f1": round(self.f1, 3),
                "polarity_right": self.polarity_right}


def read_labelled(path: str | Path) -> list[dict[str, Any]]:
    """Items of a labelled JSONL file (``text``, ``interop``, optional ``polarity``); errors name file:line."""
    path = Path(path)
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read the labelled file: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RulesError(f"{path}:{n}: not valid JSON: {exc.msg}") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not isinstance(
                item.get("interop"), bool):
            raise RulesError(f"{path}:{n}: a labelled item needs \"text\" and \"interop\": true/false")
        items.append(item)
    return items


def score(tagger: Tagger, items: Sequence[dict[str, Any]], min_confidence: float) -> tuple[Scores, list[dict]]:
    """Scores of ``tagger`` on labelled items, and per item what it predicted."""
    s = Scores()
    rows = []
    for item in items:
        signals = tagger.tag_text(item["text"], min_confidence=min_confidence)
        predicted = bool(signals)
        if item["interop"] and predicted:
            s.tp += 1
            if item.get("polarity") and any(x.polarity == item["polarity"] for x in signals):
                s.polarity_right += 1
        elif predicted:
            s.fp += 1
        elif item["interop"]:
            s.fn += 1
        else:
            s.tn += 1
        rows.append({"id": item.get("id"), "interop": item["interop"], "predicted": predicted,
                     "signals": [x.summary() for x in signals]})
    return s, rows
