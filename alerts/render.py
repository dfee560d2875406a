"""Render a digest as plain text and as HTML (Jinja2, autoescaped) for email and files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .stories import Story, counts

TEMPLATES = Path(__file__).with_name("templates")
POLARITY_COLOURS = {"opening": "#1a7f37", "closing": "#cf222e", "mandate": "#0969da"}


@dataclass
class Digest:
    """One digest as built now: its new stories, best first, and what was held back."""

    name: str
    channel: str
    generated: datetime  # in the digest's time zone
    stories: list[Story]
    held_back: int = 0
    absorbed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.stories

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return counts(self.stories)

    def summary(self) -> str:
        """"3 new stories: 2 opening, 1 closing" (the email subject and the Slack fallback use it)."""
        n = len(self.stories)
        if not n:
            return "no new stories"
        head = f"{n} new {'story' if n == 1 else 'stories'}"
        parts = ", ".join(f"{v} {k}" for k, v in self.counts["polarity"].items())
        return f"{head}: {parts}"

    @property
    def subject(self) -> str:
        return f"[wallwatch] {self.name} {self.generated:%Y-%m-%d}: {self.summary()}"


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None (a hostile ``javascript:`` link is never a link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["label"] = lambda s: (s or "").replace("_", " ")
    env.filters["count_list"] = lambda counts: ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    env.globals["colours"] = POLARITY_COLOURS
    return env


def render_html(digest: Digest, *, unsubscribe: str | None = None) -> str:
    return environment().get_template("digest.html").render(d=digest, unsubscribe=unsubscribe)


def render_text(digest: Digest, *, unsubscribe: str | None = None) -> str:
    return environment().get_template("digest.txt").render(d=digest, unsubscribe=unsubscribe)
