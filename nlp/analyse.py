"""Sentence-level analysis: from trigger matches to scored candidate signals.

Each trigger match becomes a :class:`Candidate` that either turns into a
signal or records why it did not (``dropped``), which is what ``explain``
shows analysts and the rules workbench.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .backstop import FUNCTION_WORDS, POLARITIES, RULE_ID, Backstop, EventTypes, type_features
from .authority import alleged, commitment
from .dating import past_date
from .negation import apply_negation, negate
from .platforms import Mention, Platform, PlatformList
from .assign import assign_roles
from .roles import fold_possessives
from .rules import CompiledRule, Rule, RuleSet, words_of
from .text import Sentence
from .unknown import UNLISTED

# What a name the platform list does not know costs a candidate's confidence, as actor or as target.
UNLISTED_PENALTY = 0.15

_KIND_HINTS = {"wallet": "payment", "card_network": "payment", "payments": "payment",
               "app_store": "app_store_or_device", "messaging": "messaging", "os": "app_store_or_device",
               "logistics": "logistics_or_service"}


@dataclass
class Candidate:
    """A trigger match in a sentence, with everything decided about it."""

    rule: CompiledRule
    sentence: Sentence
    start: int  # trigger span, offsets into the sentence
    end: int
    polarity: str
    event_type: str = "link_access"
    status: str = "live"
    actor: Mention | None = None
    target: Mention | None = None
    confidence: float = 0.0
    dropped: str | None = None  # why this match is not a signal
    negation: str | None = None  # the negation mode applied, if any
    notes: list[str] = field(default_factory=list)

    @property
    def trigger_text(self) -> str:
        return self.sentence.text[self.start:self.end]


@dataclass
class Context:
    """What the article around a sentence offers: neighbours' mentions, the last platform named."""

    previous: Sequence[Mention] = ()
    following: Sequence[Mention] = ()
    recent: Mention | None = None
    anaphors: Sequence = ()
    year: int | None = None  # the article's year: events dated before it are background


def sentence_mentions(sentence: Sentence, platforms: PlatformList, known: set[str],
                      rules: RuleSet | None = None) -> list[Mention]:
    """Platform mentions of a sentence, possessives folded, descriptors resolved against ``known``,
    plus the generic authorities of the ``authority`` rules ("India's competition watchdog")."""
    text = sentence.text
    lowered = text.lower()
    # "a Douyin-style entry point" names a kind of thing, not the platform.
    mentions = [m for m in platforms.find(text, lowered) if not _STYLE.match(text, m.end)]
    words = words_of(text)
    for c in rules.of("authority") if rules is not None else ():
        for m in c.finditer(text, words):
            if not any(k.start < m.end() and m.start() < k.end for k in mentions):
                mentions.append(Mention(m.start(), m.end(), m.group(), _authority(m.group())))
    here = known | {m.platform.name for m in mentions if m.platform}
    for start, end, cands in platforms.find_descriptors(lowered):
        hit = next((p for p in cands if p.name in here), None)
        if hit and not any(m.start < end and start < m.end for m in mentions):
            mentions.append(Mention(start, end, text[start:end], hit))
    mentions.sort(key=lambda m: m.start)
    if any(m.platform is not None and m.platform.needs_context(m.text) for m in mentions):
        mentions = _in_context(mentions, platforms, known)
    # "WhatsApp Channels", "Instagram Channels": a feature's bare name right after another company's
    # platform is that platform's feature, not a mention of the feature's owner (WeChat Channels).
    mentions = [m for i, m in enumerate(mentions)
                if not (i and m.platform is not None and m.platform.kind == "feature"
                        and mentions[i - 1].platform is not None and mentions[i - 1].group != m.group
                        and text[mentions[i - 1].end:m.start] == " ")]
    return fold_possessives(text, mentions, platforms)


def _in_context(mentions: list[Mention], platforms: PlatformList, known: set[str]) -> list[Mention]:
    """Drop names that count only in context ("WhatsApp is rolling out Channels") where neither the
    sentence nor the article before it names the platform's company."""
    groups = {p.group for p in map(platforms.lookup, known) if p is not None}
    out = []
    for m in mentions:
        if m.platform is not None and m.platform.needs_context(m.text):
            others = {o.group for o in mentions if o is not m and o.platform is not None}
            if m.platform.group not in groups | others:
                continue
        out.append(m)
    return out


