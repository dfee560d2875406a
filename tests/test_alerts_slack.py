"""Slack digests into a real HTTP server on 127.0.0.1 playing the incoming webhook."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from alerts_support import SlackServer, add_article, config, slack_story_keys
from wallwatch.alerts import deliver
from wallwatch.alerts.ledger import history
from wallwatch.alerts.slack import MAX_BLOCKS, MAX_MESSAGE_CHARS, MAX_SECTION_CHARS

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def slack_config(tmp_path, extra: str = ""):
    cfg = config(f'[[digests]]\nname = "team"\nchannel = "slack"\nwebhook_env = "TEST_SLACK_HOOK"\n'
                 f'schedule = "instant"\nmax_items = 200\n{extra}', tmp_path)
    return cfg, cfg.digests[0]


def seed(archive, n: int, evidence_len: int = 60):
    for i in range(n):
        filler = ("lorem ipsum " * (evidence_len // 12 + 1))[:evidence_len]
        add_article(archive, f"https://news{i}.example/a?x=1&y=2", f"Story {i} <!channel> <http://evil|click>",
                    source=f"outlet{i}",
                    signals=[dict(evidence=f"P{i} opens links to Q & R <!here>. {filler}", actor=f"P{i}",
                                  target="Q", confidence=0.6 + (i % 30) / 100)])


def all_texts(block) -> list[str]:
    out = []
    if isinstance(block, dict):
        for k, v in block.items():
            if k == "text" and isinstance(v, str):
                out.append(v)
            else:
                out.extend(all_texts(v))
    elif isinstance(block, list):
        for v in block:
            out.extend(all_texts(v))
    return out


def test_split_limits_escaping_and_pace(archive, tmp_path, caplog):
    seed(archive, 60, evidence_len=2500)
    caplog.set_level(logging.DEBUG)
    cfg, d = slack_config(tmp_path)
    with SlackServer() as server:
        report = deliver(archive, cfg, d, now=NOW, env={"TEST_SLACK_HOOK": server.url})
    assert report.status == "sent" and report.stories == 60
    payloads = server.accepted
    assert len(payloads) == report.messages >= 3
    for p in payloads:
        assert len(p["blocks"]) <= MAX_BLOCKS
        assert len(json.dumps(p, ensure_ascii=False)) <= MAX_MESSAGE_CHARS
        assert p["text"].startswith("wallwatch team: 60 new stories")
        assert p["blocks"][0]["type"] == "header" and len(p["blocks"][0]["text"]["text"]) <= 150
        for b in p["blocks"]:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= MAX_SECTION_CHARS
        for text in all_texts(p["blocks"]):
            assert "<!channel>" not in text and "<!here>" not in text and "<http://evil|click>" not in text
    raw = b"".join(r.raw for r in server.requests).decode()
    assert "&lt;!channel&gt;" in raw and "&lt;http://evil¦click&gt;" in raw and "*Q* &amp; R &lt;!here&gt;" in raw
    assert "<https://news0.example/a?x=1&amp;y=2|" in raw
    # every story exactly once, across the parts
    keys = slack_story_keys(payloads)
    assert len(keys) == 60 == len(set(keys))
    assert "(1/" in payloads[0]["blocks"][0]["text"]["text"]
    gaps = [b.at - a.at for a, b in zip(server.requests, server.requests[1:])]
    assert all(g >= 0.95 for g in gaps), gaps
    assert server.url not in caplog.text and "XXXXSECRET" not in caplog.text
    assert all("XXXXSECRET" not in (r["message"] or "") for r in history(archive, "team"))


def test_429_retry_after_is_honoured(archive, tmp_path):
    seed(archive, 2)
    cfg, d = slack_config(tmp_path)
    with SlackServer([(429, {"Retry-After": "2"}, b"rate_limited")]) as server:
        report = deliver(archive, cfg, d, now=NOW, env={"TEST_SLACK_HOOK": server.url})
    assert report.status == "sent" and report.stories == 2
    assert [r.status for r in server.requests] == [429, 200]
    assert server.requests[1].at - server.requests[0].at >= 1.95
    assert server.requests[0].raw == server.requests[1].raw


def test_500_leaves_pending_then_resend_once(archive, tmp_path):
    seed(archive, 30, evidence_len=2500)  # several parts
    cfg, d = slack_config(tmp_path)
    env_ok = {}
    with SlackServer([(200, {}, b"ok"), (500, {}, b"internal_error")]) as server:
        env_ok["TEST_SLACK_HOOK"] = server.url
        first = deliver(archive, cfg, d, now=NOW, env=env_ok)
        assert first.status == "failed" and "500" in first.error and first.messages == 1
        assert first.stories + first.pending == 30 and first.pending > 0
        sent_after_first = {r["story_key"] for r in history(archive, "team") if r["status"] == "sent"}
        assert len(sent_after_first) == first.stories
        second = deliver(archive, cfg, d, now=NOW, env=env_ok)
        third = deliver(archive, cfg, d, now=NOW, env=env_ok)
    assert second.status == "sent" and second.stories == first.pending and third.status == "empty"
    keys = slack_story_keys(server.accepted)
    assert len(keys) == 30 == len(set(keys))


def test_404_and_unset_webhook(archive, tmp_path):
    seed(archive, 1)
    cfg, d = slack_config(tmp_path)
    with SlackServer([(404, {}, b"no_service")]) as server:
        gone = deliver(archive, cfg, d, now=NOW, env={"TEST_SLACK_HOOK": server.url})
    assert gone.status == "failed" and "404" in gone.error and "no_service" in gone.error and gone.pending == 1
    off = deliver(archive, cfg, d, now=NOW, env={})
    assert off.status == "failed" and "$TEST_SLACK_HOOK" in off.error


def test_story_with_hundreds_of_sources_stays_within_limits(archive, tmp_path):
    from wallwatch.alerts import build_digest
    from wallwatch.alerts.slack import build_messages

    ev = dict(evidence="WeChat now opens Tmall links. " * 200, actor="WeChat", target="Tmall")
    for i in range(300):
        add_article(archive, f"https://outlet{i}.example/{'x' * 150}", f"Outlet {i} <!everyone> " + "t" * 120,
                    source=f"outlet{i}", signals=[ev])
    cfg, d = slack_config(tmp_path)
    [message] = build_messages(build_digest(archive, d, NOW))
    section, context = message.payload["blocks"][2:4]
    assert len(section["text"]["text"]) <= MAX_SECTION_CHARS
    sources_text = context["elements"][0]["text"]
    assert len(sources_text) <= 2000 and sources_text.endswith("more") and "<!everyone>" not in sources_text
    assert len(json.dumps(message.payload, ensure_ascii=False)) <= MAX_MESSAGE_CHARS
