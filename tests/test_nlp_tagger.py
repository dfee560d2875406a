"""The tagger on sentences and articles: what real news says, and the seed article."""

from __future__ import annotations

import json
import logging

import pytest

from conftest import shared_path
from nlp_support import MODEL, best, same_party, tagger
from wallwatch.archive import SignalRecord
from wallwatch.config import Config, NlpConfig
from wallwatch.nlp import load_tagger


@pytest.mark.parametrize("text, polarity, event_type, actor, target", [
    # negation and reversal
    ("WeChat no longer blocks links to Douyin videos in private chats.", "opening", "link_access", "WeChat", "Douyin"),
    ("Taobao still does not accept WeChat Pay at checkout.", "closing", "payment", "Taobao", "WeChat Pay"),
    ("Amazon has dropped its plan to stop accepting UK-issued Visa credit cards.", "opening", "payment", "Amazon", "Visa"),
    ("Douyin will not let creators send their followers to Tencent's WeChat.", "closing", "advertising_traffic", "Douyin", "WeChat"),
    # an opening under a verb that buries it
    ("X could soon start down-ranking posts that link out to Bluesky.", "closing", "link_access", "X", "Bluesky"),
    # contractions, with straight and curly apostrophes
    ("Twitter doesn't let users post links to Substack.", "closing", "link_access", "Twitter", "Substack"),
    ("Twitter now won’t let you like tweets that link to Substack.", "closing", "link_access", "Twitter", "Substack"),
    # what follows from the change, after a comma, is not under its "stop"
    ("Google will stop requiring Play Billing for US apps, allowing developers to link out to their own websites.",
     "opening", "app_store_or_device", "Google", "their own websites"),
    # a refusal named as a noun; a concession after "though" and a leading "years after ..." clause are context
    ("Tencent's refusal to let Taobao product pages load inside WeChat frustrates brands.",
     "closing", "link_access", "WeChat", "Taobao"),
    (("WeChat no longer blocks Taobao links outright: a shopper who taps one lands on a preview page, "
      "though product pages still will not load inside the messenger."),
     "opening", "link_access", "WeChat", "Taobao"),
    ("More than two years after Bank Indonesia's interoperability push, Tokopedia still does not accept ShopeePay "
      "at checkout, leaving shoppers who collect cashback on Shopee's wallet to top up GoPay instead.",
     "closing", "payment", "Tokopedia", "ShopeePay"),
    # an owner named in passing is neither side; what comes "until" someone orders it back is the sequel
    ("In January 2017 ICICI Bank stopped processing UPI transactions from PhonePe, then owned by Flipkart, "
     "until the NPCI told it to restore them.", "closing", "payment", "ICICI Bank", None),
    # "we" in a quote is the company whose spokesperson speaks
    ('"We have not removed the YouTube app from anyone\'s device," a Roku spokesperson said.',
     "closing", "app_store_or_device", "Roku", "YouTube"),
    # passives and hosts
    ("Links to Taobao are now allowed on WeChat, Tencent said.", "opening", "link_access", "WeChat", "Taobao"),
    ("Links to ByteDance's office app Feishu stopped working inside WeChat on Friday.", "closing", "link_access", "WeChat", "Feishu"),
    ("Beeper Mini stopped working after Apple cut off its access to iMessage servers.", "closing", "messaging", "Apple", "Beeper"),
    # possessives, subsidiaries, lists
    ("Alibaba's Taobao and Tmall will add Tencent's WeChat Pay as a payment option.", "opening", "payment", "Taobao", "WeChat Pay"),
    ("WeChat has singled out QQ Music, Zhihu and Xiaohongshu, saying their links will no longer open directly.",
     "closing", "link_access", "WeChat", "Zhihu and Xiaohongshu"),
    # news as the blocked side; a delivery app's merchants moved onto an open network
    ("Facebook pulled the plug on news for Australian users in February 2021.", "closing", "link_access", "Facebook", "news"),
    ("Swiggy could soon list its restaurant partners on the ONDC network, a shift for a company that has kept its "
     "food-delivery catalogue within its own app.", "opening", "logistics_or_service", "Swiggy", "ONDC"),
    # courts: an order to hand data to rivals; a lawsuit named in a concession orders nothing
    ("U.S. District Judge Amit Mehta directed Google to hand qualified competitors parts of its search index.",
     "mandate", "regulatory_order", "Court", "Google"),
    ("Despite the Justice Department's lawsuit, Apple still does not allow browsers on iPhones to use any "
     "rendering engine but its own.", "closing", "app_store_or_device", "Apple", None),
    # a national law named with two words before "law" is the authority
    ("Japan's smartphone competition law will require Apple and Google to permit rival app stores on their phones.",
     "mandate", "regulatory_order", "Japan's smartphone competition law", "Apple"),
    # AI agents and protocols
    ("Google would add support for Anthropic's Model Context Protocol to its Gemini models.",
     "opening", "login_or_data", "Google", "Model Context Protocol"),
    ("Amazon sued Perplexity to stop its Comet browser from shopping on Amazon.com.", "closing", "link_access",
     "Amazon", "Perplexity"),
    # global gatekeepers and regulators
    ("Apple will allow alternative app marketplaces on iPhones in the EU from March.", "opening", "app_store_or_device", "Apple", None),
    ("The European Commission ordered Apple to let rival smartwatches use iOS notifications.", "mandate", "regulatory_order", "European Commission", "Apple"),
    ("Japan's Fair Trade Commission told Google to stop requiring phone makers to preinstall its apps.", "mandate", "regulatory_order", "JFTC", "Google"),
    ("Google said Quick Share now works with Apple's AirDrop on Pixel phones.", "opening", "app_store_or_device", "Google", "Apple"),
])
def test_sentence_level_phenomena(text, polarity, event_type, actor, target):
    s = best(text)
    assert s is not None, f"no signal in {text!r}"
    assert (s.polarity, s.event_type) == (polarity, event_type), s.summary()
    assert same_party(actor, s.actor), s.summary()
    if target is not None:
        assert same_party(target, s.target), s.summary()


