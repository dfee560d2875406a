"""Digest build time: select the new signals, cluster them into stories, render every channel.

Builds (once, cached beside the script's --db) an archive with ``--signals``
signals (default 100,000) on ``--signals / 2`` articles: 90% older than the
digest's lookback, the rest recent, of which all but ``--new`` (default 1,000)
belong to stories the ledger already records as sent. Then times, median of
``--repeat`` runs: selection + clustering (``select_stories``), the HTML and
text rendering (email and file channels), the Slack message split, and the
whole ``build_digest`` with a query ``filter``.

    python benchmarks/digest.py [--signals 100000] [--new 1000] [--repeat 5]

Prints one line per stage and a JSON line. Target: under 1 s in total.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from wallwatch.alerts import build_digest, render_html, render_text, select_stories
from wallwatch.alerts.mail import build_email
from wallwatch.alerts.slack import build_messages
from wallwatch.archive import Archive
from wallwatch.config import loads

PLATFORMS = ["WeChat", "Tmall", "Taobao", "Alipay", "WeChat Pay", "Douyin", "Weibo", "JD", "Meituan",
             "Pinduoduo", "Xiaohongshu", "Kuaishou", "Baidu", "QQ", "Apple", "Google", "Meta", "TikTok"]
EVENTS = ["link_access", "payment", "advertising_traffic", "mini_program_or_app", "messaging"]
POLARITIES = ["opening", "closing"]
STATUSES = ["live", "announced", "rumoured", "trial"]

INSERT_ARTICLE = """INSERT INTO articles(id, url, source, title, body, published, fetched, first_seen, content_hash)
                    VALUES (?,?,?,?,?,?,?,?,?)"""
INSERT_SIGNAL = """INSERT INTO signals(article_id, start, end, evidence, actor, target, polarity, event_type, status,
                   confidence, rule_id, ruleset_version, kind, headline, story_key, created)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""


