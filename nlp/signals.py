"""The tagger's output: one interoperability signal with its evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..archive import SignalRecord


def make_story_key(actor: str | None, target: str | None, event_type: str, polarity: str) -> str:
    """What alerts cluster stories on: ``actor|target|event_type|polarity``, lower-cased."""
    return "|".join([actor or "", target or "", event_type, polarity]).lower()


@dataclass(frozen=True)
class Signal:
    """An interoperability event stated in an article (character offsets into the tagged text)."""

    start: int
    end: int
    evidence: str
    actor: str | None
    target: str | None
    polarity: str
    event_type: str
    status: str
    confidence: float
    rule_id: str
    headline: bool = False

    @property
    def story_key(self) -> str:
        return make_story_key(self.actor, self.target, self.event_type, self.polarity)

    def to_record(self) -> SignalRecord:
        """The archive's form of this signal."""
        return SignalRecord(start=self.start, end=self.end, evidence=self.evidence, polarity=self.polarity,
                            event_type=self.event_type, status=self.status,
                            confidence=round(self.confidence, 3), rule_id=self.rule_id, actor=self.actor,
                            target=self.target, kind="interop", headline=self.headline,
                            story_key=self.story_key)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["story_key"] = self.story_key
        d["confidence"] = round(self.confidence, 3)
        return d

    def summary(self) -> str:
        return (f"{self.polarity} {self.event_type}: {self.actor or '?'} -> {self.target or '?'}"
                f" ({self.status}, {self.confidence:.2f}, {self.rule_id})")
