"""What every channel does: split a digest into messages, send one message at a time.

The orchestrator (:mod:`.deliver`) marks a message's stories delivered right
after ``send`` returns, and stops at the first failure, leaving the rest pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .stories import Story


@dataclass
class Message:
    """One message a channel will send, and the stories it carries."""

    stories: list[Story]
    payload: Any
    part: int = 1
    parts: int = 1
    meta: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    def plan(self, digest: Any) -> list[Message]:
        """The messages that carry ``digest`` (empty digests: one message, if sent at all)."""

    def send(self, message: Message) -> str:
        """Send one message; return a reference (message id, file path); raise DeliveryError."""
