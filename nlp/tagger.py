"""The tagger: platform list + rules + spaCy, turning article text into merged signals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..config import Config, NlpConfig
from .analyse import Candidate, Context, analyse_backstop, analyse_sentence, sentence_mentions
from .backstop import Backstop, EventTypes, builtin_backstop_path, features, load_backstop
from .dating import reference_year
from .model import entity_spans, load_model
from .platforms import Mention, PlatformList, builtin_platforms_path, load_platforms
from .rules import RuleSet, load_ruleset, ruleset_version
from .signals import Signal
from .text import Sentence, split_sentences
from .unknown import UNLISTED, name_like_spans, organisation_finder, unknown_organisations

#: The backstop's probability a sentence needs before a name the platform list does not know can be a
#: signal's actor or target.
UNLISTED_ODDS = 0.5

#: Bump when the engine's behaviour changes, so re-tagging picks it up like a rule edit.
ENGINE_VERSION = "tagger-8"


@dataclass
class SentenceReport:
    """What the tagger saw in one sentence: mentions and every candidate, kept or dropped."""

    sentence: Sentence
    mentions: list[Mention]
    candidates: list[Candidate]


class Tagger:
    """Finds platform interoperability signals in text.

    Build it with :func:`load_tagger`; it is cheap to call and holds no archive.
    """

    def __init__(self, platforms: PlatformList, rules: RuleSet, *, model: str = "blank",
                 files: Sequence[Path] = (), min_confidence: float = NlpConfig.min_confidence,
                 eager: bool = False, backstop: Backstop | None = None,
                 backstop_threshold: float = NlpConfig.backstop_threshold):
        self.platforms = platforms
        # The statistical backstop for sentences no rule matches (None: rules only).
        self.backstop = backstop
        self.backstop_threshold = backstop_threshold
        # eager: run the statistical model over every sentence first (the slow baseline the
        # benchmark compares with); normally it only runs on sentences that can carry a signal.
        self.eager = eager
        self.min_confidence = min_confidence
        self.rules = rules
        self.nlp, self.has_model = load_model(model)
        self.model_name = model if self.has_model else "blank"
        self._spans = entity_spans(self.nlp) if self.has_model else None
        self._entities = organisation_finder(self._spans) if self._spans is not None else None
        # The model's content and threshold change what is found, like a rule edit.
        engine = ENGINE_VERSION + (f"+backstop@{backstop_threshold:g}:{backstop.fingerprint}"
                                   if backstop is not None else "")
        self.ruleset_version: str = ruleset_version(files, engine)

    @property
    def _types(self) -> EventTypes | None:
        """The event-type model, which travels in the backstop's file (rules only: the cues decide)."""
        return self.backstop.types if self.backstop is not None else None

    # -- analysis ----------------------------------------------------------
    def explain(self, text: str, *, as_of: date | None = None) -> list[SentenceReport]:
        """Every sentence that names a platform, with all its candidates and why some were dropped.

        ``as_of`` is the article's publication date (default today): events dated before its year
        are background.
        """
        year = reference_year(as_of)
        sentences = split_sentences(text)
        if self.eager and self._entities is not None:
            for s in sentences:
                self._entities(s)
        known: set[str] = set()
        mentions = []
        for s in sentences:
            ms = sentence_mentions(s, self.platforms, known, self.rules)
            known.update(m.platform.name for m in ms if m.platform)
            mentions.append(ms)
        reports = []
        recent: Mention | None = None
        for i, s in enumerate(sentences):
            ms = mentions[i]
            # A sentence naming no platform is analysed only when it refers back to the one in focus:
            # "The company said it would stop showing Taobao listings." (that platform acts).
            anaphoric = recent is not None and _ANAPHORIC_START.match(s.text)
            if ms or anaphoric:
                ctx = Context(previous=mentions[i - 1] if i else (),
                              following=mentions[i + 1] if i + 1 < len(sentences) else (), recent=recent,
                              anaphors=self.rules.of("anaphor"), year=year)
                cands = analyse_sentence(s, ms, self.rules, ctx, self._entities, self._types)
                if self._spans is not None and self.backstop is not None and _lacks_party(cands):
                    cands = self._with_unknown_names(s, ms, ctx, cands)
                if not cands and ms and self.backstop is not None:
                    found = analyse_backstop(s, ms, self.rules, ctx, self.backstop,
                                             features(s.text, self.platforms), self.backstop_threshold)
                    cands = [found] if found is not None else []
                if ms or cands:
                    reports.append(SentenceReport(s, ms, cands))
            if ms:
                named = [m for m in ms if m.platform and not m.platform.is_authority]
                if named:
                    recent = named[-1]
            elif not _continues(s.text):
                recent = None
        return reports

    def _rough_odds(self, s: Sentence, ms: list[Mention]) -> float:
        """The backstop's probability for the sentence with every capitalised name standing for a platform:
        NER is only worth running on a sentence that reads like an event."""
        return self.backstop.scores(features(s.text, self.platforms, name_like_spans(s.text, ms), found=ms))["interop"]

    def _with_unknown_names(self, s: Sentence, ms: list[Mention], ctx: Context,
                            cands: list[Candidate]) -> list[Candidate]:
        """The sentence read again with the names it holds that the list does not know (``unknown``);
        the first reading stands unless the second keeps a candidate."""
        rough = self._rough_odds(s, ms)
        if rough < UNLISTED_ODDS:
            for c in cands:
                c.notes.append(f"names the list does not know not looked for: the backstop gives {rough:.2f}")
            return cands
        extra = unknown_organisations(s, ms, self._spans)
        if not extra:
            return cands
        retry = analyse_sentence(s, sorted([*ms, *extra], key=lambda m: m.start), self.rules, ctx, self._entities,
                                 self._types)
        # A trigger with two known platforms is strong evidence; with a name the list does not know it is
        # not ("the Pokemon Sword and Shield review"), so the backstop must also read the sentence as an event.
        spans = [(m.start, m.end) for m in extra]
        odds = self.backstop.scores(features(s.text, self.platforms, spans))["interop"]
        for c in retry:
            names = [m for m in (c.actor, c.target) if m is not None and m in extra]
            if c.dropped is not None or not names:
                continue
            if not _anchored(c):
                c.dropped = "neither side is a listed platform, authority or party"
            elif odds < UNLISTED_ODDS:
                c.dropped = f"a name the list does not know, and the backstop gives the sentence {odds:.2f} < {UNLISTED_ODDS:g}"
            else:
                c.notes += [f"{m.text!r} is not in the platform list: a name found in the sentence" for m in names]
        # The second reading is shown when it used a name, kept or not; else the first one's reasons stand.
        used = any(m is not None and m in extra for c in retry for m in (c.actor, c.target))
        return retry if used else cands

    def tag_sentences(self, text: str, *, as_of: date | None = None) -> list[Signal]:
        """Sentence-level signals, before article merging (one per kept candidate)."""
        out = []
        for rep in self.explain(text, as_of=as_of):
            for c in rep.candidates:
                if c.dropped is None and c.confidence > 0:
                    out.append(self._signal(c))
        return out

    def tag_text(self, text: str, title: str | None = None, *, min_confidence: float = 0.0,
                 as_of: date | None = None) -> list[Signal]:
        """Article-level signals: one per actor/target/type/polarity, strongest first, headline flagged.

        ``as_of``: the article's publication date (default today), which dates background events.
        """
        best: dict[str, Signal] = {}
        for s in self.tag_sentences(text, as_of=as_of):
            if s.confidence < min_confidence:
                continue
            cur = best.get(s.story_key)
            # What happened beats what is announced, rumoured or background; then confidence decides.
            if cur is None or _strength(s) > _strength(cur):
                best[s.story_key] = s
        signals = sorted(best.values(), key=lambda s: (-s.confidence, s.start))
        if not signals:
            return []
        title_groups = self._groups_in(title or "")
        n = max(len(text), 1)

        def headline_score(s: Signal) -> float:
            score = s.confidence - 0.3 * (s.start / n)  # the lead states the news
            for name in (s.actor, s.target):
                p = self.platforms.lookup(name) if name else None
                if p and (p.name in title_groups or p.group in title_groups):
                    score += 0.1
            return score

        top = max(signals, key=headline_score)
        return [Signal(**{**_fields(s), "headline": s is top}) for s in signals]

    def _groups_in(self, title: str) -> set[str]:
        out: set[str] = set()
        for m in self.platforms.find(title):
            if m.platform:
                out.update({m.platform.name, m.platform.group})
        return out

    def _signal(self, c: Candidate) -> Signal:
        s = c.sentence
        return Signal(start=s.start, end=s.end, evidence=s.text, actor=self._name(c.actor),
                      target=self._name(c.target), polarity=c.polarity, event_type=c.event_type,
                      status=c.status, confidence=round(c.confidence, 3), rule_id=c.rule.rule.id)

    def _name(self, m: Mention | None) -> str | None:
        if m is None:
            return None
        if m.platform is None:
            return m.text
        return self.platforms.display(m.platform).name


