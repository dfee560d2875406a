"""`wallwatch rules ...`: the analysts' workbench for watches, rules and the platform list."""

from __future__ import annotations

import sys

import click

from ..errors import RulesError
from .archive_cmds import _date
from .context import AppContext, print_json


@click.group("rules")
def rules_group() -> None:
    """Tune watches, interop rules and the platform list against the archive.

    `test` previews a query or watch, `check` validates everything and runs
    the example sentences, `diff` compares a draft rule set with the current
    one, `apply` adopts it, `explain` shows why an article was (not) flagged.

    Example: wallwatch rules test '(WeChat OR Weixin) w/10 Tmall' --since 2024-01-01
    """


def _mark() -> tuple[str, str]:
    return ("\x1b[1;33m", "\x1b[0m") if sys.stdout.isatty() else ("«", "»")


@rules_group.command("test")
@click.argument("query", required=False)
@click.option("--watch", "watch_name", help="Test this watch from the watch file instead of a QUERY.")
@click.option("--since", callback=_date, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="How many example articles to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def test_cmd(app: AppContext, query: str | None, watch_name: str | None, since: str | None, limit: int,
             as_json: bool) -> None:
    """Run a draft query (or a watch) over the archive and show what it would flag.

    Matches sentence by sentence, as watches do: counts of articles and
    sentences, per source and per month, and the best examples with the
    matched words highlighted. Fields: platform:, polarity:, event_type:,
    topic:, source:, title:. Writes nothing.

    Example: wallwatch rules test 'platform:Tmall AND (ad* OR advert*) NOT earnings' --since 2024-01-01
    """
    from ..nlp.watches import parse_watch_query
    from ..nlp.workbench_config import config_watches, platform_finder
    from ..nlp.workbench_scan import test_query

    if bool(query) == bool(watch_name):
        raise click.UsageError("give either a QUERY or --watch NAME")
    parsed = config_watches(app.config).get(watch_name).query if watch_name else parse_watch_query(query or "")
    finder = platform_finder(app.config)
    report = test_query(app.archive(readonly=True), parsed, finder, since=since, limit=limit,
                        mark=("«", "»") if as_json else _mark())
    if as_json:
        print_json(report.as_dict())
        return
    click.echo(f"query      {report.query}")
    click.echo(f"full text  {report.prefilter or '(none possible: every article is read)'}")
    click.echo(f"matched    {report.articles} articles, {report.sentences} sentences "
               f"({report.candidates} candidates of {report.archive_articles} articles, {report.seconds:.2f} s)")
    if report.by_source:
        click.echo("by source  " + ", ".join(f"{k} {v}" for k, v in report.by_source.most_common(12)))
        click.echo("by month   " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_month.items())))
    for ex in report.examples:
        click.echo()
        click.echo(click.style(ex["title"] or "(untitled)", bold=True)
                   + f"  [#{ex['id']}, {ex['source'] or '?'}, {ex['date'] or 'undated'}]")
        click.echo(f"  {ex['url']}")
        for s in ex["sentences"]:
            click.echo("  > " + " ".join(s.split()))


def register(main: click.Group) -> None:
    main.add_command(rules_group)


__all__ = ["register", "RulesError"]
