"""Where the workbench finds the platform list and the watches of a configuration."""

from __future__ import annotations

from pathlib import Path

from wallwatch.config import Config

from .watches import WatchSet, load_watches
from .workbench_text import PlatformFinder


def platforms_path(config: Config) -> Path | None:
    """The configured platform list (None: the built-in one)."""
    return config.resolve(config.nlp.platforms) if config.nlp.platforms else None


def watches_path(config: Config) -> Path | None:
    """The configured watch file, if any."""
    return config.resolve(config.nlp.watches) if config.nlp.watches else None


def platform_finder(config: Config, path: str | Path | None = None) -> PlatformFinder:
    """A finder over the platform list at ``path`` (default: the configured one)."""
    from .platforms import load_platforms

    return PlatformFinder(load_platforms(path if path is not None else platforms_path(config)))


def config_watches(config: Config) -> WatchSet:
    """The watches of the configuration (none when ``[nlp] watches`` is unset)."""
    path = watches_path(config)
    return load_watches(path) if path is not None else WatchSet()
