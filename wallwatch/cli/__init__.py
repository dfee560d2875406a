"""The ``wallwatch`` command: nouns and verbs over the library functions.

Each command parses its arguments, calls one library function and formats the
result; errors become one line on stderr and an exit code scripts can trust:
0 success, 1 a failure while working, 2 bad input (config, query, rules, usage).
"""

from __future__ import annotations

import logging
import sys
from importlib import import_module

import click

from .. import __version__
from ..archive import ArchiveError
from ..errors import BAD_INPUT, QueryError, WallwatchError
from .context import AppContext

# One module per noun; each defines `register(main)`.
COMMAND_MODULES = ["archive_cmds", "config_cmds", "run_cmds", "rules_cmds", "backstop_cmds", "serve_cmds", "crawl_cmds", "digest_cmds", "tag_cmds"]


class WallwatchGroup(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except QueryError as exc:
            click.echo(f"Error: {exc}", err=True)
            if exc.position is not None and exc.query:
                click.echo(exc.pointer(), err=True)
            click.echo('Hint: put words with punctuation in "double quotes"; operators are AND OR NOT NEAR/n.',
                       err=True)
            ctx.exit(2)
        except (WallwatchError, ArchiveError) as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2 if isinstance(exc, BAD_INPUT) else 1)


@click.group(cls=WallwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wallwatch")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="WALLWATCH_CONFIG",
              help="Config file (default: $WALLWATCH_CONFIG, else the shipped config.toml).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="WALLWATCH_DB",
              help="Archive file, overriding [archive] path (also $WALLWATCH_DB).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, config_file: str | None, db_path: str | None, verbose: int) -> None:
    """Watch tech and luxury news for walled gardens opening and closing.

    The flow: `crawl` collects articles into the archive, `tag` finds
    interoperability signals, `digest` sends the new ones; `run --once` does
    all three, `run` keeps doing them on schedule.

    Example: wallwatch run --once && wallwatch search '"WeChat Pay" AND Taobao'
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = AppContext(config_file=config_file, db_path=db_path)
    ctx.call_on_close(ctx.obj.close)


for _name in COMMAND_MODULES:
    import_module(f"{__name__}.{_name}").register(main)
