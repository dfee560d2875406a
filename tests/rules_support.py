"""Shared helpers of the rules workbench tests: a real archive of project-written articles."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from wallwatch.archive import Archive, ArticleRecord

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
SOURCES = {"technode": ["tech", "china"], "jing-daily": ["luxury", "china"], "techcrunch": ["tech"],
           "scmp-tech": ["tech", "china"], "retail-dive": ["ecommerce"], "macrumors": ["tech", "apple"],
           "realweb": ["web"]}


def fixture_articles() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "articles.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def fill(archive: Archive, extra: list[dict] = ()) -> dict[str, int]:
    """Put the fixture articles (and ``extra`` ones) into ``archive``; url -> id."""
    archive.sync_sources({"name": n, "kind": "feed", "url": f"https://{n}.example/feed", "topics": t}
                         for n, t in SOURCES.items())
    rows = [*fixture_articles(), *extra]
    results = archive.upsert_articles([
        ArticleRecord(url=r["url"], title=r["title"], body=r["body"], source=r.get("source"),
                      published=r.get("published"), topics=r.get("topics", ())) for r in rows])
    return {r["url"]: res.article_id for r, res in zip(rows, results)}


def realweb_articles(ground_truth: Path, limit: int = 60) -> list[dict]:
    """Real article bodies (scrapinghub benchmark ground truth) as archive rows, English-looking ones first."""
    data = json.loads(ground_truth.read_text(encoding="utf-8"))
    out = []
    for n, (key, entry) in enumerate(sorted(data.items())):
        body = entry.get("articleBody") or ""
        if len(body) < 400:
            continue
        title = body.split("\n", 1)[0][:120]
        out.append({"url": entry.get("url") or f"https://realweb.example/{key}", "source": "realweb",
                    "published": f"2019-{1 + n % 12:02d}-15", "topics": [], "title": title, "body": body})
        if len(out) >= limit:
            break
    return out


def snapshot(db_path: Path) -> list[str]:
    """Every row of the archive, as SQL: equal snapshots mean nothing was written."""
    conn = sqlite3.connect(db_path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
