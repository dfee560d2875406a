"""Who acts and who is acted upon: choosing actor and target among a sentence's mentions.

The heuristics follow how news English states these events:

- the subject comes before the trigger and is not the object of a preposition
  ("Douyin will not let creators send followers to WeChat": Douyin acts);
- a passive names the actor after "by", or as the host after "in/on/within"
  ("links to Feishu stopped working inside WeChat": WeChat acts);
- in a payment event the payment method is the target and the merchant side
  acts ("WeChat Pay showed up on Taobao's checkout": Taobao accepts it);
- the target belongs to another company than the actor (QQ Music is not a
  counterpart of WeChat).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .platforms import Mention, PlatformList

OBJECT_PREPS = frozenset({"to", "from", "for", "with", "than", "as", "like", "of", "about", "against", "towards",
                          "toward", "via", "through", "using", "at", "by", "including", "onto",
                          "between", "among", "over", "out", "targeting", "than"})
HOST_PREPS = frozenset({"in", "inside", "within", "on", "into", "across"})
# After one of these verbs a platform is an object ("connect their Messenger", "ordered Douyin").
OBJECT_VERBS = frozenset({"let", "lets", "use", "uses", "connect", "allow", "allows", "block", "blocks", "ban", "bans",
                          "join", "joins", "give", "gives", "make", "makes", "take", "takes", "open", "opens", "accept",
                          "accepts", "add", "adds", "remove", "removes", "support", "supports", "scan", "visit",
                          "download", "install", "pay", "buy", "link", "share", "bypass", "reach", "access", "leave",
                          "tell", "told", "ask", "urge", "order", "force", "fine", "sue", "hit", "put", "bring",
                          "drive", "send", "sent", "see", "saw", "find", "found", "choose", "chose", "pick",
                          "book", "order", "hail", "rent", "watch", "play", "stream", "read", "click", "clicks", "tap",
                          "taps", "copy", "copies", "paste", "pastes", "post", "posts", "forward", "forwards"})
SAY_VERBS = frozenset({"said", "says", "say", "claimed", "claims", "reported", "reports", "confirmed", "confirms",
                       "announced", "announces", "believe", "believes", "believed", "thinks", "think", "added",
                       "noted", "argued", "stated", "wrote", "explained", "insisted", "warned", "expected"})
_HOST_OF = re.compile(r"\b(?:users|customers|shoppers|merchants|sellers|members|subscribers|owners|buyers|"
                      r"drivers|riders|players|creators|fans|viewers)\s+of\s+(?:the\s+)?$", re.I)
_PREP = re.compile(r"([A-Za-z]+)\s+(?:(?:the|a|an|its|their|his|her|our|rival|other|own|some|many|several|all|most|selected|select|both)\s+)*$")
_SPEAKER = re.compile(r"^\s*,?\s*(?:said|says|say|told|tells|reported|reports|confirmed|confirms|announced|announces|"
                      r"noted|notes|added|explained|wrote|stated|argued|claimed|claims|has said|had said)\b")
_SELF_REPORT = re.compile(r"\s*,?\s*(?:said|says|confirmed|confirms|stated|explained|added)\s+(?:that\s+)?"
                          r"(?:it|they)\s+(?:had|has|have|was|were|would|will|is|are)\b", re.I)
# An owner named in passing ("PhonePe, then owned by Flipkart", "Ele.me, a unit of Alibaba") is neither side.
_OWNER_IN_PASSING = re.compile(r"\b(?:(?:owned|backed|controlled|acquired|bought|run) by|"
                               r"(?:unit|arm|subsidiary|affiliate|part) of)\s+(?:the\s+)?$", re.I)
_NOUN_TRIGGER = re.compile(r"^(?:ban|bans|block|blockade|restrictions?|curbs?|crackdown|clean-up|removal|limits?)\b", re.I)
# A body that can be the subject of "bans"/"limits" ("Japan's new law bans ..."), not a noun compound.
_BODY = re.compile(r"\b(?:law|laws|act|rules|regulations?|legislation|bill|government|court|commission|regulators?|"
                   r"authority|authorities|ministry|watchdog|lawmakers|parliament|congress)$", re.I)
_PARTICIPANTS = re.compile(r"\s+(?:merchants|sellers|brands|cardholders|advertisers|vendors|restaurants|stores|shops|"
                           r"developers|creators|streamers|livestreamers)\b", re.I)
_INSIDE = frozenset({"in", "inside", "within", "on", "into", "onto"})
_STAFF_SPEAKER = re.compile(r"^(?:['’]s)?\s+(?:[\w\-]+\s+)?(?:spokes(?:person|man|woman)|executives?|officials?|"
                            r"representatives?|staff|employees?|manager)\s*,?\s*(?:said|says|told|tells|confirmed|"
                            r"confirms|added|wrote)\b", re.I)
# An authority named after the order, as the one who states it (a judge's name may follow the title).
_RULING = re.compile(r"(?:['’]s\s+(?:tribunal|court|board|panel|judges?|commissioners?|council|governor))?"
                     r"(?:\s+[A-Z][\w.\-]*){0,3}(?:\s+in\s+[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)?\s*,?\s*(?:said|says|told|tells|ruled|rules|held|holds|found|"
                     r"finds|decided|decides|ordered|orders|wrote|stated|announced|concluded|declared|warned|upheld|upholds|"
                     r"has ruled|had ruled|has said|had said)\b")
_PARTICIPLE = re.compile(r"\b(?!(?:need|speed|feed|seed|indeed)\b)\w{2,}(?:ed|en)\s+by\b", re.I)
# The court where a company sues is where the claim is heard: "Douyin sued Tencent in a Beijing court".
_VENUE = re.compile(r"\b(?:in|before|at)\s+(?:the\s+|a\s+)?$", re.I)
_AS_PLACE = re.compile(r"\b(?:in|across|throughout|outside|within)\s+(?:the\s+)?$", re.I)
_LEAD_SUBJECT = re.compile(r"\s*(?:the\s+)?$", re.I)
# "under the revised law", "under new rules issued by the MIIT": what obliges is the law or its issuer.
_UNDER = re.compile(r"\bunder\s+(?:[\w'’\-]+\s+){0,3}(?:(?:issued|released|published|adopted|drafted|unveiled|"
                    r"finali[sz]ed)\s+(?:\w+\s+)?by\s+(?:the\s+)?)?$", re.I)
LIST_GAP = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|/)\s*$")
_POSSESSIVE_GAP = re.compile(r"^(?:['’]s\s+(?:[\w\-]+\s+){0,3}|-(?:backed|owned|controlled|affiliated|funded|run)\s+)$")

# Ranks for the payment rule: a card network is paid through, a wallet is accepted, a merchant accepts.
_PAY_RANK = {"card_network": 0, "payments": 1, "wallet": 1}


def is_object(text: str, m: Mention, floor: int = 0) -> bool:
    """Whether a mention follows a preposition or a transitive verb, so it cannot be the subject."""
    word = preposition(text, m, floor)
    if word is None:
        return False
    if word == "of" and _HOST_OF.search(text, max(floor, m.start - 40), m.start):
        return False  # "users of Ele.me can now ...": the platform the users are on
    if word in OBJECT_PREPS or word in OBJECT_VERBS:
        return True
    return word not in SAY_VERBS and word.endswith(("ed", "ing"))


def preposition(text: str, m: Mention, floor: int = 0) -> str | None:
    """The preposition (or conjunction) just before a mention, lower-cased."""
    found = _PREP.search(text, max(floor, m.start - 30), m.start)
    return found.group(1).lower() if found else None


def fold_possessives(text: str, mentions: Sequence[Mention], platforms: PlatformList) -> list[Mention]:
    """Merge "Tencent's WeChat Pay", "Alimama's Uni Desk" and "Taobao's Freshippo" (one company) into
    one mention of the product."""
    out: list[Mention] = []
    skip = -1
    for i, m in enumerate(mentions):
        if i == skip:
            continue
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if (nxt is not None and m.platform and nxt.platform
                and (m.platform is nxt.platform or platforms.owns(m.platform, nxt.platform)
                     or m.platform.name == nxt.platform.parent or m.platform.group == nxt.platform.group)
                and _POSSESSIVE_GAP.match(text[m.end:nxt.start])):
            out.append(Mention(m.start, nxt.end, text[m.start:nxt.end], nxt.platform))
            skip = i + 1
            continue
        out.append(m)
    return out


def speaks_after(text: str, m: Mention) -> bool:
    """Whether ``m`` is named as the one speaking: "Apple said", "a WeChat spokesperson told Reuters"."""
    return bool(_SPEAKER.match(text[m.end:m.end + 20]) or _STAFF_SPEAKER.match(text[m.end:m.end + 40]))


def speaks_of_others(text: str, m: Mention) -> bool:
    """Whether ``m`` speaks about what others may do ("Twitter said users would no longer be allowed to"),
    not about itself ("Epic said it has not been allowed to")."""
    return speaks_after(text, m) and not _SELF_REPORT.match(text, m.end)


def is_venue(text: str, m: Mention) -> bool:
    """Whether ``m`` is a court named as the place a case is heard ("sued Tencent in a Beijing court")."""
    return (m.platform is not None and m.platform.kind == "court"
            and bool(_VENUE.search(text, max(0, m.start - 12), m.start)))


def is_place(text: str, m: Mention) -> bool:
    """Whether an authority is named as a place ("hotels in the EU", "across the EU"), not as one who acts."""
    return bool(_AS_PLACE.search(text, max(0, m.start - 16), m.start))


def owner_in_passing(text: str, m: Mention) -> bool:
    """Whether ``m`` is named only as the owner of what comes before it ("then owned by Flipkart")."""
    return bool(_OWNER_IN_PASSING.search(text, max(0, m.start - 30), m.start))


def choose_actor(text: str, mentions: Sequence[Mention], start: int, end: int, *, authority: bool,
                 event_type: str | None, floor: int = 0, roles: str = "subject") -> Mention | None:
    """The mention that acts for a trigger spanning ``start:end`` of ``text``."""
    if authority:
        cands = [m for m in mentions if m.platform and m.platform.is_authority]
        # A regulator acts under a law: "the JFTC designated Apple under its smartphone law, which bars ...".
        # ... unless the law is the subject and the regulator only comes after the trigger ("Japan's act took
        # effect, obliging Apple to ..., with breaches overseen by the JFTC").
        cands = [m for m in cands if m.platform.kind != "law"
                 and (m.start < end or not any(o.platform.kind == "law" and o.end <= start for o in cands))] or cands
        cands = [m for m in cands if not is_venue(text, m)]
        cands = [m for m in cands if not is_place(text, m)] or cands
    else:
        cands = [m for m in mentions if not m.generic and not (m.platform and m.platform.is_authority)
                 and not owner_in_passing(text, m)]
        # A standard (RCS, NFC, SMS) is what gets adopted, not who adopts it.
        cands = [m for m in cands if not (m.platform and m.platform.kind == "standard")] or cands
    if not cands:
        return None
    listed = _list_members(text, mentions)
    # A speaker ("ByteDance said") reports the event; a noun compound ("a TikTok ban") names its object.
    before = [m for m in cands if m.end <= start
              and not (text[m.end:start].strip() == "" and _NOUN_TRIGGER.match(text[start:end])
                       and not _BODY.search(m.text))]
    speakers = [m for m in before if _SPEAKER.match(text[m.end:m.end + 20])]
    before = [m for m in before if m not in speakers] or before
    after = [m for m in cands if m.end > start]  # overlapping counts: "Tencent's WeChat Pay would be added"
    actor = None
    if roles == "host":
        actor = next((m for m in after if preposition(text, m, floor) in HOST_PREPS), None)
    elif roles == "destination":
        # "Disney+ returned to Roku devices": the platform taking it back decides.
        actor = next((m for m in after if preposition(text, m, floor) in HOST_PREPS | {"to", "onto"}), None)
    elif roles == "passive":
        affected = before[-1] if before else None
        # "Paytm was removed from Google's Play Store ..., though it stayed on Apple's App Store": the
        # platform it is removed from, named first, decides.
        actor = next((m for m in after if preposition(text, m, floor) in HOST_PREPS | {"by", "through", "via", "from"}
                      and (affected is None or m.group != affected.group)), None)
        if actor is None and affected is not None and affected.platform and affected.platform.owner:
            # "iMessage will not be opened to Android, Apple said": the owner decides about its product.
            actor = next((m for m in after if m.platform and m.platform.name == affected.platform.owner), None)
        if actor is None:
            actor = next((m for m in after if affected is None or m.group != affected.group), None)
        if actor is not None:
            return actor
    elif before and text[:start].rstrip().endswith(",") and text[start:end].split()[0].lower().endswith("ing"):
        # "Apple rejected the app, blocking ...": a participle clause shares the main clause's subject.
        actor = next((m for m in before if not is_object(text, m, floor) and id(m) not in listed), None)
        # "Beeper Mini stopped ...: Apple said it had taken steps ..., cutting off the Android app": a later
        # speaker reporting its own act ("said it had") is the subject the participle continues.
        own = _self_reporter(text, speakers)
        if own is not None:
            actor = own
    for m in after if actor is None else ():  # a passive's agent: "... was blocked by WeChat"
        # ... but not the agent of a reduced relative: "blocked techniques used by Beeper Mini".
        if m.start - end < 40 and preposition(text, m, floor) == "by" and not _PARTICIPLE.search(text, end, m.start):
            actor = m
            break
    if actor is None:
        for m in reversed(before):
            # An adjunct ("on Android", "in Europe") is not the subject either; hosts come later.
            if not is_object(text, m, floor) and id(m) not in listed and preposition(text, m, floor) not in HOST_PREPS:
                actor = m
                break
        # "Beeper Mini went dark: Apple said it had taken steps ... by blocking ...": "it" is the speaker.
        own = _self_reporter(text, speakers)
        if own is not None and actor is not None and own.start > actor.start and roles == "subject":
            actor = own
    if actor is None:
        # "visitors will be able to pay at NETS QR merchants": where they pay is who lets them.
        actor = next((m for m in after if preposition(text, m, floor) in HOST_PREPS | {"at"}), None)
    if actor is None:
        actor = next((m for m in before if preposition(text, m, floor) in HOST_PREPS), None)
    if actor is None and before:
        # Every candidate is an object: the speaker ("X said links to Substack would no longer be
        # suppressed"), else the nearest one ("people who use WhatsApp can ...").
        actor = next((m for m in reversed(speakers) if m not in before), None) or before[-1]
    if actor is None and not authority:
        # "approved cutting off Vine from Facebook's friend data": whose resource it is decides.
        actor = next((m for m in after if preposition(text, m, floor) == "from"
                      and text.startswith(("'s", "’s"), m.end)), None)
    if actor is None and not authority:  # the pattern starts with the platform: "{PAY} showed up on ..."
        actor = next((m for m in after if m.start < end), None)
    if actor is None and not authority:  # "developers can now point users to ..., Apple said": the speaker decides
        actor = next((m for m in after if speaks_after(text, m)), None)
    if actor is None and not authority and roles == "subject":
        # "Europe's first interoperable chats are live: WhatsApp has begun delivering ...": a headline-style
        # lead names the event before the colon and its subject after it.
        colon = text.find(":", end)
        actor = next((m for m in after if colon >= 0 and m.start > colon
                      and _LEAD_SUBJECT.match(text, colon + 1, m.start)), None)
    if actor is None and authority:  # "under the revised law, platforms may no longer ...": the law obliges
        actor = next((m for m in after if _UNDER.search(text, max(floor, m.start - 60), m.start)), None)
    if actor is None and authority:  # "..., the MIIT told companies", "..., US District Judge Amit Mehta ruled"
        actor = next((m for m in after if _RULING.match(text, m.end)), None)
    accused = _accused(text, before, start) if not authority and roles == "subject" else None
    if accused is not None:
        actor = accused
    if (actor is not None and not authority and roles == "subject" and actor.end <= start
            and _PARTICIPANTS.match(text, actor.end)):
        # "Tmall brands can now run ads on Douyin": the brands are let in; the platform hosting them decides.
        host = next((m for m in after if m.group != actor.group and preposition(text, m, floor) in _INSIDE), None)
        if host is not None:
            actor = host
    if actor is not None and actor.platform and actor.platform.kind == "company" and not authority:
        # "ByteDance ... let Douyin merchants": report the company's own platform named in the clause.
        owned = [m for m in cands if m.platform and m.platform.owner == actor.platform.name
                 and not m.platform.is_payment and actor.end <= m.start and m.end <= start
                 and "," not in text[m.end:start]]  # in the trigger's clause, not an earlier one
        if owned:
            actor = min(owned, key=lambda m: abs(m.start - start))
    if actor is not None and event_type == "payment" and actor.platform and not authority:
        rank = _PAY_RANK.get(actor.platform.kind, 2)
        # A merchant side that owns another payment method here is that method's app, not a merchant.
        better = [m for m in cands if m.platform and _PAY_RANK.get(m.platform.kind, 2) > rank
                  and m.platform.kind not in ("app", "messaging", "feature")
                  and m.group != actor.group
                  and not any(o is not m and o is not actor and o.group == m.group
                              and o.platform and o.platform.is_payment for o in cands)]
        if better:
            actor = min(better, key=lambda m: abs(m.start - start))
    return actor


_ACCUSING = re.compile(r"\b(?:accus\w*|charg(?:ed|es|ing))\s+(?:(it|them|the company|the firm|the platform|the group)"
                       r"|([^,.;]{1,40}?))\s+of\b", re.I)


def _accused(text: str, before: Sequence[Mention], start: int) -> Mention | None:
    """Whom a complaint accuses of the act: "Douyin sued Tencent, accusing it of restricting ..." (Tencent),
    "Spotify accused Apple of blocking ..." (Apple); the claimant does not do what it complains of."""
    matches = list(_ACCUSING.finditer(text, 0, start))
    found = matches[-1] if matches else None  # the complaint nearest the act
    if found is None or re.search(r"[.;]", text[found.end():start]):
        return None
    if found.group(2) and found.group(2).lower().startswith("by "):
        return None  # "Apple has been accused by Spotify of blocking": the subject is accused
    if found.group(2):  # "accused Apple of": the platform named between the two words
        return next((m for m in reversed(before) if found.start(2) <= m.start and m.end <= found.end(2)), None)
    # "accusing it of": the object of the complaint before it ("sued Tencent, accusing it of")
    return next((m for m in reversed(before) if m.end <= found.start() and is_object(text, m)), None)


def _self_reporter(text: str, speakers: Sequence[Mention]) -> Mention | None:
    """The last speaker reporting its own act ("Apple said it had ...")."""
    return next((m for m in reversed(speakers) if _SELF_REPORT.match(text, m.end)), None)


def _list_members(text: str, mentions: Sequence[Mention]) -> set[int]:
    """Mentions that continue a list ("Zhihu, Haokan Video and Xiaohongshu"): never the subject."""
    out = set()
    for a, b in zip(mentions, mentions[1:]):
        if LIST_GAP.match(text[a.end:b.start]):
            out.add(id(b))
            if id(a) in out or is_object(text, a):
                out.add(id(a))
    return out


_CLAUSE_BREAK = re.compile(r";|,\s+(?:and|but|while|whereas|although|though)\s|\s+but\s|"
                           r",\s+(?:many|some|most|all|several|few|none|one|two|half) of (?:whom|which)\b")


def _clause_end(text: str, pos: int) -> int:
    m = _CLAUSE_BREAK.search(text, pos)
    return m.start() if m else len(text)


_REPLACED = re.compile(r"\b(?:instead of|rather than|in place of|replacing|similar to|akin to|modell?ed on|catch up with|"
                       r"compared (?:with|to)|inspired by|copying|mimicking|unlike|beating|rivall?ing|ahead of|"
                       r"just as|as did|compet(?:ing|es|e|ed) (?:with|against)|in competition with|"
                       r"take on|takes on|taking on|challenge|challenging|match|matching|win over|wins over|"
                       r"winning over|woo|woos|wooing|"
                       r"(?:people|users|those|creators|customers|shoppers|consumers) who (?:use|used|prefer|"
                       r"have taken to|took to|have flocked to|flocked to|switched to|rely on)|"
                       r"(?:rival|rivals|alternative|competitor|challenger) to|clone of|copy of|"
                       r"(?:more|fewer|less|bigger|larger|smaller|faster|slower) than|"
                       r"(?:crowded|dominated|led) (?:with|by))"
                       r"\s+(?:[\w'’\-]+\s+){0,2}$", re.I)


def _set_aside(text: str, mentions: Sequence[Mention]) -> set[int]:
    """Platforms named as what the event is compared with or replaces ("instead of X", "rival to X", "a market
    crowded with X, Y and Z"), with the rest of their list: not the other side."""
    out: set[int] = set()
    prev = None
    for m in mentions:
        if _REPLACED.search(text[max(0, m.start - 40):m.start]) or (
                prev is not None and id(prev) in out and LIST_GAP.match(text[prev.end:m.start])):
            out.add(id(m))
        prev = m
    return out


_OWN_BEFORE = re.compile(r"\b(?:its|their|our)\s+$", re.I)
_APP_AFTER = re.compile(r"\s+(?:apps?|versions?|clients?)\b", re.I)


def _own_app_on(text: str, m: Mention) -> bool:
    """"its iOS app", "their Android versions": the subject's own app on a system, not a counterpart."""
    return bool(_OWN_BEFORE.search(text, max(0, m.start - 8), m.start) and _APP_AFTER.match(text, m.end))


def choose_target(text: str, mentions: Sequence[Mention], actor: Mention | None, start: int, end: int,
                  *, event_type: str | None, parties: Sequence[Mention] = ()) -> Mention | None:
    """The other side: another company's platform inside or after the trigger, a generic party
    after it ("other platforms"), else a platform before it."""
    aside = _set_aside(text, mentions)
    others = [m for m in mentions if m is not actor and not m.generic and id(m) not in aside
              and not (m.platform and m.platform.is_authority) and not owner_in_passing(text, m)
              and not _own_app_on(text, m)
              and (actor is None or (m.group != actor.group and m.name != actor.name))]
    inside = [m for m in others if m.start < end and m.end > start]
    clause_end = _clause_end(text, end)
    after = [m for m in others if end <= m.start < clause_end]
    before = [m for m in reversed(others) if m.end <= start]
    generic_after = [p for p in parties if p.start >= start]
    if actor is not None and actor.platform is not None and actor.platform.is_authority:
        ordered = inside + after + before + generic_after  # whom an authority orders is named
    else:
        ordered = inside + after + generic_after + before
    if (actor is not None and actor.platform is not None and actor.platform.is_authority
            and re.search(r"\bby\s+(?:the\s+)?$", text[max(0, actor.start - 10):actor.start])):
        # "Apple has been accused by the European Commission of ...": the passive subject is the target.
        subject = [m for m in before if m.end <= actor.start]
        if subject:
            return subject[0]
    if (ordered and ordered[0].platform is not None and ordered[0].platform.kind == "company"
            and not (actor is not None and actor.platform is not None and actor.platform.is_authority)):
        # "Xianyu listings ... a change Alibaba staff described": the product named beats its owner.
        owned = [m for m in others if m.platform and m.platform.owner == ordered[0].platform.name]
        if owned:
            ordered = [owned[0], *[m for m in ordered if m is not owned[0]]]
    if generic_after:
        # The side an opening concerns is "third-party wallets", not the NFC chip they get to use.
        ordered = ([m for m in ordered if not (m.platform and m.platform.kind == "standard")]
                   + [m for m in ordered if m.platform and m.platform.kind == "standard"])
    if event_type == "payment" and actor is not None:
        pay = [m for m in ordered if m.platform and m.platform.is_payment and m.group != actor.group]
        if pay:
            return pay[0]
    return ordered[0] if ordered else None


_OPEN_QUOTE = re.compile(r"(?:^|(?<=\s))[\"“‘']")
_CLOSE_QUOTE = re.compile(r"[\"”’'](?=[\s,.;:]|$)")
_FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.I)
_AFTER_QUOTE = re.compile(r"\s*,?\s*(?:said\s+|says\s+)?(?:(?:a|an|the)\s+)?$", re.I)


def first_person_quote(text: str, start: int, end: int) -> int | None:
    """Where the quote ends when ``start:end`` sits in a quote that speaks as "we" ('"We have never blocked
    Kimi," a WeChat spokesperson said'), else None."""
    opens = [m.start() for m in _OPEN_QUOTE.finditer(text, 0, start)]
    close = _CLOSE_QUOTE.search(text, end)
    if not opens or close is None or not _FIRST_PERSON.search(text, opens[-1], start):
        return None
    return close.end()


def quoted_speaker(text: str, start: int, end: int, mentions: Sequence[Mention]) -> Mention | None:
    """The platform whose spokesperson says the quote "we" speaks in: its act."""
    close = first_person_quote(text, start, end)
    if close is None:
        return None
    return next((m for m in mentions if close <= m.start <= close + 25 and m.platform is not None
                 and _AFTER_QUOTE.fullmatch(text, close, m.start) and speaks_after(text, m)), None)
