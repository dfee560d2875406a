"""Ranked full-text search over the archive with the analysts' query language."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import QueryError
from .query import parse
from .store import Archive

# Markers FTS5's snippet() puts around matched words; formatters replace them.
MARK_START, MARK_END = "\x02", "\x03"


@dataclass(frozen=True)
class SearchFilters:
    since: str | None = None
    until: str | None = None
    sources: Sequence[str] = ()
    topics: Sequence[str] = ()
    signals_only: bool = False
    limit: int = 20


@dataclass
class Hit:
    id: int
    url: str
    title: str
    source: str | None
    published: str | None
    rank: float
    snippet: str
    signals: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, mark: tuple[str, str] = ("«", "»")) -> dict[str, Any]:
        return {
            "id": self.id, "url": self.url, "title": self.title, "source": self.source,
            "published": self.published, "rank": self.rank,
            "snippet": self.snippet.replace(MARK_START, mark[0]).replace(MARK_END, mark[1]),
            "signals": [
                {k: s[k] for k in ("polarity", "event_type", "actor", "target", "status", "confidence",
                                   "evidence", "rule_id")}
                for s in self.signals
            ],
        }


def search(archive: Archive, query: str, filters: SearchFilters = SearchFilters()) -> list[Hit]:
    """Articles matching ``query``, best bm25 first, newer first among equals.

    Raises :class:`QueryError` for a query that cannot be parsed.
    """
    match = parse(query).to_fts5()
    where = ["articles_fts MATCH :match"]
    params: dict[str, Any] = {"match": match, "limit": filters.limit}
    # Only date, source and topic filters need the article row in the ranking stage.
    needs_article = bool(filters.since or filters.until or filters.sources or filters.topics)
    if filters.since:
        where.append("coalesce(a.published, a.first_seen) >= :since")
        # Exact, and fast: no article dated on or after `since` has a smaller id
        # than the smallest such id, so FTS5 skips every older posting.
        where.append("articles_fts.rowid >= (SELECT coalesce(min(id), 1 << 62) FROM articles "
                     "INDEXED BY articles_date_id WHERE coalesce(published, first_seen) >= :since)")
        params["since"] = filters.since
    if filters.until:
        # A bare date means the whole day.
        where.append("coalesce(a.published, a.first_seen) < :until")
        params["until"] = filters.until + ("T99" if len(filters.until) == 10 else "")
    if filters.sources:
        names = {f"s{i}": s for i, s in enumerate(filters.sources)}
        where.append(f"a.source IN ({', '.join(':' + k for k in names)})")
        params.update(names)
    if filters.topics:
        topics = {f"t{i}": t for i, t in enumerate(filters.topics)}
        where.append("EXISTS (SELECT 1 FROM json_each(a.topics) WHERE value IN "
                     f"({', '.join(':' + k for k in topics)}))")
        params.update(topics)
    if filters.signals_only:
        where.append("EXISTS (SELECT 1 FROM signals s WHERE s.article_id = articles_fts.rowid)")
    join = "JOIN articles a ON a.id = articles_fts.rowid" if needs_article else ""
    # Two stages: rank on the index alone, then read rows and build snippets for
    # the top hits only (doing both for every match was 2-3x slower than raw
    # FTS5 on 1M articles: benchmarks/search.py, docs/performance.md).
    # bm25 weights: a word in the title counts more than one in the body.
    sql = f"""
        WITH top AS (
            SELECT articles_fts.rowid AS id, bm25(articles_fts, 4.0, 1.0, 2.0) AS rank
            FROM articles_fts {join}
            WHERE {' AND '.join(where)}
            ORDER BY rank LIMIT :limit
        )
        SELECT a.id, a.url, a.title, a.source, a.published, top.rank,
               snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet
        FROM top
        CROSS JOIN articles_fts ON articles_fts.rowid = top.id AND articles_fts MATCH :match
        CROSS JOIN articles a ON a.id = top.id
        ORDER BY top.rank, coalesce(a.published, a.first_seen) DESC"""
    try:
        rows = archive.query(sql, params)
    except sqlite3.OperationalError as exc:
        # The compiler quotes every word, so this is rare; still never a traceback.
        if "fts5" in str(exc) or "syntax" in str(exc):
            raise QueryError(f"the search engine rejected it ({exc})", query, None) from exc
        raise
    hits = [Hit(**r) for r in rows]
    signals = archive.signals_for([h.id for h in hits])
    for h in hits:
        h.signals = signals[h.id]
    return hits


def stats(archive: Archive) -> dict[str, Any]:
    """Counts and source health, for ``wallwatch stats``."""
    one = lambda sql: archive.conn.execute(sql).fetchone()[0]  # noqa: E731
    sources = archive.query(
        """SELECT s.name, s.kind, s.url, s.last_success, s.last_attempt, s.last_status, s.last_error,
                  s.consecutive_failures, (SELECT count(*) FROM articles a WHERE a.source = s.name) AS articles
           FROM sources s ORDER BY s.name"""
    )
    for s in sources:
        s["healthy"] = s["consecutive_failures"] == 0 and s["last_success"] is not None
    page_size = one("PRAGMA page_size")
    return {
        "path": str(archive.path),
        "articles": one("SELECT count(*) FROM articles"),
        "duplicates": one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
        "signals": one("SELECT count(*) FROM signals"),
        "signals_by_polarity": dict(archive.conn.execute(
            "SELECT polarity, count(*) FROM signals GROUP BY polarity ORDER BY polarity").fetchall()),
        "untagged": one("SELECT count(*) FROM articles WHERE tagged_version IS NULL"),
        "deliveries": one("SELECT count(*) FROM deliveries WHERE status = 'sent'"),
        "last_runs": [
            {**r, "counts": json.loads(r["counts"]), "errors": json.loads(r["errors"])}
            for r in archive.query("SELECT job, started, finished, status, counts, errors FROM runs "
                                   "WHERE id IN (SELECT max(id) FROM runs GROUP BY job) ORDER BY job")
        ],
        "size_bytes": one("PRAGMA page_count") * page_size,
        "sources": sources,
    }
