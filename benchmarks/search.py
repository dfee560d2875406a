"""Search benchmark: ingest rate, archive size and query latency on a synthetic archive.

Builds (or reuses, resuming an interrupted build) an archive of N synthetic
~500-word articles through the real ``Archive.upsert_articles``, then times a
fixed mix of analyst queries through ``wallwatch.archive.search`` next to the
same query as raw FTS5 ``MATCH ... ORDER BY rank LIMIT 20`` (the floor), and
prints PASS/FAIL against the targets of issue 2.

    python benchmarks/search.py --articles 50000      # a quick run
    python benchmarks/search.py                       # 1,000,000 articles (10-20 min to build)
    python benchmarks/search.py --articles 50000 --json > result.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import GENERATOR_VERSION, SOURCES, Corpus  # noqa: E402
from variants import variants  # noqa: E402

from wallwatch.archive import Archive, SearchFilters, optimize_index, parse, search  # noqa: E402

TARGET_P95_MS = 50.0
TARGET_RATIO, TARGET_SLACK_MS = 1.5, 5.0
TARGET_INGEST = 2_000.0
# 2: built under migration m006's merge policy, then merged by optimize_index.
BUILD_VERSION = 2
RAW_SQL = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20"


@dataclass(frozen=True)
class BenchQuery:
    label: str
    text: str
    since: str | None = None


# The mix: what analysts type, over platforms of very different frequencies.
QUERIES = [
    BenchQuery("1 term", "Taobao"),
    BenchQuery("2-term AND", "WeChat AND Tmall"),
    BenchQuery("phrase", '"WeChat Pay"'),
    BenchQuery("NEAR/10", "Weibo NEAR/10 WeChat"),
    BenchQuery("OR group", '(Alipay OR "WeChat Pay") AND Taobao'),
    BenchQuery("--since filter", "WeChat", since="2026-09-01"),
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- build ---------------------------------------------------------------------
def build(db: Path, total: int, seed: int, batch: int) -> dict:
    """Create or resume the synthetic archive; returns the build record (also saved beside it)."""
    meta_path = db.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if db.exists() and (meta.get("generator_version"), meta.get("build_version")) != (GENERATOR_VERSION,
                                                                                     BUILD_VERSION):
        raise SystemExit(f"{db} was built by another version of this benchmark; delete it or pick --data-dir")
    meta.setdefault("generator_version", GENERATOR_VERSION)
    meta.setdefault("build_version", BUILD_VERSION)
    meta.setdefault("batch", batch)
    meta.setdefault("seed", seed)
    meta.setdefault("inserted", 0)
    meta.setdefault("insert_seconds", 0.0)
    meta.setdefault("generate_seconds", 0.0)
    corpus = Corpus(total, seed)
    with Archive(db) as archive:
        archive.sync_sources({"name": n, "kind": "feed", "url": f"https://{n}.example/feed", "topics": t}
                             for n, t in SOURCES)
        done = archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        if done >= total:
            return meta
        log(f"building {db.name}: {done:,} of {total:,} articles present, adding {total - done:,}")
        t_gen = time.perf_counter()
        for n, articles in enumerate(corpus.batches(done, batch), 1):
            t0 = time.perf_counter()
            meta["generate_seconds"] += t0 - t_gen
            results = archive.upsert_articles(articles)
            t_gen = time.perf_counter()
            meta["insert_seconds"] += t_gen - t0
            meta["inserted"] += sum(r.outcome == "new" for r in results)
            if n % 50 == 0:
                meta_path.write_text(json.dumps(meta))
                rate = meta["inserted"] / meta["insert_seconds"]
                log(f"  {done + n * batch:>9,} articles  ({rate:,.0f} articles/s in upsert_articles)")
        archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    meta_path.write_text(json.dumps(meta))
    return meta


def merge(db: Path) -> dict:
    """The product's index merge (``optimize_index``, what the daemon runs nightly), timed."""
    with Archive(db) as archive:
        result = optimize_index(archive)
        archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"merge_seconds": result.seconds, "merge_steps": result.steps}


