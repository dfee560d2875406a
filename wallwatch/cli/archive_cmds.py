"""`wallwatch search`, `wallwatch stats` and `wallwatch optimize`: query and maintain the archive."""

from __future__ import annotations

import csv
import sys

import click

from ..archive import SearchFilters, optimize_index, parse, search, stats
from ..archive.search import MARK_END, MARK_START
from .context import AppContext, iso_date, print_json


@click.command("search")
@click.argument("query")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=iso_date, help="Only articles published up to this date (inclusive).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Only sources with this topic tag, e.g. luxury (repeatable).")
@click.option("--signals-only", is_flag=True, help="Only articles that carry at least one signal.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print the hits as a JSON list.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the hits as CSV.")
@click.pass_obj
def search_cmd(app: AppContext, query: str, since, until, sources, topics, signals_only, limit,
               as_json, as_csv) -> None:
    """Full-text search of the archive, best match first.

    The query language: words, "phrases", AND / OR / NOT (or -word),
    parentheses, prefix*, a NEAR/5 b (also w/5, ONEAR/5), NEAR(a b, 5),
    title:word. Adjacent words must all match.

    Example: wallwatch search 'title:WeChat AND (Taobao OR Tmall) NOT earnings' --since 2024-01-01
    """
    parse(query)  # bad queries fail before anything is opened
    filters = SearchFilters(since=since, until=until, sources=sources, topics=topics,
                            signals_only=signals_only, limit=limit)
    hits = search(app.archive(), query, filters)
    if as_json:
        print_json([h.as_dict() for h in hits])
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["id", "published", "source", "title", "url", "rank", "signals", "snippet"])
        for h in hits:
            d = h.as_dict()
            writer.writerow([d["id"], d["published"], d["source"], d["title"], d["url"], f"{h.rank:.3f}",
                             "; ".join(f"{s['polarity']}/{s['event_type']}" for s in d["signals"]),
                             d["snippet"]])
        return
    if not hits:
        click.echo("No matches.", err=True)
        return
    color = sys.stdout.isatty()
    for h in hits:
        click.echo(click.style(h.title or "(untitled)", bold=True) + f"  [{h.source or '?'}, {h.published or 'undated'}]")
        click.echo(f"  {h.url}")
        snippet = h.snippet.replace("\n", " ")
        if color:
            snippet = snippet.replace(MARK_START, "\x1b[1;33m").replace(MARK_END, "\x1b[0m")
        else:
            snippet = snippet.replace(MARK_START, "«").replace(MARK_END, "»")
        click.echo(f"  {snippet}")
        for s in h.signals:
            click.echo(f"  -> {s['polarity']} {s['event_type']}: {s['actor'] or '?'} -> {s['target'] or '?'}"
                       f" ({s['status']}, {s['confidence']:.2f})")
        click.echo()


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
def stats_cmd(app: AppContext, as_json: bool) -> None:
    """Articles, signals, runs and the health of every source.

    Example: wallwatch stats --json | jq '.sources[] | select(.healthy | not)'
    """
    figures = stats(app.archive())
    if as_json:
        print_json(figures)
        return
    click.echo(f"archive   {figures['path']} ({figures['size_bytes'] / 1e6:.1f} MB)")
    click.echo(f"articles  {figures['articles']} ({figures['duplicates']} syndicated copies, "
               f"{figures['untagged']} untagged)")
    by_pol = ", ".join(f"{k} {v}" for k, v in figures["signals_by_polarity"].items()) or "none"
    click.echo(f"signals   {figures['signals']} ({by_pol})")
    click.echo(f"delivered {figures['deliveries']}")
    for r in figures["last_runs"]:
        click.echo(f"last {r['job']:<8} {r['started']} {r['status']}")
    click.echo("sources:")
    for s in figures["sources"]:
        state = "ok" if s["healthy"] else ("never fetched" if s["last_attempt"] is None
                                            else f"failing x{s['consecutive_failures']}: {s['last_error']}")
        click.echo(f"  {s['name']:<28} {s['articles']:>6} articles  last success {s['last_success'] or '-':<25} {state}")


@click.command("optimize")
@click.option("--max-seconds", type=click.IntRange(min=1), default=None,
              help="Stop after about this long; the next run goes on from there.  "
                   "[default: [archive] optimize_max_seconds, 900]")
@click.option("--json", "as_json", is_flag=True, help="Print steps, seconds and completeness as JSON.")
@click.pass_obj
def optimize_cmd(app: AppContext, max_seconds: int | None, as_json: bool) -> None:
    """Merge the search index's segments so searches stay fast.

    New articles go into small index segments that FTS5 merges only now and
    then (that keeps crawling fast). This merges them all, in steps short
    enough that a crawl running at the same time is not held up. The daemon
    does it on [archive] optimize_schedule; run it by hand after a bulk
    import. "complete" says whether --max-seconds left merging to do.

    Example: wallwatch optimize --max-seconds 600 --json
    """
    archive = app.archive()
    show = sys.stderr.isatty()

    def on_step(n: int) -> None:
        if show:
            click.echo(f"\rmerging the search index: step {n}", nl=False, err=True)

    budget = max_seconds or app.config.archive.optimize_max_seconds
    result = optimize_index(archive, max_seconds=budget, on_step=on_step)
    if show and result.steps:
        click.echo(err=True)
    if as_json:
        print_json(result.as_dict())
    else:
        state = "fully merged" if result.complete else "time limit reached; run again to go on"
        click.echo(f"optimize: {result.steps} merge steps in {result.seconds:.1f} s, {state}")


def register(main: click.Group) -> None:
    main.add_command(search_cmd)
    main.add_command(stats_cmd)
    main.add_command(optimize_cmd)
