"""Organisations the platform list does not know: found with the real model, kept out in rules-only mode.

The invented names (Zorvapay, Zorvakon) are in no list and in no dictionary, as a new wallet or gadget
maker would be.
"""

from __future__ import annotations

import pytest

from nlp_support import MODEL
from wallwatch.nlp import build_tagger
from wallwatch.nlp.model import entity_spans, load_model
from wallwatch.nlp.text import split_sentences
from wallwatch.nlp.unknown import UNLISTED, organisation_finder, place_names, rare_names, unknown_organisations

NEW_WALLET = "Lazada now lets shoppers in Vietnam pay with Zorvapay at checkout, the marketplace said on Tuesday."


@pytest.fixture(scope="module")
def model_tagger():
    return build_tagger(model=MODEL)


def test_an_unlisted_wallet_is_the_counterpart_of_a_listed_marketplace(model_tagger):
    [signal] = model_tagger.tag_text(NEW_WALLET, min_confidence=0.4)
    assert (signal.polarity, signal.event_type, signal.actor, signal.target) == ("opening", "payment", "Lazada", "Zorvapay")
    notes = [n for rep in model_tagger.explain(NEW_WALLET) for c in rep.candidates for n in c.notes]
    assert "'Zorvapay' is not in the platform list: a name found in the sentence" in notes


def test_without_ner_or_without_the_backstop_an_unlisted_name_is_no_party():
    assert build_tagger(model="blank").tag_text(NEW_WALLET, min_confidence=0.4) == []
    # The backstop is the check that the sentence reads like an event: without it names are not looked for.
    assert build_tagger(model=MODEL, backstop=False).tag_text(NEW_WALLET, min_confidence=0.4) == []


def test_a_sentence_that_does_not_read_like_an_event_is_not_searched_for_names(model_tagger):
    text = "Amazon will block Zorvakon deals from its homepage during the sale."
    assert model_tagger.tag_text(text, min_confidence=0.4) == []
    [rep] = model_tagger.explain(text)
    assert any(n.startswith("names the list does not know not looked for: the backstop gives")
               for c in rep.candidates for n in c.notes)


def test_places_people_and_sources_are_not_taken_for_organisations(model_tagger):
    for text in ("Lazada now lets shoppers in Hanoi pay with Zorvapay, chief executive Quentin Marlowe told Reuters.",
                 "Lazada now lets shoppers pay with Zorvapay, according to Bloomberg, citing analyst Marlowe."):
        [sentence] = split_sentences(text)
        names = unknown_organisations(sentence, model_tagger.platforms.find(text), entity_spans(load_model(MODEL)[0]))
        assert [m.text for m in names] == ["Zorvapay"], text
        assert names[0].platform.kind == UNLISTED and names[0].platform.group == "Zorvapay"


def test_the_older_ner_readings_skip_people_by_role_but_keep_possessives(model_tagger):
    # The merchant beside a wallet and the other side of a pair come from NER's organisations; a governor
    # who speaks is not one of them, and "Zorvamart's stores" names Zorvamart.
    find = organisation_finder(entity_spans(load_model(MODEL)[0]))
    [spoken] = split_sentences("Cards will work with UPI, Reserve Bank of India governor Shaktikanta Das said.")
    assert "Shaktikanta Das" not in [m.text for m in find(spoken)]
    [merchant] = split_sentences("Costco's China stores have started accepting Alipay alongside WeChat Pay.")
    assert [m.text for m in find(merchant)] == ["Costco"]
    # A very common word opening the sentence is capitalised anyway, whatever NER makes of it.
    [common] = split_sentences("Time saved rendering in the cloud made up for time spent syncing data to Google Cloud.")
    assert "Time" not in [m.text for m in find(common)]


def test_rare_capitalised_words_are_names_even_where_ner_misses_them():
    assert [r[2] for r in rare_names("Papara wallets work again on Trendyol, the marketplace said.")] == \
        ["Papara", "Trendyol"]
    # An ordinary word opening the sentence, or capitalised in a headline, is not a name.
    assert rare_names("Shoppers can now pay with cards from Third-Party Banks.") == []


def test_the_place_list_is_data_with_regions_the_gazetteer_lacks():
    places = place_names()
    assert {"vietnam", "netherlands", "hanoi", "xinjiang", "eu"} <= places
    assert not any(p.startswith("#") for p in places)
