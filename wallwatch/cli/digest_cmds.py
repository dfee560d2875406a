"""`wallwatch digest list|preview|send`: see and send the configured digests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from ..errors import DeliveryError
from .context import AppContext, print_json


@click.group("digest")
def digest_group() -> None:
    """Digests of new signals: list them, preview one, send one now.

    Example: wallwatch digest preview daily --html /tmp/daily.html
    """


@digest_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the digests as JSON.")
@click.pass_obj
def list_cmd(app: AppContext, as_json: bool) -> None:
    """The configured digests: channel (on, or why it is off), schedule, next run.

    Example: wallwatch digest list
    """
    from ..alerts import channel_state, next_fire

    now = datetime.now(timezone.utc)
    rows = []
    for d in app.config.digests:
        nxt = next_fire(d, now)
        rows.append({"name": d.name, "channel": d.channel, "state": channel_state(app.config, d),
                     "schedule": d.schedule, "timezone": d.timezone,
                     "next": nxt.isoformat() if nxt else None})
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No digests configured (add a [[digests]] table to the config).")
    for r in rows:
        when = "instant" if r["schedule"] == "instant" else f"{r['schedule']} {r['timezone']}, next {r['next']}"
        click.echo(f"{r['name']:<20} {r['channel']:<6} {r['state']:<5}  {when}"
                   if r["state"] == "on" else f"{r['name']:<20} {r['channel']:<6} off: {r['state']}  ({when})")


@digest_group.command("preview")
@click.argument("name")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write the HTML version to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON instead of text.")
@click.option("--slack", "as_slack", is_flag=True, help="Print the Slack messages (Block Kit JSON) it would post.")
@click.pass_obj
def preview_cmd(app: AppContext, name: str, html_file: str | None, as_json: bool, as_slack: bool) -> None:
    """Show what digest NAME would send now, without sending or marking anything.

    Example: wallwatch digest preview daily --html daily.html
    """
    from ..alerts import build_digest, render_html, render_text

    digest_config = app.config.digest(name)
    digest = build_digest(app.archive(), digest_config)
    if html_file:
        Path(html_file).write_text(render_html(digest), encoding="utf-8")
    if as_json:
        print_json({"digest": name, "summary": digest.summary(), "held_back": digest.held_back,
                    "stories": [s.as_dict() for s in digest.stories]})
        return
    if as_slack:
        from ..alerts.slack import build_messages

        print_json([m.payload for m in build_messages(digest)])
        return
    click.echo(render_text(digest), nl=False)
    if html_file:
        click.echo(f"HTML written to {html_file}", err=True)


@digest_group.command("send")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the delivery report as JSON.")
@click.pass_obj
def send_cmd(app: AppContext, name: str, as_json: bool) -> None:
    """Send digest NAME now, whatever its schedule: its new stories, once.

    Exit code 1 when the channel failed; the unsent stories stay pending.

    Example: WALLWATCH_SLACK_WEBHOOK=https://hooks.slack.com/... wallwatch digest send slack-instant
    """
    from ..alerts import deliver

    report = deliver(app.archive(), app.config, app.config.digest(name))
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(describe_delivery(report.as_dict()))
    if report.status == "failed":
        raise DeliveryError(f"digest {name!r}: {report.error}; {report.pending} stories stay pending")


def describe_delivery(r: dict) -> str:
    """One line per digest for people."""
    name = f"digest {r['digest']} ({r['channel']})"
    if r["status"] == "not due":
        return f"{name}: not due, next {r.get('next')}"
    if r["status"] == "empty":
        return f"{name}: nothing new, not sent"
    if r["status"] == "failed":
        return f"{name}: FAILED: {r.get('error')}; {r['pending']} stories stay pending"
    where = f" -> {r['refs'][-1]}" if r["channel"] == "file" and r.get("refs") else ""
    if not r["stories"]:
        verb = "wrote" if r["channel"] == "file" else "sent"
        return f"{name}: nothing new; {verb} the empty digest (send_empty = true){where}"
    held = f", {r['pending']} held for next time" if r.get("pending") else ""
    if r["channel"] == "file":
        return f"{name}: wrote {r['stories']} stories{held}{where}"
    return f"{name}: sent {r['stories']} stories in {r['messages']} message(s){held}{where}"


def register(main: click.Group) -> None:
    main.add_command(digest_group)
