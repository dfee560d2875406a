"""Rule files: loading, validation with file:line errors, compilation, versioning.

A rule file is JSONL, one rule a line, every rule with a stable ``id`` and a
``kind``:

``trigger``
    An interoperability event: ``polarity`` (opening, closing, mandate),
    optional ``event_type`` (else inferred from event cues), ``weight`` (base
    confidence), ``scope`` (``pair``: needs a counterpart platform or a
    generic party such as "rival apps"; ``single``: one platform is enough;
    ``authority``: the actor must be a regulator, court or law).
``event_cue``
    Words that point to an ``event_type``, with a ``weight``.
``status_cue``
    Words that set the ``status`` (rumoured, denied, background, trial, announced).
``negation``
    Words just before a trigger that change it: ``mode`` ``reverse`` flips
    opening and closing ("no longer blocks" opens), ``negate`` turns an
    opening into a closing and cancels a closing ("does not block"),
    ``restrict`` turns an opening inside a closing ("restricted the sharing
    of links") into a closing, ``deny`` marks it denied.
``veto``
    Contexts that are not signals (earnings, a brand opening a store);
    ``penalty`` is taken off the confidence, 1 drops the signal; ``applies_to``
    limits it to some polarities, and ``spares`` lists statuses it leaves alone
    (a denial that blames an outage is still a denied closing); ``other_news: true``
    marks news of another kind (a deal, results) that does not count in a clause
    after the trigger that only dates it ("cut off Windsurf, weeks after reports
    that OpenAI agreed to buy it"), where a cause (an outage, malware) still does.
``party``
    Generic counterparts ("third-party apps", "rival platforms").
``anaphor``
    Words that refer back to the platform last named ("the delivery platform").
``authority``
    Regulators, courts and lawmakers not in the platform list ("Brazil's
    competition watchdog"): they can order, like a listed regulator.

A trigger's ``roles`` says who acts: ``subject`` (default: the subject before
it), ``host`` (the platform links open in: "links open inside WeChat"), or
``passive`` (the subject is affected: "Beeper Mini stopped working after Apple
cut it off"; the actor is a "by" agent, a host or another company after it), or
``destination`` (the platform something returns or moves to: "Disney+ returned
to Roku devices" is Roku's opening).

A trigger whose patterns already hold their negation ("no longer ~3 available")
sets ``negation_inside: true``: negation cues are then only looked for before it.

Every rule has ``patterns`` (see :mod:`.patterns`), and may carry example
sentences: ``must_fire`` and ``must_not_fire``. For a trigger "fire" means the
tagger emits a signal from that rule (``expect`` may pin polarity, event_type,
actor, target, status of the first example); for the other kinds it means a
pattern matches.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import EVENT_TYPES, POLARITIES
from ..errors import RulesError
from .jsonl import json_objects, read_lines
from .patterns import PatternError, compile_pattern, group_end, split_items
from .platforms import PlatformList

KINDS = ("trigger", "event_cue", "status_cue", "negation", "veto", "party", "anaphor", "authority")
STATUSES = ("live", "trial", "announced", "rumoured", "denied", "background")
NEGATION_MODES = ("reverse", "negate", "restrict", "deny")
SCOPES = ("pair", "single", "authority")
ROLES = ("subject", "host", "passive", "destination")

_COMMON = {"id", "kind", "patterns", "must_fire", "must_not_fire", "note", "expect"}
_EXTRA = {
    "trigger": {"polarity", "event_type", "weight", "scope", "negation_inside", "roles"},
    "event_cue": {"event_type", "weight"},
    "status_cue": {"status", "priority"},
    "negation": {"mode", "window", "inside"},
    "veto": {"penalty", "applies_to", "spares", "other_news"},
    "party": set(),
    "anaphor": set(),
    "authority": set(),
}
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


@dataclass(frozen=True)
class Rule:
    """One line of a rule file, as written (not yet compiled)."""

    id: str
    kind: str
    patterns: tuple[str, ...]
    where: str  # file:line
    polarity: str | None = None
    event_type: str | None = None
    status: str | None = None
    mode: str | None = None
    scope: str = "pair"
    weight: float = 0.6
    penalty: float = 1.0
    priority: int = 0
    window: int = 5
    negation_inside: bool = False
    inside: bool = True  # negation cues: also looked for inside a trigger's match
    roles: str = "subject"
    applies_to: tuple[str, ...] = ()  # veto: only candidates of these polarities (empty: all)
    spares: tuple[str, ...] = ()  # veto: candidates of these statuses are left alone
    other_news: bool = False  # veto: not applied in a clause after the trigger ("..., weeks after ...")
    must_fire: tuple[str, ...] = ()
    must_not_fire: tuple[str, ...] = ()
    expect: dict = field(default_factory=dict)
    note: str = ""


_LITERAL_ALT = re.compile(r"^[a-z0-9][a-z0-9 \-]*(s\?)?$")
_RUN = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> frozenset[str]:
    """The lower-case alphanumeric runs of a text, for the anchor pre-check of rules."""
    return frozenset(_RUN.findall(text.lower()))


def anchor_words(pattern: str) -> frozenset[str] | None:
    """Words one of which any match of ``pattern`` must contain (None: no cheap pre-check).

    Taken from a mandatory item that is a plain alternation of words, the first one none of whose
    words is a function word (else the first one): "(block|blocks|blocked) ~3 links?" gives
    {"block", "blocks", "blocked"}; "(a|the) ~1 (court|judge)" gives {"court", "judge"}.
    """
    found = []
    for item in split_items(pattern):
        item = _strip_lookarounds(item)
        if item.startswith("~") or item.endswith(")?") or item.endswith("?") and not item.endswith("s?"):
            continue
        body = item[1:-1] if item.startswith("(") and item.endswith(")") else item
        if "(" in body or ")" in body:
            continue
        alts = body.lower().split("|")
        if not alts or not all(_LITERAL_ALT.match(a) for a in alts):
            continue
        out = set()
        for a in alts:
            first = _RUN.match(a.replace("s?", ""))
            if first is None:
                break
            out.add(first.group())
            if a.endswith("s?") and " " not in a and "-" not in a:
                out.add(first.group() + "s")
        else:
            if not out & _FUNCTION_WORDS:
                return frozenset(out)
            found.append(frozenset(out))
    return found[0] if found else None


def _strip_lookarounds(item: str) -> str:
    """An item without its leading lookbehinds and trailing lookaheads: they do not change which words
    must be present ("(?<!which\\s)(analysts|critics)" needs "analysts" or "critics")."""
    while item.startswith(("(?<!", "(?<=")):
        end = group_end(item, 0)
        if end < 0:
            break
        item = item[end + 1:]
    while True:
        start = max(item.rfind("(?="), item.rfind("(?!"))
        if start <= 0 or group_end(item, start) != len(item) - 1:
            break
        item = item[:start]
    return item


# Words in nearly every sentence: an anchor made of them saves nothing.
_FUNCTION_WORDS = frozenset({"a", "an", "the", "to", "of", "in", "on", "for", "with", "and", "or", "is", "are", "was",
                             "were", "be", "been", "it", "its", "their", "by", "from", "at", "as", "that", "this",
                             "has", "have", "had", "will", "would", "not", "no", "can", "could", "now", "new", "up"})


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    regexes: tuple[re.Pattern[str], ...]
    anchors: tuple[frozenset[str] | None, ...] = ()  # one per regex (see ``anchor_words``), or none at all

    def __post_init__(self) -> None:
        # Paired once: ``_candidates`` runs for every rule on every candidate sentence.
        object.__setattr__(self, "_pairs", tuple(zip(self.regexes, self.anchors or (None,) * len(self.regexes))))

    def _candidates(self, words: frozenset[str] | None) -> list[re.Pattern[str]]:
        """The patterns worth running: with the text's ``words``, those whose anchors are absent are skipped."""
        if words is None:
            return list(self.regexes)
        return [rx for rx, anchor in self._pairs if anchor is None or not anchor.isdisjoint(words)]

    def finditer(self, text: str, words: frozenset[str] | None = None) -> Iterable[re.Match[str]]:
        """Matches of every pattern (see :meth:`_candidates` for ``words``)."""
        for rx in self._candidates(words):
            yield from rx.finditer(text)

    def search(self, text: str, words: frozenset[str] | None = None) -> re.Match[str] | None:
        """The first match of any pattern (see :meth:`_candidates` for ``words``)."""
        for rx in self._candidates(words):
            m = rx.search(text)
            if m:
                return m
        return None


