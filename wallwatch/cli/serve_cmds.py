"""`wallwatch serve`: browse the archive in Datasette on this machine."""

from __future__ import annotations

import ipaddress
import socket

import click

from ..errors import WallwatchError
from .context import AppContext


def _check_port_free(host: str, port: int) -> None:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((host, port))
    except OSError as exc:
        raise WallwatchError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the loopback address unless you mean to share the archive.")
@click.option("--open", "open_browser", is_flag=True, help="Open the archive in the web browser.")
@click.pass_obj
def serve_cmd(app: AppContext, port: int, host: str, open_browser: bool) -> None:
    """Browse and search the archive in Datasette (needs the web extra).

    Full-text search of articles accepts FTS5 operators (AND, OR, NOT,
    "phrases", prefix*, NEAR(a b, 10), title: word); facets on source, topic,
    polarity, event type and platforms; canned queries: search (the same
    language as `wallwatch search`), latest_signals, platform_pair (actor,
    target) and source_health. Read-only; stop it with Ctrl-C.

    Example: wallwatch serve --port 8001 --open
    """
    from ..browse import DB_NAME, make_datasette

    path = app.archive().path  # creates or migrates the file, so Datasette sees the full schema
    app.close()
    ds = make_datasette(path)  # fails with the install hint before anything listens
    import uvicorn  # a dependency of datasette

    _check_port_free(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/{DB_NAME}"
    if not _is_loopback(host):
        click.echo(f"Warning: listening on {host}: anyone who can reach this machine can read the archive.",
                   err=True)
    click.echo(f"Serving {path} at {url} (Ctrl-C to stop)", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)  # the browser retries while the server starts
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


def register(main: click.Group) -> None:
    main.add_command(serve_cmd)
