"""Draft rule sets for the workbench: loading from given paths and checking them.

Built on the tagger's public functions (``load_platforms``, ``load_rule_files``,
``try_compile_rules``, ``load_ruleset``, ``Tagger``, ``examples.check_examples``).
A draft is a platform list and rule files that may differ from the configured
ones; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wallwatch.config import Config
from wallwatch.errors import RulesError

from .platforms import PlatformList, builtin_platforms_path, load_platforms
from .rules import Rule, RuleSet, builtin_rule_paths, load_rule_files, load_ruleset, try_compile_rules
from .tagger import Tagger, configured_backstop
from .examples import check_examples
from .watches import check_examples as check_watch_examples
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


def build_draft_tagger(config: Config, draft: Draft) -> Tagger:
    """A tagger over the draft's files (model and confidence floor from the config).

    The first invalid line raises :class:`RulesError`.
    """
    if not draft.rules:
        raise RulesError("no rule files: give --rules or set [nlp] rules")
    plist = load_platforms(draft.platforms)
    return _tagger(config, draft, plist, load_ruleset(list(draft.rules), plist))


def _tagger(config: Config, draft: Draft, plist: PlatformList, ruleset: RuleSet) -> Tagger:
    """The draft's tagger from its loaded platform list and compiled rules."""
    # The configured backstop too, so a diff shows what `wallwatch tag` would store.
    return Tagger(plist, ruleset, model=config.nlp.model,
                  files=[draft.platforms, *draft.rules], min_confidence=config.nlp.min_confidence,
                  backstop=configured_backstop(config), backstop_threshold=config.nlp.backstop_threshold)


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
        ruleset, problems = try_compile_rules(rules, plist, list(draft.rules))
        for p in problems:
            report.problems.append(_split_error(RulesError(p)))
        if ruleset is not None:
            results = check_examples(_tagger(config, draft, plist, ruleset))
            report.examples += len(results)
            report.problems.extend(
                Problem(r.where, r.rule_id, f"should {r.expected}: {r.sentence!r}" + (f" ({r.detail})" if r.detail else ""))
                for r in results if not r.ok)
    if with_watches:
        try:
            watches = config_watches(config)
        except RulesError as exc:
            report.problems.append(_split_error(exc))
        else:
            report.watches_file = str(watches.path) if watches.path else None
            report.watches = len(watches.watches)
            report.examples += sum(len(w.must) + len(w.must_not) for w in watches.watches)
            for f in check_watch_examples(watches, PlatformFinder(plist) if plist is not None else None):
                report.problems.append(Problem(f.where, f.rule, f"should {f.expected.replace('no ', 'not ')}: "
                                                                f"{f.sentence!r}"))
    return report
