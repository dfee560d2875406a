"""Stories, not articles: pending signals of a digest, clustered into events.

Signals that share a ``story_key`` (actor|target|event_type|polarity) and lie
within the digest's story window of each other are one story, however many
outlets (or syndicated copies) reported it. Selection is read-only: the
ledger's entries (:mod:`.coverage`) decide what counts as already delivered.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from wallwatch.archive import Archive, parse
from wallwatch.archive.query import FTS_FIELDS, Query
from wallwatch.config import DigestConfig

from .coverage import covering, from_julian, julian, sent_windows

# How far a status has come; a story takes the most advanced status among its signals.
STATUS_RANK = {"background": 0, "rumoured": 1, "trial": 2, "announced": 3, "live": 4}
# Fields a digest filter may use besides the full-text ones (title:, body:, text:).
FILTER_FIELDS = frozenset(FTS_FIELDS) | {"topic", "source", "polarity", "type", "platform", "status", "watch", "rule"}
MAX_EVIDENCE_CHARS = 600


@dataclass(frozen=True)
class SourceRef:
    """One article reporting the story."""

    article_id: int
    url: str
    title: str
    source: str | None
    time: datetime  # published, else first seen (UTC)
    duplicate_of: int | None = None


@dataclass
class Story:
    """One event: every signal of one story key within the window, with every source."""

    key: str
    actor: str | None
    target: str | None
    event_type: str
    polarity: str
    status: str
    confidence: float
    evidence: str
    rule_id: str
    kind: str
    signal_ids: list[int]
    sources: list[SourceRef]
    start: datetime
    end: datetime
    state_change: str | None = None  # e.g. "closed → open", "rumoured → live"

    @property
    def first_report(self) -> SourceRef:
        return self.sources[0]

    @property
    def newest(self) -> SourceRef:
        return self.sources[-1]

    @property
    def independent_sources(self) -> int:
        """Articles that are not syndicated copies of one another."""
        return len({s.duplicate_of or s.article_id for s in self.sources})

    @property
    def headline(self) -> str:
        """One line: actor -> target, type, polarity, status."""
        who = f"{self.actor or '?'} -> {self.target or '?'}"
        return f"{who}, {self.event_type.replace('_', ' ')}, {self.polarity}, {self.status}"

    def evidence_segments(self) -> list[tuple[str, bool]]:
        """The evidence split into (text, is_platform_name) runs, for highlighting."""
        return highlight(self.evidence, [self.actor, self.target])

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "headline": self.headline, "actor": self.actor, "target": self.target,
            "event_type": self.event_type, "polarity": self.polarity, "status": self.status,
            "confidence": round(self.confidence, 3), "evidence": self.evidence, "rule_id": self.rule_id,
            "kind": self.kind, "state_change": self.state_change, "signal_ids": self.signal_ids,
            "independent_sources": self.independent_sources,
            "first_report": self.first_report.time.isoformat(), "newest": self.newest.time.isoformat(),
            "sources": [{"source": s.source, "url": s.url, "title": s.title, "time": s.time.isoformat()}
                        for s in self.sources],
        }


@dataclass
class Selection:
    """What a digest would contain now: its stories, and what the ledger already covers."""

    stories: list[Story]
    held_back: int = 0  # pending stories beyond max_items, left for the next digest
    # (delivery id, newest time) of sent stories that gained sources since: the ledger widens them.
    absorbed: list[tuple[int, str]] = field(default_factory=list)


def compile_filter(text: str | None) -> Query | None:
    """Parse a digest's ``filter``; raises QueryError naming the problem."""
    return parse(text, FILTER_FIELDS) if text else None


_TIME = "coalesce(julianday(a.published), julianday(a.first_seen))"
# The tagger always fills story_key; a signal stored without one still gets the same shape of key.
_KEY = ("coalesce(nullif(s.story_key, ''), lower(coalesce(s.actor, '') || '|' || coalesce(s.target, '') || '|' "
        "|| s.event_type || '|' || s.polarity))")


