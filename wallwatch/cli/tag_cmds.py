"""`wallwatch tag`, `wallwatch signals`, `wallwatch eval`: the tagger from the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ..config import EVENT_TYPES, POLARITIES
from .context import AppContext, iso_date, print_json


@contextmanager
def tagging_bar(label: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (when it is a terminal) fed by ``tag_archive``'s ``(done, total)`` callbacks.

    The bar opens at the first callback, which brings the total: no need to count the articles due first.
    """
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if quiet or not total or not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command("tag")
@click.option("--all", "retag_all", is_flag=True, help="Re-tag every article, not only untagged ones.")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's report as JSON.")
@click.pass_obj
def tag_cmd(app: AppContext, retag_all: bool, since: str | None, as_json: bool) -> None:
    """Find interoperability signals in articles not yet tagged by the current rules.

    Editing the platform list or a rule file changes the ruleset version, so
    the next run re-tags what the old rules tagged. Re-tagging replaces an
    article's signals and keeps delivery history.

    Example: wallwatch tag --since 2024-09-01
    """
    from ..nlp import load_tagger, tag_archive

    tagger = load_tagger(app.config)
    archive = app.archive()
    with tagging_bar("tagging", quiet=as_json) as progress:
        report = tag_archive(app.config, archive, retag_all=retag_all, since=since, on_progress=progress,
                             tagger=tagger)
    if as_json:
        print_json(report.as_dict())
        return
    by_pol = ", ".join(f"{k} {v}" for k, v in sorted(report.by_polarity.items())) or "none"
    click.echo(f"tagged {report.tagged} of {report.articles} articles due "
               f"(ruleset {report.ruleset_version}, model {report.model}) in {report.seconds:.1f}s")
    click.echo(f"signals {report.signals} stored ({by_pol}); {report.below_threshold} under min_confidence; "
               f"{report.duplicates} syndicated copies skipped")
    for e in report.errors:
        click.echo(f"error: {e}", err=True)


@click.command("signals")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date.")
@click.option("--polarity", "polarity", multiple=True, type=click.Choice(POLARITIES),
              help="Only this polarity (repeatable).")
@click.option("--type", "event_types", multiple=True, type=click.Choice(EVENT_TYPES),
              help="Only this event type (repeatable).")
@click.option("--actor", help="Only signals with this platform as actor or target (canonical name).")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print the signals as a JSON list.")
@click.pass_obj
def signals_cmd(app: AppContext, since, polarity, event_types, actor, min_confidence, limit, as_json) -> None:
    """List stored interoperability signals, newest article first.

    Example: wallwatch signals --polarity closing --type link_access --actor WeChat --json
    """
    from ..nlp import list_signals

    rows = list_signals(app.archive(readonly=True), since=since, polarity=polarity, event_types=event_types,
                        actor=actor, min_confidence=min_confidence, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No signals.", err=True)
        return
    for r in rows:
        mark = "*" if r["headline"] else " "
        click.echo(f"{mark} {str(r['published'] or '')[:10]:<10} {r['polarity']:<8} {r['event_type']:<22} "
                   f"{r['actor'] or '?'} -> {r['target'] or '?'}  ({r['status']}, {r['confidence']:.2f})")
        click.echo(f"    {r['title'] or '(untitled)'}  {r['url']}")
        click.echo(f"    \"{r['evidence'][:200]}\"")


@click.command("eval")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object with the figures.")
@click.option("--show-errors", is_flag=True, help="List every miss, false alarm and wrong field, with the rule.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
              help="Prediction threshold (default: [nlp] min_confidence).")
@click.pass_obj
def eval_cmd(app: AppContext, file: str, as_json: bool, show_errors: bool, min_confidence: float | None) -> None:
    """Score the tagger on labelled passages (JSONL: text, interop, polarity, event_type, actor, target, status).

    A passage's prediction is its highest-confidence signal. Reports interop
    precision/recall/F1 and, on true positives, the accuracy of each field.

    Example: wallwatch eval ../shared/data/interop_dev.jsonl --show-errors
    """
    from ..nlp import load_tagger
    from ..nlp.evaluate import FIELDS, read_passages, score

    passages = read_passages(file)
    tagger = load_tagger(app.config)
    threshold = app.config.nlp.min_confidence if min_confidence is None else min_confidence
    result, outcomes = score(tagger, passages, min_confidence=threshold)
    if as_json:
        print_json(result)
        return
    i = result["interop"]
    click.echo(f"{file}: {result['n']} passages, ruleset {tagger.ruleset_version}, model {tagger.model_name}")
    click.echo(f"interop    precision {i['precision']:.3f}  recall {i['recall']:.3f}  f1 {i['f1']:.3f}"
               f"   (tp {i['tp']}, fp {i['fp']}, fn {i['fn']})")
    for f in FIELDS:
        click.echo(f"{f:<10} accuracy {result[f + '_accuracy']:.3f}  (on true positives)")
    click.echo(f"speed      {result['passages_per_second']} passages/s")
    if not show_errors:
        return
    for o in outcomes:
        p, s = o.passage, o.predicted
        wrong = [f for f, ok in o.correct.items() if not ok]
        if o.kind == "tn" or (o.kind == "tp" and not wrong):
            continue
        label = {"fp": "FALSE ALARM", "fn": "MISS", "tp": "WRONG " + ",".join(wrong)}[o.kind]
        click.echo(f"\n{file}:{o.line} {p.get('id', '')} {label}")
        if p.get("interop"):
            click.echo(f"  gold: {p.get('polarity')} {p.get('event_type')}: {p.get('actor')} -> "
                       f"{p.get('target')} ({p.get('status')})")
        if s is not None:
            click.echo(f"  got:  {s.summary()}")
        click.echo(f"  text: {p['text'][:400]}")


def register(main: click.Group) -> None:
    main.add_command(tag_cmd)
    main.add_command(signals_cmd)
    main.add_command(eval_cmd)
