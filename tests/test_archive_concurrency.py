"""A crawler writing while a digest reads (and a tagger writes) never sees `database is locked`."""

from __future__ import annotations

import multiprocessing as mp

from wallwatch.archive import Archive, ArticleRecord, SignalRecord, search


def _writer(path: str, start: int, batches: int) -> None:
    with Archive(path) as archive:
        for b in range(batches):
            archive.upsert_articles([
                ArticleRecord(url=f"https://w{start}.example/{b}/{i}", title=f"WeChat story {b}",
                              body="Taobao links open inside WeChat now. " * 40)
                for i in range(20)
            ])


def _tagger(path: str, rounds: int) -> None:
    with Archive(path) as archive:
        for _ in range(rounds):
            for article_id in archive.articles_to_tag("v1")[:20]:
                archive.replace_signals(article_id, [SignalRecord(
                    start=0, end=10, evidence="Taobao links open inside WeChat", polarity="opening",
                    event_type="link_access", status="live", confidence=0.8, rule_id="r",
                    story_key="wechat|taobao|link_access|opening")], "v1")


def test_writers_and_readers_in_separate_processes(db_path):
    Archive(db_path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db_path), n, 25)) for n in range(2)]
    procs.append(ctx.Process(target=_tagger, args=(str(db_path), 30)))
    for p in procs:
        p.start()
    reads = 0
    with Archive(db_path) as reader:
        while any(p.is_alive() for p in procs):
            search(reader, "wechat taobao")
            reader.query("SELECT count(*) FROM signals")
            reads += 1
    for p in procs:
        p.join(60)
        assert p.exitcode == 0, "a process failed (see its traceback above)"
    with Archive(db_path) as archive:
        assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2 * 25 * 20
    assert reads > 0
