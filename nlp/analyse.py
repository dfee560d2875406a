"""Sentence-level analysis: from trigger matches to scored candidate signals.

Each trigger match becomes a :class:`Candidate` that either turns into a
signal or records why it did not (``dropped``), which is what ``explain``
shows analysts and the rules workbench.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .backstop import FUNCTION_WORDS, POLARITIES, RULE_ID, Backstop
from .authority import alleged, commitment, hearsay, ordered_by
from .dating import past_date
from .negation import apply_negation, negate
from .platforms import Mention, Platform, PlatformList
from .roles import HOST_PREPS, choose_actor, choose_target, fold_possessives, preposition
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
    # "WhatsApp Channels", "Instagram Channels": a feature's bare name right after another company's
    # platform is that platform's feature, not a mention of the feature's owner (WeChat Channels).
    mentions = [m for i, m in enumerate(mentions)
                if not (i and m.platform is not None and m.platform.kind == "feature"
                        and mentions[i - 1].platform is not None and mentions[i - 1].group != m.group
                        and text[mentions[i - 1].end:m.start] == " ")]
    return fold_possessives(text, mentions, platforms)


_STYLE = re.compile(r"-(?:style|like|esque|inspired|type|ish)\b", re.I)


def _authority(text: str) -> Platform:
    return Platform(name=text, kind="regulator")


def analyse_sentence(sentence: Sentence, mentions: list[Mention], rules: RuleSet, ctx: Context,
                     entities: Callable[[Sentence], list[Mention]] | None = None) -> list[Candidate]:
    """Every trigger match of the sentence as a candidate (kept or dropped with a reason)."""
    text = sentence.text
    out: list[Candidate] = []
    words = words_of(text)
    parties = _parties(text, words, rules)
    vetoes = _vetoes(text, words, rules)
    ents: list[Mention] | None = None
    for crule in rules.of("trigger"):
        for m in crule.finditer(text, words):
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
            outer = next((o for o in out if o.negation in ("reverse", "negate", "restrict")
                          and o.start < cand.start <= o.end), None)
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
    for cand in out:
        if cand.dropped:
            continue
        _event_type(cand, text, mentions, rules)
        _roles(cand, text, mentions, parties, ctx)
        if (cand.polarity == "mandate" and not cand.rule.rule.negation_inside
                and _STOP_ORDER.search(cand.trigger_text)):
            # "ordered developers to stop splash-screen ads that open a shop page": what is to stop is a thing,
            # not a practice ("to stop sharing data", "to stop blocking" are), and the opening verb sits inside it.
            cand.dropped = "an order to stop something that is not a block"
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
                _roles(cand, text, mentions, parties, ctx, extra=ents)
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
    return [(c.rule, m) for c in rules.of("veto") for m in [c.search(text, words)] if m]


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
    _event_type(cand, text, mentions, rules)
    _roles(cand, text, mentions, _parties(text, words, rules), ctx)
    _frame_and_score(cand, text, mentions, rules, ctx, _vetoes(text, words, rules))
    return cand


def _frame_and_score(cand: Candidate, text: str, mentions: Sequence[Mention], rules: RuleSet, ctx: Context,
                     vetoes: Sequence) -> None:
    """The last steps for a candidate with its roles: an authority's framing, the status, the confidence."""
    commitment(cand, text, mentions)
    alleged(cand, text, mentions)
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
_OBJECT_GAP = re.compile(r"\s*(?:(?!(?:and|but|or|while|yet|then|so|after|before|as)\b)[\w'’\-]+\s+){0,3}$", re.I)


_DEGRADED = re.compile(r"\s+(?:[\w'’\-]+\s+){0,3}?(?:as (?:plain|unclickable|non-clickable|inert) text|"
                       r"as (?:unclickable|non-clickable|dead) links?|without (?:a |any )?(?:previews?|thumbnails?)|"
                       r"behind (?:a |an )?(?:warnings?|warning (?:page|screen)s?|interstitials?))\b", re.I)


_STOP_ORDER = re.compile(r"\bto\s+(?:stop|cease|end|halt|curb|crack down on|clean up)\s+(?!\w+ing\b)", re.I)


_RESUME = re.compile(r"(?:resum|reinstat|restor|reimpos|renew|extend|continu|bring back|brought back|re-?enabl)", re.I)


# (A leading date may come first: "Back in August 2020, after Epic slipped ..., Apple removed ...".)
_LEADING_CLAUSE = re.compile(r"^\W*(?:(?:back\s+)?(?:in|on)\s+[^,;]{1,30},\s*)?"
                             r"(?:having|after|despite|although|though|while|once|for years)\b[^,;]*,", re.I)
