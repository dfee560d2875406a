"""`wallwatch crawl`: fetch the configured sources into the archive."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import click

from ..crawler import CrawlReport, crawl
from .context import AppContext, print_json


class _Bar:
    """A progress bar over pages; its length grows as sources queue their articles."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.queued: dict[str, int] = {}

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "start":
            self.bar = click.progressbar(length=1, label="crawling", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        elif self.bar is None:
            return
        elif event == "queued":
            self.queued[data["source"]] = data["n"]
            self.bar.length = max(1, sum(self.queued.values()) + self.bar.pos)
            self.bar.render_progress()
        elif event == "page":
            self.bar.update(1)
        elif event == "report":
            self.bar.update(max(0, self.bar.length - self.bar.pos))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command("crawl")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Crawl only this source (repeatable); default: every enabled source.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def crawl_cmd(app: AppContext, sources: tuple[str, ...], as_json: bool) -> None:
    """Fetch every configured source, follow new items and store the articles.

    Prints one line per source (new, updated, unchanged, skipped, failed and
    the first reason) and a total. Exits 0 when the crawl ran, even if some
    sources failed (they are listed); 1 when it could not run.

    Example: wallwatch crawl --source jing-daily --source technode
    """
    config = app.config
    bar = _Bar() if sys.stderr.isatty() and not as_json else None
    try:
        # crawl() opens, migrates and syncs the archive itself: no second connection from here.
        report = crawl(config, config.db_path, sources or None, on_progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        print_json(report.as_dict())
        return
    _print(report)


def _print(report: CrawlReport) -> None:
    width = max([len(s.name) for s in report.sources] + [5])
    for s in report.sources:
        line = f"{s.name:<{width}}  {_counts(vars(s))}"
        if s.duplicates:
            line += f"  ({s.duplicates} syndicated copies)"
        if s.error:
            line += f"  FAILED: {s.error}"
        elif s.feed in ("not-modified", "same-body"):
            line += "  (feed unchanged)"
        elif any(w.startswith("ill-formed") for w in s.warnings):
            line += "  (ill-formed feed, used anyway)"
        elif s.reasons and s.failed:
            line += f"  e.g. {next((r for r in s.reasons if 'duplicate' not in r), s.reasons[0])}"
        click.echo(line)
    click.echo(f"{'total':<{width}}  {_counts(report.totals)}  in {report.seconds:.1f}s")
    if report.stopped:
        click.echo(f"Stopped early: {report.stopped}; what was stored stays stored.", err=True)
    if report.failed_sources:
        click.echo(f"{len(report.failed_sources)} of {len(report.sources)} sources failed "
                   "(see above; `wallwatch stats` shows each source's failure streak).", err=True)


def _counts(c: Mapping[str, Any]) -> str:
    """The count columns shared by a source's line and the total line."""
    return (f"new {c['new']:>4}  updated {c['updated']:>3}  unchanged {c['unchanged']:>4}  "
            f"skipped {c['skipped']:>3}  failed {c['failed']:>3}")


def register(main: click.Group) -> None:
    main.add_command(crawl_cmd)
