"""A deterministic synthetic news corpus for the search benchmark.

Words follow a Zipf-Mandelbrot law over a vocabulary whose head is real English
news vocabulary and whose tail is pronounceable made-up words, so posting lists
have realistic lengths (a few huge, most tiny). Platform names (WeChat, Tmall,
"WeChat Pay", ...) are sprinkled in with their own skewed popularity: roughly
half the articles name no platform, the popular ones appear in a few percent to
~15% of articles, as in a China tech / luxury trade-press archive. The same seed
and article number always give the same article, so a build can resume.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import numpy as np

from wallwatch.archive import ArticleRecord

GENERATOR_VERSION = 1
MEAN_WORDS = 500

# Head of the vocabulary, roughly in frequency order (function words first).
HEAD = """the of and to a in that is for on it with as was by said be at from has its are
an have this will not but or which their more they new were also been had than one would about
market company year china platform users after brand sales percent its who up into online
over other two first billion can chinese could some app luxury e-commerce services million
business all when its growth last time while there revenue data according consumers digital
payment like government through stores retail global retailers shopping products just since
mobile third quarter we most because customers groups group investors rules advertising ads
industry under such regulators content technology three link links blocking access open
opening closed apps mini programs program ecosystem interoperability rivals competition
antitrust regulator ministry order ordered traffic merchants partners partnership deal deals
share shares stock fashion designer houses house collection demand prices price store
sellers buyers delivery live streaming video social network networks search engine engines
payments wallet wallets checkout cross-border beijing shanghai hong kong europe us week
month months analysts analyst report reported statement spokesperson executive officer chief
""".split()
HEAD = list(dict.fromkeys(HEAD))

# Platform names with their popularity rank (earlier = more often mentioned).
PLATFORMS = [
    "WeChat", "Alibaba", "Tencent", "Taobao", "Tmall", "Douyin", "JD.com", "Alipay", "Weibo",
    "WeChat Pay", "Pinduoduo", "Meituan", "ByteDance", "Xiaohongshu", "Kuaishou", "Baidu",
    "TikTok", "Apple", "Google", "Meta", "Amazon", "Instagram", "LVMH", "Kering", "Gucci",
    "Hermès", "Chanel", "Prada", "Farfetch", "Richemont", "Burberry", "Shopify", "App Store",
    "Apple Pay", "Huawei", "Xiaomi", "Bilibili", "Zhihu", "Ele.me", "UnionPay",
]

SOURCES = [(f"bench-source-{i:02d}", ("tech",) if i % 3 else ("luxury",)) for i in range(40)]

_SYLLABLES = ["ka", "lo", "mi", "ne", "tor", "va", "shi", "den", "ru", "pal", "ex", "qui", "bo",
              "zan", "fe", "gri", "hu", "jo", "wen", "ty", "lar", "mos", "pe", "sa", "cor", "ul"]
_EPOCH = datetime(2021, 1, 1, tzinfo=timezone.utc)
_SPAN_SECONDS = int((datetime(2026, 11, 1, tzinfo=timezone.utc) - _EPOCH).total_seconds())


def _tail_words(n: int) -> list[str]:
    words, seen = [], set(HEAD)
    k = 0
    while len(words) < n:
        # Mixed-radix spelling of k gives distinct, pronounceable words.
        parts, x = [], k
        for _ in range(2 + k % 3):
            parts.append(_SYLLABLES[x % len(_SYLLABLES)])
            x //= len(_SYLLABLES)
        w = "".join(parts)
        k += 7919  # a prime stride keeps neighbours dissimilar
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class Corpus:
    """Article number ``i`` (0-based) of a corpus of ``total`` articles, deterministically."""

    def __init__(self, total: int, seed: int = 42, vocabulary: int = 50_000):
        self.total = total
        self.seed = seed
        self.vocab = np.array(HEAD + _tail_words(vocabulary - len(HEAD)), dtype=object)
        ranks = np.arange(1, len(self.vocab) + 1, dtype=np.float64)
        weights = 1.0 / (ranks + 2.7) ** 1.05  # Zipf-Mandelbrot, as fitted to news text
        self.word_cdf = np.cumsum(weights / weights.sum())
        pw = 1.0 / np.arange(1, len(PLATFORMS) + 1) ** 0.9
        self.platform_p = pw / pw.sum()
        sw = 1.0 / np.arange(1, len(SOURCES) + 1) ** 0.8
        self.source_p = sw / sw.sum()

    def published(self, i: int, jitter: float) -> str:
        # Articles arrive roughly in date order, as a crawler would store them.
        secs = int((i + jitter) / self.total * _SPAN_SECONDS)
        return (_EPOCH + timedelta(seconds=min(secs, _SPAN_SECONDS))).isoformat()

    def batch(self, start: int, size: int) -> list[ArticleRecord]:
        """Articles ``start`` .. ``start + size - 1``."""
        rng = np.random.default_rng([self.seed, start])
        lengths = np.clip(rng.normal(MEAN_WORDS, 120, size), 150, 1200).astype(int)
        words = self.vocab[np.searchsorted(self.word_cdf, rng.random(int(lengths.sum()) + 12 * size))]
        out, pos = [], 0
        for j in range(size):
            n = int(lengths[j])
            body = list(words[pos:pos + n])
            title = list(words[pos + n:pos + n + 10])
            pos += n + 12
            named = self._mention_platforms(rng, body, title)
            i = start + j
            src, topics = SOURCES[int(rng.choice(len(SOURCES), p=self.source_p))]
            out.append(ArticleRecord(
                url=f"https://{src}.example/{i // 1000}/story-{i}",
                title=" ".join(title).capitalize(),
                body=_sentences(body, rng),
                summary=" ".join(body[:40]) + " …",
                source=src,
                published=self.published(i, float(rng.random())),
                language="en",
                topics=topics + (("china",) if named else ()),
            ))
        return out

    def _mention_platforms(self, rng: np.random.Generator, body: list[str], title: list[str]) -> bool:
        if rng.random() < 0.5:
            return False
        k = 1 + int(rng.poisson(0.8))
        chosen = rng.choice(len(PLATFORMS), size=min(k, 4), replace=False, p=self.platform_p)
        for c in chosen:
            for _ in range(1 + int(rng.poisson(1.5))):
                at = int(rng.integers(0, len(body)))
                body.insert(at, PLATFORMS[c])
                if len(chosen) > 1 and rng.random() < 0.3:
                    # A second platform close by: what NEAR queries look for.
                    other = PLATFORMS[chosen[int(rng.integers(0, len(chosen)))]]
                    body.insert(min(len(body), at + int(rng.integers(2, 8))), other)
        if rng.random() < 0.6:
            title.insert(int(rng.integers(0, len(title))), PLATFORMS[chosen[0]])
        return True

    def batches(self, start: int, size: int) -> Iterator[list[ArticleRecord]]:
        for s in range(start, self.total, size):
            yield self.batch(s, min(size, self.total - s))


def _sentences(words: list[str], rng: np.random.Generator) -> str:
    out, i = [], 0
    cuts = rng.integers(8, 28, size=len(words) // 8 + 2)
    k = 0
    while i < len(words):
        n = int(cuts[k])
        k += 1
        s = " ".join(words[i:i + n])
        out.append(s[:1].upper() + s[1:] + ".")
        i += n
    # Paragraphs of ~5 sentences, as extracted article text has.
    return "\n\n".join(" ".join(out[p:p + 5]) for p in range(0, len(out), 5))
