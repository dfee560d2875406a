"""What a crawl did, per source and in total."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

#: At most this many reasons are kept per source (the counts stay exact).
MAX_REASONS = 20
COUNTS = ("new", "updated", "unchanged", "skipped", "failed")


@dataclass
class SourceResult:
    """One source's outcome.

    ``new``/``updated``/``unchanged`` count articles; ``skipped`` counts links not
    fetched on purpose (robots.txt, off-domain, duplicate, too old, not http);
    ``failed`` counts pages (or the source itself) that could not be fetched or
    read. ``feed`` says how the source document went: ``fetched``,
    ``not-modified`` (HTTP 304), ``same-body`` (hash unchanged, not re-parsed),
    ``failed`` or ``stopped`` (time budget). ``error`` is the source-level
    failure, ``reasons`` the individual ones, ``warnings`` what was usable anyway.
    """

    name: str
    kind: str = "feed"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    entries: int = 0
    duplicates: int = 0  # stored articles linked to an earlier copy (duplicate_of)
    fallback: int = 0  # stored with the feed summary because extraction failed
    feed: str = ""
    status: int | None = None
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def note(self, counter: str, reason: str | None = None) -> None:
        """Count one outcome and keep its reason (the first ``MAX_REASONS`` of them)."""
        setattr(self, counter, getattr(self, counter) + 1)
        if reason and len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)

    def fail(self, reason: str, status: int | None = None) -> None:
        """The source itself could not be fetched or read."""
        self.error = reason
        self.feed = "failed"
        self.status = status
        self.failed += 1

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"ok": self.ok}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SourceResult":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class CrawlReport:
    """The outcome of one crawl: ``sources`` in config order, plus totals."""

    sources: list[SourceResult] = field(default_factory=list)
    started: str | None = None
    finished: str | None = None
    seconds: float = 0.0
    stopped: str | None = None  # why the crawl ended early (time budget), if it did
    run_id: int | None = None

    @property
    def totals(self) -> dict[str, int]:
        out = {c: sum(getattr(s, c) for s in self.sources) for c in COUNTS}
        out["duplicates"] = sum(s.duplicates for s in self.sources)
        out["sources_failed"] = sum(1 for s in self.sources if not s.ok)
        return out

    @property
    def failed_sources(self) -> list[SourceResult]:
        return [s for s in self.sources if not s.ok]

    def source(self, name: str) -> SourceResult:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": [s.as_dict() for s in self.sources],
            "totals": self.totals,
            "started": self.started,
            "finished": self.finished,
            "seconds": round(self.seconds, 2),
            "stopped": self.stopped,
            "run_id": self.run_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CrawlReport":
        return cls(sources=[SourceResult.from_dict(s) for s in data.get("sources", [])],
                   started=data.get("started"), finished=data.get("finished"),
                   seconds=float(data.get("seconds") or 0), stopped=data.get("stopped"),
                   run_id=data.get("run_id"))