# -- measure ---------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(db: Path, repeats: int, with_variants: bool) -> list[dict]:
    with Archive(db) as archive:
        conn = archive.conn
        candidates = variants(archive) if with_variants else {}
        plans = []
        for q in QUERIES:
            match = parse(q.text).to_fts5()
            count = conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                 (match,)).fetchone()[0]
            plans.append((q, match, SearchFilters(since=q.since, limit=20), count))
        names = ["search", "raw", *candidates]
        times = {q.label: {n: [] for n in names} for q in QUERIES}
        same: dict[str, dict[str, bool]] = {q.label: {} for q in QUERIES}
        for r in range(repeats + 1):  # round 0 warms the page cache and is not counted
            for q, match, filters, _ in plans:
                t0 = time.perf_counter()
                hits = search(archive, q.text, filters)
                t1 = time.perf_counter()
                conn.execute(RAW_SQL, (match,)).fetchall()
                t2 = time.perf_counter()
                laps = {"search": t1 - t0, "raw": t2 - t1}
                for name, fn in candidates.items():
                    t3 = time.perf_counter()
                    rows = fn(archive, q.text, filters)
                    laps[name] = time.perf_counter() - t3
                    if r == 0:
                        same[q.label][name] = [(round(h.rank, 9), h.id) for h in hits] == \
                            [(round(x["rank"], 9), x["id"]) for x in rows]
                if r:
                    for name, lap in laps.items():
                        times[q.label][name].append(lap * 1000)
                elif q.since and any((h.published or "") < q.since for h in hits):
                    raise SystemExit(f"{q.label}: search returned an article older than --since")
        out = []
        for q, match, _, count in plans:
            t = times[q.label]
            out.append({
                "label": q.label, "query": q.text, "since": q.since, "fts5": match, "matches": count,
                "median_ms": statistics.median(t["search"]), "p95_ms": percentile(t["search"], 0.95),
                "raw_median_ms": statistics.median(t["raw"]), "raw_p95_ms": percentile(t["raw"], 0.95),
                "samples": t["search"],
                "variants": {n: {"median_ms": statistics.median(t[n]), "p95_ms": percentile(t[n], 0.95),
                                 "same_hits": same[q.label][n], "samples": t[n]} for n in candidates},
            })
        return out


# -- report ------------------------------------------------------------------------
def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() \
        else platform.processor()
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "load_average": os.getloadavg()}


def verdicts(result: dict) -> list[dict]:
    checks = []
    # Judged with the merge counted: the queries below run on the merged index.
    ingest = result["ingest"]["with_merge_per_s"] or result["ingest"]["articles_per_s"]
    if ingest is not None:
        checks.append({"target": f"ingest >= {TARGET_INGEST:,.0f} articles/s", "value": round(ingest),
                       "pass": ingest >= TARGET_INGEST})
    all_samples = [s for q in result["queries"] for s in q["samples"]]
    p95 = percentile(all_samples, 0.95)
    checks.append({"target": f"mix p95 <= {TARGET_P95_MS:.0f} ms", "value": round(p95, 1),
                   "pass": p95 <= TARGET_P95_MS})
    for q in result["queries"]:
        allowed = max(q["raw_median_ms"] * TARGET_RATIO, q["raw_median_ms"] + TARGET_SLACK_MS)
        checks.append({"target": f"{q['label']}: median within 1.5x or +5 ms of raw FTS5 "
                                 f"({allowed:.1f} ms)", "value": round(q["median_ms"], 1),
                       "pass": q["median_ms"] <= allowed})
    return checks


def variant_verdicts(result: dict) -> list[dict]:
    """The latency targets for each candidate query shape (what-if; not the shipped search)."""
    checks = []
    names = list(result["queries"][0]["variants"]) if result["queries"] else []
    for name in names:
        samples = [s for q in result["queries"] for s in q["variants"][name]["samples"]]
        p95 = percentile(samples, 0.95)
        checks.append({"target": f"[{name}] mix p95 <= {TARGET_P95_MS:.0f} ms", "value": round(p95, 1),
                       "pass": p95 <= TARGET_P95_MS})
        for q in result["queries"]:
            v = q["variants"][name]
            allowed = max(q["raw_median_ms"] * TARGET_RATIO, q["raw_median_ms"] + TARGET_SLACK_MS)
            checks.append({"target": f"[{name}] {q['label']}: within 1.5x or +5 ms of raw ({allowed:.1f} ms)"
                                     + ("" if v["same_hits"] else " [hits differ from search]"),
                           "value": round(v["median_ms"], 1), "pass": v["median_ms"] <= allowed})
    return checks


