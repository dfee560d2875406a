"""Negation, reversal, restriction and denial cues applied to a trigger match.

"no longer blocks" reverses a closing into an opening, "will not let" negates an
opening into a closing, "the lifting of restrictions on" undoes a restriction,
and "denied reports that" marks the status without touching the polarity.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .roles import first_person_quote
from .rules import RuleSet

if TYPE_CHECKING:
    from .analyse import Candidate

FLIP = {"opening": "closing", "closing": "opening"}
# A company's spokesperson saying it is not blocking: "LinkedIn is not blocking OpenAI's Atlas browser, a
# company spokesperson said".
_SPOKESPERSON = re.compile(r",\s*(?:a|an|the)\s+(?:company\s+|[A-Z][\w.&'’-]*\s+)?(?:spokes(?:person|man|woman)|"
                           r"representative)\s+(?:said|says|told)\b")
_WORD = re.compile(r"[\w'’.\-]+")
# A company saying it did not do it: "Apple hit back ..., saying it never blocked the app".
_SELF_DENIAL = re.compile(r"\b(?:said|says|saying|insisted|insists|insisting|maintained|maintains|stressed|stresses)\s+"
                          r"(?:that\s+)?(?:it|they|the company|(?-i:[A-Z][\w.\-]*))\s+"
                          r"(?:had\s+|has\s+|have\s+|did\s+|does\s+|will\s+|would\s+)?$", re.I)


def apply_negation(cand: Candidate, text: str, rules: RuleSet) -> None:
    """Apply the first negation cue found before the trigger (or inside it, after its first word)."""
    for c in rules.of("negation"):
        window_start = _window_start(text, cand.start, c.rule.window)
        found = list(c.finditer(text[window_start:cand.start]))
        before = len(found)
        if not cand.rule.rule.negation_inside and c.rule.inside:
            # Inside the match, after its first word: "links ... can no longer be opened".
            first = re.match(r"\S+", text[cand.start:cand.end])
            found += list(c.finditer(text[cand.start + (first.end() if first else 0):cand.end]))
        if not found:
            continue
        m = found[0]
        mode = c.rule.mode
        if mode == "deny":
            # "denied reports that it would stop accepting Alipay": the denial marks the status;
            # the closing it denies is still a closing, so the other cues still apply.
            cand.status = "denied"
            cand.notes.append(f"deny by {c.rule.id} ({m.group()!r})")
            continue
        if mode == "negate" and cand.polarity == "mandate" and before:
            # "faces no obligation to connect", "did not order": no order was given. (A negation inside the
            # order is what is ordered against: "fined Google for pressuring developers not to launch".)
            cand.negation = mode
            cand.dropped = f"negated order (by {c.rule.id} ({m.group()!r}))"
            return
        if mode == "reverse" and len(found) % 2 == 0:
            # "dropped its plan to stop accepting": two reversals cancel out.
            cand.negation = "double"
            cand.notes.append(f"double negation by {c.rule.id} ({', '.join(repr(f.group()) for f in found)})")
            return
        if mode == "restrict" and before:
            # "the lifting of restrictions on sharing videos to WeChat": the restriction is undone.
            at = window_start + m.start()
            undo = next((r for r in rules.of("negation") if r.rule.mode == "reverse"
                         and r.search(text[_window_start(text, at, 4):at])), None)
            if undo is not None:
                cand.negation = "double"
                cand.notes.append(f"restriction ({m.group()!r}) undone by {undo.rule.id}")
                return
        if mode == "negate" and cand.polarity == "closing" and (
                _denied(text, rules) or first_person_quote(text, cand.start, cand.end) is not None
                or _SPOKESPERSON.search(text, cand.end)
                or _SELF_DENIAL.search(text, 0, window_start + m.start())):
            # "links are not being throttled inside WeChat, a spokesperson said, denying reports": the
            # closing is what is denied, as with "denied it would stop accepting"; so is a closing a company
            # negates in its own voice ('"We have never blocked Kimi," a WeChat spokesperson said').
            cand.status = "denied"
            cand.notes.append(f"closing denied ({m.group()!r} with a denial)")
            return
        negate(cand, mode, f"{mode} by {c.rule.id} ({m.group()!r})")
        return


def _denied(text: str, rules: RuleSet) -> bool:
    return any(c.search(text) for c in rules.of("status_cue") if c.rule.status == "denied")


def negate(cand: Candidate, mode: str, note: str) -> None:
    """Turn a candidate by a negation ``mode``: reverse flips, negate/restrict close an opening, deny marks."""
    cand.negation = mode
    cand.notes.append(note)
    if mode == "deny":
        cand.status = "denied"
    elif cand.polarity == "mandate":
        return
    elif mode == "restrict":
        if cand.polarity == "opening":
            cand.polarity = "closing"
    elif mode == "reverse":
        cand.polarity = FLIP[cand.polarity]
    elif cand.polarity == "opening":
        cand.polarity = "closing"
    else:
        cand.dropped = f"negated closing ({note})"


def _window_start(text: str, pos: int, words: int) -> int:
    base = max(0, pos - 40 * words)
    starts = [m.start() for m in _WORD.finditer(text, base, pos)] if words else []
    start = starts[-words] if len(starts) >= words else (starts[0] if starts else pos)
    # The window stays in the trigger's clause.
    cut = max(text.rfind(";", start, pos), text.rfind(":", start, pos))
    # A coordinated clause starts afresh: "ended their standoff, and YouTube will return".
    joins = [m.end() for m in _CLAUSE_JOIN.finditer(text, start, pos)]
    if joins and joins[-1] > cut + 1:
        return joins[-1]
    return cut + 1 if cut >= 0 else start


_CLAUSE_JOIN = re.compile(r",\s+(?:and|but|while|whereas)\s", re.I)
