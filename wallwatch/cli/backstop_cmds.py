"""`wallwatch rules train-backstop`: rebuild the tagger's statistical backstop from labelled passages."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .context import AppContext, print_json
from .rules_cmds import rules_group


@rules_group.command("train-backstop")
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
    from ..nlp.backstop import features, save_backstop, train_from_files
    from ..nlp.platforms import builtin_platforms_path, load_platforms

    config = app.config
    platforms = load_platforms(config.resolve(config.nlp.platforms) if config.nlp.platforms
                               else builtin_platforms_path())
    started = time.perf_counter()
    model, trained_on = train_from_files([Path(f) for f in files], platforms)
    seconds = time.perf_counter() - started
    save_backstop(model, Path(out), trained_on)
    from ..nlp.evaluate import read_passages

    tp = fp = fn = 0
    for f in files:
        for _, p in read_passages(f):
            said = model.scores(features(p["text"], platforms))["interop"] >= config.nlp.backstop_threshold
            tp += said and bool(p.get("interop"))
            fp += said and not p.get("interop")
            fn += bool(p.get("interop")) and not said
    data = {"out": out, "files": trained_on, "passages": sum(f["passages"] for f in trained_on),
            "signals": sum(f["signals"] for f in trained_on), "features": len(model.vocab),
            "seconds": round(seconds, 2), "threshold": config.nlp.backstop_threshold,
            "training_fit": {"tp": tp, "fp": fp, "fn": fn,
                             "precision": round(tp / max(tp + fp, 1), 4), "recall": round(tp / max(tp + fn, 1), 4)}}
    if as_json:
        print_json(data)
        return
    click.echo(f"trained on {data['passages']} passages ({data['signals']} signals) from {len(files)} file(s) "
               f"in {seconds:.1f} s: {data['features']} features -> {out}")
    fit = data["training_fit"]
    click.echo(f"fit on the training passages at threshold {data['threshold']:g}: precision {fit['precision']:.3f}, "
               f"recall {fit['recall']:.3f} (not a held-out figure)")


def register(main: click.Group) -> None:
    """The command hangs off `wallwatch rules`, registered by rules_cmds."""
