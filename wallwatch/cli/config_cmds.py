"""`wallwatch config`: where the configuration comes from and whether it is valid."""

from __future__ import annotations

import dataclasses

import click

from .. import config as config_mod
from .context import AppContext, print_json


@click.group("config")
def config_group() -> None:
    """Inspect the configuration.

    Example: wallwatch config check --config my.toml
    """


@config_group.command("path")
@click.pass_obj
def path_cmd(app: AppContext) -> None:
    """Print the config file in use and the archive it points at.

    Example: wallwatch config path
    """
    click.echo(f"config  {config_mod.config_path(app.config_file)}")
    click.echo(f"archive {app.config.db_path}")


@config_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the validated configuration as JSON.")
@click.pass_obj
def check_cmd(app: AppContext, as_json: bool) -> None:
    """Validate the configuration; exit 2 with file:line on the first problem.

    Example: wallwatch --config config.toml config check
    """
    cfg = app.config
    if as_json:
        print_json(dataclasses.asdict(cfg))
        return
    click.echo(f"{cfg.path}: ok ({len(cfg.sources)} sources, {len(cfg.digests)} digests)")


def register(main: click.Group) -> None:
    main.add_command(config_group)
