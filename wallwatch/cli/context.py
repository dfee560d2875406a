"""What every command shares: the configuration, loaded once, and the archive, opened once."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import click

from .. import config as config_mod
from ..archive import Archive

T = TypeVar("T")


@dataclass
class AppContext:
    config_file: str | None = None
    db_path: str | None = None
    _config: config_mod.Config | None = field(default=None, repr=False)
    _archive: Archive | None = field(default=None, repr=False)

    @property
    def config(self) -> config_mod.Config:
        if self._config is None:
            self._config = config_mod.load(self.config_file, db=self.db_path)
        return self._config

    def archive(self, *, readonly: bool = False) -> Archive:
        """The archive, opened on first use (read-only commands do not create one)."""
        if self._archive is None:
            self._archive = Archive(self.config.db_path, readonly=readonly)
            if not readonly:
                self._archive.sync_sources(self.config.source_rows())
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def progress(items: Iterable[T], label: str, length: int | None = None) -> Iterator[Iterable[T]]:
    """A progress bar on stderr when it is a terminal; the plain iterable otherwise."""
    if sys.stderr.isatty():
        with click.progressbar(items, label=label, length=length, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback: accept YYYY-MM-DD or an ISO datetime, unchanged; refuse anything else."""
    if value is None:
        return None
    for fmt in (date.fromisoformat, datetime.fromisoformat):
        try:
            fmt(value)
            return value
        except ValueError:
            pass
    raise click.BadParameter(f"{value!r} is not a date like 2024-09-05")