_SUBORDINATE = re.compile(r"\b(?:after|following|because|since|once)\b", re.I)


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
    """What an authority orders ("told them to stop blocking links") is the order, not a second event."""
    orders = [c for c in cands if c.polarity == "mandate" and c.dropped is None and c.rule.rule.polarity == "mandate"]
    for c in cands:
        if c.dropped is None and (c.polarity != "mandate" or (orders and c.rule.rule.polarity != "mandate")):
            # An opening read as an order (``_roles``) gives way to a mandate rule anywhere in the sentence.
            if c.polarity == "mandate":
                c.dropped = f"the order is matched by {orders[0].rule.rule.id}"
                continue
            for o in orders:
                if o.start <= c.start and c.end <= o.end + 30:
                    c.dropped = f"part of the order matched by {o.rule.rule.id}"
                    break


def _event_type(cand: Candidate, text: str, mentions: Sequence[Mention], rules: RuleSet) -> None:
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
    if scores:
        cand.event_type = max(scores.items(), key=lambda kv: kv[1])[0]
    else:
        cand.event_type = "link_access"
        cand.notes.append("event type: no cue, default link_access")


def _roles(cand: Candidate, text: str, mentions: Sequence[Mention], parties: Sequence[Mention],
           ctx: Context, extra: Sequence[Mention] = ()) -> None:
    """Actor and target of a candidate; ``extra`` (organisations NER found) can only be targets."""
    rule = cand.rule.rule
    authority = cand.polarity == "mandate" or rule.scope == "authority"
    cand.dropped = None
    actor = choose_actor(text, mentions, cand.start, cand.end, authority=authority, event_type=cand.event_type,
                         roles=rule.roles)
    if not authority and ctx.recent is not None and (actor is None or actor.start >= cand.start):
        ana = next((m for c in ctx.anaphors for m in c.finditer(text[:cand.start])), None)
        if ana is not None:
            if actor is None or ctx.recent.group != actor.group:
                actor = ctx.recent
                cand.notes.append(f"actor {actor.name} from the previous sentences"
                                  + (f" ({ana.group()!r})" if ana else ""))
        elif (actor is not None and actor.platform is not None and ctx.recent.group != actor.group
              and not any(m.end <= cand.start and not m.generic for m in mentions)
              and preposition(text, actor) in _DESTINATION_PREPS):
            # "Douyin is testing a feature. Users will be able to share videos to WeChat Moments":
            # the destination is the counterpart; the platform the passage is about acts.
            cand.notes.append(f"actor {ctx.recent.name} from the previous sentences ({actor.name} is the destination)")
            actor = ctx.recent
    if actor is None and authority:
        actor = next((m for m in ctx.previous if m.platform and m.platform.is_authority), None)
        if actor is not None:
            cand.notes.append(f"authority {actor.name} from the previous sentence")
    pool = sorted([*mentions, *extra], key=lambda m: m.start) if extra else mentions
    target = choose_target(text, pool, actor, cand.start, cand.end, event_type=cand.event_type,
                           parties=[p for p in parties if not _names_actor(p, actor)])
    if (rule.roles == "passive" and actor is not None and actor.start >= cand.end and target is not None
            and target.start >= cand.end):
        # "Ola's mini app has disappeared from PhonePe Switch, the platform that once hosted Swiggy": what
        # stopped working is the subject before the trigger, not a platform named later in the clause.
        affected = next((m for m in reversed(mentions) if m.end <= cand.start and not m.generic
                         and m.group != actor.group and not (m.platform and m.platform.is_authority)), None)
        if affected is not None:
            target = affected
    own = [p for p in parties if not _names_actor(p, actor)]  # not "other Google apps"
    if target is None and own:
        target = min(own, key=lambda p: abs(p.start - cand.end))
        cand.notes.append(f"generic counterpart {target.text!r}")
    if target is None and actor is not None and rule.scope == "pair":
        for where, pool in (("previous", ctx.previous), ("next", ctx.following)):
            near = [m for m in pool if not m.generic and m.group != actor.group and m.name != actor.name
                    and not (m.platform and m.platform.is_authority)]
            if near:
                target = near[0]
                cand.notes.append(f"target {target.name} from the {where} sentence")
                break
    if (actor is not None and cand.event_type == "logistics_or_service" and actor.platform is not None
            and cand.polarity == "opening"
            and actor.platform.kind not in _CARRIERS):
        # "Pinduoduo merchants can ship through SF Express": the carrier opens its service to the platform.
        carrier = next((m for m in mentions if m.start >= cand.start and m.platform is not None
                        and m.platform.kind in _CARRIERS and m.group != actor.group
                        and _VIA.search(text[max(0, m.start - 30):m.start])), None)
        if carrier is not None:
            cand.notes.append(f"carrier {carrier.name} serves {actor.name}")
            actor, target = carrier, actor
    if (actor is not None and actor.start < cand.start and not authority
            and _PASSIVE_PERMIT.match(text, cand.start) and _PASSIVE_AUX.search(text[:cand.start])
            and preposition(text, actor) not in HOST_PREPS):  # "notes on Xiaohongshu will be allowed to": the host
        # "Epic has not been allowed to relaunch Fortnite on iOS": the subject is the side let in
        # (or kept out); the platform it concerns decides.
        host = next((m for m in mentions if m.start >= cand.end and m.group != actor.group and not m.generic
                     and not (m.platform and m.platform.is_authority)), None)
        if host is not None:
            cand.notes.append(f"passive permission: {host.name} decides about {actor.name}")
            actor, target = host, actor
    speaker = _permitting_speaker(text, mentions, actor, cand) if not authority else None
    if speaker is not None:
        # "Apple said Spotify could now tell users ...": the speaker grants what the subject may now do.
        cand.notes.append(f"permission through a speaker: {speaker.name} lets {actor.name}")
        actor, target = speaker, actor
    host = _passive_host(text, mentions, actor, cand) if not authority else None
    if host is not None:
        # "Alipay mini programs can now be opened from links posted on Weibo", "Baidu Netdisk links were
        # unblocked inside WeChat": the platform the subject's content is used in decides.
        cand.notes.append(f"passive with a host: {host.name} lets in {actor.name}")
        actor, target = host, actor
    if (actor is None and not authority and target is not None and target.platform is not None
            and not target.platform.is_authority and cand.polarity in ("opening", "closing")
            and preposition(text, target) not in _DESTINATION_PREPS):  # "share clips to WeChat": a destination
        group = _subject_group(text, cand.start, target)
        if group is not None:
            # "Developers of wallet apps will be able to use the iPhone's NFC chip", "third-party apps will be
            # barred from exporting Slack messages": no platform acts in the clause; the one whose door the
            # subject walks through opens (or shuts) it.
            cand.notes.append(f"{target.name} lets in the subject {group.text!r}")
            actor, target = target, group
    cand.actor, cand.target = actor, target
    orderer = ordered_by(text, mentions, cand.start) if cand.polarity != "mandate" else None
    if (orderer is not None and cand.polarity == "opening" and (actor is None or actor.group != orderer.group)
            and _OBLIGATION.search(text, orderer.end, cand.end)):
        # "The HKMA told licensees that every e-wallet must be able to send payments over FPS", "told the
        # platforms that blocking one another's links had to stop": an opening an authority orders is its mandate.
        cand.notes.append(f"an opening ordered by {orderer.name}: its regulatory order")
        cand.actor, cand.target = orderer, actor or target
        cand.polarity, cand.event_type = "mandate", "regulatory_order"
    elif orderer is not None:
        cand.dropped = f"ordered by {orderer.name}, not done: only a mandate rule can make it a signal"
    elif authority and hearsay(text, mentions, cand.start):
        cand.dropped = "the authority reports complaints or claims; it orders nothing"
    elif actor is None:
        cand.dropped = "no actor: no platform" + (" or authority" if authority else "") + " named"
    elif target is None and rule.scope == "pair":
        cand.dropped = "no counterpart: a second company's platform or a generic party is needed"