_STYLE = re.compile(r"-(?:style|like|esque|inspired|type|ish)\b", re.I)


def _authority(text: str) -> Platform:
    # "enacted a law requiring ...": the law obliges, and a legislature named before it enacted it.
    return Platform(name=text, kind="law" if _ENACTED.match(text) else "regulator")


_ENACTED = re.compile(r"(?:passed|passes|approved|approves|adopted|adopts|enacted|enacts)\b", re.I)


def analyse_sentence(sentence: Sentence, mentions: list[Mention], rules: RuleSet, ctx: Context,
                     entities: Callable[[Sentence], list[Mention]] | None = None,
                     types: EventTypes | None = None) -> list[Candidate]:
    """Every trigger match of the sentence as a candidate (kept or dropped with a reason). ``types``: the
    event-type model (None: the keyword cues decide the type a rule leaves open)."""
    text = sentence.text
    out: list[Candidate] = []
    words = words_of(text)
    parties = _parties(text, words, rules)
    vetoes = _vetoes(text, words, rules)
    ents: list[Mention] | None = None
    for crule in rules.of("trigger"):
        for m in crule.finditer(text, words):
            if any(k.start <= m.start() and m.end() <= k.end for k in mentions if k.platform is not None):
                continue  # the trigger word is a platform's name: "Kick", "Line", "Signal"
            cand = Candidate(crule, sentence, m.start(), m.end(), crule.rule.polarity or "opening")
            apply_negation(cand, text, rules)
            out.append(cand)
    for cand in out:
        if cand.negation == "reverse" and cand.rule.rule.polarity == "opening":
            # "stopped stripping Taobao links": the reversal belongs to the closing verb the opening
            # sits in, and the reversed closing is this opening.
            closer = next((o for o in out if o is not cand and o.rule.rule.polarity == "closing"
                           and o.negation == "reverse" and o.start < cand.start < o.end), None)
            if closer is not None:
                cand.polarity, cand.negation = "opening", "double"
                cand.notes.append(f"the reversal belongs to {closer.rule.rule.id}")
    for cand in out:
        if (cand.polarity == "opening" and cand.negation is None and _RESUME.match(cand.trigger_text)
                and any(o.polarity == "closing" and o.negation is None and cand.start < o.start < cand.end
                        for o in out)):
            # "resumed blocking Taobao links", "reinstated its ban on Alipay": what is restored is a closing.
            cand.dropped = "restores a closing: the closing trigger inside it stands"
    for cand in out:
        if cand.negation is None and not cand.rule.rule.negation_inside:
            # A trigger inside a negated one shares its fate: "will not let creators send followers to".
            # Not across a participle clause: in "will stop requiring Play Billing, allowing them to link
            # out" the allowing follows from the change; it is not what stops.
            outer = next((o for o in out if o.negation in ("reverse", "negate", "restrict")
                          and o.start < cand.start <= o.end
                          and not _PARTICIPLE_BREAK.search(text, o.start, cand.start)), None)
            if outer is not None:
                negate(cand, outer.negation, f"{outer.negation} inside {outer.rule.rule.id}")
            elif cand.polarity == "opening":
                # An opening that is the object of a closing verb is closed: "barred users from
                # posting links to Facebook" ("posting links to" alone reads as an opening).
                closer = next((o for o in out if o.polarity == "closing" and o.negation is None
                               and (o.start < cand.start < o.end
                                    or (o.end <= cand.start and _OBJECT_GAP.match(text, o.end, cand.start)))),
                              None)
                if closer is not None:
                    negate(cand, "restrict", f"restrict inside {closer.rule.rule.id}")
    for cand in out:
        if (cand.polarity == "opening" and cand.negation is None and not cand.dropped
                and _DEGRADED.match(text, cand.end)):
            # "WeChat began displaying Taobao links as plain text": shown, but degraded; a closing.
            negate(cand, "restrict", "degraded: " + _DEGRADED.match(text, cand.end).group().strip())
    # Read once per sentence: the model sees the whole sentence, whichever trigger asks.
    probs = _type_probabilities(types, text, mentions) if any(not c.dropped for c in out) else {}
    for cand in out:
        if cand.dropped:
            continue
        _event_type(cand, text, mentions, rules, probs)
        assign_roles(cand, text, mentions, parties, ctx)
        if (cand.polarity == "mandate" and not cand.rule.rule.negation_inside
                and _STOP_ORDER.search(cand.trigger_text)):
            # "ordered developers to stop splash-screen ads that open a shop page": what is to stop is a thing,
            # not a practice ("to stop sharing data", "to stop blocking" are), and the opening verb sits inside it.
            cand.dropped = "an order to stop something that is not a block"
        if (cand.polarity == "mandate" and not cand.dropped and cand.actor is not None
                and cand.actor.start >= cand.end and _CONTEXT_AFTER.search(text, cand.end, cand.actor.start)):
            # "Barclays told customers it will no longer let them pay Binance, days after the FCA said ...": an
            # authority named only in the clause that dates the event ordered nothing in it.
            cand.dropped = f"{cand.actor.text} is named only after the event, in its context"
        if (entities and cand.event_type == "payment" and cand.actor is not None and cand.actor.platform is not None
                and cand.actor.platform.is_payment and cand.actor.start >= cand.start):
            # "Costco's stores have started accepting Alipay": the merchant is an organisation only NER knows.
            if ents is None:
                ents = [e for e in entities(sentence)
                        if not any(e.start < k.end and k.start < e.end for k in mentions)]
            merchant = next((e for e in reversed(ents) if e.end <= cand.start), None)
            if merchant is not None:
                cand.target, cand.actor = cand.actor, merchant
                cand.notes.append(f"merchant {merchant.text!r} found by NER")
                if cand.dropped and cand.dropped.startswith("no counterpart"):
                    cand.dropped = None  # the payment method is the counterpart now
        if cand.actor is not None and cand.target is None and cand.rule.rule.scope == "pair" and entities:
            if ents is None:
                ents = [e for e in entities(sentence)
                        if not any(e.start < k.end and k.start < e.end for k in mentions)]
            if ents:
                assign_roles(cand, text, mentions, parties, ctx, extra=ents)
        _frame_and_score(cand, text, mentions, rules, ctx, vetoes)
    _demote_subordinate(out, text)
    _drop_inside_orders(out)
    return out