def build(db: Path, n_signals: int, n_new: int, now: datetime, seed: int = 7) -> None:
    rnd = random.Random(seed)
    n_articles = n_signals // 2
    recent = n_signals // 10
    with Archive(db) as archive, archive.write() as conn:
        conn.execute("INSERT OR IGNORE INTO sources(name, kind, url) VALUES ('bench', 'feed', 'https://b.example/f')")
        art_rows, sig_rows = [], []
        n_articles -= n_new // 2  # the n_new new signals come on top, to total n_signals
        for a in range(n_articles):
            old = a < n_articles - recent // 2
            t = now - (timedelta(days=30 + rnd.random() * 700) if old else timedelta(hours=rnd.random() * 120))
            iso = t.replace(microsecond=0).isoformat()
            art_rows.append((a + 1, f"https://news.example/{a}", "bench", f"Article {a} about platforms",
                             "Body text " * 40, iso, iso, iso, "h"))
            for k in range(2):
                actor, target = rnd.sample(PLATFORMS, 2)
                event, pol = rnd.choice(EVENTS), rnd.choice(POLARITIES)
                key = f"{actor}|{target}|{event}|{pol}".lower()
                ev = f"{actor} now lets {target} links through for shoppers, the company said on {iso[:10]}."
                sig_rows.append((a + 1, 0, len(ev), ev, actor, target, pol, event, rnd.choice(STATUSES),
                                 round(0.5 + rnd.random() / 2, 3), "bench.rule", "b1", "interop", k == 0, key, iso))
        conn.executemany(INSERT_ARTICLE, art_rows)
        conn.executemany(INSERT_SIGNAL, sig_rows)
        # The ledger: every signal so far is covered by a sent story.
        conn.executemany(
            """INSERT INTO deliveries(digest, story_key, signal_id, status, at, story_start, story_end, sources)
               VALUES ('bench', ?, ?, 'sent', ?, ?, ?, 1)""",
            [(r[14], i + 1, r[15], r[15], r[15]) for i, r in enumerate(sig_rows)])
        # Then the new ones: n_new signals on fresh articles of the last day, about 3 per story.
        art_rows, sig_rows = [], []
        for j in range(n_new):
            a = n_articles + j + 1
            t = now - timedelta(hours=rnd.random() * 24)
            iso = t.replace(microsecond=0).isoformat()
            art_rows.append((a, f"https://news.example/new/{j}", "bench", f"New article {j}", "Body text " * 40,
                             iso, iso, iso, "h"))
            story = j % (n_new // 3 or 1)
            actor, target = PLATFORMS[story % len(PLATFORMS)], f"Partner{story}"
            event, pol = EVENTS[story % len(EVENTS)], POLARITIES[story % 2]
            key = f"{actor}|{target}|{event}|{pol}".lower()
            ev = f"{actor} now lets {target} links through for shoppers, the company said on {iso[:10]}."
            sig_rows.append((a, 0, len(ev), ev, actor, target, pol, event, rnd.choice(STATUSES),
                             round(0.5 + rnd.random() / 2, 3), "bench.rule", "b1", "interop", True, key, iso))
        conn.executemany(INSERT_ARTICLE, art_rows)
        conn.executemany(INSERT_SIGNAL, sig_rows)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--signals", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", type=Path, default=None, help="archive to build/reuse (default: a temp file)")
    args = ap.parse_args()
    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    db = args.db or Path(tempfile.mkdtemp()) / "digest-bench.db"
    t0 = time.perf_counter()
    if not db.exists():
        build(db, args.signals, args.new, now)
    setup = time.perf_counter() - t0
    cfg = loads('[[digests]]\nname = "bench"\nchannel = "email"\nto = ["a@example.com"]\n'
                'min_confidence = 0.5\nmax_items = 1000\nlookback_days = 36500\n')
    digest_cfg = cfg.digests[0]
    default_cfg = loads('[[digests]]\nname = "bench"\nmin_confidence = 0.5\nmax_items = 1000\n').digests[0]
    filtered = loads('[[digests]]\nname = "bench"\nmin_confidence = 0.5\nmax_items = 1000\n'
                     'filter = "platform:wechat OR links"\n').digests[0]
    with Archive(db) as archive:
        n_sig = archive.conn.execute("SELECT count(*) FROM signals").fetchone()[0]
        # lookback is wide open (36500 days) so the ledger, not the date filter, must exclude the old signals
        select_s, selection = timed(lambda: select_stories(archive, digest_cfg, now), args.repeat)
        default_s, default_sel = timed(lambda: select_stories(archive, default_cfg, now), args.repeat)
        digest = build_digest(archive, digest_cfg, now)
        html_s, html = timed(lambda: render_html(digest), args.repeat)
        text_s, _ = timed(lambda: render_text(digest), args.repeat)
        email_s, _ = timed(lambda: build_email(digest, digest_cfg, "bot@example.com"), args.repeat)
        slack_s, messages = timed(lambda: build_messages(digest), args.repeat)
        filt_s, fdigest = timed(lambda: build_digest(archive, filtered, now), args.repeat)
    new_signals = sum(len(s.signal_ids) for s in selection.stories) if selection.held_back == 0 else None
    render = html_s + text_s + slack_s
    print(f"archive: {n_sig:,} signals ({db}, built in {setup:.1f} s)")
    print(f"select + cluster, default lookback (7 days): {default_s * 1000:7.1f} ms -> "
          f"{len(default_sel.stories)} stories from {new_signals} new signals")
    print(f"select + cluster, lookback wide open:        {select_s * 1000:7.1f} ms "
          "(the ledger alone excludes the delivered signals)")
    print(f"render HTML:   {html_s * 1000:7.1f} ms ({len(html) / 1000:.0f} kB)")
    print(f"render text:   {text_s * 1000:7.1f} ms")
    print(f"email message: {email_s * 1000:7.1f} ms (text + HTML + headers, serialised)")
    print(f"slack split:   {slack_s * 1000:7.1f} ms -> {len(messages)} messages")
    print(f"total, default lookback (select, cluster, HTML, text, Slack): {(default_s + render) * 1000:.1f} ms"
          "  (target < 1000 ms)")
    print(f"total, lookback wide open:                                   {(select_s + render) * 1000:.1f} ms")
    print(f"build_digest with a filter (platform:wechat OR links): {filt_s * 1000:.1f} ms -> "
          f"{len(fdigest.stories)} stories")
    print(json.dumps({"signals": n_sig, "new_signals": new_signals, "stories": len(selection.stories),
                      "select_default_ms": round(default_s * 1000, 1), "select_wide_open_ms": round(select_s * 1000, 1),
                      "html_ms": round(html_s * 1000, 1), "text_ms": round(text_s * 1000, 1),
                      "email_ms": round(email_s * 1000, 1), "slack_ms": round(slack_s * 1000, 1),
                      "slack_messages": len(messages), "total_default_ms": round((default_s + render) * 1000, 1),
                      "total_wide_open_ms": round((select_s + render) * 1000, 1),
                      "filtered_ms": round(filt_s * 1000, 1)}))


if __name__ == "__main__":
    main()
