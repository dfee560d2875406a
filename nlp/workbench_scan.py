"""Run a draft query over the archive: FTS5 finds candidate articles, sentences decide.

``rules test`` and the watch tagger share this scan. FTS5 narrows 100k
articles to the few that could match (its expression is a relaxation of the
query, see ``Query.to_fts5_prefilter``); only their sentences that contain an
anchor word are matched in Python. Nothing is written.
"""

from __future__ import annotations

import heapq
import json
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wallwatch.archive import Archive, QueryError
from wallwatch.archive.query import And, Field, Near, Node, Or, Query, Term

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
    hits: list[SentenceHit]
    context: ArticleContext


def prefilter(query: Query, finder: PlatformFinder) -> str | None:
    """The FTS5 expression that narrows the archive for ``query`` (None: every article)."""
    return query.to_fts5_prefilter(finder.expand_field)


def candidates(archive: Archive, query: Query, finder: PlatformFinder, *, since: str | None = None,
               article_ids: Sequence[int] | None = None) -> list[int]:
    """Ids of the articles FTS5 lets through for ``query`` (every article when no prefilter exists)."""
    match = prefilter(query, finder)
    where, params = [], []
    if match is not None:
        sql = "SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
        where.append("articles_fts MATCH ?")
        params.append(match)
    else:
        sql = "SELECT a.id FROM articles a"
    if since:
        where.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(since)
    if article_ids is not None:
        where.append("a.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(article_ids)))
    sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id"
    try:
        return [r[0] for r in archive.conn.execute(sql, params)]
    except sqlite3.OperationalError as exc:
        raise QueryError(f"the search engine rejected it ({exc})", query.text, None) from exc


def match_articles(archive: Archive, query: Query, finder: PlatformFinder, ids: Sequence[int], *,
                   with_signals: bool = False) -> Iterator[ArticleMatch]:
    """The articles of ``ids`` (read in that order, 500 at a time) with a passage matching ``query``.

    ``with_signals`` loads the interop signals and topics into each match's
    context even when the query does not filter on them.
    """
    used = fields_used(query.root) | ({"polarity", "topic"} if with_signals else set())
    source_topics: dict[str, list[str]] = {}
    if "topic" in used:
        source_topics = {r["name"]: json.loads(r["topics"]) for r in archive.query("SELECT name, topics FROM sources")}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        rows = archive.conn.execute(
            "SELECT a.id, a.url, a.title, a.body, a.source, a.topics, coalesce(a.published, a.first_seen) "
            "FROM articles a WHERE a.id IN (SELECT value FROM json_each(?))", (json.dumps(chunk),)).fetchall()
        order = {id_: n for n, id_ in enumerate(chunk)}
        rows.sort(key=lambda r: order[r[0]])
        yield from _match_batch(archive, query, finder, rows, used, source_topics)


def scan(archive: Archive, query: Query, finder: PlatformFinder | None = None, *,
         since: str | None = None, article_ids: Sequence[int] | None = None,
         with_signals: bool = False) -> Iterator[ArticleMatch]:
    """Every article with at least one passage matching ``query``, in id order."""
    finder = finder or PlatformFinder()
    ids = candidates(archive, query, finder, since=since, article_ids=article_ids)
    return match_articles(archive, query, finder, ids, with_signals=with_signals)


def _match_batch(archive: Archive, query: Query, finder: PlatformFinder, rows: list[tuple[Any, ...]],
                 used: set[str], source_topics: dict[str, list[str]]) -> Iterator[ArticleMatch]:
    signals: dict[int, list[dict[str, Any]]] = {}
    if used & _SIGNAL_FIELDS and rows:
        signals = archive.signals_for([r[0] for r in rows])
    for id_, url, title, body, source, topics, date in rows:
        ctx = ArticleContext(
            title=title or "", source=source,
            topics=[*json.loads(topics or "[]"), *source_topics.get(source or "", [])] if "topic" in used else (),
            signals=[s for s in signals.get(id_, []) if s["kind"] == "interop"],
            finder=finder,
        )
        hits = match_text(query, body or "", ctx)
        if hits:
            yield ArticleMatch(id_, url, title, source, date, hits, ctx)


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
    """What ``rules test`` prints: counts, breakdowns and the newest examples.

    When the candidates are too many to read within the time budget, a random
    sample of them is read (``read`` < ``candidates``) and ``articles`` /
    ``sentences`` are estimates scaled from it; the breakdowns count the sample.
    """

    query: str
    prefilter: str | None
    archive_articles: int
    candidates: int = 0
    read: int = 0
    matched_articles: int = 0  # in what was read
    matched_sentences: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exact(self) -> bool:
        return self.read == self.candidates

    @property
    def articles(self) -> int:
        return self.matched_articles if self.exact else round(self.matched_articles * self.candidates / self.read)

    @property
    def sentences(self) -> int:
        return self.matched_sentences if self.exact else round(self.matched_sentences * self.candidates / self.read)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "prefilter": self.prefilter, "archive_articles": self.archive_articles,
            "candidates": self.candidates, "read": self.read, "exact": self.exact,
            "articles": self.articles, "sentences": self.sentences,
            "by_source": dict(self.by_source.most_common()), "by_month": dict(sorted(self.by_month.items())),
            "examples": self.examples, "seconds": round(self.seconds, 3),
        }


def test_query(archive: Archive, query: Query, finder: PlatformFinder | None = None, *,
               since: str | None = None, limit: int = 10, mark: tuple[str, str] = ("«", "»"),
               budget_seconds: float | None = 1.5) -> TestReport:
    """Run a draft query over the archive without writing anything (``wallwatch rules test``).

    Every candidate is read unless that takes longer than ``budget_seconds``
    (None: no limit); candidates are read in a fixed pseudo-random order so
    that a partial read is a fair sample. Examples are the newest matches read.
    """
    started = time.perf_counter()
    finder = finder or PlatformFinder()
    report = TestReport(query.text, prefilter(query, finder),
                        archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    ids = candidates(archive, query, finder, since=since)
    report.candidates = len(ids)
    random.Random(0).shuffle(ids)
    terms = highlight_terms(query, finder)
    newest: list[tuple[str, int, ArticleMatch]] = []
    read_until = 0
    for start in range(0, len(ids), 250):
        if budget_seconds is not None and start and time.perf_counter() - started > budget_seconds:
            break
        chunk = ids[start:start + 250]
        for m in match_articles(archive, query, finder, chunk):
            report.matched_articles += 1
            report.matched_sentences += len(m.hits)
            report.by_source[m.source or "?"] += 1
            report.by_month[(m.date or "????-??")[:7]] += 1
            item = (m.date or "", m.id, m)
            if len(newest) < limit:
                heapq.heappush(newest, item)
            elif limit and item[:2] > newest[0][:2]:
                heapq.heapreplace(newest, item)
        read_until = start + len(chunk)
    report.read = read_until
    for _, _, m in sorted(newest, key=lambda t: t[:2], reverse=True):
        report.examples.append({
            "id": m.id, "url": m.url, "title": m.title, "source": m.source, "date": m.date,
            "sentences": [highlight(h.text, terms, mark) for h in m.hits[:3]],
            "in_title": any(h.in_title for h in m.hits),
        })
    report.seconds = time.perf_counter() - started
    return report


test_query.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name
TestReport.__test__ = False  # type: ignore[attr-defined]