@pytest.mark.parametrize("text", [
    "Tencent's revenue rose 8% to 167.2 billion yuan, and WeChat Pay processed a record number of payments.",
    "Kenzo and Cartier have opened on Alibaba's Tmall Luxury Pavilion, which now counts 150 brands.",
    "Louis Vuitton launched a flagship store on Tmall and a WeChat mini-program on the same day.",
    "WeChat blocked 10,000 accounts for spreading rumours.",
    "As a TikTok ban loomed, American users poured onto Xiaohongshu, or RedNote.",
    "China's central bank fined Ant Group 7.1 billion yuan over lapses in corporate governance.",
    "Apple opened its first store in Mumbai, and Google launched Gemini in India.",
    "Bilibili is testing an e-commerce mini-program inside its own app.",
    "WhatsApp added a stickers feature for group chats.",
    # a trigger word that is a platform's name; one group's services inside its own app
    "Kick has signed xQc to a two-year deal, the latest big name lured from Twitch.",
    "Inside the Gojek app, GoFood orders can now be paid with GoPay Later instalments.",
    # outages and goods taken off a marketplace
    "WeChat Pay and Alipay stopped working at several MTR exits after a fault at a card-reader supplier.",
    "Shopee, Lazada and Tokopedia pledged to remove listings of imported goods priced below $100.",
    # an order negated before it was given
    "Japan's smartphone law does not cover messaging apps, so LINE Yahoo faces no obligation to connect LINE with "
    "rivals such as KakaoTalk.",
])
def test_not_signals(text):
    s = best(text)
    assert s is None, s.summary()


@pytest.mark.parametrize("text, status", [
    ("Alibaba and Tencent are reportedly in talks to let Taobao accept WeChat Pay.", "rumoured"),
    ("Tencent denied blocking links to Alibaba's Taobao.", "denied"),
    ('"We have never blocked Kimi," a WeChat spokesperson said after users complained.', "denied"),
    ("LinkedIn is not blocking OpenAI's Atlas browser, a company spokesperson said.", "denied"),
    # the outage a denial blames does not veto the denied closing
    ("Ant Group denied that it had removed Poizon's mini-program from Alipay, saying Poizon had taken it offline "
     "for a system upgrade.", "denied"),
    ("For years WeChat had restricted the sharing of links to Alibaba shops.", "background"),
    ("WeChat is trialling direct links to Taobao for a small number of users.", "trial"),
    ("Taobao will accept WeChat Pay from 12 September.", "announced"),
    ("WeChat Pay started showing up on Taobao payment pages on Thursday.", "live"),
])
def test_status_cues(text, status):
    s = best(text)
    assert s is not None and s.status == status, s and s.summary()


def test_seed_article_finds_every_must_find_and_nothing_from_the_excluded_sentences():
    expected = json.loads(shared_path("data", "seed_article_expected.json").read_text(encoding="utf-8"))
    text = shared_path("data", expected["article"]).read_text(encoding="utf-8")
    t = tagger()
    signals = t.tag_text(text, title="How luxury can benefit from Tencent and Alibaba's thawing relations",
                         min_confidence=t.min_confidence)
    for want in expected["must_find"]:
        hits = [s for s in signals if want["evidence_contains"] in s.evidence]
        assert hits, f"nothing found for {want['evidence_contains']!r}"
        ok = [s for s in hits if all(_field_ok(k, v, s) for k, v in want.items() if k != "evidence_contains")]
        assert ok, f"{want}: got " + "; ".join(s.summary() for s in hits)
    for sentence in expected["must_not_find_in"]:
        assert not [s for s in signals if sentence in s.evidence], sentence
    headline = [s for s in signals if s.headline]
    assert len(headline) == 1
    assert (headline[0].polarity, headline[0].event_type, headline[0].actor, headline[0].target) == (
        "opening", "advertising_traffic", "WeChat", "Tmall")
    for s in signals:  # offsets point at the evidence
        assert text[s.start:s.end] == s.evidence


