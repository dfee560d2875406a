"""Alerts: digests of new signals, clustered into stories, delivered exactly once.

``deliver(archive, config, digest)`` selects the stories a digest has not sent
yet (:mod:`.stories`), renders them (:mod:`.render`), sends them through the
digest's channel (email, Slack, file) and records each accepted message in the
ledger (:mod:`.ledger`). ``build_digest`` is the read-only preview. It imports
the archive and the config only; the scheduler orchestrates.
"""

from .deliver import DeliveryReport, build_digest, channel_state, deliver, make_channel
from .due import digest_trigger, is_due, last_success, next_fire, previous_fire
from .render import Digest, render_html, render_text
from .stories import Selection, SourceRef, Story, select_stories

__all__ = [
    "DeliveryReport", "Digest", "Selection", "SourceRef", "Story", "build_digest", "channel_state", "deliver",
    "digest_trigger", "is_due", "last_success", "make_channel", "next_fire", "previous_fire", "render_html",
    "render_text", "select_stories",
]
