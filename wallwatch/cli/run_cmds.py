"""`wallwatch run`: the daemon, or one full cycle with --once (the README's main command)."""

from __future__ import annotations

import sys

import click

from .context import AppContext, print_json
from .digest_cmds import describe_delivery


@click.command("run")
@click.option("--once", is_flag=True, help="Run one full cycle and exit: crawl all, tag, send the due digests.")
@click.option("--all-digests", is_flag=True, help="With --once: send every digest, due or not.")
@click.option("--no-crawl", is_flag=True, help="With --once: skip the crawl (tag and send what is archived).")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the cycle's report as JSON.")
@click.pass_obj
def run_cmd(app: AppContext, once: bool, all_digests: bool, no_crawl: bool, as_json: bool) -> None:
    """Run wallwatch: crawl, tag and send digests on schedule; --once for one cycle.

    Without --once this is the daemon: jobs from the config (crawls on their
    cron, tagging after each crawl, each digest on its cron in its time zone),
    a digest missed while it was down is sent once on start, and SIGTERM or
    Ctrl-C finish the current step before exiting.

    Example: wallwatch run --once
    """
    if not once:
        _daemon(app)
        return
    from ..pipeline import run_once

    config = app.config
    on_progress = _progress if sys.stderr.isatty() and not as_json else None
    report = run_once(config, crawl=not no_crawl, digests="all" if all_digests else "due", on_progress=on_progress)
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(f"archive {report.archive}")
        for step in report.steps:
            click.echo(_describe_step(step.name, step.report, step.error))
        if not config.digests:
            click.echo("digests: none configured")
        for d in report.digests:
            click.echo(describe_delivery(d))
        click.echo(f"done in {report.seconds:.1f} s" + ("" if report.ok else " (with errors, see above)"))
    if not report.ok:
        sys.exit(1)


def _progress(event: str, data: dict) -> None:
    if event in ("report", "start"):
        return
    click.echo(f"  {event}: " + ", ".join(f"{k}={v}" for k, v in data.items() if not isinstance(v, (dict, list))),
               err=True)


def _describe_step(name: str, report: dict | None, error: str | None) -> str:
    if error:
        return f"{name:<6} FAILED: {error}"
    report = report or {}
    if name == "crawl":
        totals = report.get("totals", {})
        lines = [f"crawl  {len(report.get('sources', []))} sources, "
                 + ", ".join(f"{k} {v}" for k, v in totals.items())]
        for s in report.get("sources", []):
            if not s.get("ok", True):
                lines.append(f"       {s.get('name')}: {s.get('error')}")
        return "\n".join(lines)
    return f"{name:<6} " + ", ".join(f"{k} {v}" for k, v in report.items() if not isinstance(v, (dict, list)))


def _daemon(app: AppContext) -> None:
    from ..scheduler import run_daemon

    config = app.config
    app.archive()  # create and migrate the archive before the jobs start
    app.close()  # each job opens its own connection; this one would stay idle for the daemon's life

    def started(jobs: list[dict]) -> None:
        click.echo(f"wallwatch daemon started: archive {config.db_path}, {len(jobs)} jobs", err=True)
        for j in jobs:
            click.echo(f"  {j['id']:<40} next {j['next']}", err=True)
        click.echo("SIGTERM or Ctrl-C stops it after the current step.", err=True)

    run_daemon(config, on_start=started)
    click.echo("wallwatch daemon stopped", err=True)


def register(main: click.Group) -> None:
    main.add_command(run_cmd)
