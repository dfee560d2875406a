"""Sentence splitting on raw text, cheap enough to run over every article.

spaCy's own sentence boundaries need a parsed (or at least tokenized) doc;
the tagger only needs sentences to pick the few that can carry a signal, so a
regular expression with an abbreviation guard does that part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9\u4e00-\u9fff])|\s*\n\s*")
_ABBREV = {"mr", "ms", "mrs", "dr", "prof", "inc", "co", "corp", "ltd", "plc", "st", "no", "vs", "jan", "feb",
           "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gov", "sen", "rep", "jr", "sr",
           "u.s", "u.k", "e.u", "e.g", "i.e", "approx", "est", "fig", "mt", "gen", "lt", "col"}
_LAST_WORD = re.compile(r"([\w.]+)\.[\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text: its character span and its text."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` with their offsets (white space trimmed)."""
    out: list[Sentence] = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        if "\n" not in m.group():
            last = _LAST_WORD.search(text, max(0, m.start() - 12), m.start())
            if last and last.group(1).lower() in _ABBREV:
                continue
        closing = len(m.group()) - len(m.group().lstrip("\"'”’)]"))
        _add(out, text, pos, m.start() + closing)
        pos = m.end()
    _add(out, text, pos, len(text))
    return out


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    out.append(Sentence(s, s + len(stripped), stripped))
