"""The Slack channel: Block Kit messages to an incoming webhook, within Slack's limits.

Limits (api.slack.com/reference/block-kit, /messaging/webhooks): at most 50
blocks per message, 3,000 characters per section text, a header of 150; long
messages get truncated, so a message here stays under ~10k characters and a
digest is split into parts. Webhooks take about one message per second and
answer 429 with ``Retry-After`` when pushed harder.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping

from wallwatch.config import DigestConfig
from wallwatch.errors import DeliveryError

from .channel import Message
from .render import Digest, safe_url
from .stories import Story

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_CHARS = 2000
MAX_MESSAGE_CHARS = 10_000  # the JSON payload, conservatively
MIN_INTERVAL_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 60.0
MAX_ATTEMPTS = 3
TIMEOUT_SECONDS = 30.0
POLARITY_EMOJI = {"opening": ":large_green_circle:", "closing": ":red_circle:", "mandate": ":large_blue_circle:"}


def escape(text: str | None) -> str:
    """Escape the three characters Slack's mrkdwn treats as control: ``&``, ``<``, ``>``.

    ``<!channel>`` and ``<http://evil|click>`` in an article become harmless text.
    """
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    """A mrkdwn link, or just the escaped label when the URL is not http(s)."""
    good = safe_url(url)
    if not good:
        return escape(label)
    label = escape(label).replace("|", "¦")
    return f"<{escape(good).replace('|', '%7C')}|{label}>"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def story_blocks(story: Story) -> list[dict]:
    """A section (headline, state change, evidence) and a context (sources, rule)."""
    head = (f"{POLARITY_EMOJI.get(story.polarity, ':white_circle:')} *{escape(story.actor or '?')} → "
            f"{escape(story.target or '?')}*  ·  {escape(story.event_type.replace('_', ' '))} · "
            f"{escape(story.polarity)} · {escape(story.status)} · {story.confidence:.2f}")
    if story.state_change:
        head += f"  *[{escape(story.state_change)}]*"
    evidence = "".join(f"*{escape(t)}*" if hot else escape(t) for t, hot in story.evidence_segments())
    room = MAX_SECTION_CHARS - len(head) - 3
    if len(evidence) > room:
        # Cut the plain evidence, not the escaped one, so no entity or bold mark is split.
        evidence = escape(_cut(story.evidence, max(50, room // 2)))
    section = {"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"{head}\n>{evidence}", MAX_SECTION_CHARS)}}
    n = story.independent_sources
    parts: list[str] = []
    used = 0
    for i, src in enumerate(story.sources):
        piece = f"{link(src.url, _cut(src.title or src.url, 80))} ({escape(src.source or '?')}, {src.time:%d %b})"
        if used + len(piece) > MAX_CONTEXT_CHARS - 120:
            parts.append(f"+{len(story.sources) - i} more")
            break
        parts.append(piece)
        used += len(piece) + 3
    meta = (f"{n} independent source{'s' if n != 1 else ''} · first {story.first_report.time:%d %b %Y}"
            f" · rule `{escape(story.rule_id)}`")
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)},
                                               {"type": "mrkdwn", "text": meta}]}
    return [section, context]


def _size(payload: dict) -> int:
    return len(json.dumps(payload, ensure_ascii=False))


def build_messages(digest: Digest) -> list[Message]:
    """Split the digest into messages within Slack's limits; each carries whole stories."""
    def header(part: int, parts: int) -> list[dict]:
        title = f"wallwatch {digest.name}: {digest.summary()}"
        if parts > 1:
            title = f"{_cut(title, MAX_HEADER_CHARS - 12)} ({part}/{parts})"
        blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": _cut(title, MAX_HEADER_CHARS)}}]
        if part == 1 and digest.stories:
            types = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in digest.counts["event_type"].items())
            extra = f" · {digest.held_back} more held for the next digest" if digest.held_back else ""
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": escape(_cut(f"{digest.generated:%a %d %b %Y %H:%M %Z} · {types}{extra}", 1000))}]})
        return blocks

    # Reserve room for the header and the fallback text, then pack stories greedily.
    reserve_blocks, reserve_chars = 3, 1200
    groups: list[list[tuple[Story, list[dict]]]] = [[]]
    blocks_used = chars_used = 0
    for story in digest.stories:
        blocks = story_blocks(story)
        size = _size({"blocks": blocks})
        if groups[-1] and (blocks_used + len(blocks) > MAX_BLOCKS - reserve_blocks
                           or chars_used + size > MAX_MESSAGE_CHARS - reserve_chars):
            groups.append([])
            blocks_used = chars_used = 0
        groups[-1].append((story, blocks))
        blocks_used += len(blocks)
        chars_used += size
    messages = []
    for i, group in enumerate(groups, start=1):
        blocks = header(i, len(groups))
        for _, b in group:
            blocks.extend(b)
        if not group:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "Nothing new since the last digest."}})
        text = f"wallwatch {digest.name}: {digest.summary()}" + (f" (part {i}/{len(groups)})" if len(groups) > 1 else "")
        payload = {"text": escape(text), "blocks": blocks, "unfurl_links": False, "unfurl_media": False}
        messages.append(Message([s for s, _ in group], payload, part=i, parts=len(groups)))
    return messages


class SlackChannel:
    """Posts to the incoming webhook whose URL is in ``$<webhook_env>``; never logs the URL."""

    name = "slack"
    # Last post per webhook in this process, so consecutive digests to one webhook keep the pace too.
    _last_posts: dict[int, float] = {}

    def __init__(self, digest: DigestConfig, env: Mapping[str, str]):
        self.digest = digest
        url = env.get(digest.webhook_env or "")
        if not url:
            raise DeliveryError(f"digest {digest.name!r}: slack is off: ${digest.webhook_env} "
                                "(the webhook URL) is not set")
        if not safe_url(url):
            raise DeliveryError(f"digest {digest.name!r}: ${digest.webhook_env} is not an http(s) URL")
        self._url = url
        self._key = hash(url)

    def plan(self, digest: Digest) -> list[Message]:
        return build_messages(digest)

    def _pace(self) -> None:
        last = self._last_posts.get(self._key)
        if last is not None:
            wait = last + MIN_INTERVAL_SECONDS - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def _posted(self) -> None:
        self._last_posts[self._key] = time.monotonic()

    def send(self, message: Message) -> str:
        body = json.dumps(message.payload, ensure_ascii=False).encode("utf-8")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._pace()
            request = urllib.request.Request(self._url, data=body, method="POST",
                                             headers={"Content-Type": "application/json; charset=utf-8"})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                    response.read()
                self._posted()
                return f"slack part {message.part}/{message.parts}"
            except urllib.error.HTTPError as exc:
                self._posted()
                detail = exc.read(300).decode("utf-8", "replace").strip()
                if exc.code == 429 and attempt < MAX_ATTEMPTS:
                    wait = _retry_after(exc.headers.get("Retry-After"))
                    if wait <= MAX_RETRY_AFTER_SECONDS:
                        time.sleep(wait)
                        continue
                raise DeliveryError(f"Slack webhook answered {exc.code} {exc.reason}: {detail or '(no body)'}"
                                    f" (part {message.part}/{message.parts})") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DeliveryError(f"Slack webhook unreachable: {reason} (part {message.part}/{message.parts})") from None
        raise DeliveryError("Slack webhook kept answering 429")  # pragma: no cover - loop always returns/raises


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else MIN_INTERVAL_SECONDS
    except ValueError:
        return MIN_INTERVAL_SECONDS
