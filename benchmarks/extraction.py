"""Extraction quality on the ground-truth pages of ../shared/realweb/articles: wallwatch vs trafilatura alone.

For each page, both extractors get the same bytes and the same URL:

- wallwatch: ``decode_html`` + ``extract_article`` (what the crawler stores)
- trafilatura alone: ``trafilatura.bare_extraction(bytes, url=..., with_metadata=True)`` with its defaults

Measures, side by side:

- trafilatura set (85 pages): share of pages whose text contains every ``with``
  snippet and none of the ``without`` ones; title/author/date accuracy where known.
- scrapinghub set (181 pages): mean word-level F1 against ``articleBody``, and the
  share of pages containing both the first and the last 40 characters of the body.
- newspaper4k set (19 pages): mean F1 against the expected text, title accuracy.

    python benchmarks/extraction.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path

import trafilatura

from wallwatch.crawler import decode_html, extract_article

ARTICLES = Path(__file__).resolve().parent.parent.parent / "shared" / "realweb" / "articles"
_WORD = re.compile(r"\w+", re.UNICODE)


def _norm(text: object) -> str:
    if isinstance(text, (list, tuple)):
        text = "; ".join(map(str, text))
    return " ".join(str(text).split())


def f1(got: str, want: str) -> float:
    a, b = Counter(_WORD.findall(got.lower())), Counter(_WORD.findall(want.lower()))
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


def ours(body: bytes, url: str) -> dict:
    html, _ = decode_html(body, None)
    e = extract_article(html, url)
    return {"text": e.text, "title": e.title, "author": e.author, "date": e.date}


def theirs(body: bytes, url: str) -> dict:
    doc = trafilatura.bare_extraction(body, url=url, with_metadata=True)
    if doc is None:
        return {"text": "", "title": "", "author": None, "date": None}
    return {"text": doc.text or "", "title": doc.title or "", "author": doc.author, "date": doc.date}


EXTRACTORS = {"wallwatch": ours, "trafilatura": theirs}


def order(i: int) -> list[str]:
    """Alternate which extractor goes first, so neither always meets a cold page."""
    names = list(EXTRACTORS)
    return names if i % 2 == 0 else names[::-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    args = parser.parse_args()
    lim = (lambda xs: xs[: args.limit]) if args.limit else (lambda xs: xs)
    results: dict[str, dict] = {name: Counter() for name in EXTRACTORS}
    seconds = Counter()

    def run(name: str, body: bytes, url: str) -> dict:
        t0 = time.perf_counter()
        out = EXTRACTORS[name](body, url)
        seconds[name] += time.perf_counter() - t0
        return out

    traf = json.loads((ARTICLES / "trafilatura" / "expected.json").read_text())
    for i, page in enumerate(lim(sorted(traf))):
        exp = traf[page]
        body = (ARTICLES / "trafilatura" / page).read_bytes()
        for name in order(i):
            got = run(name, body, exp["url"])
            text = _norm(got["text"])
            ok = all(_norm(w) in text for w in exp.get("with", [])) and not any(
                _norm(w) in text for w in exp.get("without", []))
            r = results[name]
            r["traf_pages"] += 1
            r["traf_snippets_ok"] += ok
            for field in ("title", "author", "date"):
                if exp.get(field):
                    r[f"traf_{field}_known"] += 1
                    value = _norm(str(got[field] or ""))
                    want = _norm(exp[field])
                    r[f"traf_{field}_ok"] += value == want if field != "date" else value[:10] == want[:10]

    truth = json.loads((ARTICLES / "scrapinghub-aeb" / "ground-truth.json").read_text())
    for i, key in enumerate(lim(sorted(truth))):
        exp = truth[key]
        body = (ARTICLES / "scrapinghub-aeb" / f"{key}.html").read_bytes()
        want = _norm(exp["articleBody"])
        for name in order(i):
            got = _norm(run(name, body, exp["url"])["text"])
            r = results[name]
            r["aeb_pages"] += 1
            r["aeb_f1_sum"] += f1(got, want)
            r["aeb_ends_ok"] += want[:40] in got and want[-40:] in got

    np4k = json.loads((ARTICLES / "newspaper4k" / "expected.json").read_text())
    for i, page in enumerate(lim(sorted(np4k))):
        exp = np4k[page]
        body = (ARTICLES / "newspaper4k" / page).read_bytes()
        url = exp.get("url") or f"https://example.com/{page}"
        for name in order(i):
            got = run(name, body, url)
            r = results[name]
            r["np4k_pages"] += 1
            r["np4k_f1_sum"] += f1(got["text"], exp.get("text", ""))
            if exp.get("title"):
                r["np4k_title_known"] += 1
                r["np4k_title_ok"] += _norm(got["title"]) == _norm(exp["title"])

    summary = {}
    for name, r in results.items():
        s = {
            "trafilatura_set_snippets": f"{r['traf_snippets_ok']}/{r['traf_pages']} ({r['traf_snippets_ok'] / max(1, r['traf_pages']):.1%})",
            "trafilatura_set_title": f"{r['traf_title_ok']}/{r['traf_title_known']}",
            "trafilatura_set_author": f"{r['traf_author_ok']}/{r['traf_author_known']}",
            "trafilatura_set_date": f"{r['traf_date_ok']}/{r['traf_date_known']}",
            "scrapinghub_mean_f1": round(r["aeb_f1_sum"] / max(1, r["aeb_pages"]), 3),
            "scrapinghub_first_and_last_40_chars": f"{r['aeb_ends_ok']}/{r['aeb_pages']}",
            "newspaper4k_mean_f1": round(r["np4k_f1_sum"] / max(1, r["np4k_pages"]), 3),
            "newspaper4k_title": f"{r['np4k_title_ok']}/{r['np4k_title_known']}",
            "seconds": round(seconds[name], 1),
        }
        summary[name] = s
    width = max(len(k) for k in summary["wallwatch"])
    print(f"{'':<{width}}  {'wallwatch':>16}  {'trafilatura':>16}")
    for key in summary["wallwatch"]:
        print(f"{key:<{width}}  {str(summary['wallwatch'][key]):>16}  {str(summary['trafilatura'][key]):>16}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
