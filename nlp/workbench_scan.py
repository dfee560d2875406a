"""Run a draft query over the archive: FTS5 finds candidate articles, sentences decide.

``rules test`` and the watch tagger share this scan. FTS5 narrows 100k
articles to the few that could match (its expression is a relaxation of the
query, see ``Query.to_fts5_prefilter``); only their sentences that contain an
anchor word are matched in Python. Nothing is written.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wallwatch.archive import Archive, QueryError
from wallwatch.archive.query import And, Field, Near, Node, Not, Or, Query, Term

from .watches import ArticleContext, SentenceHit, match_text
from .workbench_text import PlatformFinder, fields_used, highlight

_SIGNAL_FIELDS = {"polarity", "event_type"}


@dataclass
class ArticleMatch:
    id: int
    url: str
    title: str
    source: str | None
    date: str | None
    rank: float
    hits: list[SentenceHit]
    context: ArticleContext


def prefilter(query: Query, finder: PlatformFinder) -> str | None:
    """The FTS5 expression that narrows the archive for ``query`` (None: every article)."""
    return query.to_fts5_prefilter(finder.expand_field)


def scan(archive: Archive, query: Query, finder: PlatformFinder | None = None, *,
         since: str | None = None, article_ids: Sequence[int] | None = None,
         stats: dict[str, int] | None = None, with_signals: bool = False) -> Iterator[ArticleMatch]:
    """Articles with at least one passage matching ``query``, best bm25 rank first.

    ``stats["candidates"]`` counts the articles FTS5 let through.
    """
    stats = stats if stats is not None else {}
    stats.setdefault("candidates", 0)
    finder = finder or PlatformFinder()
    used = fields_used(query.root)
    match = prefilter(query, finder)
    where, params = [], []
    if match is not None:
        head = ("SELECT a.id, a.url, a.title, a.body, a.source, a.topics, "
                "coalesce(a.published, a.first_seen) AS date, bm25(articles_fts, 4.0, 1.0, 2.0) AS rank "
                "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid")
        where.append("articles_fts MATCH ?")
        params.append(match)
        order = " ORDER BY rank, a.id"
    else:
        head = ("SELECT a.id, a.url, a.title, a.body, a.source, a.topics, "
                "coalesce(a.published, a.first_seen) AS date, 0.0 AS rank FROM articles a")
        order = " ORDER BY a.id DESC"
    if since:
        where.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(since)
    if article_ids is not None:
        where.append("a.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(article_ids)))
    sql = head + (" WHERE " + " AND ".join(where) if where else "") + order
    source_topics: dict[str, list[str]] = {}
    if "topic" in used:
        source_topics = {r["name"]: json.loads(r["topics"]) for r in archive.query("SELECT name, topics FROM sources")}
    try:
        cursor = archive.conn.execute(sql, params)
    except sqlite3.OperationalError as exc:
        raise QueryError(f"the search engine rejected it ({exc})", query.text, None) from exc
    batch: list[tuple[Any, ...]] = []
    for row in cursor:
        stats["candidates"] += 1
        batch.append(row)
        if len(batch) >= 500:
            yield from _match_batch(archive, query, finder, batch, used, source_topics)
            batch = []
    yield from _match_batch(archive, query, finder, batch, used, source_topics)


def _match_batch(archive: Archive, query: Query, finder: PlatformFinder, rows: list[tuple[Any, ...]],
                 used: set[str], source_topics: dict[str, list[str]]) -> Iterator[ArticleMatch]:
    signals: dict[int, list[dict[str, Any]]] = {}
    if used & _SIGNAL_FIELDS and rows:
        signals = archive.signals_for([r[0] for r in rows])
    for id_, url, title, body, source, topics, date, rank in rows:
        ctx = ArticleContext(
            title=title or "", source=source,
            topics=[*json.loads(topics or "[]"), *source_topics.get(source or "", [])] if "topic" in used else (),
            signals=[s for s in signals.get(id_, []) if s["kind"] == "interop"],
            finder=finder,
        )
        hits = match_text(query, body or "", ctx)
        if hits:
            yield ArticleMatch(id_, url, title, source, date, rank, hits, ctx)


def highlight_terms(query: Query, finder: PlatformFinder) -> list[Term]:
    """The query's positive terms plus the aliases of the platforms named in ``platform:``."""
    terms = list(query.terms())

    def walk(node: Node, in_platform: bool) -> None:
        if isinstance(node, Term) and in_platform:
            terms.extend(Term(a) for a in finder.aliases(node.text))
        elif isinstance(node, Field):
            walk(node.value, node.name == "platform")
        elif isinstance(node, (And, Or)):
            for c in node.children:
                walk(c, in_platform)
        elif isinstance(node, Near):
            for c in node.terms:
                walk(c, in_platform)

    walk(query.root, False)
    return terms


@dataclass
class TestReport:
    """What ``rules test`` prints: counts, breakdowns and the best examples."""

    query: str
    prefilter: str | None
    archive_articles: int
    candidates: int = 0
    articles: int = 0
    sentences: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "prefilter": self.prefilter, "archive_articles": self.archive_articles,
            "candidates": self.candidates, "articles": self.articles, "sentences": self.sentences,
            "by_source": dict(self.by_source.most_common()), "by_month": dict(sorted(self.by_month.items())),
            "examples": self.examples, "seconds": round(self.seconds, 3),
        }


def test_query(archive: Archive, query: Query, finder: PlatformFinder | None = None, *,
               since: str | None = None, limit: int = 10, mark: tuple[str, str] = ("«", "»")) -> TestReport:
    """Run a draft query over the archive without writing anything (``wallwatch rules test``)."""
    import time

    started = time.perf_counter()
    finder = finder or PlatformFinder()
    report = TestReport(query.text, prefilter(query, finder),
                        archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    terms = highlight_terms(query, finder)
    stats: dict[str, int] = {}
    for m in scan(archive, query, finder, since=since, stats=stats):
        report.articles += 1
        report.sentences += len(m.hits)
        report.by_source[m.source or "?"] += 1
        report.by_month[(m.date or "????-??")[:7]] += 1
        if len(report.examples) < limit:
            report.examples.append({
                "id": m.id, "url": m.url, "title": m.title, "source": m.source, "date": m.date,
                "sentences": [highlight(h.text, terms, mark) for h in m.hits[:3]],
                "in_title": any(h.in_title for h in m.hits),
            })
    report.candidates = stats["candidates"]
    report.seconds = time.perf_counter() - started
    return report


test_query.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name
TestReport.__test__ = False  # type: ignore[attr-defined]
