"""`wallwatch serve`: Datasette over a real archive, on a real loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from serve_support import ARTICLES, build_archive, running_server

pytest.importorskip("datasette", reason="the web extra (datasette) is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("serve")
    db = base / "archive.db"
    ids = build_archive(db)
    with pytest.MonkeyPatch.context() as env:  # module-scoped: the monkeypatch fixture is per test
        for key in [k for k in os.environ if k.startswith("WALLWATCH_")]:
            env.delenv(key)
        env.setenv("XDG_DATA_HOME", str(base / "xdg"))
        with running_server(db) as srv:
            srv.ids = ids  # type: ignore[attr-defined]
            yield srv


def test_search_page_takes_fts5_operators(server) -> None:
    status, html = server.get("/archive/articles", _search='"WeChat Pay" NOT Weibo')
    assert status == 200
    assert ARTICLES["pay"].title in html
    assert ARTICLES["block"].title not in html
    assert ARTICLES["lux"].title not in html

    rows = server.get_json("/archive/articles.json", _search="NEAR(Gucci Tmall, 2) OR title: Weibo",
                           _shape="array")
    assert sorted(r["id"] for r in rows) == sorted([server.ids["lux"], server.ids["block"]])


def test_search_results_are_faceted(server) -> None:
    data = server.get_json("/archive/articles.json", _search="Alibaba")
    facets = data["facet_results"]
    assert {f["value"]: f["count"] for f in facets["source"]["results"]} == {"test-wire": 1, "lux-daily": 1}
    assert {f["value"] for f in facets["topics"]["results"]} == {"tech", "luxury"}

    signals = server.get_json("/archive/signals.json")["facet_results"]
    assert {f["value"]: f["count"] for f in signals["polarity"]["results"]} == {"opening": 1, "closing": 1}
    assert {f["value"] for f in signals["event_type"]["results"]} == {"payment", "link_blocking"}
    assert {f["value"] for f in signals["actor"]["results"]} == {"Taobao", "Weibo"}
    assert {f["value"] for f in signals["target"]["results"]} == {"WeChat Pay", "WeChat"}


def test_platform_pair_canned_query(server) -> None:
    status, html = server.get("/archive/platform_pair", actor="weibo", target="WECHAT")
    assert status == 200
    assert "Weibo said it would block WeChat QR codes" in html
    assert "Taobao began accepting WeChat Pay" not in html

    rows = server.get_json("/archive/platform_pair.json", actor="WeChat", target="Weibo", _shape="array")
    assert rows == []  # direction matters


def test_canned_search_speaks_the_analyst_language(server) -> None:
    status, html = server.get("/archive/search", q='Weibo NEAR/5 "QR codes"')
    assert status == 200
    assert ARTICLES["block"].title in html
    assert ARTICLES["pay"].title not in html

    rows = server.get_json("/archive/search.json", q="title:(WeChat OR Gucci) NOT Weibo", _shape="array")
    assert sorted(r["id"] for r in rows) == sorted([server.ids["pay"], server.ids["lux"]])
    pay = next(r for r in rows if r["id"] == server.ids["pay"])
    assert "«WeChat»" in pay["snippet"]
    assert pay["signals"] == "opening payment: Taobao -> WeChat Pay"

    rows = server.get_json("/archive/search.json", q="(WeChat", _shape="array")
    assert len(rows) == 1 and rows[0]["title"].startswith("invalid query: '(' is never closed")


def test_latest_signals_and_source_health(server) -> None:
    rows = server.get_json("/archive/latest_signals.json", _shape="array")
    assert {r["evidence"] for r in rows} == {"Taobao began accepting WeChat Pay at checkout",
                                             "Weibo said it would block WeChat QR codes"}

    status, html = server.get("/archive/source_health", source="lux-daily")
    assert status == 200 and "HTTP 503 Service Unavailable" in html
    rows = server.get_json("/archive/source_health.json", source="lux-daily", _shape="array")
    assert [(r["name"], r["health"], r["consecutive_failures"], r["articles"]) for r in rows] == \
        [("lux-daily", "failing", 1, 1)]
    everyone = server.get_json("/archive/source_health.json", source="", _shape="array")
    assert {"test-wire", "lux-daily"} <= {r["name"] for r in everyone}


def test_missing_datasette_gives_the_install_hint(tmp_path: Path) -> None:
    code = "import sys; sys.modules['datasette'] = None; from wallwatch.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code, "--db", str(tmp_path / "a.db"), "serve"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "Error: datasette is not installed; install the web extra: pip install -e '.[web]'"]


def test_port_in_use_is_one_clear_error(cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
