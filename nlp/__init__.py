"""The tagger: finds platform interoperability signals (walled gardens opening or closing) in news text.

Public API::

    tagger = load_tagger(config)           # platform list + rule files + spaCy model
    tagger.tag_text(body, title=title)     # -> [Signal], merged per article, headline flagged
    tag_archive(config, archive)           # tags untagged articles, stores signals -> TagReport
    evaluate(tagger, "labelled.jsonl")     # -> the `wallwatch eval` figures

Rule files and the platform list are data (``nlp/data/``); see ``docs/tagger.md``.
"""

from .batch import TagReport, list_signals, tag_archive
from .evaluate import evaluate
from .platforms import Platform, PlatformList, load_platforms
from .rules import Rule, RuleSet, compile_rules, load_rule_files, load_ruleset, validate_rules
from .signals import Signal, make_story_key
from .tagger import Tagger, build_tagger, load_tagger

__all__ = [
    "Platform", "PlatformList", "Rule", "RuleSet", "Signal", "TagReport", "Tagger", "list_signals", "tag_archive", "build_tagger", "compile_rules",
    "evaluate", "load_platforms", "load_rule_files", "load_ruleset", "load_tagger", "make_story_key",
    "validate_rules",
]
