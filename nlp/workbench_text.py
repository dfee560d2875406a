"""Text helpers of the rules workbench: sentences, anchors, highlighting, platform mentions.

Watches and ``rules test`` match a query sentence by sentence, with the
tagger's regex splitter (spaCy would cost seconds per thousand articles), so
a watch's evidence and an interop signal's evidence are the same sentences.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from typing import Any

from wallwatch.archive.query import And, Field, Near, Node, Not, Or, Query, Term, tokens_of

from .text import split_sentences

_TOKEN = re.compile(r"\w+", re.UNICODE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of ``text`` (the tagger's splitter)."""
    return [(s.start, s.end) for s in split_sentences(text)]


def sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[s:e] for s, e in sentence_spans(text)]


def fields_used(node: Node) -> set[str]:
    """Names of the ``field:`` filters in a query tree."""
    if isinstance(node, Field):
        return {node.name} | fields_used(node.value)
    if isinstance(node, Not):
        return fields_used(node.child)
    if isinstance(node, (And, Or)):
        return set().union(*(fields_used(c) for c in node.children))
    if isinstance(node, Near):
        return set().union(*(fields_used(c) for c in node.terms))
    return set()


# -- anchors: words one of which every matching sentence contains ------------
def anchor_terms(node: Node) -> list[Term] | None:
    """Terms such that any sentence matching ``node`` contains one of them (None: no such set)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        first = node.terms[0]
        return list(first.children) if isinstance(first, Or) else [first]  # type: ignore[list-item]
    if isinstance(node, (Not, Field)):
        return None
    if isinstance(node, Or):
        out: list[Term] = []
        for c in node.children:
            sub = anchor_terms(c)
            if sub is None:
                return None
            out.extend(sub)
        return out
    options = [a for a in (anchor_terms(c) for c in node.children) if a is not None]
    return min(options, key=len) if options else None


class Anchors:
    """Finds the anchor words of a query in raw text: a superset of where matches can be.

    ``str.find`` on the lower-cased text beats a case-insensitive regex by
    several times, and this runs on every candidate article of ``rules test``.
    """

    def __init__(self, words: Sequence[str]):
        self.words = sorted(set(words), key=len, reverse=True)
        # No trailing boundary: a prefix of a word is a harmless extra candidate.
        self._regex = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in self.words) + ")", re.IGNORECASE)

    def positions(self, text: str) -> list[int]:
        """Sorted offsets in ``text`` where an anchor word starts (at a word start)."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a few characters change length when lower-cased
            return [m.start() for m in self._regex.finditer(text)]
        found: list[int] = []
        for w in self.words:
            pos = lowered.find(w)
            while pos != -1:
                if pos == 0 or not (lowered[pos - 1].isalnum() or lowered[pos - 1] == "_"):
                    found.append(pos)
                pos = lowered.find(w, pos + 1)
        return sorted(set(found)) if len(self.words) > 1 else found

    def search(self, text: str) -> bool:
        return bool(self.positions(text))


def anchor_pattern(query: Query) -> Anchors | None:
    """The anchors of ``query`` (None when no word is common to all its matches)."""
    terms = anchor_terms(query.root)
    if not terms:
        return None
    # lower(), not the casefold() of Term.words: the text is lower-cased to search it.
    firsts = [w[0].lower() for w in (_TOKEN.findall(t.text) for t in terms) if w]
    return Anchors(firsts) if firsts else None


def candidate_sentences(text: str, spans: Sequence[tuple[int, int]], anchors: Anchors | None) -> list[int]:
    """Indexes of the sentences that contain an anchor word (all of them without anchors)."""
    if anchors is None:
        return list(range(len(spans)))
    starts = [s for s, _ in spans]
    found: list[int] = []
    for pos in anchors.positions(text):
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and pos < spans[i][1] and (not found or found[-1] != i):
            found.append(i)
    return found


def candidate_spans(text: str, anchors: Anchors | None) -> list[tuple[int, int]]:
    """Spans of the sentences that contain an anchor word (all sentences without anchors).

    Sentences never cross a line break, so only the lines holding an anchor
    are split: the same sentences as ``sentence_spans``, at a fraction of the cost.
    """
    if anchors is None:
        return sentence_spans(text)
    out: list[tuple[int, int]] = []
    positions = anchors.positions(text)
    k, n = 0, len(positions)
    while k < n:
        pos = positions[k]
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        if line_end == -1:
            line_end = len(text)
        hits = []
        while k < n and positions[k] < line_end:
            hits.append(positions[k])
            k += 1
        for s, e in sentence_spans(text[line_start:line_end]):
            s, e = s + line_start, e + line_start
            if any(s <= h < e for h in hits):
                out.append((s, e))
    return out


