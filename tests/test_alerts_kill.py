"""A process killed mid-send loses nothing and re-sends at most the one message in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from alerts_support import SlackServer, add_article, slack_story_keys
from wallwatch.alerts.ledger import history


def test_kill_mid_send_then_restart(archive, db_path, tmp_path):
    for i in range(30):
        add_article(archive, f"https://n{i}.example/a", f"Story {i}",
                    signals=[dict(evidence=f"P{i} opens links to Q. " + "filler " * 300, actor=f"P{i}", target="Q")])
    conf = tmp_path / "config.toml"
    conf.write_text('[[digests]]\nname = "team"\nchannel = "slack"\nwebhook_env = "TEST_SLACK_HOOK"\n'
                    'schedule = "instant"\nmax_items = 100\n', encoding="utf-8")
    # Part 1 is accepted, part 2 never gets an answer: the sender is killed while waiting for it.
    with SlackServer([(200, {}, b"ok"), "hang"]) as server:
        env = {**os.environ, "TEST_SLACK_HOOK": server.url}
        cmd = [sys.executable, "-c", "from wallwatch.cli import main; main()",
               "--config", str(conf), "--db", str(db_path), "digest", "send", "team"]
        proc = subprocess.Popen(cmd,
                                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(server.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.requests) == 2, proc.communicate(timeout=5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first_part = slack_story_keys([server.requests[0].payload])
        in_flight = slack_story_keys([server.requests[1].payload])
        sent = [r["story_key"] for r in history(archive, "team") if r["status"] == "sent"]
        assert len(sent) == len(first_part) > 0  # only the accepted part is in the ledger
        server.release.set()
        done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    delivered = slack_story_keys([r.payload for r in server.requests])
    # every story arrived; the only repeats are the message that was in flight when the process died
    assert len(set(delivered)) == 30
    repeats = {k for k in delivered if delivered.count(k) > 1}
    assert repeats == set(in_flight)
    sent = [r["story_key"] for r in history(archive, "team") if r["status"] == "sent"]
    assert len(sent) == len(set(sent)) == 30