# What makes a report an order: "ordered Apple to let", "told licensees that every wallet must" (but not
# "told Apple that third-party apps can now", which reports).
_OBLIGATION = re.compile(r"\b(?:to|must|have to|has to|had to|should|shall|need to|needs to|required|obliged)\b", re.I)


# The head of a subject that is a group of users or businesses, not a platform.
_GROUP = re.compile(r"\b(?:users|owners|customers|shoppers|buyers|consumers|merchants|sellers|brands|banks|developers|"
                    r"creators|businesses|publishers|advertisers|rivals|competitors|providers|makers|subscribers|"
                    r"people|drivers|riders|restaurants|stores|apps|wallets)\b", re.I)


_MAY = re.compile(r"[^,;:]{0,80}?\b(?:can|could|will|may|are able|is able|be able|are allowed|are free|"
                  r"are permitted|get to|now)\b", re.I)


def _subject_group(text: str, start: int, host: Mention) -> Mention | None:
    """The group named as the subject of the trigger's clause, before the trigger and before ``host``."""
    lo = max(text.rfind(c, 0, start) for c in ",;:") + 1
    m = _GROUP.search(text, lo, min(start, host.start))
    if m is None or not _MAY.match(text, m.end()):
        return None  # the group must be who may now do something: "users ... can", "developers will be able to"
    phrase = text[lo:m.end()].strip()
    phrase = re.sub(r"^(?:(?:with|as|in|now|and|but|so)\b\s*)+", "", phrase, flags=re.I)
    begin = m.end() - len(phrase)
    return Mention(begin, m.end(), phrase, None, generic=True)