def _field_ok(key: str, want, s) -> bool:
    have = getattr(s, key)
    if key in ("actor", "target"):
        if want is None:  # no platform named: a generic counterpart ("other platforms") is fine
            return have is None or tagger().platforms.lookup(have) is None
        return same_party(want, have)
    return have == want


def test_article_merges_one_signal_per_story_and_keeps_the_strongest_evidence():
    text = ("Taobao will accept WeChat Pay from next month, the company said. "
            "Tencent's WeChat Pay started showing up on Taobao payment pages on Thursday. "
            "Analysts said Taobao accepting WeChat Pay could lift sales.")
    signals = tagger().tag_text(text)
    keys = [s.story_key for s in signals]
    assert keys.count("taobao|wechat pay|payment|opening") == 1
    [s] = [s for s in signals if s.story_key == "taobao|wechat pay|payment|opening"]
    assert s.status == "live" and "started showing up" in s.evidence
    assert sum(x.headline for x in signals) == 1


def test_signal_converts_to_an_archive_record_with_story_key():
    s = best("Alibaba's Taobao will accept Tencent's WeChat Pay from 12 September.")
    rec = s.to_record()
    assert isinstance(rec, SignalRecord)
    assert rec.story_key == "taobao|wechat pay|payment|opening" == s.story_key
    assert (rec.actor, rec.target, rec.rule_id, rec.kind) == ("Taobao", "WeChat Pay", s.rule_id, "interop")
    assert 0 < rec.confidence <= 1


def test_descriptors_resolve_only_after_the_platform_was_named():
    t = tagger()
    text = ("Alibaba reported results on Monday. Separately, the Hangzhou-based giant said Taobao will "
            "accept WeChat Pay.")
    assert any(s.actor in ("Taobao", "Alibaba") for s in t.tag_text(text))
    [rep] = [r for r in t.explain("The Hangzhou-based giant said it will open up.")] or [None]
    assert rep is None  # nothing named, nothing resolved


def test_a_name_other_companies_share_counts_only_beside_its_company():
    t = tagger()
    whatsapp = "WhatsApp is rolling out Channels, a broadcast tool that lets organisations send updates to users."
    assert [m.name for m in t.platforms.find(whatsapp)] == ["WhatsApp", "WeChat Channels"]
    assert t.tag_text(whatsapp) == []  # WeChat's Channels is not in this sentence
    [signal] = t.tag_text("Tencent said Channels now lets brands link to their Taobao stores.")
    assert (signal.actor, signal.target) == ("WeChat", "Taobao")


def test_an_opening_an_authority_orders_is_its_mandate_but_a_report_is_not():
    t = tagger()
    ordered = "Ofcom told the mobile networks that customers must be allowed to keep their numbers on a rival app."
    [signal] = t.tag_text(ordered, min_confidence=0.4)
    assert (signal.polarity, signal.event_type, signal.actor) == ("mandate", "regulatory_order", "Ofcom")
    assert signal.rule_id.startswith("open.")  # no mandate rule matched: the ordered opening is the order
    reported = "Ofcom has told Apple that third-party apps can now reach the iPhone's NFC chip."
    assert not any(s.polarity == "mandate" for s in t.tag_text(reported, min_confidence=0.4))


def test_explain_reports_why_a_candidate_was_dropped():
    reps = tagger().explain("WeChat blocked 10,000 accounts for spreading rumours.")
    [cand] = [c for r in reps for c in r.candidates if c.rule.rule.id == "close.block"]
    assert cand.dropped and "counterpart" in cand.dropped


def test_degraded_mode_says_so_once_and_still_tags(caplog):
    from wallwatch.nlp import model as model_mod
    model_mod._warned.discard("no_such_model_xyz")
    model_mod.load_model.cache_clear()  # loaded once per process: start this test from scratch
    caplog.set_level(logging.WARNING, logger="wallwatch.nlp")
    cfg = Config(nlp=NlpConfig(model="no_such_model_xyz"))
    t1 = load_tagger(cfg)
    t2 = load_tagger(cfg)
    warnings = [r for r in caplog.records if "degraded mode" in r.getMessage()]
    assert len(warnings) == 1 and "no_such_model_xyz" in warnings[0].getMessage()
    assert not t1.has_model and t2.model_name == "blank"
    assert t1.tag_text("Taobao will accept WeChat Pay from 12 September.")


def test_the_real_model_finds_unknown_organisations_as_counterparts():
    t = tagger(MODEL)
    assert t.has_model
    text = "Meta cut off access to its API for CrowdTangle, leaving researchers without a tool."
    assert not tagger().tag_text(text)  # rules only: CrowdTangle is unknown
    signals = t.tag_text(text)
    assert signals and signals[0].actor == "Meta" and "CrowdTangle" in (signals[0].target or "")
