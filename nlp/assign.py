"""Who acts and who is acted on, for one candidate.

``roles.choose_actor`` and ``roles.choose_target`` pick among the mentions by
position and preposition; this module then applies the constructions that
change the choice: the platform in focus referred back to, a generic
counterpart, a carrier serving a platform, a passive permission, a speaker
who permits, a host whose door a group of users walks through, and an
authority that orders what the clause describes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .authority import become_order, hearsay, ordered_by
from .platforms import Mention
from .roles import HOST_PREPS, LIST_GAP, choose_actor, choose_target, preposition, quoted_speaker, speaks_of_others

if TYPE_CHECKING:
    from .analyse import Candidate, Context


def assign_roles(cand: Candidate, text: str, mentions: Sequence[Mention], parties: Sequence[Mention],
                 ctx: Context, extra: Sequence[Mention] = ()) -> None:
    """Actor and target of a candidate; ``extra`` (organisations NER found) can only be targets."""
    rule = cand.rule.rule
    authority = cand.polarity == "mandate" or rule.scope == "authority"
    cand.dropped = None
    actor = choose_actor(text, mentions, cand.start, cand.end, authority=authority, event_type=cand.event_type,
                         roles=rule.roles)
    if not authority and (actor is None or actor.start >= cand.start):
        speaker = quoted_speaker(text, cand.start, cand.end, mentions)
        if speaker is not None:
            actor = speaker
            cand.notes.append(f"actor {speaker.name}: speaks for 'we' in the quote")
    if not authority and ctx.recent is not None and (actor is None or actor.start >= cand.start):
        ana = next((m for c in ctx.anaphors for m in c.finditer(text[:cand.start])), None)
        if ana is not None:
            if actor is None or ctx.recent.group != actor.group:
                actor = ctx.recent
                cand.notes.append(f"actor {actor.name} from the previous sentences ({ana.group()!r})")
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
    own = [p for p in parties if not _names_actor(p, actor)]  # not "other Google apps"
    target = choose_target(text, pool, actor, cand.start, cand.end, event_type=cand.event_type, parties=own)
    if (rule.roles == "passive" and actor is not None and actor.start >= cand.end and target is not None
            and target.start >= cand.end):
        # "Ola's mini app has disappeared from PhonePe Switch, the platform that once hosted Swiggy": what
        # stopped working is the subject before the trigger, not a platform named later in the clause.
        affected = next((m for m in reversed(mentions) if m.end <= cand.start and not m.generic
                         and m.group != actor.group and not (m.platform and m.platform.is_authority)), None)
        if affected is not None:
            target = affected
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
            and preposition(text, actor) not in HOST_PREPS  # "notes on Xiaohongshu will be allowed to": the host
            and not speaks_of_others(text, actor)):  # "Twitter said users would no longer be allowed to": it rules
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
        become_order(cand, orderer, f"an opening ordered by {orderer.name}: its regulatory order")
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
                         r"soon\s+|also\s+|finally\s+|still\s+)?be|is|are|was|were|"
                         r"(?:has|have|had)\s+(?:long\s+|since\s+|also\s+|already\s+)?been|gets?|got)\s+"
                         r"(?:(?:now|again|quietly|finally|still|long|also|already|largely|effectively|reportedly)\s+)?"
                         r"(?:[a-z]+ly\s+)?[a-z]+(?:ed|en|wn)\s+"
                         r"(?:[a-z]+ly\s+)?(?:as\s+(?:an?\s+|the\s+)?(?:[\w\-]+\s+){0,3}?(?:for\s+(?:[\w'’\-]+\s+){0,2}?)?)?"
                         r"(?:from|inside|within|in|on|with|via|through|using)\s+(?:[\w'’\-]+\s+){0,3}$", re.I)


def _passive_host(text: str, mentions: Sequence[Mention], actor: Mention | None,
                  cand: Candidate) -> Mention | None:
    """The platform after "can now be <done> from/inside/on" when the subject before it is another company's
    content or product."""
    if actor is None or actor.platform is None or actor.start >= cand.start:
        return None
    listed_to = actor.end  # "Douyin and Kuaishou links have been blocked inside WeChat": the list is the subject
    for m in mentions:
        if m.start <= actor.end or m.generic or m.start > cand.end + 60:
            continue
        if m.platform is None or m.platform.is_authority or m.group == actor.group:
            continue
        if m.end <= cand.start and LIST_GAP.match(text[listed_to:m.start]):
            listed_to = m.end
            continue
        if _PASSIVE_IN.match(text[actor.end:m.start]) and (listed_to == actor.end
                                                           or not _WITH.search(text, actor.end, m.start)):
            return m  # (a list "integrated with" a network is joined with it, not let in by it)
        break
    return None


_WITH = re.compile(r"\bwith\s+(?:[\w'’\-]+\s+){0,2}$", re.I)
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