def _parties(text: str, words: frozenset[str], rules: RuleSet) -> list[Mention]:
    """Generic parties ("rival app stores", "third-party wallets"), the longest of overlapping phrases."""
    # A party does not run across a comma: "third-party chat apps, Meta Platforms said" is
    # "third-party chat apps"; the longer phrase would name the speaker and be discarded with it.
    found = sorted(((m.start(), m.end(), m.group()) for c in rules.of("party") for m in c.finditer(text, words)
                    if "," not in m.group()), key=lambda p: (p[0], -(p[1] - p[0])))
    parties: list[Mention] = []
    for start, end, phrase in found:  # "each other's links" rather than "other's links"
        if not any(start < p.end and p.start < end for p in parties):
            parties.append(Mention(start, end, phrase, None, generic=True))
    return parties


def _vetoes(text: str, words: frozenset[str], rules: RuleSet) -> list[tuple[Rule, re.Match[str]]]:
    """The veto cues that match the sentence, each with its match (``_score`` applies them)."""
    out = []
    for c in rules.of("veto"):
        if c.rule.other_news:
            # Every match: one may only date the event while another is the sentence's news.
            out += [(c.rule, m) for m in c.finditer(text, words)]
        elif m := c.search(text, words):
            out.append((c.rule, m))
    return out


# A closing read needs more of the model: its closing cues ("only", "slow", "no") run through ordinary
# prose. Between the threshold and 0.1 above it, every closing it found on the real pages was noise, and
# none of the labelled sets' closings was found there on their first runs.
CLOSING_MARGIN = 0.1


