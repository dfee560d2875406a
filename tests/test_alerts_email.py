"""Email digests into a real aiosmtpd server on 127.0.0.1 (STARTTLS, implicit TLS, AUTH)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest

from alerts_support import SmtpServer, add_article, config, free_port
from wallwatch.alerts import deliver
from wallwatch.alerts.ledger import history

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
HOSTILE = ('WeChat <script>alert("x")</script> <img src=x onerror=alert(1)> & Tmall')
PASSWORD = "s3cret-pw"


def email_config(tmp_path, port: int, cert, security: str = "starttls", extra: str = ""):
    return config(f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "{security}"
username = "bot@example.com"
password_env = "TEST_SMTP_PASSWORD"
sender = "wallwatch <bot@example.com>"
ca_file = "{cert}"
timeout_seconds = 10

[[digests]]
name = "luxury"
channel = "email"
to = ["analyst@example.com", "lead@example.com"]
timezone = "Europe/Paris"
{extra}
""", tmp_path)


def _elements(html: str) -> tuple[set[str], set[str]]:
    """Element and attribute names a browser would build from ``html``."""
    from html.parser import HTMLParser

    tags: set[str] = set()
    attrs: set[str] = set()

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attributes):
            tags.add(tag)
            attrs.update(name for name, _ in attributes)

    Collect().feed(html)
    return tags, attrs


def seed(archive):
    add_article(archive, "https://a.example/1", HOSTILE, source="jing",
                signals=[dict(evidence="WeChat Moments ads now lead straight to Tmall stores <b>now</b>.",
                              actor="WeChat", target="Tmall", event_type="advertising_traffic")])
    add_article(archive, "https://b.example/2", "Weibo blocks WeChat", source="scmp",
                signals=[dict(evidence="Weibo blocks WeChat QR codes.", actor="Weibo", target="WeChat",
                              polarity="closing")])


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_digest_parts_subject_escaping_unsubscribe(archive, tmp_path, security, caplog):
    seed(archive)
    caplog.set_level(logging.DEBUG)
    with SmtpServer(tmp_path, security=security, password=PASSWORD) as server:
        cfg = email_config(tmp_path, server.port, server.cert, security)
        report = deliver(archive, cfg, cfg.digests[0], now=NOW, env={"TEST_SMTP_PASSWORD": PASSWORD})
    assert report.status == "sent" and report.stories == 2, report
    assert server.sink.logins == [("bot@example.com", PASSWORD)]
    [msg] = server.sink.messages
    assert sorted(server.sink.envelopes[0].rcpt_tos) == ["analyst@example.com", "lead@example.com"]
    assert msg["Subject"] == "[wallwatch] luxury 2026-11-24: 2 new stories: 1 opening, 1 closing"
    assert msg["List-Unsubscribe"] == "<mailto:bot@example.com?subject=unsubscribe%20luxury>"
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text, html = parts[0].get_content(), parts[1].get_content()
    assert HOSTILE in text  # plain text shows the title as written
    tags, attrs = _elements(html)
    assert "script" not in tags and "img" not in tags and not any(a.startswith("on") for a in attrs)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; Tmall" in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert '<strong style="background:#fff8c5;">WeChat</strong>' in html
    assert 'href="https://a.example/1"' in html
    assert report.refs == [msg["Message-ID"]]
    assert PASSWORD not in caplog.text


def test_https_unsubscribe_gets_one_click_header(archive, tmp_path):
    seed(archive)
    with SmtpServer(tmp_path, security="starttls", password=PASSWORD) as server:
        cfg = email_config(tmp_path, server.port, server.cert,
                           extra='unsubscribe = "https://lists.example.com/u?d=luxury"')
        deliver(archive, cfg, cfg.digests[0], now=NOW, env={"TEST_SMTP_PASSWORD": PASSWORD})
    [msg] = server.sink.messages
    assert msg["List-Unsubscribe"] == "<https://lists.example.com/u?d=luxury>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_smtp_down_then_refusing_then_up_delivers_exactly_once(archive, tmp_path):
    seed(archive)
    env = {"TEST_SMTP_PASSWORD": PASSWORD}
    # 1. nobody listens
    cfg = email_config(tmp_path, free_port(), tmp_path / "none.pem", security="none")
    down = deliver(archive, cfg, cfg.digests[0], now=NOW, env=env)
    assert down.status == "failed" and down.pending == 2 and "cannot connect" in down.error
    with SmtpServer(tmp_path, security="starttls", password=PASSWORD) as server:
        cfg = email_config(tmp_path, server.port, server.cert)
        # 2. wrong password: nothing sent, the password is not in the error
        bad = deliver(archive, cfg, cfg.digests[0], now=NOW, env={"TEST_SMTP_PASSWORD": "wrong"})
        assert bad.status == "failed" and "login as bot@example.com failed" in bad.error and "wrong" not in bad.error
        # 3. the server refuses the message
        server.sink.fail_with = "451 4.3.0 try again later"
        refused = deliver(archive, cfg, cfg.digests[0], now=NOW, env=env)
        assert refused.status == "failed" and "451" in refused.error
        # 4. it works: both stories, once; then nothing more
        server.sink.fail_with = None
        ok = deliver(archive, cfg, cfg.digests[0], now=NOW, env=env)
        again = deliver(archive, cfg, cfg.digests[0], now=NOW, env=env)
    assert ok.status == "sent" and ok.stories == 2 and again.status == "empty"
    assert len(server.sink.messages) == 1
    statuses = [r["status"] for r in history(archive, "luxury")]
    assert statuses == ["failed"] * 6 + ["sent"] * 2


def test_missing_password_switches_email_off(archive, tmp_path):
    seed(archive)
    cfg = email_config(tmp_path, 2525, tmp_path / "none.pem")
    report = deliver(archive, cfg, cfg.digests[0], now=NOW, env={})
    assert report.status == "failed" and "$TEST_SMTP_PASSWORD" in report.error and report.pending == 2