def _where(digest: DigestConfig, since: datetime) -> tuple[list[str], dict[str, Any]]:
    # New means tagged lately *and* reported lately: an old article found today is background.
    where = ["s.created >= :since", f"{_TIME} >= julianday(:since)", "s.confidence >= :min_conf"]
    params: dict[str, Any] = {
        "since": since.astimezone(timezone.utc).replace(microsecond=0).isoformat(),
        "min_conf": digest.min_confidence,
    }

    def in_list(values: Sequence[str], prefix: str) -> str:
        names = {f"{prefix}{i}": v for i, v in enumerate(values)}
        params.update(names)
        return ", ".join(":" + k for k in names)

    def any_of(column: str, values: Sequence[str], prefix: str) -> None:
        where.append(f"{column} IN ({in_list(values, prefix)})")

    if digest.polarity:
        any_of("s.polarity", digest.polarity, "pol")
    if digest.event_types:
        any_of("s.event_type", digest.event_types, "evt")
    if digest.watches:
        any_of("s.kind", [f"watch:{w}" for w in digest.watches], "wat")
    if digest.platforms:
        parts = []
        for i, p in enumerate(digest.platforms):
            params[f"plat{i}"] = f"%{p.lower()}%"
            parts.append(f"lower(coalesce(s.actor, '')) LIKE :plat{i} OR lower(coalesce(s.target, '')) LIKE :plat{i}")
        where.append("(" + " OR ".join(parts) + ")")
    if digest.topics:
        inlist = in_list(digest.topics, "top")
        where.append(f"""(EXISTS (SELECT 1 FROM json_each(a.topics) WHERE value IN ({inlist}))
            OR EXISTS (SELECT 1 FROM sources src, json_each(src.topics) j
                       WHERE src.name = a.source AND j.value IN ({inlist})))""")
    return where, params


def select_stories(archive: Archive, digest: DigestConfig, now: datetime | None = None,
                   since: datetime | None = None) -> Selection:
    """The stories ``digest`` has not delivered yet, best first, at most ``max_items``.

    Candidates are signals tagged, and articles reported, ``lookback_days``
    before ``since`` (default: ``now``) or later. Read-only. Raises QueryError
    when the digest's ``filter`` cannot be parsed.
    """
    now = now or datetime.now(timezone.utc)
    query = compile_filter(digest.filter)
    start = min(since or now, now) - timedelta(days=digest.lookback_days)
    where, params = _where(digest, start)
    # Light pass first (id, key, time), the ledger check in Python (one scan of the
    # digest's recent entries and a bisect per signal beats a correlated NOT EXISTS
    # per signal by far), then the full rows of the pending signals only.
    light = archive.conn.execute(
        f"SELECT s.id, {_KEY} AS story_key, {_TIME} AS t FROM signals s JOIN articles a ON a.id = s.article_id "
        f"WHERE {' AND '.join(where)}",
        params,
    ).fetchall()
    window_days = digest.story_window_hours / 24.0
    earliest = min((t for _, _, t in light if t is not None), default=None)
    windows = sent_windows(archive, digest.name, window_days, earliest) if light else {}
    pending_ids: list[int] = []
    absorbed: dict[int, float] = {}
    for sid, key, t in light:
        sent = covering(windows.get(key), t)
        if sent is None:
            pending_ids.append(sid)
        elif t > sent[1]:
            absorbed[sent[0]] = max(absorbed.get(sent[0], 0.0), t)
    columns = f"""s.id, s.article_id, s.evidence, s.actor, s.target, s.polarity, s.event_type, s.status,
        s.confidence, s.rule_id, s.kind, s.headline, {_KEY} AS story_key, a.url, a.title, a.source,
        a.duplicate_of, {_TIME} AS t""" + (", a.body, a.topics" if query else "")
    pending: list[dict[str, Any]] = []
    for i in range(0, len(pending_ids), 500):
        chunk = pending_ids[i:i + 500]
        pending.extend(archive.query(
            f"SELECT {columns} FROM signals s JOIN articles a ON a.id = s.article_id "
            f"WHERE s.id IN ({','.join('?' * len(chunk))})", chunk))
    pending.sort(key=lambda r: (r["story_key"], r["t"], r["id"]))
    if query:
        pending = [r for r in pending if _matches(query, r)]
    stories = cluster(pending, timedelta(hours=digest.story_window_hours))
    _mark_state_changes(archive, stories)
    stories.sort(key=rank)
    return Selection(
        stories=stories[: digest.max_items],
        held_back=max(0, len(stories) - digest.max_items),
        absorbed=[(delivery, from_julian(t).isoformat()) for delivery, t in absorbed.items()],
    )


def _matches(query: Query, row: dict[str, Any]) -> bool:
    topics = " ".join(json.loads(row.get("topics") or "[]"))
    fields = {
        "title": row["title"] or "", "body": row["body"] or "",
        "text": f"{row['title'] or ''} {row['body'] or ''}",
        "topic": topics, "source": row["source"] or "", "polarity": row["polarity"],
        "type": row["event_type"], "platform": f"{row['actor'] or ''} {row['target'] or ''}",
        "status": row["status"], "watch": row["kind"].removeprefix("watch:"), "rule": row["rule_id"],
    }
    return query.matches(f"{fields['text']} {row['evidence']}", fields)


