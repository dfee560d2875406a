"""Loading the spaCy pipeline, with a rules-only fallback on ``spacy.blank("en")``."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import spacy
from spacy.language import Language

from .text import Sentence

log = logging.getLogger("wallwatch.nlp")
_warned: set[str] = set()

# Only NER is needed on candidate sentences; the rest of the model is not run.
_EXCLUDE = ["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"]


@functools.lru_cache(maxsize=4)
def load_model(name: str) -> tuple[Language, bool]:
    """The spaCy pipeline called ``name`` (NER only) and whether it is a real model.

    ``"blank"``, or a model that is not installed, gives ``spacy.blank("en")``:
    rules only, no statistical NER. The fallback is logged once per process.
    Loaded once per process and shared: ``rules diff``/``apply``/``check``
    build two taggers, and each used to load the model again.
    """
    if name != "blank":
        try:
            return spacy.load(name, exclude=_EXCLUDE), True
        except (OSError, ImportError) as exc:
            if name not in _warned:
                _warned.add(name)
                log.warning("spaCy model %r is not available (%s); tagging in degraded mode with "
                            "spacy.blank('en'): rules only, no NER for unknown organisations", name,
                            str(exc).splitlines()[0])
    elif "blank" not in _warned:
        _warned.add("blank")
        log.warning("nlp.model is 'blank': tagging in degraded mode (rules only, no NER)")
    return spacy.blank("en"), False


def generic_name(text: str) -> bool:
    """Acronyms such as API, SDK or QR that NER tags as organisations but name no party."""
    bare = text.rstrip("s")
    return (bare.isupper() and len(bare) <= 3) or text[:1].isdigit() or text.lower() in {"app", "apps", "the app", "the company"}


EntitySpans = Callable[[Sentence], list[tuple[int, int, str, str]]]


def entity_spans(nlp: Language) -> EntitySpans:
    """A function giving every entity NER finds in a sentence as (start, end, text, label), cached per text."""
    cache: dict[str, list[tuple[int, int, str, str]]] = {}

    def spans(sentence: Sentence) -> list[tuple[int, int, str, str]]:
        found = cache.get(sentence.text)
        if found is None:
            if len(cache) > 5000:
                cache.clear()
            found = [(e.start_char, e.end_char, e.text, e.label_) for e in nlp(sentence.text).ents]
            cache[sentence.text] = found
        return found

    return spans