@dataclass
class RuleSet:
    """Compiled rules grouped by kind, plus the files they came from."""

    rules: list[Rule]
    compiled: dict[str, list[CompiledRule]]
    sources: list[Path]

    def of(self, kind: str) -> list[CompiledRule]:
        return self.compiled.get(kind, [])

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def builtin_rule_paths() -> list[Path]:
    return sorted((Path(__file__).with_name("data") / "rules").glob("*.jsonl"))


def load_rule_files(paths: Sequence[str | Path] | None = None) -> list[Rule]:
    """Parse rule files (the built-in ones when ``paths`` is empty); structural errors raise.

    Raises :class:`RulesError` naming ``file:line`` of the first malformed line.
    """
    files = [Path(p) for p in paths] if paths else builtin_rule_paths()
    if not files:
        raise RulesError("no rule files given")
    rules: list[Rule] = []
    for path in files:
        rules.extend(parse_rules(read_lines(path, "rule file"), str(path)))
    return rules


def parse_rules(lines: Sequence[str], name: str) -> list[Rule]:
    """Rules of one file's lines; a malformed line raises :class:`RulesError` with file:line."""
    return [_parse_rule(obj, where) for where, obj in json_objects(lines, name)]


def _parse_rule(obj: dict[str, Any], where: str) -> Rule:
    rid = obj.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise RulesError(f"{where}: 'id' must be lower-case words joined by dots, like 'open.payment_accept'")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise RulesError(f"{where}: {rid}: kind {kind!r} is not one of {', '.join(KINDS)}")
    unknown = set(obj) - _COMMON - _EXTRA[kind]
    if unknown:
        raise RulesError(f"{where}: {rid}: unknown key(s) {', '.join(sorted(unknown))} for a {kind} rule")
    patterns = obj.get("patterns")
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise RulesError(f"{where}: {rid}: 'patterns' must be a non-empty list of strings")
    examples = {}
    for key in ("must_fire", "must_not_fire"):
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise RulesError(f"{where}: {rid}: '{key}' must be a list of sentences")
        examples[key] = tuple(value)
    kw: dict = {}
    if kind == "trigger":
        kw["polarity"] = _choice(obj, "polarity", POLARITIES, where, rid, required=True)
        kw["event_type"] = _choice(obj, "event_type", EVENT_TYPES, where, rid)
        kw["scope"] = _choice(obj, "scope", SCOPES, where, rid) or ("authority" if kw["polarity"] == "mandate" else "pair")
        kw["weight"] = _number(obj, "weight", 0.6, where, rid)
        kw["negation_inside"] = _flag(obj, "negation_inside", False, where, rid)
        kw["roles"] = _choice(obj, "roles", ROLES, where, rid) or "subject"
        if not examples["must_fire"]:
            raise RulesError(f"{where}: {rid}: a trigger needs at least one 'must_fire' example sentence")
    elif kind == "event_cue":
        kw["event_type"] = _choice(obj, "event_type", EVENT_TYPES, where, rid, required=True)
        kw["weight"] = _number(obj, "weight", 1.0, where, rid, upper=5)
    elif kind == "status_cue":
        kw["status"] = _choice(obj, "status", STATUSES, where, rid, required=True)
        kw["priority"] = int(_number(obj, "priority", 0, where, rid, upper=100))
    elif kind == "negation":
        kw["mode"] = _choice(obj, "mode", NEGATION_MODES, where, rid, required=True)
        kw["window"] = int(_number(obj, "window", 5, where, rid, upper=20))
        kw["inside"] = _flag(obj, "inside", True, where, rid)
    elif kind == "veto":
        kw["penalty"] = _number(obj, "penalty", 1.0, where, rid)
        applies = obj.get("applies_to", [])
        if not isinstance(applies, list) or any(a not in POLARITIES for a in applies):
            raise RulesError(f"{where}: {rid}: 'applies_to' must be a list of {', '.join(POLARITIES)}")
        kw["applies_to"] = tuple(applies)
        spares = obj.get("spares", [])
        if not isinstance(spares, list) or any(a not in STATUSES for a in spares):
            raise RulesError(f"{where}: {rid}: 'spares' must be a list of {', '.join(STATUSES)}")
        kw["spares"] = tuple(spares)
        kw["other_news"] = _flag(obj, "other_news", False, where, rid)
    expect = obj.get("expect", {})
    if not isinstance(expect, dict) or set(expect) - {"polarity", "event_type", "actor", "target", "status"}:
        raise RulesError(f"{where}: {rid}: 'expect' must be an object with polarity/event_type/actor/target/status")
    return Rule(id=rid, kind=kind, patterns=tuple(patterns), where=where, expect=expect,
                note=str(obj.get("note", "")), **examples, **kw)