def analyse_backstop(sentence: Sentence, mentions: list[Mention], rules: RuleSet, ctx: Context,
                     model: Backstop, feats: set[str], threshold: float) -> Candidate | None:
    """The backstop's candidate for a sentence no trigger matched: None unless the sentence names two
    companies' platforms and the model gives it at least ``threshold``. Roles, status and vetoes are
    decided as for a rule match; the model decides only that there is an event, and its polarity."""
    if len({m.group for m in mentions if m.platform is not None}) < 2:
        return None
    scores = model.scores(feats)
    if scores["interop"] < threshold:
        return None
    text = sentence.text
    polarity = max(POLARITIES, key=lambda p: scores[p])
    if polarity == "closing" and scores["interop"] < threshold + CLOSING_MARGIN:
        return None
    cues = model.strongest(feats, 5)
    start, end = _cue_span(text, cues, mentions)
    # Between the weakest rules (0.5) and the ordinary ones (0.75): a rule match is the stronger evidence.
    weight = 0.5 + 0.25 * (scores["interop"] - threshold) / max(1.0 - threshold, 1e-6)
    rule = CompiledRule(Rule(id=RULE_ID, kind="trigger", patterns=(), where=model.source, polarity=polarity,
                             weight=round(weight, 3)), ())
    cand = Candidate(rule, sentence, start, end, polarity)
    cand.notes.append(f"backstop: signal {scores['interop']:.2f}, {polarity} {scores[polarity]:.2f}; "
                      f"cues {', '.join(repr(c) for c in cues[:3])}")
    words = words_of(text)
    _event_type(cand, text, mentions, rules, _type_probabilities(model.types, text, mentions))
    assign_roles(cand, text, mentions, _parties(text, words, rules), ctx)
    _frame_and_score(cand, text, mentions, rules, ctx, _vetoes(text, words, rules))
    return cand


def _frame_and_score(cand: Candidate, text: str, mentions: Sequence[Mention], rules: RuleSet, ctx: Context,
                     vetoes: Sequence) -> None:
    """The last steps for a candidate with its roles: an authority's framing, the status, the confidence."""
    commitment(cand, text, mentions)
    alleged(cand, text, mentions, ctx.year)
    _status(cand, text, rules, ctx.year)
    _score(cand, vetoes)


