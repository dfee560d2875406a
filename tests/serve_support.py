"""Support for the `wallwatch serve` tests: a small archive and a real server on a loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alerts_support import free_port
from wallwatch.archive import Archive, ArticleRecord, SignalRecord

SOURCE = {"name": "test-wire", "kind": "feed", "url": "https://wire.example/feed", "topics": ["tech"]}
LUX_SOURCE = {"name": "lux-daily", "kind": "feed", "url": "https://lux.example/feed", "topics": ["luxury"]}

ARTICLES = {
    "pay": ArticleRecord(
        url="https://wire.example/taobao-wechat-pay", source="test-wire", topics=("tech",),
        title="Taobao starts accepting WeChat Pay",
        body="Alibaba's Taobao began accepting WeChat Pay at checkout on Thursday, ending years of "
             "separation between the two largest walled gardens in Chinese e-commerce.",
        published="2024-09-05T08:00:00+00:00"),
    "block": ArticleRecord(
        url="https://wire.example/weibo-blocks-wechat", source="test-wire", topics=("tech",),
        title="Weibo blocks WeChat QR codes in posts",
        body="Weibo said it would block WeChat QR codes, a move critics called a new wall. "
             "Payments were not affected, Weibo said, and WeChat Pay links stay live.",
        published="2024-09-06T08:00:00+00:00"),
    "lux": ArticleRecord(
        url="https://lux.example/gucci-tmall", source="lux-daily", topics=("luxury",),
        title="Gucci opens a Tmall flagship",
        body="Gucci opened a flagship on Tmall Luxury Pavilion, its first on an Alibaba platform.",
        published="2024-09-07T08:00:00+00:00"),
}


def signal(evidence: str, actor: str, target: str, polarity: str, event_type: str) -> SignalRecord:
    return SignalRecord(start=0, end=len(evidence), evidence=evidence, polarity=polarity,
                        event_type=event_type, status="confirmed", confidence=0.9, rule_id="test-rule",
                        actor=actor, target=target, story_key=f"{actor}-{target}-{event_type}")


def build_archive(path: Path) -> dict[str, int]:
    """Write the three articles and their signals; returns their ids by key."""
    with Archive(path) as archive:
        archive.sync_sources([SOURCE, LUX_SOURCE])
        results = archive.upsert_articles(list(ARTICLES.values()))
        ids = {key: r.article_id for key, r in zip(ARTICLES, results)}
        archive.replace_signals(ids["pay"], [signal(
            "Taobao began accepting WeChat Pay at checkout", "Taobao", "WeChat Pay", "opening", "payment")], "t1")
        archive.replace_signals(ids["block"], [signal(
            "Weibo said it would block WeChat QR codes", "Weibo", "WeChat", "closing", "link_blocking")], "t1")
        archive.record_fetch("test-wire", status=200)
        archive.record_fetch("lux-daily", status=503, error="HTTP 503 Service Unavailable")
    return ids


@dataclass
class Server:
    base: str
    process: subprocess.Popen

    def get(self, path: str, **params: str) -> tuple[int, str]:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=20) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def get_json(self, path: str, **params: str):
        status, text = self.get(path, **params)
        assert status == 200, f"{path} {params}: HTTP {status}: {text[:500]}"
        return json.loads(text)


@contextmanager
def running_server(db: Path, timeout: float = 60.0) -> Iterator[Server]:
    """`wallwatch --db DB serve --port P` in a subprocess, stopped (and reaped) on exit."""
    port = free_port()
    cmd = [sys.executable, "-c", "from wallwatch.cli import main; main()",
           "--db", str(db), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    server = Server(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited with {proc.returncode}: {proc.stderr.read()}")
            try:
                with urllib.request.urlopen(server.base + "/-/versions.json", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not answer on port {port} within {timeout:.0f} s")
                time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
