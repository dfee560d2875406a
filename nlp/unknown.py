"""Organisations the platform list does not know: what NER finds, and rare capitalised words.

A sentence whose trigger finds no actor or no counterpart among the listed
platforms ("Noon is close to adding Tamara's split-payment option") gets a
second look with the names it contains. Two sources are joined:

- the names NER finds. The small English model labels unfamiliar brands
  unreliably (Ozon and Trendyol as places, Tamara as a person), so every
  proper-name label is taken;
- capitalised words that are rare in English (wordfreq), which NER misses at
  the start of a sentence ("Papara wallets work again on Trendyol").

What is plainly not an organisation is then removed: places (countries,
cities, states and regions, listed in ``data/places.txt``), people named in full, news outlets and
titles cited as sources, and the short acronyms ``model.generic_name`` rejects.
The tagger takes such a name as a role only beside a listed platform or a
generic party, and only in a sentence the backstop reads as an event
(``Tagger._with_unknown_names``). ``organisation_finder`` serves the older,
narrower readings (the merchant that accepts a wallet, the other side of a
pair) with NER's organisations that pass the same where-it-stands check.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from .model import EntitySpans, generic_name
from .platforms import Mention, Platform
from .text import Sentence

#: The kind of a platform made up for a name the list does not know (never written in the list file).
UNLISTED = "unlisted"

# Labels under which the small model files organisations it does not know.
NAME_LABELS = frozenset({"ORG", "PRODUCT", "PERSON", "GPE", "FAC", "WORK_OF_ART"})
#: The labels the older merchant and counterpart readings take (``organisation_finder``).
ORG_LABELS = frozenset({"ORG", "PRODUCT"})

# A source cited for the news, not a party to it: "..., The Bell reported", "according to Caixin".
_SOURCE_AFTER = re.compile(r"^\W{0,3}(?:reported|reports|wrote|writes|first reported|said in a report)\b", re.I)
_SOURCE_BEFORE = re.compile(r"\b(?:according to|told|seen by|reviewed by|reported by|obtained by|cited by|"
                            r"citing|quoted by|in an interview with|wrote in|said on|posted on|"
                            r"(?:Mr|Ms|Mrs|Dr)\.?)\s*(?:the\s+)?$", re.I)
# People by role: "chief executive Wang Xing", "analyst Li", "Judge Mehta".
_PERSON_ROLE = re.compile(r"\b(?:chief executive|chief|executive|founder|co-founder|chairman|chairwoman|president|"
                          r"ceo|cfo|coo|cto|director|head|analyst|spokesman|spokeswoman|spokesperson|minister|"
                          r"judge|justice|commissioner|secretary|senator|lawyer|professor|partner|manager|"
                          r"officer|vice president|economist|researcher|governor|deputy governor|mayor|premier|"
                          r"prime minister|official)\s+$", re.I)
# Not a party's name: a hashtag or handle, a word in quotes ("'Interoperability' was the buzzword"),
# an owner named in passing ("the Kering-owned label"), a product of the subject's own ("its Spark AR platform").
_NOT_A_PARTY_BEFORE = re.compile(r"(?:[#@]|[\"“‘']|\b(?:its|their|his|her|our|my)\s+)$", re.I)
_NOT_A_PARTY_AFTER = re.compile(r"^(?:[\"”]|['’](?!s\b)|-(?:owned|backed|controlled|run|based|funded)\b)")
_LEADING_THE = re.compile(r"^(?:the|a|an)\s+", re.I)
_TRAILING_POSSESSIVE = re.compile(r"['’]s?$")
# A run of capitalised words ("Kaspi.kz", "Halyk Homebank", "VK Ads"); dots and hyphens stay inside.
_CAPITALISED_RUN = re.compile(r"(?<![\w.\-])[A-Z][\w\-]*(?:\.[a-z]{2,3}\b)?(?:\s+[A-Z][\w\-]*)*")
# Zipf frequency (log10 per billion words) under which a capitalised word is taken for a name:
# "Wildberries" and "Papara" score 0, "Mercari" 1.7, but "Shoppers" 3.6 and "Fintech" 2.9. A word
# opening the sentence is capitalised anyway, so it must be rarer.
RARE_INSIDE = 3.0
RARE_FIRST = 2.0
# How rare in English a name must be, by what NER calls it. An organisation NER is sure of may be made
# of ordinary words; a place the gazetteer lacks (Xinjiang), a surname (Jones) or a title only counts
# if it is rare, as unfamiliar brands mislabelled as places or people are (Ozon, Trendyol, Kaspi).
RARE_PLACE = 2.0
# A sentence's first word is capitalised anyway: NER's organisation there is taken unless every word of it
# is very common ("Time saved ..."; "Costco", "Target" and "Global Blue" are kept).
COMMON_FIRST = 5.5
_RARITY = {"ORG": 4.5, "PRODUCT": 3.0, "RARE": RARE_INSIDE}


@functools.lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Lower-cased place names never taken for an organisation (``data/places.txt``)."""
    path = Path(__file__).with_name("data") / "places.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def rare_names(text: str) -> list[tuple[int, int, str, str]]:
    """Runs of capitalised words holding a word rare in English, as (start, end, text, "RARE")."""
    return [(m.start(), m.end(), m.group(), "RARE") for m in _CAPITALISED_RUN.finditer(text)
            if _rare_run(text, m)]