_SPEAKS = re.compile(r"\s*,?\s*(?:said|says|announced|announces|confirmed|confirms|told\s+[\w\s]{1,30}?|"
                     r"wrote|stated|noted|explained|added)(?:\s+(?:on|in|late|earlier|this)\s+\w+)?"
                     r"(?:\s+(?:that|how))?\s*$", re.I)
# What the subject may now do: a permission, not its own act ("could now", "will be able to", "is free to").
_MAY_NOW = re.compile(r"\b(?:(?:can|could|may)\s+(?:now|soon|finally|henceforth|from now on)\b|"
                      r"(?:can|could|will|would|shall)\s+(?:now\s+|soon\s+|also\s+|finally\s+)?be\s+"
                      r"(?:allowed|permitted|able|free)\s+to\b|(?:is|are)\s+(?:now\s+)?(?:free|allowed|permitted)"
                      r"\s+to\b|no\s+longer\s+(?:needs?|has|have)\s+to\b)", re.I)


def _permitting_speaker(text: str, mentions: Sequence[Mention], actor: Mention | None,
                        cand: Candidate) -> Mention | None:
    """The platform that announces another company's new permission ("Google said Samsung can now
    preinstall ...") when the permitted one stands as the subject of an opening."""
    if (actor is None or cand.polarity != "opening" or actor.start >= cand.start or actor.platform is None
            or not _MAY_NOW.search(text[actor.end:cand.end])):
        return None
    before = [m for m in mentions if m.end <= actor.start and not m.generic]
    if not before:
        return None
    speaker = before[-1]
    if (speaker.platform is None or speaker.platform.is_authority or speaker.group == actor.group
            or not _SPEAKS.match(text, speaker.end, actor.start)):
        return None
    return speaker


_PASSIVE_IN = re.compile(r"^(?:['’]s)?[^,;:]{0,60}?\b(?:(?:can|could|will|would|may|might|should)\s+(?:now\s+|once again\s+|again\s+|"
                         r"soon\s+|also\s+|finally\s+|still\s+)?be|is|are|was|were|has been|have been|had been|"
                         r"gets?|got)\s+(?:now\s+|again\s+|quietly\s+|finally\s+)?(?:[a-z]+ly\s+)?[a-z]+(?:ed|en|wn)\s+"
                         r"(?:[a-z]+ly\s+)?(?:from|inside|within|in|on|with|via|through|using)\s+(?:[\w'’\-]+\s+){0,3}$", re.I)


def _passive_host(text: str, mentions: Sequence[Mention], actor: Mention | None,
                  cand: Candidate) -> Mention | None:
    """The platform after "can now be <done> from/inside/on" when the subject before it is another company's
    content or product."""
    if actor is None or actor.platform is None or actor.start >= cand.start:
        return None
    for m in mentions:
        if m.start <= actor.end or m.generic or m.start > cand.end + 60:
            continue
        if m.platform is None or m.platform.is_authority or m.group == actor.group:
            continue
        if _PASSIVE_IN.match(text[actor.end:m.start]):
            return m
        break
    return None


_CARRIERS = frozenset({"logistics", "delivery"})
_DESTINATION_PREPS = frozenset({"to", "into", "onto", "with"})
_VIA = re.compile(r"\b(?:through|via|using|with|by)\s+(?:[\w'’\-]+\s+){0,2}$", re.I)
_PASSIVE_PERMIT = re.compile(r"(?:allowed|permitted|let|enabled)\b", re.I)
_PASSIVE_AUX = re.compile(r"\b(?:been|be|is|are|was|were|being|get|gets|got)\s+(?:not\s+|no longer\s+|now\s+|finally\s+)?$", re.I)



def _names_actor(party: Mention, actor: Mention | None) -> bool:
    if actor is None:
        return False
    names = {actor.name, actor.group, actor.platform.parent if actor.platform else None}
    return any(n and n.lower() in party.text.lower() for n in names)


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
    for rule, m in vetoes:
        if rule.applies_to and cand.polarity not in rule.applies_to:
            continue
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
        cand.dropped = "vetoed: " + ", ".join(r.id for r, _ in vetoes)
