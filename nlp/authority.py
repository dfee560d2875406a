"""How an authority frames an event: it orders it, reports complaints about it, takes a company's
commitment in its case, or alleges the conduct in a lawsuit or finding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .dating import past_date
from .platforms import Mention
from .roles import is_place, is_venue

if TYPE_CHECKING:
    from .analyse import Candidate


_ORDER = re.compile(r"\b(?:ordered|orders|order|told|tells|tell|required|requires|asked|asks|urged|urges|forced|"
                    r"forces|demanded|demands|instructed|instructs|summoned|directed|directs)\b", re.I)


_HEARSAY = re.compile(r"\b(?:complaints?|reports?|claims?|accus\w*|alleg\w*)\s+that\b", re.I)


def hearsay(text: str, mentions: Sequence[Mention], start: int) -> bool:
    """An authority reporting complaints ("received complaints that apps force users ...") orders nothing."""
    auth = [m for m in mentions if m.platform and m.platform.is_authority and m.end <= start]
    return bool(auth) and _HEARSAY.search(text, auth[-1].end, start) is not None


def ordered_by(text: str, mentions: Sequence[Mention], start: int) -> Mention | None:
    """An authority before the trigger that orders it ("the CAC ordered Douyin to remove ..."), unless what
    follows the order is its finding ("ordered corrective action, saying Kakao withheld calls from ...")."""
    for m in mentions:
        order = _ORDER.search(text, m.end, start) if m.platform and m.platform.is_authority and m.end <= start else None
        # "users in the EU who open Safari will be asked to ...": a jurisdiction named as a place orders nothing.
        if (order is not None and not _FINDING.search(text, order.end(), start)
                and not is_place(text, m) and not _counterfactual(text, m)):
            return m
    return None


_FINDING = re.compile(r"\b(?:saying|finding|found|concluding|concluded)\b", re.I)


# "Five years before the DMA forced anything, Apple licensed ...": an order that had not happened;
# "Despite the Justice Department's lawsuit, Apple still does not allow ...": one that has not worked.
_COUNTERFACTUAL = re.compile(r"\b(?:before|without|unlike|absent|long before|years before|despite|in spite of|"
                             r"notwithstanding)\s+(?:the\s+|any\s+)?$", re.I)


def _counterfactual(text: str, m: Mention) -> bool:
    return bool(_COUNTERFACTUAL.search(text, max(0, m.start - 30), m.start))


_COMMIT = re.compile(r"\b(?:agreed|agrees|agreeing|committed|commits|committing|pledged|pledges|promised|"
                     r"promises|offered|offers)\s+to\s+(?:\w+\s+){0,2}$", re.I)


def commitment(cand: Candidate, text: str, mentions: Sequence[Mention]) -> None:
    """A company's commitment in a regulator's case is the regulator's order:
    "The JFTC said Google had agreed to stop paying phone makers ..."."""
    if cand.dropped or cand.polarity == "mandate" or cand.actor is None:
        return
    # Only an authority named before the event frames it as its case ("The JFTC said Google had agreed
    # to ..."); named after it ("..., settling the Commission's case", "a right Apple agreed to grant
    # under commitments it made to the Commission") it is the background of the company's own move.
    authority = next((m for m in mentions if m.platform and m.platform.is_authority
                      and m.platform.kind != "law" and m.end <= cand.start), None)
    if authority is None or not (_COMMIT.search(text[max(0, cand.start - 60):cand.start])
                                 or _UNDER_ORDER.search(text) or _BINDING.search(text)):
        return
    become_order(cand, authority, f"commitment in a case of {authority.name}: a regulatory order")


def become_order(cand: Candidate, authority: Mention, note: str) -> None:
    """Make a company's act the authority's order: the authority acts, the company is its target."""
    cand.notes.append(note)
    cand.actor, cand.target = authority, cand.actor or cand.target
    cand.polarity, cand.event_type = "mandate", "regulatory_order"


# "Under a consent decree with the KFTC, Kakao will let ...", "... under the court's injunction".
# "The Commission made Apple's commitments legally binding, meaning rival wallets will get access ...".
_BINDING = re.compile(r"\b(?:made|makes|making|declared|declares)\s+(?:[\w'’\-]+\s+){0,4}?(?:legally\s+)?binding\b|"
                      r"\bcommitments?\s+(?:[\w'’\-]+\s+){0,4}?(?:made|declared)\s+(?:legally\s+)?binding\b|"
                      r"\baccepted\s+(?:[\w'’\-]+\s+){0,3}?commitments\b", re.I)
_UNDER_ORDER = re.compile(r"\bunder (?:a |an |the |its |their )?(?:[\w\-]+['’]s )?(?:new )?(?:consent decree|settlement|"
                          r"court order|injunction|order|ruling|commitments?|remedies|remedy)\b", re.I)


_ALLEGE = re.compile(r"\b(?:lawsuit|suit|complaint|case|investigation|probe|inquiry|proceedings|statement of objections|preliminary (?:findings|view)|"
                     r"charge sheet|argued|argues|alleged|alleges|alleging|accused|accuses|claimed|claims|saying)\b", re.I)


_UNLAWFUL = re.compile(r"\b(?:illegally|unlawfully|illegal|unlawful|anticompetitive|anti-competitive|violated|violates|"
                       r"breached|breaches|infringed|infringes|abused|abuses)\b", re.I)
# The authority's finding of harm after the conduct: "said Apple's restrictions ... were hurting banks".
_HARM = re.compile(r"\b(?:were|was|are|is|had been|have been)\s+(?:\w+\s+)?(?:hurting|harming|stifling|damaging|"
                   r"undermining)\b", re.I)
_FILED = re.compile(r"\bin (?:a|an|its|the) (?:\w+ )?(?:complaint|lawsuit|suit|filing|statement of objections|"
                    r"preliminary findings)\b", re.I)


def alleged(cand: Candidate, text: str, mentions: Sequence[Mention], year: int | None = None) -> None:
    """An authority's case against the conduct is the authority's action: "The Justice Department
    argued in its lawsuit that Apple blocks cross-platform messaging apps". A dated past act it recounts
    ("the complaint says that in 2013 Facebook cut off Vine") stays that company's closing."""
    if (cand.dropped and not cand.dropped.startswith("no counterpart")) or cand.polarity != "closing" \
            or cand.actor is None or (year is not None and past_date(text, cand.start, cand.end, year)):
        return
    authority = next((m for m in mentions if m.platform and m.platform.is_authority
                      and m.platform.kind != "law" and m.end <= cand.actor.start
                      and not _counterfactual(text, m) and not is_venue(text, m)), None)
    if authority is None:
        return
    if not (_ALLEGE.search(text, authority.end, cand.start)
            or _UNLAWFUL.search(text, authority.end, cand.end) or _HARM.search(text, cand.end)
            or _FILED.search(text, cand.end)):
        return
    cand.dropped = None  # the authority's case is the counterpart
    cand.notes.append(f"alleged in a case of {authority.name}: a regulatory action")
    cand.target, cand.actor = cand.actor, authority
    cand.polarity, cand.event_type = "mandate", "regulatory_order"
