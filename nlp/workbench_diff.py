"""``rules diff``: what a draft rule set would change in the archive, without writing.

The baseline is what the archive holds: an article tagged with the current
rule set keeps its stored signals as the "before", so a diff costs one tagging
pass (the draft's), not two. Articles tagged by an older version (or never)
are tagged with the current rule set too. Adopting the draft is
``tag_archive(..., retag_all=True, tagger=draft)`` (``wallwatch rules apply``).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wallwatch.archive import Archive

from .batch import signals_to_store
from .signals import Signal
from .tagger import Tagger

CHUNK = 200


@dataclass
class DiffReport:
    articles: int = 0
    baseline_stored: int = 0  # articles whose "before" came from the archive
    baseline_tagged: int = 0  # articles the current rule set had to tag
    before: int = 0
    after: int = 0
    kept: int = 0
    gained: list[dict[str, Any]] = field(default_factory=list)
    lost: list[dict[str, Any]] = field(default_factory=list)
    gained_by_rule: Counter[str] = field(default_factory=Counter)
    lost_by_rule: Counter[str] = field(default_factory=Counter)
    current_version: str = ""
    draft_version: str = ""
    seconds: float = 0.0
    labelled: dict[str, Any] | None = None

    def as_dict(self, examples: int = 5) -> dict[str, Any]:
        return {
            "current_version": self.current_version, "draft_version": self.draft_version,
            "articles": self.articles, "baseline_stored": self.baseline_stored,
            "baseline_tagged": self.baseline_tagged, "signals_before": self.before, "signals_after": self.after,
            "kept": self.kept, "gained": len(self.gained), "lost": len(self.lost),
            "gained_by_rule": dict(self.gained_by_rule.most_common()),
            "lost_by_rule": dict(self.lost_by_rule.most_common()),
            "gained_examples": self.gained[:examples], "lost_examples": self.lost[:examples],
            "seconds": round(self.seconds, 3),
            "articles_per_second": round(self.articles / self.seconds, 1) if self.seconds else None,
            "labelled": self.labelled,
        }


def article_ids(archive: Archive, *, since: str | None = None, sample: int | None = None,
                seed: int = 0) -> list[int]:
    """The articles a diff looks at: all (from ``since``), or a reproducible random sample."""
    sql, params = "SELECT id FROM articles", []
    if since:
        sql += " WHERE coalesce(published, first_seen) >= ?"
        params.append(since)
    ids = [r[0] for r in archive.conn.execute(sql + " ORDER BY id", params)]
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))
    return ids


def _chunks(archive: Archive, ids: Sequence[int]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(ids), CHUNK):
        chunk = list(ids[i:i + CHUNK])
        yield archive.query(
            f"SELECT id, url, title, body, tagged_version, duplicate_of, coalesce(published, first_seen) AS published FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            " ORDER BY id", chunk)


def _signal_dict(s: Any) -> dict[str, Any]:
    if isinstance(s, dict):
        return {k: s[k] for k in ("story_key", "evidence", "actor", "target", "polarity", "event_type", "status",
                                  "confidence", "rule_id")}
    return {"story_key": s.story_key, "evidence": s.evidence, "actor": s.actor, "target": s.target,
            "polarity": s.polarity, "event_type": s.event_type, "status": s.status,
            "confidence": round(s.confidence, 3), "rule_id": s.rule_id}


def diff(archive: Archive, current: Tagger, draft: Tagger, ids: Sequence[int], *, min_confidence: float,
         on_progress: Callable[[int], None] | None = None) -> DiffReport:
    """Signals the draft gains and loses on ``ids`` against the current rule set; writes nothing."""
    started = time.perf_counter()
    report = DiffReport(current_version=current.ruleset_version, draft_version=draft.ruleset_version)
    for rows in _chunks(archive, ids):
        stored = archive.signals_for([r["id"] for r in rows if r["tagged_version"] == current.ruleset_version])
        for row in rows:
            _compare(report, row, stored.get(row["id"]), current, draft, min_confidence)
        if on_progress:
            on_progress(len(rows))
    report.seconds = time.perf_counter() - started
    return report


def would_store(tagger: Tagger, row: dict[str, Any], min_confidence: float) -> list[Signal]:
    """The signals ``tag_archive`` would store for this article with ``tagger``."""
    return signals_to_store(tagger, row, min_confidence)[0]


def _compare(report: DiffReport, row: dict[str, Any], stored: list[dict[str, Any]] | None, current: Tagger,
             draft: Tagger, min_confidence: float) -> None:
    report.articles += 1
    if stored is not None:
        before = [_signal_dict(s) for s in stored if s["kind"] == "interop"]
        report.baseline_stored += 1
    else:
        before = [_signal_dict(s) for s in would_store(current, row, min_confidence)]
        report.baseline_tagged += 1
    after = [_signal_dict(s) for s in would_store(draft, row, min_confidence)]
    report.before += len(before)
    report.after += len(after)
    old = {s["story_key"]: s for s in before}
    new = {s["story_key"]: s for s in after}
    report.kept += len(old.keys() & new.keys())
    where = {"article_id": row["id"], "url": row["url"], "title": row["title"]}
    for key in new.keys() - old.keys():
        report.gained.append({**where, **new[key]})
        report.gained_by_rule[new[key]["rule_id"]] += 1
    for key in old.keys() - new.keys():
        report.lost.append({**where, **old[key]})
        report.lost_by_rule[old[key]["rule_id"]] += 1
