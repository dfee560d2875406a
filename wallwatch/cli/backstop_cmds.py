"""`wallwatch rules train-backstop`: rebuild the tagger's statistical backstop from labelled passages."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .context import AppContext, print_json
from .rules_cmds import rules_group


@click.command("train-backstop")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the model (JSON); point [nlp] backstop_model at it to use it.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def train_backstop_cmd(app: AppContext, files: tuple[str, ...], out: str, as_json: bool) -> None:
    """Train the backstop on labelled passages (the `wallwatch eval` schema).

    The backstop scores sentences that name two companies' platforms and
    match no rule. It learns from every passage in FILES, with platform names
    replaced by their kind (the configured platform list decides which words
    are platforms). Training is deterministic: the same files give the same
    model. The figures printed are on the training passages themselves, so
    they say how well the model fits, not how it does on new text: score a
    held-out file with `wallwatch eval` for that.

    Example: wallwatch rules train-backstop labelled/*.jsonl --out backstop.json
    """
    from ..nlp.backstop import save_backstop, train_from_files, training_fit
    from ..nlp.platforms import load_platforms
    from ..nlp.workbench_config import platforms_path

    config = app.config
    platforms = load_platforms(platforms_path(config))
    started = time.perf_counter()
    model, trained_on, passages = train_from_files([Path(f) for f in files], platforms)
    seconds = time.perf_counter() - started
    save_backstop(model, Path(out), trained_on)
    data = {"out": out, "files": trained_on, "passages": len(passages),
            "signals": sum(f["signals"] for f in trained_on), "features": len(model.vocab),
            "seconds": round(seconds, 2), "threshold": config.nlp.backstop_threshold,
            "training_fit": training_fit(model, passages, platforms, config.nlp.backstop_threshold)}
    if as_json:
        print_json(data)
        return
    click.echo(f"trained on {data['passages']} passages ({data['signals']} signals) from {len(files)} file(s) "
               f"in {seconds:.1f} s: {data['features']} features -> {out}")
    fit = data["training_fit"]
    click.echo(f"fit on the training passages at threshold {data['threshold']:g}: precision {fit['precision']:.3f}, "
               f"recall {fit['recall']:.3f} (not a held-out figure)")


def register(main: click.Group) -> None:
    """The command hangs off `wallwatch rules` (rules_cmds registers the group itself)."""
    rules_group.add_command(train_backstop_cmd)