_STATUS_RANK = {"live": 3, "trial": 3, "announced": 2, "rumoured": 1, "denied": 1, "background": 0}


def _strength(s: Signal) -> tuple:
    return (_STATUS_RANK.get(s.status, 0), s.confidence, -s.start)


# A sentence that opens by referring back to the platform just named ("It will ...", "The company said ...").
_ANAPHORIC_START = re.compile(r"^\W*(?:(?:but|yet|and|now|meanwhile|also|instead|still),?\s+)?(?:it|the (?:[\w\-]+ )?"
                              r"(?:platform|company|app|firm|group|giant|service|marketplace|messenger|site|network|"
                              r"operator|wallet|super-?app))\b", re.I)


def _lacks_party(cands: Sequence[Candidate]) -> bool:
    """No candidate kept, and one was dropped only for want of an actor or a counterpart while its other
    role is a listed platform or a generic party (a signal needs one: see ``_anchored``)."""
    return (not any(c.dropped is None for c in cands)
            and any(c.dropped.startswith(("no actor", "no counterpart")) and (c.actor or c.target) for c in cands))


def _anchored(c: Candidate) -> bool:
    """Whether a role of the candidate is a listed platform or a generic party: two names the list does not
    know are too often two ordinary capitalised words ("Jones ... blocking the Eriksen corner")."""
    return any(m is not None and (m.generic or (m.platform is not None and m.platform.kind != UNLISTED))
               for m in (c.actor, c.target))


