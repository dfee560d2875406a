"""The rendered digest: text and HTML from the templates, and what headless Chromium shows."""

from __future__ import annotations

import shutil
import struct
import subprocess
from datetime import datetime, timezone

import pytest

from alerts_support import config, seed_sample
from wallwatch.alerts import build_digest, render_html, render_text

NOW = datetime(2026, 11, 24, 0, 30, tzinfo=timezone.utc)


@pytest.fixture
def sample(archive, tmp_path):
    seed_sample(archive)
    d = config('[[digests]]\nname = "daily"\ntimezone = "Asia/Shanghai"\n', tmp_path).digests[0]
    return build_digest(archive, d, NOW)


def test_sample_digest_content_and_order(sample):
    # older than lookback_days (2021, and the rumour of 12 Nov) is history that sets up the state changes
    assert sample.summary() == "5 new stories: 2 opening, 2 closing, 1 mandate"
    heads = [(s.actor, s.state_change) for s in sample.stories]
    assert heads[:2] == [("Taobao", "rumoured → live"), ("WeChat", "closed → open")]
    wechat = sample.stories[1]
    assert len(wechat.sources) == 3 and wechat.independent_sources == 2
    text = render_text(sample)
    assert text.startswith('wallwatch digest "daily", 2026-11-24 08:30 CST')
    assert "1. Taobao -> WeChat Pay, payment, opening, live  [state change: rumoured → live]" in text
    assert "*Douyin* will not let finance creators send their followers to *WeChat* and *QQ*." in text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (.ci/run installs it when CI=true)")
def test_headless_chromium_renders_escaped_digest(sample, tmp_path):
    page = tmp_path / "digest.html"
    page.write_text(render_html(sample), encoding="utf-8")
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    # The page loaded, the hostile titles stayed text, no script ran and no image was injected.
    assert "Taobao now accepts WeChat Pay" in dom
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom and "&lt;img src=x onerror=alert(1)&gt;" in dom
    shot = tmp_path / "digest.png"
    subprocess.run([*base, "--window-size=720,1600", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert _png_size(data) == (720, 1600)
    assert len(data) > 30_000  # a blank page compresses to a few kB
