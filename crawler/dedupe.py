"""Near-duplicate text: syndicated copies of one story are linked, not stored as new stories.

How near is near: both texts are cut into overlapping 5-word shingles (single
characters for Chinese/Japanese/Korean script); a new article is a copy of an
older one when at least ``near_duplicate_threshold`` (default 0.9) of the
shingles of the shorter text also occur in the other (containment), and both
have at least ``MIN_SHINGLES`` shingles. Containment rather than Jaccard, so a
copy with an added "Published with permission from ..." line still matches.

Candidates are found with MinHash locality-sensitive hashing (16 bands of 4
of 64 hash functions) stored in ``crawler_minhash``; each candidate is then
checked on the real shingles, so a band collision never links two stories.
"""

from __future__ import annotations

import re
import zlib

SHINGLE_WORDS = 5
MIN_SHINGLES = 30
BANDS, ROWS = 16, 4
_PRIME = (1 << 61) - 1
_M64 = (1 << 64) - 1
# Fixed seeds: signatures must be comparable across runs and processes.
_A = [(0x9E3779B97F4A7C15 * (i + 1)) % _PRIME | 1 for i in range(BANDS * ROWS)]
_B = [(0xC2B2AE3D27D4EB4F * (i + 7)) % _PRIME for i in range(BANDS * ROWS)]
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W_]+", re.UNICODE)


def shingles(text: str) -> set[int]:
    """Hashes of the overlapping word 5-grams of ``text`` (case and punctuation folded)."""
    words = _TOKEN.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i:i + SHINGLE_WORDS]).encode())
            for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(text: str) -> tuple[str, ...]:
    """The LSH band keys of ``text`` (empty when it is too short to compare)."""
    sh = shingles(text)
    if len(sh) < MIN_SHINGLES:
        return ()
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with spaCy
        mins = [min(((a * x + b) & _M64) >> 32 for x in sh) for a, b in zip(_A, _B)]
    else:
        x = np.fromiter(sh, dtype=np.uint64, count=len(sh))
        # (a*x + b) mod 2^64, high 32 bits: multiply-shift hashing, one per row.
        a = np.array(_A, dtype=np.uint64)[:, None]
        b = np.array(_B, dtype=np.uint64)[:, None]
        with np.errstate(over="ignore"):
            mins = ((a * x[None, :] + b) >> np.uint64(32)).min(axis=1).tolist()
    return tuple(f"{band}:{zlib.crc32(repr(mins[band * ROWS:(band + 1) * ROWS]).encode()):08x}"
                 for band in range(BANDS))


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller shingle set found in the other."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small)


def is_near_duplicate(text_a: str, text_b: str, threshold: float) -> bool:
    """True when the two texts are one story by the rule in the module docstring."""
    a, b = shingles(text_a), shingles(text_b)
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return False
    return containment(a, b) >= threshold
