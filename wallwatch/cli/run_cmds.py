"""`wallwatch run`: the main job."""

from __future__ import annotations

import click

from .context import AppContext, print_json


@click.command("run")
@click.option("--once", is_flag=True, help="Run one full cycle and exit (crawl, tag, digests).")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle's summary as JSON.")
@click.pass_obj
def run_cmd(app: AppContext, once: bool, as_json: bool) -> None:
    """Run wallwatch: one cycle with --once.

    Example: wallwatch run --once
    """
    archive = app.archive()
    summary = {
        "archive": str(archive.path),
        "sources": len(app.config.sources),
        "steps": {
            "crawl": "not part of this build yet",
            "tag": "not part of this build yet",
            "digest": "not part of this build yet",
        },
    }
    if as_json:
        print_json(summary)
        return
    click.echo(f"archive {summary['archive']} ready, {summary['sources']} sources configured")
    for step, state in summary["steps"].items():
        click.echo(f"{step:<7} {state}")


def register(main: click.Group) -> None:
    main.add_command(run_cmd)