def _choice(obj: dict, key: str, allowed: Sequence[str], where: str, rid: str, required: bool = False):
    value = obj.get(key)
    if value is None and not required:
        return None
    if value not in allowed:
        raise RulesError(f"{where}: {rid}: '{key}' must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _flag(obj: dict, key: str, default: bool, where: str, rid: str) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise RulesError(f"{where}: {rid}: '{key}' must be true or false")
    return value


def _number(obj: dict, key: str, default: float, where: str, rid: str, upper: float = 1.0) -> float:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= upper:
        raise RulesError(f"{where}: {rid}: '{key}' must be a number from 0 to {upper:g}")
    return float(value)


def validate_rules(rules: Sequence[Rule], platforms: PlatformList) -> list[str]:
    """Every problem of a parsed rule set as ``file:line: rule: message`` (empty when fine)."""
    return _compile_patterns(rules, platforms)[1]


def _compile_patterns(rules: Sequence[Rule], platforms: PlatformList
                      ) -> tuple[list[tuple[re.Pattern[str], ...]], list[str]]:
    """Each rule's compiled patterns, and every problem found on the way. Compiling is most of the
    cost of loading (placeholders expand to every alias), so it is done once for both."""
    problems: list[str] = []
    compiled: list[tuple[re.Pattern[str], ...]] = []
    seen: dict[str, str] = {}
    placeholders = platforms.placeholder_regexes()
    for r in rules:
        if r.id in seen:
            problems.append(f"{r.where}: {r.id}: duplicate id (first at {seen[r.id]})")
        seen.setdefault(r.id, r.where)
        regexes = []
        for p in r.patterns:
            try:
                regexes.append(compile_pattern(p, placeholders))
            except PatternError as exc:
                problems.append(f"{r.where}: {r.id}: {exc}")
        compiled.append(tuple(regexes))
    return compiled, problems


def compile_rules(rules: Sequence[Rule], platforms: PlatformList, sources: Sequence[Path] = ()) -> RuleSet:
    """Compile validated rules; any problem raises :class:`RulesError` listing them all."""
    ruleset, problems = try_compile_rules(rules, platforms, sources)
    if ruleset is None:
        raise RulesError("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return ruleset


def try_compile_rules(rules: Sequence[Rule], platforms: PlatformList,
                      sources: Sequence[Path] = ()) -> tuple[RuleSet | None, list[str]]:
    """The compiled rule set (None if there is any problem) and every problem, from one compilation."""
    patterns, problems = _compile_patterns(rules, platforms)
    if problems:
        return None, problems
    compiled: dict[str, list[CompiledRule]] = {}
    for r, regexes in zip(rules, patterns):
        anchors = tuple(anchor_words(p) for p in r.patterns)
        compiled.setdefault(r.kind, []).append(CompiledRule(r, regexes, anchors))
    for cues in compiled.get("status_cue", []), :
        cues.sort(key=lambda c: -c.rule.priority)
    return RuleSet(list(rules), compiled, list(sources)), []


def load_ruleset(paths: Sequence[str | Path] | None, platforms: PlatformList) -> RuleSet:
    """Load, validate and compile rule files (the built-in ones when ``paths`` is empty)."""
    files = [Path(p) for p in paths] if paths else builtin_rule_paths()
    return compile_rules(load_rule_files(files), platforms, files)


def ruleset_version(files: Iterable[Path], engine: str) -> str:
    """A short hash of the platform list, the rule files and the engine version."""
    digest = hashlib.sha256(engine.encode())
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:12]