def _continues(text: str) -> bool:
    """A sentence without platforms keeps the last one in focus unless it is a heading."""
    return len(text) > 40


def _fields(s: Signal) -> dict:
    return {k: getattr(s, k) for k in ("start", "end", "evidence", "actor", "target", "polarity",
                                        "event_type", "status", "confidence", "rule_id")}


def load_tagger(config: Config) -> Tagger:
    """The tagger the configuration asks for: its platform list, rule files and spaCy model."""
    nlp = config.nlp
    platforms_path = config.resolve(nlp.platforms) if nlp.platforms else builtin_platforms_path()
    platforms = load_platforms(platforms_path)
    rule_paths = [config.resolve(p) for p in nlp.rules]
    rules = load_ruleset(rule_paths, platforms)
    return Tagger(platforms, rules, model=nlp.model, files=[platforms_path, *rules.sources],
                  min_confidence=nlp.min_confidence, backstop=configured_backstop(config),
                  backstop_threshold=nlp.backstop_threshold)


def configured_backstop(config: Config) -> Backstop | None:
    """The backstop model ``[nlp]`` asks for (None when ``backstop = false``)."""
    nlp = config.nlp
    if not nlp.backstop:
        return None
    return load_backstop(config.resolve(nlp.backstop_model) if nlp.backstop_model else builtin_backstop_path())


def build_tagger(*, platforms: str | Path | None = None, rules: Sequence[str | Path] = (),
                 model: str = "blank", eager: bool = False, backstop: bool | str | Path = True,
                 backstop_threshold: float = NlpConfig.backstop_threshold) -> Tagger:
    """A tagger from explicit files (tests, benchmarks and the rules workbench).

    ``backstop``: True for the built-in model, False for rules only, or a model file.
    """
    plist = load_platforms(platforms)
    ruleset = load_ruleset(list(rules), plist)
    model_path = builtin_backstop_path() if backstop is True else Path(backstop) if backstop else None
    return Tagger(plist, ruleset, model=model, eager=eager,
                  files=[Path(platforms) if platforms else builtin_platforms_path(), *ruleset.sources],
                  backstop=load_backstop(model_path) if model_path else None,
                  backstop_threshold=backstop_threshold)