# -- highlighting --------------------------------------------------------------

def highlight_spans(text: str, terms: Iterable[Term]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where one of ``terms`` occurs, merged and sorted."""
    toks = [(m.start(), m.end(), m.group().casefold()) for m in _TOKEN.finditer(text)]
    words = [t[2] for t in toks]
    spans: list[tuple[int, int]] = []
    for term in terms:
        tw = term.words
        if not tw:
            continue
        for i in range(len(words) - len(tw) + 1):
            if all(words[i + k] == w for k, w in enumerate(tw[:-1])):
                last = words[i + len(tw) - 1]
                if last.startswith(tw[-1]) if term.prefix else last == tw[-1]:
                    spans.append((toks[i][0], toks[i + len(tw) - 1][1]))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, terms: Iterable[Term], mark: tuple[str, str] = ("«", "»")) -> str:
    """``text`` with every occurrence of ``terms`` wrapped in ``mark``."""
    out, pos = [], 0
    for s, e in highlight_spans(text, terms):
        out += [text[pos:s], mark[0], text[s:e], mark[1]]
        pos = e
    out.append(text[pos:])
    return "".join(out)


# -- platform mentions ---------------------------------------------------------
class PlatformFinder:
    """Platform names in a sentence, through the tagger's platform list.

    Wraps a ``PlatformList`` (``wallwatch.nlp.platforms``). Without one (None),
    ``platform:X`` matches a sentence that names X literally.
    """

    def __init__(self, platforms: Any = None):
        self.platforms = platforms

    def __bool__(self) -> bool:
        return self.platforms is not None

    def find(self, sentence: str) -> list[str]:
        """Canonical names of the platforms mentioned in ``sentence``, first mention first."""
        if self.platforms is None:
            return []
        names: list[str] = []
        for m in self.platforms.find(sentence):
            if m.platform is not None and m.platform.name not in names:
                names.append(m.platform.name)
        return names

    def field_values(self, sentence: str) -> list[str]:
        """What ``platform:`` sees: canonical names of the platforms named, and of their parents."""
        names = self.find(sentence)
        for n in list(names):
            p = self.platforms.lookup(n)
            parent = self.platforms.display(p).name if p is not None else n
            if parent not in names:
                names.append(parent)
        return names

    def canonical(self, node: Node) -> Node:
        """``node`` with the words after ``platform:`` replaced by canonical names (Weixin -> WeChat)."""
        if self.platforms is None:
            return node
        if isinstance(node, Field):
            return Field(node.name, self._canon(node.value)) if node.name == "platform" else node
        if isinstance(node, Not):
            return Not(self.canonical(node.child))
        if isinstance(node, (And, Or)):
            return type(node)(tuple(self.canonical(c) for c in node.children))
        return node

    def _canon(self, node: Node) -> Node:
        if isinstance(node, Term) and not node.prefix:
            p = self.platforms.lookup(node.text)
            return Term(p.name) if p is not None else node
        if isinstance(node, (And, Or)):
            return type(node)(tuple(self._canon(c) for c in node.children))
        if isinstance(node, Not):
            return Not(self._canon(node.child))
        return node

    def aliases(self, name: str) -> list[str]:
        """Every surface form of the platform called ``name`` (any case), or []."""
        p = self.platforms.lookup(name) if self.platforms is not None else None
        return list(p.names()) if p is not None else []

    def expand_field(self, node: Field) -> Node | None:
        """FTS5 prefilter for ``platform:X``: X or any of its aliases (None for other fields)."""
        if node.name != "platform":
            return None
        value = node.value
        if isinstance(value, Term) and not value.prefix:
            forms = self.aliases(value.text) or [value.text]
            terms = tuple(Term(f) for f in dict.fromkeys(forms) if tokens_of(f))
            return terms[0] if len(terms) == 1 else Or(terms)
        if isinstance(value, (Term, Or, Near, And)):
            return value  # the literal words of the value
        return None
