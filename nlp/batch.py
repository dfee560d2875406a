"""Tagging the archive: untagged (or all) articles in, signals of the current ruleset version out."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ..archive import Archive
from ..config import EVENT_TYPES, POLARITIES, Config
from .signals import Signal
from .tagger import Tagger, load_tagger

_CHUNK = 200


@dataclass
class TagReport:
    """What one tagging run did."""

    ruleset_version: str
    model: str
    articles: int = 0  # articles that were due
    tagged: int = 0
    signals: int = 0
    below_threshold: int = 0  # signals found but under nlp.min_confidence, not stored
    duplicates: int = 0  # syndicated copies: marked tagged, no signals of their own
    by_polarity: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ruleset_version": self.ruleset_version, "model": self.model, "articles": self.articles,
            "tagged": self.tagged, "signals": self.signals, "below_threshold": self.below_threshold,
            "duplicates": self.duplicates, "by_polarity": dict(self.by_polarity), "errors": list(self.errors),
            "seconds": round(self.seconds, 3),
            "articles_per_second": round(self.tagged / self.seconds, 1) if self.seconds > 0 else None,
        }


def tag_archive(config: Config, archive: Archive, *, retag_all: bool = False, since: str | None = None,
                on_progress: Callable[[int, int], None] | None = None,
                tagger: Tagger | None = None) -> TagReport:
    """Tag the articles that lack signals of the current ruleset version (all with ``retag_all``).

    Signals under ``config.nlp.min_confidence`` are not stored. Re-tagging an
    article replaces its interop signals; deliveries keep their history (they
    refer to story keys). The run is recorded in ``runs`` as job ``tag``; an
    article that cannot be tagged is reported and skipped, the others go on.
    """
    tagger = tagger or load_tagger(config)
    started = time.perf_counter()
    report = TagReport(tagger.ruleset_version, tagger.model_name)
    ids = archive.articles_to_tag(tagger.ruleset_version, retag_all=retag_all, since=since)
    report.articles = len(ids)
    threshold = config.nlp.min_confidence
    with archive.run("tag") as run:
        done = 0
        for chunk_start in range(0, len(ids), _CHUNK):
            chunk = ids[chunk_start:chunk_start + _CHUNK]
            rows = _articles(archive, chunk)
            with archive.write():
                for article_id in chunk:
                    row = rows.get(article_id)
                    done += 1
                    if row is None:  # deleted meanwhile
                        continue
                    try:
                        _tag_one(tagger, archive, row, threshold, report)
                    except Exception as exc:  # one bad article must not stop the run
                        message = f"article {article_id}: {type(exc).__name__}: {exc}"
                        report.errors.append(message)
                        run.error(message)
            if on_progress:
                on_progress(done, len(ids))
        run.add("articles", report.articles)
        run.add("tagged", report.tagged)
        run.add("signals", report.signals)
        run.add("duplicates", report.duplicates)
    report.seconds = time.perf_counter() - started
    return report


def _tag_one(tagger: Tagger, archive: Archive, row: dict[str, Any], threshold: float, report: TagReport) -> None:
    if row["duplicate_of"] is not None:
        archive.replace_signals(row["id"], [], tagger.ruleset_version)
        report.duplicates += 1
        return
    kept, below = signals_to_store(tagger, row, threshold)
    report.below_threshold += below
    if kept and not any(s.headline for s in kept):
        kept[0] = replace(kept[0], headline=True)
    archive.replace_signals(row["id"], [s.to_record() for s in kept], tagger.ruleset_version)
    report.tagged += 1
    report.signals += len(kept)
    for s in kept:
        report.by_polarity[s.polarity] = report.by_polarity.get(s.polarity, 0) + 1


def signals_to_store(tagger: Tagger, row: dict[str, Any], threshold: float) -> tuple[list[Signal], int]:
    """The signals tagging stores for an article row, and how many fell under ``threshold``.

    A syndicated copy (``duplicate_of`` set) gets none. ``rules diff`` uses
    this too, so its before/after are what ``tag_archive`` would store.
    """
    if row.get("duplicate_of") is not None:
        return [], 0
    found = tagger.tag_text(row["body"] or "", title=row["title"] or None, as_of=published_date(row.get("published")))
    kept = [s for s in found if s.confidence >= threshold]
    return kept, len(found) - len(kept)


def _articles(archive: Archive, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = archive.query(
        f"SELECT id, title, body, duplicate_of, coalesce(published, first_seen) AS published FROM articles WHERE id IN ({','.join('?' * len(ids))})", list(ids))
    return {r["id"]: r for r in rows}


def list_signals(archive: Archive, *, since: str | None = None, polarity: Sequence[str] = (),
                 event_types: Sequence[str] = (), actor: str | None = None, min_confidence: float = 0.0,
                 limit: int = 100) -> list[dict[str, Any]]:
    """Stored signals with their article's title, URL and date, newest first.

    ``actor`` matches the actor or the target, case-insensitively; ``since``
    compares with the article's publication date (else when it was first seen).
    """
    for p in polarity:
        if p not in POLARITIES:
            raise ValueError(f"unknown polarity {p!r} (known: {', '.join(POLARITIES)})")
    for t in event_types:
        if t not in EVENT_TYPES:
            raise ValueError(f"unknown event type {t!r} (known: {', '.join(EVENT_TYPES)})")
    where, params = [], []
    if since:
        where.append("coalesce(a.published, a.first_seen) >= ?")
        params.append(since)
    if polarity:
        where.append(f"s.polarity IN ({','.join('?' * len(polarity))})")
        params.extend(polarity)
    if event_types:
        where.append(f"s.event_type IN ({','.join('?' * len(event_types))})")
        params.extend(event_types)
    if actor:
        where.append("(lower(s.actor) = lower(?) OR lower(s.target) = lower(?))")
        params.extend([actor, actor])
    if min_confidence:
        where.append("s.confidence >= ?")
        params.append(min_confidence)
    sql = ("SELECT s.id, s.article_id, s.actor, s.target, s.polarity, s.event_type, s.status, s.confidence,"
           " s.rule_id, s.ruleset_version, s.headline, s.story_key, s.evidence, s.start, s.end, s.created,"
           " a.title, a.url, a.source, coalesce(a.published, a.first_seen) AS published"
           " FROM signals s JOIN articles a ON a.id = s.article_id"
           f" WHERE s.kind = 'interop'{''.join(' AND ' + w for w in where)}"
           " ORDER BY coalesce(a.published, a.first_seen) DESC, s.headline DESC, s.confidence DESC, s.id"
           " LIMIT ?")
    rows = archive.query(sql, [*params, limit])
    for r in rows:
        r["headline"] = bool(r["headline"])
    return rows


def published_date(value: str | None) -> date | None:
    """The date of a stored ISO timestamp ("2026-11-24T08:00:00+00:00"), or None when absent or unreadable."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
