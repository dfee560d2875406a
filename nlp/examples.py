"""Running every rule's example sentences (``must_fire`` / ``must_not_fire`` / ``expect``).

Used by the test suite and by the rules workbench: a rule edit that breaks
one of its own examples is caught before it reaches the archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .analyse import Candidate
from .rules import Rule
from .tagger import Tagger


@dataclass(frozen=True)
class ExampleResult:
    """One example sentence of one rule, and whether it behaved."""

    rule_id: str
    where: str  # file:line of the rule
    sentence: str
    expected: str  # "fire" or "not fire"
    ok: bool
    detail: str = ""

    def __str__(self) -> str:
        state = "ok" if self.ok else "FAILED"
        return f"{self.where}: {self.rule_id}: must {self.expected}: {state}: {self.sentence!r}" + (
            f" ({self.detail})" if self.detail else "")


def kept_candidates(tagger: Tagger, sentence: str, rule_id: str) -> list[Candidate]:
    """Candidates of ``rule_id`` the tagger keeps as signals in ``sentence``."""
    return [c for rep in tagger.explain(sentence) for c in rep.candidates
            if c.rule.rule.id == rule_id and c.dropped is None and c.confidence >= tagger.min_confidence]


def check_rule(tagger: Tagger, rule: Rule) -> list[ExampleResult]:
    """Run one rule's examples against ``tagger`` (which must contain the rule)."""
    out = []
    compiled = next((c for c in tagger.rules.of(rule.kind) if c.rule.id == rule.id), None)
    for i, sentence in enumerate(rule.must_fire):
        if rule.kind == "trigger":
            kept = kept_candidates(tagger, sentence, rule.id)
            ok, detail = bool(kept), "" if kept else _why_not(tagger, sentence, rule.id)
            if kept and i == 0 and rule.expect:
                ok, detail = _expectations(tagger, kept, rule.expect)
        else:
            ok = compiled is not None and compiled.search(sentence) is not None
            detail = "" if ok else "no pattern matches"
        out.append(ExampleResult(rule.id, rule.where, sentence, "fire", ok, detail))
    for sentence in rule.must_not_fire:
        if rule.kind == "trigger":
            kept = kept_candidates(tagger, sentence, rule.id)
            ok = not kept
            detail = "" if ok else "fired: " + "; ".join(_describe(tagger, c) for c in kept)
        else:
            ok = compiled is None or compiled.search(sentence) is None
            detail = "" if ok else "a pattern matches"
        out.append(ExampleResult(rule.id, rule.where, sentence, "not fire", ok, detail))
    return out


def check_examples(tagger: Tagger, rules: Iterable[Rule] | None = None) -> list[ExampleResult]:
    """Run the examples of every rule (or of ``rules``) of the tagger's rule set."""
    results: list[ExampleResult] = []
    for rule in rules if rules is not None else tagger.rules.rules:
        results.extend(check_rule(tagger, rule))
    return results


def _expectations(tagger: Tagger, kept: list[Candidate], expect: dict) -> tuple[bool, str]:
    problems = []
    for c in kept:
        problems = []
        got = {"polarity": c.polarity, "event_type": c.event_type, "status": c.status,
               "actor": _name(tagger, c.actor), "target": _name(tagger, c.target)}
        for key, want in expect.items():
            have = got[key]
            if key in ("actor", "target"):
                if not have or (want.lower() not in have.lower()
                                and (tagger.platforms.lookup(want) is None
                                     or tagger.platforms.lookup(want) is not tagger.platforms.lookup(have))):
                    problems.append(f"{key} {have!r}, expected {want!r}")
            elif have != want:
                problems.append(f"{key} {have!r}, expected {want!r}")
        if not problems:
            return True, ""
    return False, "; ".join(problems)


def _name(tagger: Tagger, mention) -> str | None:
    if mention is None:
        return None
    return tagger.platforms.display(mention.platform).name if mention.platform else mention.text


def _describe(tagger: Tagger, c: Candidate) -> str:
    return (f"{c.polarity} {c.event_type} {_name(tagger, c.actor)} -> {_name(tagger, c.target)}"
            f" ({c.confidence:.2f}) on {c.trigger_text!r}")


def _why_not(tagger: Tagger, sentence: str, rule_id: str) -> str:
    reasons = [c.dropped or f"confidence {c.confidence:.2f} under {tagger.min_confidence}"
               for rep in tagger.explain(sentence) for c in rep.candidates if c.rule.rule.id == rule_id]
    return "; ".join(reasons) if reasons else "no pattern matches (or no platform named)"