def _cue_span(text: str, cues: Sequence[str], mentions: Sequence[Mention]) -> tuple[int, int]:
    """Where the backstop's strongest cue stands in the sentence (roles are chosen around it); without a
    findable cue, just after the first platform named (the event usually follows its subject)."""
    lowered = text.lower()
    for cue in cues:
        words = [w for w in cue.split() if w not in ("pplatform", "pauthority")]
        if not words or all(w in FUNCTION_WORDS for w in words):
            continue  # "with <platform>" says nothing about where the event is told
        m = re.search(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", lowered)
        if m is not None and not any(k.start <= m.start() < k.end for k in mentions):
            return m.start(), m.end()
    first = mentions[0].end if mentions else 0
    return first, first


# Up to three words between a closing verb and the opening that is its object ("blacklisted WeChat
# mini program links", "pulling posts that carry links to ..."), with no clause break.
_PARTICIPLE_BREAK = re.compile(r",\s+(?:and\s+)?\w+ing\b", re.I)
_OBJECT_GAP = re.compile(r"\s*(?:(?!(?:and|but|or|while|yet|then|so|after|before|as)\b)[\w'’\-]+\s+){0,3}$", re.I)


_DEGRADED = re.compile(r"\s+(?:[\w'’\-]+\s+){0,3}?(?:as (?:plain|unclickable|non-clickable|inert) text|"
                       r"as (?:unclickable|non-clickable|dead) links?|without (?:a |any )?(?:previews?|thumbnails?)|"
                       r"behind (?:a |an )?(?:warnings?|warning (?:page|screen)s?|interstitials?))\b", re.I)


_STOP_ORDER = re.compile(r"\bto\s+(?:stop|cease|end|halt|curb|crack down on|clean up)\s+(?!\w+ing\b)", re.I)


_RESUME = re.compile(r"(?:resum|reinstat|restor|reimpos|renew|extend|continu|bring back|brought back|re-?enabl)", re.I)


# (A leading date may come first: "Back in August 2020, after Epic slipped ..., Apple removed ...".)
_LEADING_CLAUSE = re.compile(r"^\W*(?:(?:back\s+)?(?:in|on)\s+[^,;]{1,30},\s*)?"
                             r"(?:(?:(?:more|less) than|nearly|almost|about|over|some|just|only)\s+)?"
                             r"(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+|several|a few)\s+"
                             r"(?:days?|weeks?|months?|years?|decades?)\s+)?"
                             r"(?:having|after|despite|although|though|while|once|for years)\b[^,;]*,", re.I)
# What follows these opens a clause that gives the cause or a concession ("..., though product pages
# still will not load"), not the news.
_SUBORDINATE = re.compile(r"\b(?:after|following|because|since|once|though|although|even as|whereas|until|"
                          r"rather than|instead of)\b", re.I)


def _demote_subordinate(cands: list[Candidate], text: str) -> None:
    """An event in an "after ..." clause is the cause, the main clause the news: "Fortnite is coming
    back to the App Store after a judge barred Apple from charging commissions"."""
    kept = [c for c in cands if c.dropped is None]
    for c in kept:
        main = next((o for o in kept if o.end <= c.start and o.polarity != c.polarity
                     and _SUBORDINATE.search(text, o.end, c.start)), None)
        if main is not None:
            c.confidence = max(0.0, c.confidence - 0.15)
            c.notes.append(f"in a clause subordinate to {main.rule.rule.id}: -0.15")
    # A leading participial or concessive clause is the background: "Having spent years fencing off its
    # ecosystem, Google is now courting rival app stores".
    lead = _LEADING_CLAUSE.match(text)
    if lead is not None:
        for c in kept:
            if c.end <= lead.end() and any(o.start >= lead.end() and o.polarity != c.polarity for o in kept):
                c.confidence = max(0.0, c.confidence - 0.15)
                c.notes.append("in a leading background clause: -0.15")


def _drop_inside_orders(cands: list[Candidate]) -> None:
    """What an authority orders ("told them to stop blocking links") is the order, not a second event; an
    opening read as an order (``assign_roles``) gives way to a mandate rule anywhere in the sentence."""
    orders = [c for c in cands if c.dropped is None and c.polarity == "mandate" and c.rule.rule.polarity == "mandate"]
    if not orders:
        return
    for c in cands:
        if c.dropped is not None or c.rule.rule.polarity == "mandate":
            continue
        if c.polarity == "mandate":
            c.dropped = f"the order is matched by {orders[0].rule.rule.id}"
            continue
        o = next((o for o in orders if o.start <= c.start and c.end <= o.end + 30), None)
        if o is not None:
            c.dropped = f"part of the order matched by {o.rule.rule.id}"


#: The event-type model's probability for its choice to overrule the keyword cues.
TYPE_MODEL_SURE = 0.7


def _type_probabilities(types: EventTypes | None, text: str, mentions: Sequence[Mention]) -> dict[str, float]:
    """The event-type model's reading of the sentence (empty without a model)."""
    return types.probabilities(type_features(text, mentions)) if types is not None else {}


def _event_type(cand: Candidate, text: str, mentions: Sequence[Mention], rules: RuleSet,
                probs: dict[str, float]) -> None:
    """``probs``: the event-type model's reading of the sentence (empty: the keyword cues decide)."""
    rule = cand.rule.rule
    if cand.polarity == "mandate":
        cand.event_type = "regulatory_order"
        return
    if rule.event_type:
        cand.event_type = rule.event_type
        return
    scores: dict[str, float] = {}
    for c in rules.of("event_cue"):
        for m in c.finditer(text):
            near = 1.0 if (abs(m.start() - cand.end) < 80 or abs(cand.start - m.end()) < 80) else 0.6
            if cand.start <= m.start() < cand.end:
                near = 1.5
            scores[c.rule.event_type] = scores.get(c.rule.event_type, 0.0) + c.rule.weight * near
    for m in mentions:
        hint = _KIND_HINTS.get(m.platform.kind) if m.platform else None
        if hint:
            scores[hint] = scores.get(hint, 0.0) + 0.5
    if not scores:
        # No word of any event type: weaker evidence that an exchange between platforms is told (_score).
        cand.notes.append("event type: no cue")
    best = max(probs, key=probs.__getitem__) if probs else None
    if best is not None and probs[best] >= TYPE_MODEL_SURE:
        # On blind sets the model, reading the whole sentence, chose better than the cues (docs/tagger.md,
        # "Event types"); when it is unsure the cues' hand-written words ("advert", "courier") decide.
        cand.event_type = best
        cand.notes.append(f"event type by the model ({probs[best]:.2f})")
    elif scores:
        cand.event_type = max(scores.items(), key=lambda kv: kv[1])[0]
    else:
        cand.event_type = "link_access"
        cand.notes.append("event type: default link_access")


def _status(cand: Candidate, text: str, rules: RuleSet, year: int | None = None) -> None:
    if cand.status == "denied":
        return
    for c in rules.of("status_cue"):  # highest priority first
        m = c.search(text)
        if m:
            cand.status = c.rule.status
            cand.notes.append(f"status {c.rule.status} by {c.rule.id} ({m.group()!r})")
            break
    else:
        cand.status = "announced" if cand.polarity == "mandate" else "live"
    if year is not None and cand.status not in ("denied", "rumoured", "background"):
        dated = past_date(text, cand.start, cand.end, year)
        if dated is not None:
            cand.status = "background"
            cand.notes.append(f"status background: dated before {year} ({dated.group()!r})")


_CONTEXT_AFTER = re.compile(r"\b(?:after|following|before|since|ahead of|amid)\b", re.I)
_CAUSED_BY = re.compile(r"\b(?:after|following|when|because)\b", re.I)


def _other_news_aside(cand: Candidate, m: re.Match[str]) -> bool:
    """Whether other news (a deal, results) only dates the event or follows from it: "cut off Windsurf's access
    ..., weeks after reports that OpenAI had agreed to buy it", "shares fell after Booking.com stopped selling
    its flights". Either way the event is still the news."""
    text = cand.sentence.text
    if m.start() >= cand.end:
        return _CONTEXT_AFTER.search(text, cand.end, m.start()) is not None
    return m.end() <= cand.start and _CAUSED_BY.search(text, m.end(), cand.start) is not None


def _score(cand: Candidate, vetoes: Sequence) -> None:
    c = cand.rule.rule.weight
    notes = cand.notes
    if cand.actor is not None and cand.actor.platform is None:
        c -= 0.3
    elif cand.actor is not None and cand.actor.platform.kind == UNLISTED:
        c -= UNLISTED_PENALTY
    if cand.target is not None:
        if cand.target.platform is not None and cand.target.platform.kind == UNLISTED:
            c -= UNLISTED_PENALTY
        elif cand.target.platform is not None:
            c += 0.1
        elif not cand.target.generic:  # an organisation only NER found
            c -= 0.3
        if any(n.startswith("target ") and "sentence" in n for n in notes):
            c -= 0.1
    elif cand.polarity != "mandate":
        c -= 0.1
    if any(n.startswith("actor ") for n in notes):
        c -= 0.1
    if cand.status in ("rumoured", "denied"):
        c -= 0.05
    if any(n.startswith("event type: no cue") for n in notes):
        c -= 0.05
    applied: set[str] = set()
    for rule, m in vetoes:
        if (rule.applies_to and cand.polarity not in rule.applies_to) or cand.status in rule.spares:
            continue
        if rule.id in applied or (rule.other_news and _other_news_aside(cand, m)):
            continue
        applied.add(rule.id)
        c -= rule.penalty
        notes.append(f"veto {rule.id} ({m.group()!r}) -{rule.penalty:g}")
    # What follows "but" or "then" is usually the news: "X previously blocked links, but the ban was lifted",
    # "removed the installer, then restored it".
    if re.search(r"\bbut\b|\bhowever\b|(?:,|\band)\s+then\b", cand.sentence.text[:cand.start], re.I):
        c += 0.1
    # The main clause usually comes first: a trigger late in a long sentence counts slightly less.
    c -= 0.05 * cand.start / max(len(cand.sentence.text), 1)
    cand.confidence = max(0.0, min(0.99, c))
    if cand.confidence <= 0.0 and not cand.dropped:
        cand.dropped = "vetoed: " + ", ".join(dict.fromkeys(r.id for r, _ in vetoes))
