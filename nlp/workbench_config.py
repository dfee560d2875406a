"""Where the workbench finds the platform list and the watches of a configuration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from wallwatch.config import Config, _locate_keys

from .watches import WatchSet, load_watches, watches_from_tables
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
    """The watches of the configuration: the watch file's, then config.toml's ``[[nlp.watch]]``.

    Errors name the file and line either way; a name may be used once across both.
    """
    path = watches_path(config)
    from_file = load_watches(path) if path is not None else WatchSet()
    if not config.nlp.watch:
        return from_file
    text = config.path.read_text(encoding="utf-8") if config.path and config.path.exists() else ""
    tables = [{k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(w).items()}
              for w in config.nlp.watch]
    inline = watches_from_tables(tables, str(config.path or "<config>"), _locate_keys(text), ("nlp", "watch"),
                                 taken={w.name: w.where for w in from_file.watches})
    return WatchSet((*from_file.watches, *inline), from_file.path)
