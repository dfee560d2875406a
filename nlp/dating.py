"""Dates in a sentence that put an event in the past ("in July 2013 Taobao shut off ...").

An event dated to a year before the article's own is context, not news: its
status is ``background``. The year is compared with the article's publication
date when it is known, else with today's.
"""

from __future__ import annotations

import re
from datetime import date

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_PART = (r"(?:(?:early|mid|late|mid-)\s*|the\s+(?:summer|spring|autumn|fall|winter|end|start|beginning|middle|"
         r"first half|second half|first quarter|second quarter|third quarter|fourth quarter)\s+of\s+)")
# A date that places an event: "in 2020", "in early 2019", "on 1 January 2021", "on January 1, 2021",
# "back in 2014", "traces back to September 2021". Not "since 2019" (still going on), "by 2027" (a
# deadline) or "a 2024 pilot" (a name).
_DATED = re.compile(
    rf"\b(?:(?:back\s+)?in|on|during|back\s+to|as\s+early\s+as|it\s+was)\s+{_PART}?"
    rf"(?:(?:\d{{1,2}}\s+)?{_MONTH}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?)?((?:19|20)\d\d)\b(?!\s*[-–/]\s*\d)",
    re.I)
# "Tencent's 2019 decision to stop ...", "ByteDance's 2020 ban on ...": a dated act named as a noun.
# "the September 2021 MIIT order that platforms stop ..." too: the act may carry a month and its author.
_DATED_ACT = re.compile(rf"(?:['’]s|\b(?i:the|a|an|its|their))\s+(?:{_MONTH}\s+)?((?:19|20)\d\d)\s+"
                        r"(?:[A-Z][\w\-]*\s+){0,3}(?i:decision|move|ban|block|blocking|blockade|order|ruling|"
                        r"crackdown|purge|shutdown|removal|switch|change|cut-off|cutoff|directive|guidance|notice)\b")
# What the trigger's clause says about now: such an event is the news even with an old date nearby.
_NOW = re.compile(r"\b(?:now|today|tonight|yesterday|this\s+(?:week|month|year|morning|afternoon)|"
                  r"on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|currently|"
                  r"recently|latest|just|again|once again|(?<!could\s)no longer|will|would|is\s+to|are\s+to|"
                  r"plans?\s+to|from\s+next)\b", re.I)
# "after"/"before" clauses share the main clause's time ("lost access in 2019 after Tencent revoked ..."); these do not.
_CLAUSE_BREAK = re.compile(r"[;:—–]|\s-\s|\bbut\b|\bthen\b|\bwhile\b|\bwhereas\b|\blater\b|\bsince\b", re.I)
# A date after the trigger in a relative clause dates that clause ("restored the option, which it removed
# in 2018"); before it, the clause hangs on the date ("in September 2021, when the MIIT told ...").
_RELATIVE = re.compile(r",\s*(?:which|who|when|where)\b", re.I)
#: How far (characters) a date may stand from the trigger and still date it.
REACH = 90


def reference_year(as_of: date | None) -> int:
    """The year events are compared with: the article's publication year, else this year."""
    return (as_of or date.today()).year


def past_date(text: str, start: int, end: int, year: int) -> re.Match[str] | None:
    """A date before ``year`` in the clause of the trigger at ``start:end``, if the clause is not about now."""
    for m in [*_DATED.finditer(text), *_DATED_ACT.finditer(text)]:
        if int(m.group(1)) >= year:
            continue
        if m.end() <= start:
            if start - m.end() > REACH:
                continue
            between = text[m.end():start]
        elif m.start() >= end:
            if m.start() - end > REACH:
                continue
            between = text[end:m.start()]
            if _RELATIVE.search(between):
                continue
        else:
            between = ""
        if _CLAUSE_BREAK.search(between):
            continue
        # "now" anywhere in the clause up to the date: "WeChat now opens Taobao links, ending a block that
        # began in 2013" (the participle shares the main clause's time).
        lo, hi = min(start, m.start()), max(end, m.end())
        lo = max(text.rfind(";", 0, lo), text.rfind(":", 0, lo)) + 1
        if _NOW.search(text, lo, hi):
            continue
        return m
    return None