def _opens_sentence(text: str, start: int) -> bool:
    """Whether a word at ``start`` opens the sentence (after a quote or bracket): capitalised anyway."""
    return not text[:start].strip(" \"'“‘(")


def _rare_run(text: str, run: re.Match[str]) -> bool:
    """Whether a capitalised run holds a rare word; one opening the sentence must be rarer still."""
    limit = RARE_FIRST if _opens_sentence(text, run.start()) else RARE_INSIDE
    return _rare(re.split(r"[\s\-]+", run.group()), limit)


def _rare(words: Sequence[str], limit: float) -> bool:
    """Whether one of the words is rarer in English than ``limit`` (a Zipf frequency)."""
    return any(_zipf(w) < limit for w in words if w)


@functools.lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency  # imported on first use: the rules-only mode never needs it

    return zipf_frequency(word, "en")


def name_like_spans(text: str, known: Sequence[Mention]) -> list[tuple[int, int]]:
    """Capitalised runs that are not listed platforms or places: a rough guess at the names in a sentence,
    cheap enough to decide whether NER is worth running."""
    places = place_names()
    out = []
    for m in _CAPITALISED_RUN.finditer(text):
        if _opens_sentence(text, m.start()) and not _rare_run(text, m):
            continue  # a capitalised first word is a name only if rare
        if m.group().lower() in places or any(m.start() < k.end and k.start < m.end() for k in known):
            continue
        out.append((m.start(), m.end()))
    return out


def unknown_organisations(sentence: Sentence, known: Sequence[Mention], spans: EntitySpans) -> list[Mention]:
    """Names in ``sentence`` (NER's and rare capitalised words) that are not listed platforms, places,
    people or sources."""
    text = sentence.text
    places = place_names()
    entities = spans(sentence)
    ner = [e for e in entities if e[3] in NAME_LABELS]
    # NER's name wins where both found one; a rare word NER missed is added, one it filed as a date,
    # a number or a nationality is not.
    found = ner + [r for r in rare_names(text) if not any(r[0] < e and s < r[1] for s, e, _, _ in entities)]
    out: list[Mention] = []
    for start, end, name, label in sorted(found):
        if any(start < k.end and k.start < end for k in known):
            continue
        lead = _LEADING_THE.match(name)
        if lead:
            start, name = start + lead.end(), name[lead.end():]
        tail = _TRAILING_POSSESSIVE.search(name)
        if tail:
            end, name = end - len(tail.group()), name[:tail.start()]
        words = name.split()
        if not words or generic_name(name) or name.lower() in places or not name[0].isupper():
            continue
        if label == "PERSON" and len(words) >= 2:
            continue  # a person named in full ("Wang Xing"); one word is as often an unknown brand
        if not _rare(words, _RARITY.get(label, RARE_PLACE)):
            continue  # "Block", "Pencil", "Jones": ordinary words and common names are not taken
        if not _could_be_party(text, start, end):
            continue
        out.append(Mention(start, end, name, Platform(name=name, kind=UNLISTED)))
    return out


def _could_be_party(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start:end`` may be a party by where it stands: not a source, a person by role,
    a hashtag, a quoted word, an owner in passing or a product after "its"."""
    if _NOT_A_PARTY_BEFORE.search(text, max(0, start - 8), start) or _NOT_A_PARTY_AFTER.match(text[end:end + 12]):
        return False
    before = text[max(0, start - 40):start]
    return not (_SOURCE_BEFORE.search(before) or _SOURCE_AFTER.match(text[end:end + 30])
                or _PERSON_ROLE.search(before))


def organisation_finder(spans: EntitySpans) -> Callable[[Sentence], list[Mention]]:
    """A function giving the organisations and products NER finds in a sentence (the merchant that
    accepts a wallet, the other side of a pair), where they stand as a party may."""

    def find(sentence: Sentence) -> list[Mention]:
        text = sentence.text
        return [Mention(s, e, t) for s, e, t, label in spans(sentence)
                if label in ORG_LABELS and not generic_name(t) and _could_be_party(text, s, e)
                and not (_opens_sentence(text, s) and not _rare(t.split(), COMMON_FIRST))]

    return find