def print_report(result: dict) -> None:
    m, b, ing = result["machine"], result["build"], result["ingest"]
    print(f"machine   {m['cpus']} cpus ({m['cpu']}), shared; load {m['load_average'][0]:.2f}; "
          f"Python {m['python']}, SQLite {m['sqlite']}")
    print(f"archive   {result['db']}: {b['articles']:,} articles, ~{b['avg_words']:.0f} words each"
          + (f", index merged ({b['merge_steps']} steps)" if b["merged"] else ", index not merged"))
    if ing["articles_per_s"] is None:
        print("ingest    (archive reused; no insert timed in this build record)")
    else:
        print(f"ingest    {ing['articles_per_s']:,.0f} articles/s in upsert_articles "
              f"({ing['inserted']:,} articles in {ing['insert_seconds']:.0f} s, batches of {ing['batch']}); "
              f"{ing['end_to_end_per_s']:,.0f}/s including text generation")
        if ing["with_merge_per_s"] is not None:
            print(f"          {ing['with_merge_per_s']:,.0f} articles/s counting the index merge too "
                  f"({ing['merge_seconds']:.0f} s)")
    size = result["size"]
    print(f"size      {size['bytes'] / 1e9:.2f} GB = {size['per_article_bytes'] / 1024:.1f} KiB per article "
          f"(text itself {size['text_per_article_bytes'] / 1024:.1f} KiB; FTS5 index "
          f"{size['fts_bytes'] / 1e9:.2f} GB)")
    print(f"\nlatency over {result['repeats']} runs, warm cache, LIMIT 20 ranked (ms):")
    print(f"  {'query':<16} {'matches':>9}  {'search med':>10} {'p95':>7}   {'raw FTS5 med':>12} {'p95':>7}  ratio")
    for q in result["queries"]:
        ratio = q["median_ms"] / q["raw_median_ms"] if q["raw_median_ms"] else float("inf")
        print(f"  {q['label']:<16} {q['matches']:>9,}  {q['median_ms']:>10.1f} {q['p95_ms']:>7.1f}   "
              f"{q['raw_median_ms']:>12.1f} {q['raw_p95_ms']:>7.1f}  {ratio:4.1f}x   {q['query']}"
              + (f"  --since {q['since']}" if q["since"] else ""))
    names = list(result["queries"][0]["variants"]) if result["queries"] else []
    if names:
        print("\ncandidate query shapes (benchmarks/variants.py), median / p95 ms, same hits as search:")
        for q in result["queries"]:
            cells = [f"{n} {v['median_ms']:.1f} / {v['p95_ms']:.1f} {'same' if v['same_hits'] else 'DIFFER'}"
                     for n, v in q["variants"].items()]
            print(f"  {q['label']:<16} " + "   ".join(cells))
    print()
    for c in result["verdicts"]:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['target']}: {c['value']}")
    if result["variant_verdicts"]:
        print("\nwhat-if (candidate shapes, not the shipped search):")
        for c in result["variant_verdicts"]:
            print(f"{'pass' if c['pass'] else 'fail'}  {c['target']}: {c['value']}")


def fts_bytes(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'articles_fts%'"
                            ).fetchone()[0]
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000, help="archive size (default 1,000,000)")
    ap.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent / ".data",
                    help="where the synthetic archive is built and reused (default benchmarks/.data/)")
    ap.add_argument("--batch", type=int, default=5000, help="articles per upsert_articles call")
    ap.add_argument("--repeats", type=int, default=15, help="timed runs of each query")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-merge", action="store_true",
                    help="measure queries before the index merge (the merge then runs on a later call)")
    ap.add_argument("--variants", action="store_true",
                    help="also time the candidate query shapes of benchmarks/variants.py")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    args.data_dir.mkdir(parents=True, exist_ok=True)
    db = args.data_dir / f"search-{args.articles}-s{args.seed}.db"
    meta = build(db, args.articles, args.seed, args.batch)
    if not args.no_merge and "merge_seconds" not in meta:
        log("merging the index (optimize_index) ...")
        meta.update(merge(db))
        db.with_suffix(".json").write_text(json.dumps(meta))
    log("measuring queries ...")
    queries = measure(db, args.repeats, args.variants)

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n, text_bytes, words = conn.execute(
        "SELECT count(*), sum(length(title) + length(body) + coalesce(length(summary), 0)), "
        "(SELECT avg(length(body) - length(replace(body, ' ', '')) + 1) FROM "
        "(SELECT body FROM articles ORDER BY random() LIMIT 500)) FROM articles").fetchone()
    conn.close()
    size = db.stat().st_size + (Path(f"{db}-wal").stat().st_size if Path(f"{db}-wal").exists() else 0)
    timed = meta["insert_seconds"] > 0 and meta["inserted"] > 0
    result = {
        "db": str(db), "machine": machine(), "repeats": args.repeats,
        "build": {"articles": n, "avg_words": words, "seed": args.seed,
                  "merged": "merge_seconds" in meta, "merge_steps": meta.get("merge_steps")},
        "ingest": {
            "articles_per_s": meta["inserted"] / meta["insert_seconds"] if timed else None,
            "end_to_end_per_s": (meta["inserted"] / (meta["insert_seconds"] + meta["generate_seconds"])
                                 if timed else None),
            "with_merge_per_s": (meta["inserted"] / (meta["insert_seconds"] + meta["merge_seconds"])
                                 if timed and "merge_seconds" in meta else None),
            "merge_seconds": meta.get("merge_seconds"),
            "inserted": meta["inserted"], "insert_seconds": meta["insert_seconds"], "batch": meta.get("batch", args.batch),
        },
        "size": {"bytes": size, "per_article_bytes": size / n, "text_per_article_bytes": text_bytes / n,
                 "fts_bytes": fts_bytes(db)},
        "queries": queries,
    }
    result["verdicts"] = verdicts(result)
    result["variant_verdicts"] = variant_verdicts(result)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    return 0 if all(c["pass"] for c in result["verdicts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
