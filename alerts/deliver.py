"""Build a digest and deliver it exactly once: the one function the CLI and the scheduler call."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from wallwatch.archive import Archive, QueryError
from wallwatch.config import Config, DigestConfig
from wallwatch.errors import DeliveryError

from . import ledger
from .channel import Channel
from .files import FileChannel
from .mail import EmailChannel
from .render import Digest
from .slack import SlackChannel
from .due import last_success
from .stories import compile_filter, select_stories

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one delivery did: ``status`` is sent, empty (nothing new, not sent) or failed."""

    digest: str
    channel: str
    status: str
    stories: int = 0  # stories delivered (marked in the ledger)
    pending: int = 0  # stories left pending (failed, or beyond max_items)
    messages: int = 0
    error: str | None = None
    refs: list[str] = field(default_factory=list)  # message ids, file paths, Slack parts

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_digest(archive: Archive, digest: DigestConfig, now: datetime | None = None) -> Digest:
    """What ``digest`` would contain now; reads only (preview uses it as is).

    The lookback counts back from the digest's last complete run, so a channel
    that was down for longer than ``lookback_days`` still gets everything since.
    """
    now = now or datetime.now(timezone.utc)
    selection = select_stories(archive, digest, now, since=last_success(archive, digest.name))
    return Digest(name=digest.name, channel=digest.channel, generated=now.astimezone(ZoneInfo(digest.timezone)),
                  stories=selection.stories, held_back=selection.held_back, absorbed=selection.absorbed)


def make_channel(config: Config, digest: DigestConfig, env: Mapping[str, str]) -> Channel:
    """The digest's channel; raises DeliveryError when it is switched off (no server, no webhook)."""
    if digest.channel == "email":
        return EmailChannel(config, digest, env)
    if digest.channel == "slack":
        return SlackChannel(digest, env)
    return FileChannel(config, digest)


def channel_state(config: Config, digest: DigestConfig, env: Mapping[str, str] | None = None) -> str:
    """"on" or the reason the digest cannot go out (for `wallwatch digest list`)."""
    try:
        compile_filter(digest.filter)
        make_channel(config, digest, os.environ if env is None else env)
    except DeliveryError as exc:
        return str(exc).split(": ", 1)[-1]
    except QueryError as exc:
        return f"bad filter: {exc}"
    return "on"


def deliver(archive: Archive, config: Config, digest: DigestConfig, *, now: datetime | None = None,
            env: Mapping[str, str] | None = None, channel: Channel | None = None) -> DeliveryReport:
    """Send ``digest``'s new stories, marking each message's stories once its channel accepted it.

    A failure leaves the unsent stories pending and is recorded (ledger, runs);
    it is returned in the report, not raised. Raises DeliveryError only when
    another process is sending the same digest.
    """
    env = os.environ if env is None else env
    with ledger.digest_lock(archive, digest.name), archive.run(f"digest:{digest.name}") as run:
        built = build_digest(archive, digest, now)
        ledger.widen(archive, built.absorbed)
        report = DeliveryReport(digest.name, digest.channel, "sent", pending=built.held_back)
        run.add("held_back", built.held_back)
        if built.empty and not digest.send_empty:
            report.status = "empty"
            return report
        try:
            channel = channel or make_channel(config, digest, env)
            messages = channel.plan(built)
        except DeliveryError as exc:
            run.error(str(exc))
            report.status, report.error = "failed", str(exc)
            report.pending += len(built.stories)
            return report
        for i, message in enumerate(messages):
            try:
                ref = channel.send(message)
            except DeliveryError as exc:
                unsent = [s for m in messages[i:] for s in m.stories]
                ledger.record_failure(archive, digest.name, unsent, str(exc))
                run.error(str(exc))
                log.warning("digest %s: %s; %d stories stay pending", digest.name, exc, len(unsent))
                report.status, report.error = "failed", str(exc)
                report.pending += len(unsent)
                break
            ledger.mark_sent(archive, digest.name, message.stories, ref)
            report.messages += 1
            report.stories += len(message.stories)
            report.refs.append(ref)
            run.add("messages")
            run.add("stories", len(message.stories))
        if report.status == "sent" and report.stories < len(built.stories):
            report.status = "failed"
        return report
