"""Merging the search index: same hits after, resumable within a time budget, never blocking a writer."""

from __future__ import annotations

import json
import random
import threading
import time

from wallwatch.archive import Archive, ArticleRecord, SearchFilters, optimize_index, search

WORDS = ["wechat", "taobao", "tmall", "pay", "alipay", "weibo", "links", "qr", "codes", "ads", "luxury",
         "brands", "store", "open", "block", "rivals", "traffic", "mini", "program", "douyin"]
QUERIES = ["wechat", '"wechat pay"', "taobao AND NOT weibo", "qr NEAR/3 codes", "title:tmall", "douyin OR alipay"]


def _fill(archive: Archive, n: int, seed: int = 3) -> None:
    """``n`` articles, one write transaction each: one small index segment each, as a crawl leaves them."""
    rng = random.Random(seed)
    for i in range(n):
        archive.upsert_articles([ArticleRecord(
            url=f"https://news.example/{seed}/{i}", title=" ".join(rng.choices(WORDS, k=rng.randint(2, 6))),
            body=" ".join(rng.choices(WORDS, k=rng.randint(20, 120))), published=f"2025-{1 + i % 12:02d}-01")])


def _index_rows(archive: Archive) -> int:
    # One row per (segment, leaf page) in FTS5's %_idx table: fewer segments, fewer rows to seek.
    return archive.conn.execute("SELECT count(*) FROM articles_fts_idx").fetchone()[0]


def _hits(archive: Archive) -> list[list[tuple[int, float]]]:
    return [[(h.id, round(h.rank, 9)) for h in search(archive, q, SearchFilters(limit=50))] for q in QUERIES]


def test_merging_keeps_every_hit_and_rank_and_shrinks_the_index(archive):
    _fill(archive, 150)
    before, rows_before = _hits(archive), _index_rows(archive)
    result = optimize_index(archive)
    assert result.complete and result.steps >= 1
    assert _hits(archive) == before
    assert _index_rows(archive) < rows_before
    archive.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    again = optimize_index(archive)
    assert again.complete and again.steps == 0
    run = archive.query("SELECT job, status, counts FROM runs WHERE job = 'optimize' ORDER BY id")
    assert [r["status"] for r in run] == ["ok", "ok"]


def test_a_time_budget_stops_early_and_the_next_call_goes_on(archive):
    _fill(archive, 150)
    first = optimize_index(archive, max_seconds=0.0001, step_pages=1)
    assert not first.complete and first.steps == 1
    rest = optimize_index(archive, step_pages=4)
    assert rest.complete and rest.steps >= 1


def test_writes_between_steps_go_through_and_the_merge_still_finishes(db_path, archive):
    _fill(archive, 150)
    errors: list[BaseException] = []
    written = []

    def write_between_steps(step: int) -> None:
        # Another process's write between two merge steps (each step is its own transaction).
        if step > 6:
            return
        try:
            with Archive(db_path) as other:
                _fill(other, 1, seed=100 + step)
            written.append(step)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    result = optimize_index(archive, step_pages=1, on_step=write_between_steps)
    assert errors == [] and result.complete and result.steps >= 3
    assert len(written) == min(6, result.steps)
    archive.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 150 + len(written)
    with Archive(db_path, readonly=True) as fresh:  # a new connection sees the same index
        assert _hits(archive) == _hits(fresh)


def test_a_writer_running_all_along_sees_no_lock_error(db_path, archive):
    _fill(archive, 200)
    stop, errors, count = threading.Event(), [], [0]

    def writer() -> None:
        with Archive(db_path) as other:
            while not stop.is_set():
                try:
                    _fill(other, 1, seed=1000 + count[0])
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)
                    return
                count[0] += 1

    def let_the_writer_in(step: int) -> None:
        # The first steps wait for a write to land in between, so the two really interleave.
        seen = count[0]
        deadline = time.monotonic() + 10
        while step <= 5 and count[0] == seen and not errors and time.monotonic() < deadline:
            time.sleep(0.005)

    t = threading.Thread(target=writer)
    t.start()
    try:
        result = optimize_index(archive, step_pages=1, max_seconds=5, on_step=let_the_writer_in)
    finally:
        stop.set()
        t.join()
    assert errors == [] and result.steps >= 3 and count[0] >= min(5, result.steps)
    assert optimize_index(archive).complete
    archive.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_optimize_command_reports_json(cli, db_path):
    with Archive(db_path) as archive:
        _fill(archive, 60)
    result = cli("optimize", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["complete"] is True and report["steps"] >= 1 and report["seconds"] >= 0
    again = cli("optimize")
    assert again.exit_code == 0 and "0 merge steps" in again.output and "fully merged" in again.output
    assert cli("optimize", "--max-seconds", "0").exit_code == 2  # refused before anything runs


def test_a_stop_request_ends_the_merge_between_steps(archive):
    _fill(archive, 150)
    first = optimize_index(archive, step_pages=1, should_stop=lambda: True)
    assert first.steps == 1 and not first.complete
    assert optimize_index(archive).complete
