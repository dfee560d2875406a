"""`wallwatch rules ...`: the analysts' workbench for watches, rules and the platform list."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ..errors import RulesError
from .context import AppContext, iso_date, print_json
from .tag_cmds import tagging_bar


@click.group("rules")
def rules_group() -> None:
    """Tune watches, interop rules and the platform list against the archive.

    `test` previews a query or watch, `check` validates everything and runs
    the example sentences, `diff` compares a draft rule set with the current
    one, `apply` adopts it, `explain` shows why an article was (not) flagged,
    `watch` runs the watches, `train-backstop` retrains the statistical
    backstop from labelled passages.

    Example: wallwatch rules test '(WeChat OR Weixin) w/10 Tmall' --since 2024-01-01
    """


def _mark() -> tuple[str, str]:
    return ("\x1b[1;33m", "\x1b[0m") if sys.stdout.isatty() else ("«", "»")


@rules_group.command("test")
@click.argument("query", required=False)
@click.option("--watch", "watch_name", help="Test this watch from the watch file instead of a QUERY.")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="How many example articles to show.")
@click.option("--exact", is_flag=True,
              help="Read every candidate, however long it takes (default: a fair sample after ~1.5 s).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def test_cmd(app: AppContext, query: str | None, watch_name: str | None, since: str | None, limit: int,
             exact: bool, as_json: bool) -> None:
    """Run a draft query (or a watch) over the archive and show what it would flag.

    Matches sentence by sentence, as watches do: counts of articles and
    sentences, per source and per month, and the newest examples with the
    matched words highlighted. Fields: platform:, polarity:, event_type:,
    topic:, source:, title:. A query with very many candidates is read as a
    fair sample and its counts are marked as estimates (--exact reads all).
    Writes nothing.

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
                        mark=("«", "»") if as_json else _mark(), budget_seconds=None if exact else 1.5)
    if as_json:
        print_json(report.as_dict())
        return
    about = "" if report.exact else "about "
    click.echo(f"query      {report.query}")
    click.echo(f"full text  {report.prefilter or '(none possible: every article is read)'}")
    click.echo(f"matched    {about}{report.articles} articles, {about}{report.sentences} sentences "
               f"({report.candidates} candidates of {report.archive_articles} articles, {report.seconds:.2f} s)")
    if not report.exact:
        click.echo(f"estimate   from a random {report.read} of the {report.candidates} candidates "
                   f"({report.matched_articles} matched); --exact reads them all")
    if report.by_source:
        sample = "" if report.exact else " (in the sample)"
        click.echo(f"by source{sample}  " + ", ".join(f"{k} {v}" for k, v in report.by_source.most_common(12)))
        if len(report.by_month) <= 24:
            click.echo(f"by month{sample}   " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_month.items())))
        else:  # years read better than five lines of months (--json has the months)
            years: dict[str, int] = {}
            for month, n in report.by_month.items():
                years[month[:4]] = years.get(month[:4], 0) + n
            click.echo(f"by year{sample}    " + ", ".join(f"{k} {v}" for k, v in sorted(years.items())))
    for ex in report.examples:
        click.echo()
        click.echo(click.style(ex["title"] or "(untitled)", bold=True)
                   + f"  [#{ex['id']}, {ex['source'] or '?'}, {ex['date'] or 'undated'}]")
        click.echo(f"  {ex['url']}")
        for s in ex["sentences"]:
            click.echo("  > " + " ".join(s.split()))