def cluster(rows: list[dict[str, Any]], window: timedelta) -> list[Story]:
    """Group signal rows (sorted by story_key, time) into stories.

    A signal joins the current story of its key when it lies within ``window``
    of the story's newest signal, so a slow-burning story stays one story.
    """
    stories: list[Story] = []
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and (row["story_key"] != group[-1]["story_key"]
                      or (row["t"] - group[-1]["t"]) * 86400 > window.total_seconds()):
            stories.append(_story(group))
            group = []
        group.append(row)
    if group:
        stories.append(_story(group))
    return stories


def _story(rows: list[dict[str, Any]]) -> Story:
    best = max(rows, key=lambda r: (r["headline"], r["confidence"], -r["t"]))
    sources: dict[int, SourceRef] = {}
    for r in rows:
        if r["article_id"] not in sources:
            sources[r["article_id"]] = SourceRef(r["article_id"], r["url"], r["title"] or "", r["source"],
                                                 from_julian(r["t"]), r["duplicate_of"])
    refs = sorted(sources.values(), key=lambda s: (s.time, s.article_id))
    status = max((r["status"] for r in rows), key=lambda s: STATUS_RANK.get(s, 1))
    evidence = " ".join(best["evidence"].split())
    if len(evidence) > MAX_EVIDENCE_CHARS:
        evidence = evidence[: MAX_EVIDENCE_CHARS - 1].rstrip() + "…"
    return Story(
        key=best["story_key"], actor=best["actor"], target=best["target"], event_type=best["event_type"],
        polarity=best["polarity"], status=status, confidence=max(r["confidence"] for r in rows),
        evidence=evidence, rule_id=best["rule_id"], kind=best["kind"],
        signal_ids=[r["id"] for r in rows], sources=refs, start=refs[0].time, end=refs[-1].time,
    )


def _pair(story_key: str) -> str:
    return story_key.rsplit("|", 1)[0]


def _mark_state_changes(archive: Archive, stories: list[Story]) -> None:
    """Flag stories that change a pair's state: closed -> open, open -> closed, rumoured -> live."""
    pairs = sorted({_pair(s.key) for s in stories})
    history: dict[str, list[tuple[float, int, str, str]]] = {}
    for i in range(0, len(pairs), 400):
        keys = [f"{p}|{pol}" for p in pairs[i:i + 400] for pol in ("opening", "closing")]
        for key, sid, polarity, status, t in archive.conn.execute(
            f"""SELECT s.story_key, s.id, s.polarity, s.status, {_TIME} FROM signals s
                JOIN articles a ON a.id = s.article_id WHERE s.story_key IN ({','.join('?' * len(keys))})""",
            keys,
        ):
            if t is not None:
                history.setdefault(_pair(key), []).append((t, sid, polarity, status))
    for events in history.values():
        events.sort()
    for story in stories:
        events = history.get(_pair(story.key), [])
        i = bisect.bisect_left(events, (julian(story.start) - 0.5 / 86400,)) - 1
        if i < 0:
            continue
        _, _, prev_polarity, prev_status = events[i]
        if {prev_polarity, story.polarity} == {"opening", "closing"}:
            story.state_change = "closed → open" if story.polarity == "opening" else "open → closed"
        elif (prev_polarity == story.polarity and story.status == "live"
              and prev_status in ("rumoured", "announced", "trial")):
            story.state_change = f"{prev_status} → live"


def rank(story: Story) -> tuple[Any, ...]:
    """Sort key: state changes first, then confidence, independent sources, recency."""
    return (story.state_change is None, story.status == "background", -round(story.confidence, 2),
            -story.independent_sources, -story.end.timestamp(), story.key)


def highlight(text: str, names: Sequence[str | None]) -> list[tuple[str, bool]]:
    """Split ``text`` into runs, marking occurrences of the platform ``names``.

    "WeChat and QQ (Tencent)" also highlights "WeChat", "QQ" and "Tencent"; matching ignores case.
    """
    words: set[str] = set()
    for name in names:
        if not name:
            continue
        words.add(name.strip())
        base = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
        inner = " and ".join(re.findall(r"\((.*?)\)", name))
        for part in re.split(r"\s+and\s+|,|/", f"{base} and {inner}"):
            if len(part.strip()) > 1:
                words.add(part.strip())
    words.discard("")
    if not words:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def counts(stories: Sequence[Story]) -> dict[str, dict[str, int]]:
    """New items by polarity and by event type, for the digest's header and subject."""
    by_pol: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for s in stories:
        by_pol[s.polarity] = by_pol.get(s.polarity, 0) + 1
        by_type[s.event_type] = by_type.get(s.event_type, 0) + 1
    order = {"opening": 0, "closing": 1, "mandate": 2}
    return {
        "polarity": dict(sorted(by_pol.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))),
        "event_type": dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
