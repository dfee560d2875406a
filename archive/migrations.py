"""Schema migrations: an ordered list of small named functions, run on every open.

sqlite-utils records each applied migration in ``_sqlite_migrations``; a new
schema change is a new function appended at the end, never an edit of an old one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("wallwatch")


@migrations()
def m001_core_tables(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            topics TEXT NOT NULL DEFAULT '[]',
            etag TEXT,
            last_modified TEXT,
            body_hash TEXT,
            last_status INTEGER,
            last_error TEXT,
            last_attempt TEXT,
            last_success TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            source TEXT REFERENCES sources(name) ON DELETE SET NULL,
            title TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL DEFAULT '',
            summary TEXT,
            author TEXT,
            published TEXT,
            fetched TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            updated TEXT,
            language TEXT,
            topics TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            extraction TEXT NOT NULL DEFAULT 'full',
            duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL,
            tagged_version TEXT,
            signal_text TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX articles_published ON articles(published)")
    db.execute("CREATE INDEX articles_source ON articles(source)")
    db.execute("CREATE INDEX articles_content_hash ON articles(content_hash)")
    db.execute("CREATE INDEX articles_tagged ON articles(tagged_version)")
    db.execute(
        """
        CREATE TABLE signals (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            evidence TEXT NOT NULL,
            actor TEXT,
            target TEXT,
            polarity TEXT NOT NULL,
            event_type TEXT NOT NULL,
            status TEXT NOT NULL,
            confidence REAL NOT NULL,
            rule_id TEXT NOT NULL,
            ruleset_version TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'interop',
            headline INTEGER NOT NULL DEFAULT 0,
            story_key TEXT NOT NULL,
            created TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX signals_article ON signals(article_id)")
    db.execute("CREATE INDEX signals_created ON signals(created)")
    db.execute("CREATE INDEX signals_story ON signals(story_key)")
    db.execute(
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            digest TEXT NOT NULL,
            story_key TEXT NOT NULL,
            signal_id INTEGER REFERENCES signals(id) ON DELETE SET NULL,
            status TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
            at TEXT NOT NULL,
            error TEXT
        )"""
    )
    db.execute("CREATE INDEX deliveries_digest_story ON deliveries(digest, story_key, status)")
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            counts TEXT NOT NULL DEFAULT '{}',
            errors TEXT NOT NULL DEFAULT '[]'
        )"""
    )
    db.execute("CREATE INDEX runs_job ON runs(job, started)")


@migrations()
def m002_full_text_search(db: Database) -> None:
    # External-content FTS5 over articles: the text is stored once, in articles.
    # signal_text is the evidence of the article's signals, kept in sync by the
    # signal triggers below, so a search also finds words of the evidence.
    db.execute(
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, body, signal_text,
            content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )"""
    )
    db.executescript(
        """
        CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, body, signal_text)
            VALUES (new.id, new.title, new.body, new.signal_text);
        END;
        CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, body, signal_text)
            VALUES ('delete', old.id, old.title, old.body, old.signal_text);
        END;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, body, signal_text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, body, signal_text)
            VALUES ('delete', old.id, old.title, old.body, old.signal_text);
            INSERT INTO articles_fts(rowid, title, body, signal_text)
            VALUES (new.id, new.title, new.body, new.signal_text);
        END;
        CREATE TRIGGER signals_ai AFTER INSERT ON signals BEGIN
            UPDATE articles SET signal_text = (
                SELECT coalesce(group_concat(evidence, ' '), '') FROM signals WHERE article_id = new.article_id
            ) WHERE id = new.article_id;
        END;
        CREATE TRIGGER signals_ad AFTER DELETE ON signals BEGIN
            UPDATE articles SET signal_text = (
                SELECT coalesce(group_concat(evidence, ' '), '') FROM signals WHERE article_id = old.article_id
            ) WHERE id = old.article_id;
        END;
        """
    )


@migrations()
def m010_crawler_minhash(db: Database) -> None:
    # Near-duplicate candidates: the MinHash band keys of each article's text
    # (see crawler/dedupe.py); one row per (article, band).
    db.execute(
        """
        CREATE TABLE crawler_minhash (
            band_key TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (band_key, article_id)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX crawler_minhash_article ON crawler_minhash(article_id)")


@migrations()
def m020_alerts_ledger(db: Database) -> None:
    # The delivery ledger keys on stories (story_key plus the time span it
    # covered), not on signal ids: re-tagging replaces signals with new ids.
    db.execute("ALTER TABLE deliveries ADD COLUMN story_start TEXT")
    db.execute("ALTER TABLE deliveries ADD COLUMN story_end TEXT")
    db.execute("ALTER TABLE deliveries ADD COLUMN sources INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE deliveries ADD COLUMN message TEXT")


@migrations()
def m030_rules_watch_state(db: Database) -> None:
    # Which version of each analyst watch last looked at which article text, so
    # watches re-run only on new or changed articles and on edited watches
    # (articles.tagged_version belongs to the interop tagger).
    db.execute(
        """
        CREATE TABLE rules_watch_state (
            watch TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            version TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            PRIMARY KEY (watch, article_id)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX rules_watch_state_article ON rules_watch_state(article_id)")


@migrations()
def m021_alerts_ledger_window_index(db: Database) -> None:
    # A digest reads only the ledger entries that end recently enough to cover new signals.
    db.execute("CREATE INDEX deliveries_digest_end ON deliveries(digest, status, story_end)")


@migrations()
def m022_alerts_ledger_covering_index(db: Database) -> None:
    # Covering: a digest reads key, start and end of its recent entries from the index alone.
    db.execute("DROP INDEX IF EXISTS deliveries_digest_end")
    db.execute("CREATE INDEX deliveries_digest_window ON deliveries(digest, status, story_end, story_key, story_start)")


@migrations()
def m005_search_date_index(db: Database) -> None:
    # Articles by effective date, with the id: a --since filter turns into the
    # smallest id dated on or after it, which bounds the FTS5 rowid range so
    # bm25 scores only newer postings (benchmarks/search.py --variants:
    # 'WeChat --since' on 1M articles, 450 ms -> 20 ms).
    # IF NOT EXISTS: benchmark files made with --date-index already have it.
    db.execute("CREATE INDEX IF NOT EXISTS articles_date_id ON articles(coalesce(published, first_seen), id)")


@migrations()
def m006_search_merge_policy(db: Database) -> None:
    # FTS5 merges a level's segments once 16 have piled up, not 4: each posting
    # is rewritten fewer times, +25 % ingest at 300k articles (benchmarks/
    # search.py). The extra segments cost queries 5-15 % until optimize_index
    # (archive/maintenance.py, run nightly by the daemon) merges every level
    # holding 2 or more (usermerge), after which queries beat the old policy.
    # Stored in the FTS5 config table.
    for option, value in (("automerge", 16), ("crisismerge", 64), ("usermerge", 2)):
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES (?, ?)", (option, value))