@contextmanager
def _bar(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; ``update(n)`` to advance it."""
    if sys.stderr.isatty() and length:
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            yield bar.update
    else:
        yield lambda n: None


_rules_option = click.option("--rules", "rules_path", type=click.Path(exists=True),
                             help="Draft rule file, or a folder of *.jsonl rule files (default: the configured ones).")
_platforms_option = click.option("--platforms", "platforms_path", type=click.Path(exists=True, dir_okay=False),
                                 help="Draft platform list (default: the configured one).")


@rules_group.command("check")
@_rules_option
@_platforms_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def check_cmd(app: AppContext, rules_path: str | None, platforms_path: str | None, as_json: bool) -> None:
    """Validate the platform list, the rule files and the watches, and run every example sentence.

    Each rule's must_fire / must_not_fire sentences and each watch's must /
    must_not sentences are run; every failure is printed with its file:line.
    Exits 1 when anything fails, so a broken rule set never gets adopted.

    Example: wallwatch rules check --rules my_rules/
    """
    from ..nlp.workbench_rules import check, draft_from_args

    report = check(app.config, draft_from_args(app.config, rules_path, platforms_path))
    if as_json:
        print_json(report.as_dict())
    else:
        for p in report.problems:
            click.echo(f"FAIL {p}")
        click.echo(f"{'ok' if report.ok else 'FAILED'}: {report.platforms} platforms, {report.rules} rules, "
                   f"{report.watches} watches, {report.examples} example sentences, "
                   f"{len(report.problems)} problem(s)")
    if not report.ok:
        raise click.exceptions.Exit(1)


@rules_group.command("diff")
@_rules_option
@_platforms_option
@click.option("--labelled", type=click.Path(exists=True, dir_okay=False),
              help="JSONL of labelled sentences (text, interop, polarity): precision/recall/F1 before and after.")
@click.option("--sample", type=click.IntRange(1), help="Only a reproducible random sample of N articles.")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date.")
@click.option("--examples", default=5, show_default=True, type=click.IntRange(0, 1000),
              help="Examples of gained and of lost signals to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def diff_cmd(app: AppContext, rules_path: str | None, platforms_path: str | None, labelled: str | None,
             sample: int | None, since: str | None, examples: int, as_json: bool) -> None:
    """Re-tag the archive with a draft rule set and show the signals gained and lost.

    The "before" is the current rule set (the archive's stored signals where
    they are up to date). With --labelled, precision, recall and F1 of both
    rule sets on the labelled file. Writes nothing.

    Example: wallwatch rules diff --rules my_rules/ --labelled interop_dev.jsonl --sample 2000
    """
    from ..nlp import evaluate
    from ..nlp.evaluate import read_passages
    from ..nlp.workbench_diff import article_ids, diff
    from ..nlp.workbench_rules import build_draft_tagger, configured_draft, draft_from_args

    config = app.config
    if labelled:
        read_passages(labelled)  # a malformed labelled file fails before the long part
    current = build_draft_tagger(config, configured_draft(config))
    draft = build_draft_tagger(config, draft_from_args(config, rules_path, platforms_path))
    archive = app.archive(readonly=True)
    ids = article_ids(archive, since=since, sample=sample)
    with _bar(len(ids), "re-tagging with the draft") as update:
        report = diff(archive, current, draft, ids, min_confidence=config.nlp.min_confidence, on_progress=update)
    if labelled:
        before, after = evaluate(current, labelled), evaluate(draft, labelled)
        report.labelled = {"file": labelled, "items": before["n"], "before": before, "after": after}
    data = report.as_dict(examples)
    if as_json:
        print_json(data)
        return
    click.echo(f"current {data['current_version']} -> draft {data['draft_version']}: {data['articles']} articles "
               f"({data['articles_per_second'] or 0:.0f}/s)")
    click.echo(f"signals {data['signals_before']} -> {data['signals_after']}: "
               f"+{data['gained']} gained, -{data['lost']} lost, {data['kept']} kept")
    for label, key in (("gained", "gained_by_rule"), ("lost", "lost_by_rule")):
        if data[key]:
            click.echo(f"{label} by rule: " + ", ".join(f"{k} {v}" for k, v in data[key].items()))
    for label, sign in (("gained", "+"), ("lost", "-")):
        for ex in data[f"{label}_examples"]:
            click.echo(f"  {sign} #{ex['article_id']} {ex['polarity']} {ex['event_type']}: {ex['actor'] or '?'} -> "
                       f"{ex['target'] or '?'} ({ex['rule_id']}, {ex['confidence']:.2f})")
            click.echo(f"      {' '.join(ex['evidence'].split())}")
    if report.labelled:
        b, a = report.labelled["before"], report.labelled["after"]
        click.echo(f"labelled {labelled} ({report.labelled['items']} passages):")
        for name in ("precision", "recall", "f1"):
            click.echo(f"  {name:<18} {b['interop'][name]:.3f} -> {a['interop'][name]:.3f}")
        for name in ("polarity_accuracy", "event_type_accuracy"):
            click.echo(f"  {name:<18} {b[name]:.3f} -> {a[name]:.3f}")


@rules_group.command("apply")
@_rules_option
@_platforms_option
@click.option("--since", callback=iso_date, help="Only re-tag articles published on or after this date.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_obj
def apply_cmd(app: AppContext, rules_path: str | None, platforms_path: str | None, since: str | None,
              as_json: bool) -> None:
    """Adopt the configured rule set: check it, then re-tag the archive and run the watches.

    Signals are replaced under the new ruleset version, with a progress bar;
    stories already delivered stay delivered, new ones become new. Refuses a
    rule set whose checks fail. --rules/--platforms must name the files the
    config uses (point [nlp] rules at your draft first), so later tagging
    runs agree with what was applied.

    Example: wallwatch rules apply
    """
    from ..nlp import tag_archive
    from ..nlp.watch_store import tag_watches
    from ..nlp.workbench_config import config_watches
    from ..nlp.workbench_rules import build_draft_tagger, check, configured_draft, draft_from_args
    from ..nlp.workbench_text import PlatformFinder

    config = app.config
    configured = configured_draft(config)
    draft = draft_from_args(config, rules_path, platforms_path)
    if _resolved(draft) != _resolved(configured):
        raise RulesError(f"the draft ({draft.describe()}) is not what the config uses ({configured.describe()}): "
                         "set [nlp] rules / platforms in the config to the draft, then run `wallwatch rules apply`")
    report = check(config, draft)
    if not report.ok:
        for p in report.problems:
            click.echo(f"FAIL {p}", err=True)
        raise click.ClickException(f"rules check failed ({len(report.problems)} problem(s)); nothing was changed")
    tagger = build_draft_tagger(config, draft)
    archive = app.archive()
    with tagging_bar(f"re-tagging with {tagger.ruleset_version}") as update:
        tagged = tag_archive(config, archive, retag_all=True, since=since, tagger=tagger, on_progress=update)
    watches = config_watches(config)
    articles = archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    with _bar(articles * len(watches.enabled), "running watches") as update:
        watch_run = tag_watches(archive, watches, PlatformFinder(tagger.platforms), on_progress=update)
    if as_json:
        print_json({**tagged.as_dict(), "watches": watch_run.as_dict()})
        return
    t = tagged.as_dict()
    click.echo(f"ruleset {t['ruleset_version']}: re-tagged {t['tagged']} articles, {t['signals']} signals "
               f"({t['seconds']:.1f} s); delivered stories stay delivered")
    for e in t["errors"]:
        click.echo(f"  error: {e}", err=True)
    _echo_watch_run(watch_run)


def _echo_watch_run(run) -> None:
    for name, looked in run.looked.items():
        click.echo(f"watch {name}: looked at {looked} articles, {run.matched[name]} matched, "
                   f"{run.signals[name]} signals")
    for name in run.removed_watches:
        click.echo(f"watch {name}: no longer in the watch file (or disabled): its signals were removed")


@rules_group.command("watch")
@click.option("--all", "retag_all", is_flag=True, help="Re-run every watch on every article, not only new ones.")
@click.option("--since", callback=iso_date, help="Only articles published on or after this date.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_obj
def watch_cmd(app: AppContext, retag_all: bool, since: str | None, as_json: bool) -> None:
    """Run the watches of the watch file over the articles they have not seen yet.

    New and changed articles, and every article for a watch whose query was
    edited; signals of watches removed from the file are deleted. Run it
    after `wallwatch tag` (the scheduler should, too).

    Example: wallwatch rules watch
    """
    from ..nlp.watch_store import tag_watches
    from ..nlp.workbench_config import config_watches, platform_finder

    config = app.config
    watches = config_watches(config)
    if not watches.watches:
        raise RulesError("no watches: set [nlp] watches = \"watches.toml\" in the config")
    archive = app.archive()
    articles = archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    with _bar(articles * len(watches.enabled), "running watches") as update:
        run = tag_watches(archive, watches, platform_finder(config), retag_all=retag_all, since=since,
                          on_progress=update)
    if as_json:
        print_json(run.as_dict())
    else:
        _echo_watch_run(run)


def _resolved(draft) -> tuple:
    return (draft.platforms.resolve(), tuple(p.resolve() for p in draft.rules))


@rules_group.command("explain")
@click.argument("article")
@_rules_option
@_platforms_option
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.pass_obj
def explain_cmd(app: AppContext, article: str, rules_path: str | None, platforms_path: str | None,
                as_json: bool) -> None:
    """Show why an article was or was not flagged: mentions, rules that fired, near misses.

    ARTICLE is an id (see `wallwatch search --json`) or the article's URL.
    Every sentence that names a platform is listed with its mentions and
    every trigger that matched, fired or dropped with the reason; then the
    article's signals, what the archive stores, and each watch's matches
    and near misses with the part of the query that failed. Writes nothing.

    Example: wallwatch rules explain https://technode.com/2024/09/05/taobao-wechat-pay/
    """
    from ..nlp.workbench_config import config_watches
    from ..nlp.workbench_explain import explain
    from ..nlp.workbench_rules import build_draft_tagger, draft_from_args

    config = app.config
    tagger = build_draft_tagger(config, draft_from_args(config, rules_path, platforms_path))
    data = explain(app.archive(readonly=True), tagger, config_watches(config), article,
                   min_confidence=config.nlp.min_confidence)
    if as_json:
        print_json(data)
        return
    a = data["article"]
    click.echo(click.style(a["title"] or "(untitled)", bold=True) + f"  [#{a['id']}, {a['source'] or '?'}, "
               f"{a['published'] or 'undated'}]")
    click.echo(f"  {a['url']}")
    click.echo(f"  rules {data['ruleset_version']}; archive tagged with {a['tagged_version'] or 'nothing yet'}")
    if a["duplicate_of"]:
        click.echo(f"  a syndicated copy of #{a['duplicate_of']}: tagging stores no signals of its own")
    if not data["sentences"]:
        click.echo("\nNo sentence names a known platform.")
    for s in data["sentences"]:
        click.echo()
        click.echo(f"[{s['start']}-{s['end']}] {' '.join(s['text'].split())}")
        click.echo("  mentions: " + (", ".join(f"{m['text']} -> {m['platform']}" for m in s["mentions"]) or "none"))
        if not s["candidates"]:
            click.echo("  no trigger matched")
        for c in s["candidates"]:
            head = "FIRED  " if c["fired"] else "dropped"
            click.echo(f"  {head} {c['rule_id']} on {c['trigger']!r}: {c['polarity']} {c['event_type']} "
                       f"{c['actor'] or '?'} -> {c['target'] or '?'} ({c['status']}, {c['confidence']:.2f})"
                       f"  [{c['rule_where']}]")
            if c["dropped"]:
                click.echo(f"          why: {c['dropped']}")
            for note in c["notes"]:
                click.echo(f"          note: {note}")
    click.echo()
    click.echo(f"signals from these rules: {len(data['signals'])}")
    for sig in data["signals"]:
        star = "*" if sig["headline"] else " "
        click.echo(f" {star} {sig['polarity']} {sig['event_type']}: {sig['actor'] or '?'} -> {sig['target'] or '?'} "
                   f"({sig['status']}, {sig['confidence']:.2f}, {sig['rule_id']})")
    click.echo(f"stored in the archive: {len(data['stored'])}")
    for sig in data["stored"]:
        click.echo(f"   {sig['kind']}: {sig['polarity']} {sig['event_type']} {sig['actor'] or '?'} -> "
                   f"{sig['target'] or '?'} ({sig['rule_id']}, {sig['ruleset_version']})")
    for w in data["watches"]:
        click.echo()
        click.echo(f"watch {w['watch']} ({w['query']}): {len(w['matched'])} matching passage(s)")
        for h in w["matched"]:
            click.echo(f"  match: {' '.join(h['text'].split())}")
        for miss in w["near_misses"]:
            click.echo(f"  near miss: {' '.join(miss['text'].split())}")
            click.echo(f"          why: {'; '.join(miss['why'])}")


def register(main: click.Group) -> None:
    main.add_command(rules_group)

