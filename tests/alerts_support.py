"""Real parts for the alerts tests: articles and signals in a real archive, an aiosmtpd
server on 127.0.0.1, and an HTTP server on 127.0.0.1 playing Slack's incoming webhook."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from wallwatch.archive import Archive, ArticleRecord, SignalRecord
from wallwatch.config import loads

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "alerts"


def add_article(archive: Archive, url: str, title: str, *, source: str | None = None,
                published: str | None = "2026-11-20T08:00:00+00:00", body: str | None = None,
                signals: list[dict[str, Any]] = (), topics: tuple[str, ...] = ()) -> tuple[int, list[int]]:
    """Store one article and its signals the way the crawler and tagger do; return their ids."""
    if source:
        archive.sync_sources([{"name": source, "kind": "feed", "url": f"https://{source}.example/feed",
                               "topics": topics}])
    text = body or " ".join(s["evidence"] for s in signals) or title
    [res] = archive.upsert_articles([ArticleRecord(url=url, title=title, body=text, source=source,
                                                   published=published, topics=topics)])
    records = [signal(**s) for s in signals]
    ids = archive.replace_signals(res.article_id, records, "test-1")
    return res.article_id, ids


def seed_sample(archive: Archive) -> None:
    """The sample digest (docs/digest.png): real-looking stories, a syndicated copy, two state
    changes and hostile titles, from tests/fixtures/alerts/sample_stories.json."""
    ids: list[int] = []
    for item in json.loads((FIXTURES / "sample_stories.json").read_text(encoding="utf-8")):
        aid, _ = add_article(archive, item["url"], item["title"], source=item["source"],
                             published=item["published"], signals=item["signals"])
        ids.append(aid)
        if item.get("duplicate_of") is not None:
            archive.mark_duplicate(aid, ids[item["duplicate_of"]])


def signal(evidence: str, actor: str | None, target: str | None, polarity: str = "opening",
           event_type: str = "link_access", status: str = "live", confidence: float = 0.9,
           rule_id: str = "test.rule", kind: str = "interop", headline: bool = False) -> SignalRecord:
    key = f"{actor or ''}|{target or ''}|{event_type}|{polarity}".lower()
    return SignalRecord(start=0, end=len(evidence), evidence=evidence, polarity=polarity, event_type=event_type,
                        status=status, confidence=confidence, rule_id=rule_id, actor=actor, target=target,
                        kind=kind, headline=headline, story_key=key)


def config(text: str, tmp: Path):
    """A Config from TOML text, as if read from ``tmp/config.toml``."""
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return loads(text, path)


# -- SMTP ---------------------------------------------------------------------
def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class SmtpSink:
    """What the loopback SMTP server received; ``fail_with`` makes it refuse DATA."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    fail_with: str | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.fail_with:
            return self.fail_with
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with STARTTLS or implicit TLS and AUTH, or plain."""

    def __init__(self, folder: Path, *, security: str = "starttls", password: str = "s3cret-pw"):
        from aiosmtpd.controller import Controller

        self.sink = SmtpSink()
        self.cert, key = make_cert(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        sink = self.sink

        def authenticator(server, session, envelope, mechanism, auth_data):
            from aiosmtpd.smtp import AuthResult

            user = auth_data.login.decode()
            given = auth_data.password.decode()
            sink.logins.append((user, given))
            return AuthResult(success=given == password, handled=False)

        self.port = free_port()
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port, "authenticator": authenticator}
        if security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
        elif security == "tls":
            kwargs.update(ssl_context=context, auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        self.controller = Controller(self.sink, **kwargs)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# -- Slack --------------------------------------------------------------------
@dataclass
class SlackRecord:
    at: float
    payload: dict[str, Any]
    raw: bytes
    status: int


class SlackServer:
    """Plays Slack's incoming webhook: 200 "ok", or scripted answers (429 + Retry-After, 500, 404, hang).

    ``script`` is consumed one answer per request: (status, headers, body), the same with a
    fourth item, seconds to wait before answering, or "hang" (read the request, never answer
    until the server stops); when empty, answers 200.
    """

    def __init__(self, script: list[Any] | None = None):
        self.script = list(script or [])
        self.requests: list[SlackRecord] = []
        self.arrivals = 0  # requests read, answered or not yet
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.arrivals += 1
                answer = server.script.pop(0) if server.script else (200, {}, b"ok")
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = {}
                if answer == "hang":
                    server.requests.append(SlackRecord(time.monotonic(), payload, raw, 0))
                    server.release.wait(60)
                    return
                status, headers, body, *delay = answer
                if delay:
                    server.release.wait(delay[0])
                server.requests.append(SlackRecord(time.monotonic(), payload, raw, status))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/services/T000/B000/XXXXSECRET"

    def __enter__(self) -> "SlackServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [r.payload for r in self.requests if r.status == 200]


def slack_story_keys(payloads: list[dict[str, Any]]) -> list[str]:
    """Headline text of each story section in the payloads (to count deliveries per story)."""
    out = []
    for p in payloads:
        for b in p.get("blocks", []):
            if b["type"] == "section" and "→" in b["text"]["text"]:
                out.append(b["text"]["text"].split("\n", 1)[0])
    return out
