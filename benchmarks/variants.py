"""Candidate query shapes for ``wallwatch.archive.search``, timed beside it by ``search.py --variants``.

They return the same hits as ``search`` (same ids in the same order; equal
bm25 scores straddling the LIMIT cut aside) and exist to measure what a change
to the archive's SQL would buy before anyone makes it:

- ``fts_sorted``: ``ORDER BY articles_fts.rank`` with the weights passed as
  ``rank MATCH 'bm25(4.0, 1.0, 2.0)'``, so FTS5 itself sorts the matches by
  score and SQLite stops after LIMIT rows: snippets and article rows are built
  for those rows only. The current query orders by a ``bm25(...)`` expression
  plus a date, so SQLite computes ``snippet()`` and reads the article row for
  *every* match before sorting. The recency tie-break is applied to the
  returned rows.
- ``two_stage``: rank ids on the index alone in a CTE (SQLite's top-k sorter
  over ``bm25(...)``, which beat FTS5's own full sort at 1M articles), then
  join and snippet only the top rows (one rowid-pinned MATCH per row).
- ``*_since_bound``: ``fts_sorted`` / ``two_stage`` where ``--since`` also becomes a
  lower bound on the FTS5 rowid (the smallest id of an article dated on or
  after ``since``), so FTS5 scores only newer postings. Exact (the date filter
  stays); pays off because ids grow with crawl time. Uses the index
  ``articles_date_id`` of migration m005 to find that id.
- ``window_20k``: ``two_stage`` scoring only the newest 20,000 matches (the
  bound costs one ordered rowid walk). A change of meaning, not only of speed:
  its hits differ from ``search`` for very common words, by design.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallwatch.archive import Archive, SearchFilters, parse
from wallwatch.archive.search import MARK_END, MARK_START

WEIGHTS = "bm25(4.0, 1.0, 2.0)"  # the weights search() uses: title, body, signal evidence
SNIPPET = f"snippet(articles_fts, 1, '{MARK_START}', '{MARK_END}', '…', 24)"
COLUMNS = "a.id, a.url, a.title, a.source, a.published"


def _filters(filters: SearchFilters, params: dict[str, Any], *, since_bound: bool) -> list[str]:
    where = []
    if filters.since:
        where.append("coalesce(a.published, a.first_seen) >= :since")
        params["since"] = filters.since
        if since_bound:
            where.append("articles_fts.rowid >= (SELECT coalesce(min(id), 1 << 62) FROM articles "
                         "INDEXED BY articles_date_id WHERE coalesce(published, first_seen) >= :since)")
    return where


def _attach_signals(archive: Archive, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    signals = archive.signals_for([r["id"] for r in rows])
    for r in rows:
        r["signals"] = signals[r["id"]]
    return rows


def fts_sorted(archive: Archive, query: str, filters: SearchFilters, *, since_bound: bool = False
               ) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"match": parse(query).to_fts5(), "limit": filters.limit}
    where = ["articles_fts MATCH :match", f"articles_fts.rank MATCH '{WEIGHTS}'",
             *_filters(filters, params, since_bound=since_bound)]
    # CROSS JOIN keeps articles_fts outermost, so its rank order reaches the LIMIT.
    sql = f"""
        SELECT * FROM (
            SELECT {COLUMNS}, articles_fts.rank AS rank, {SNIPPET} AS snippet,
                   coalesce(a.published, a.first_seen) AS sort_date
            FROM articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid
            WHERE {' AND '.join(where)}
            ORDER BY articles_fts.rank LIMIT :limit
        ) ORDER BY rank, sort_date DESC"""
    return _attach_signals(archive, archive.query(sql, params))


def _ranked_top_sql(join: str, where: list[str]) -> str:
    """Rank ids on the index alone, then snippet and read rows for the top ones only."""
    return f"""
        WITH top AS (
            SELECT articles_fts.rowid AS id, bm25(articles_fts, 4.0, 1.0, 2.0) AS rank
            FROM articles_fts {join} WHERE {' AND '.join(where)}
            ORDER BY rank LIMIT :limit
        )
        SELECT {COLUMNS}, top.rank, {SNIPPET} AS snippet
        FROM top
        CROSS JOIN articles_fts ON articles_fts.rowid = top.id AND articles_fts MATCH :match
        CROSS JOIN articles a ON a.id = top.id
        ORDER BY top.rank, coalesce(a.published, a.first_seen) DESC"""


def two_stage(archive: Archive, query: str, filters: SearchFilters, *, since_bound: bool = False
              ) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"match": parse(query).to_fts5(), "limit": filters.limit}
    where = ["articles_fts MATCH :match", *_filters(filters, params, since_bound=since_bound)]
    join = "JOIN articles a ON a.id = articles_fts.rowid" if filters.since else ""
    sql = _ranked_top_sql(join, where)
    return _attach_signals(archive, archive.query(sql, params))


def windowed(archive: Archive, query: str, filters: SearchFilters, *, window: int = 20_000
             ) -> list[dict[str, Any]]:
    """``two_stage`` that scores only the newest ``window`` matches (plus the ``--since`` bound).

    Not the same hits as ``search`` once a query matches more than ``window``
    articles: it answers "the best of the latest 20,000 matches", which keeps
    the bm25 work bounded however common the words are.
    """
    match = parse(query).to_fts5()
    row = archive.conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (match, window - 1)).fetchone()
    bound = row[0] if row else 0
    if filters.since and has_date_index(archive):
        since_id = archive.conn.execute(
            "SELECT min(id) FROM articles INDEXED BY articles_date_id "
            "WHERE coalesce(published, first_seen) >= ?", (filters.since,)).fetchone()[0]
        bound = max(bound, since_id if since_id is not None else 1 << 62)
    params: dict[str, Any] = {"match": match, "limit": filters.limit, "bound": bound}
    where = ["articles_fts MATCH :match", "articles_fts.rowid >= :bound",
             *_filters(filters, params, since_bound=False)]
    join = "JOIN articles a ON a.id = articles_fts.rowid" if filters.since else ""
    sql = _ranked_top_sql(join, where)
    return _attach_signals(archive, archive.query(sql, params))


def has_date_index(archive: Archive) -> bool:
    return bool(archive.query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'articles_date_id'"))


Variant = Callable[[Archive, str, SearchFilters], list[dict[str, Any]]]


def variants(archive: Archive) -> dict[str, Variant]:
    """The variants that can run on this archive."""
    out: dict[str, Variant] = {"fts_sorted": fts_sorted, "two_stage": two_stage, "window_20k": windowed}
    if has_date_index(archive):
        out["fts_sorted_since_bound"] = lambda a, q, f: fts_sorted(a, q, f, since_bound=True)
        out["two_stage_since_bound"] = lambda a, q, f: two_stage(a, q, f, since_bound=True)
    return out
