"""Every error wallwatch raises on purpose, in one hierarchy.

    WallwatchError
    ├── ConfigError          config.toml (or a flag/env override) is invalid: file:line, key, reason
    ├── RulesError           a platform list, rule or watch file is invalid: file:line, rule, reason
    ├── CrawlError           a crawl could not run at all (a single failing source is not an error)
    └── DeliveryError        a digest could not be delivered (the signals stay pending)
    ArchiveError             (from wallwatch.archive, which imports nothing of ours)
    ├── ArchiveUnavailable   not a SQLite file, corrupt, or not writable
    └── QueryError           an analyst query that cannot be parsed, with the position

Library code raises these and never prints or exits; the CLI turns them into
one line on stderr and an exit code (2 for bad input, 1 for failures).
"""

from __future__ import annotations

from .archive.errors import ArchiveError, ArchiveUnavailable, QueryError


class WallwatchError(Exception):
    """Base class of wallwatch's own errors (the archive's are separate, see above)."""


class ConfigError(WallwatchError):
    """The configuration is invalid; the message names file, line and key."""


class RulesError(WallwatchError):
    """A platform list, rule file or watch file is invalid; the message names file and line."""


class CrawlError(WallwatchError):
    """A crawl could not run at all."""


class DeliveryError(WallwatchError):
    """A digest could not be delivered; its signals stay pending."""


#: Errors caused by what the user gave us (exit code 2); the rest exit 1.
BAD_INPUT = (ConfigError, RulesError, QueryError)

__all__ = [
    "ArchiveError", "ArchiveUnavailable", "BAD_INPUT", "ConfigError", "CrawlError", "DeliveryError",
    "QueryError", "RulesError", "WallwatchError",
]
