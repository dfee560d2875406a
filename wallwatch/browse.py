"""Browse the archive in Datasette: searchable tables, facets and canned queries.

``make_datasette(path)`` returns a configured ``datasette.app.Datasette`` over
the archive, served read-only under the name ``archive``:

- ``articles`` searches ``articles_fts`` in raw mode, so FTS5's own operators
  work in the search box (AND / OR / NOT, "phrases", prefix*, ``NEAR(a b, 10)``,
  ``title: word``), with facets on source, topic and language;
- ``signals`` has facets on polarity, event type, status and platforms
  (actor, target);
- canned queries: ranked ``search`` in the same query language as
  ``wallwatch search`` (``NEAR/10``, ``w/5``, ``title:``...), ``latest_signals``,
  ``platform_pair`` (:actor, :target) and ``source_health`` (:source).

Datasette is an optional extra (``pip install -e '.[web]'``): importing this
module without it raises :class:`BrowseUnavailable`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .archive import QueryError, parse
from .errors import WallwatchError

DB_NAME = "archive"
INSTALL_HINT = "datasette is not installed; install the web extra: pip install -e '.[web]'"


class BrowseUnavailable(WallwatchError):
    """Datasette (the ``web`` extra) is not installed."""


# An empty phrase is valid FTS5 and matches nothing: what an invalid query searches for.
MATCH_NOTHING = '""'


@lru_cache(maxsize=256)
def _compile(text: str) -> tuple[str, str | None]:
    # The search query calls both SQL functions twice per request: parse once.
    try:
        return parse(text).to_fts5(), None
    except QueryError as exc:
        return MATCH_NOTHING, str(exc)


def compile_query(text: str | None) -> str:
    """The analysts' query as an FTS5 MATCH expression (SQL function ``wallwatch_fts``).

    An empty or invalid query matches nothing; ``query_error`` says why. (SQLite
    would turn an exception here into a bare "user-defined function raised
    exception", which tells an analyst nothing.)
    """
    return _compile(text or "")[0]


def query_error(text: str | None) -> str | None:
    """Why ``text`` is not a valid query (SQL function ``wallwatch_query_error``); NULL if valid or empty."""
    if not (text or "").strip():
        return None
    return _compile(text or "")[1]


_SIGNAL_COLUMNS = """s.created, s.polarity, s.event_type, s.actor, s.target, s.status,
       round(s.confidence, 2) AS confidence, s.evidence, a.title, a.source, a.published, a.url,
       s.article_id, s.rule_id"""

QUERIES: dict[str, dict[str, Any]] = {
    "search": {
        "title": "Search (analyst query language)",
        "description": (
            'Best matches first, in the language of `wallwatch search`: words, "phrases", '
            "AND / OR / NOT, (groups), prefix*, a NEAR/10 b, w/5, NEAR(a b, 5), title:word."
        ),
        # Rank first and keep the top 50 ids, then build snippets for those only
        # (snippet() on every match is what makes a common term slow); CROSS JOIN
        # pins that order, else SQLite rescans every match to join it to `top`.
        "sql": """WITH top AS (
    SELECT rowid AS id, rank FROM articles_fts
    WHERE articles_fts MATCH wallwatch_fts(:q)
    ORDER BY rank LIMIT 50
)
SELECT a.id, a.title, a.source, a.published,
       snippet(articles_fts, -1, '«', '»', '…', 24) AS snippet,
       (SELECT group_concat(DISTINCT s.polarity || ' ' || s.event_type || ': '
               || coalesce(s.actor, '?') || ' -> ' || coalesce(s.target, '?'))
        FROM signals s WHERE s.article_id = a.id) AS signals,
       a.url, round(top.rank, 2) AS rank
FROM top
CROSS JOIN articles_fts ON articles_fts.rowid = top.id AND articles_fts MATCH wallwatch_fts(:q)
CROSS JOIN articles a ON a.id = top.id
UNION ALL
SELECT NULL, wallwatch_query_error(:q), NULL, NULL, 'Hint: put words with punctuation in "double quotes"',
       NULL, NULL, NULL
WHERE wallwatch_query_error(:q) IS NOT NULL
ORDER BY rank, published DESC""",
    },
    "latest_signals": {
        "title": "Latest signals",
        "description": "The 200 newest signals with their articles.",
        "sql": f"""SELECT {_SIGNAL_COLUMNS}
FROM signals s JOIN articles a ON a.id = s.article_id
ORDER BY s.created DESC, s.id DESC
LIMIT 200""",
    },
    "platform_pair": {
        "title": "Signals for a platform pair",
        "description": "Signals where :actor acts on :target (case-insensitive), newest first. "
                       "Swap the two to see the other direction.",
        "sql": f"""SELECT {_SIGNAL_COLUMNS}
FROM signals s JOIN articles a ON a.id = s.article_id
WHERE s.actor = :actor COLLATE NOCASE AND s.target = :target COLLATE NOCASE
ORDER BY s.created DESC, s.id DESC
LIMIT 500""",
    },
    "source_health": {
        "title": "Source health",
        "description": "Fetch state of :source (leave it empty for every source), failing sources first.",
        "sql": """SELECT s.name,
       CASE WHEN s.last_attempt IS NULL THEN 'never fetched'
            WHEN s.consecutive_failures > 0 THEN 'failing'
            ELSE 'ok' END AS health,
       s.consecutive_failures, s.last_success, s.last_attempt, s.last_status, s.last_error,
       (SELECT count(*) FROM articles a WHERE a.source = s.name) AS articles,
       -- max(id) comes from the articles_source index; max(first_seen) would read every row
       (SELECT n.first_seen FROM articles n
        WHERE n.id = (SELECT max(a.id) FROM articles a WHERE a.source = s.name)) AS newest_article,
       s.kind, s.url
FROM sources s
WHERE :source = '' OR s.name = :source
ORDER BY s.consecutive_failures DESC, s.name""",
    },
}


def metadata() -> dict[str, Any]:
    """Datasette metadata for the archive: search, facets, labels and canned queries."""
    hidden = {"hidden": True}
    return {
        "title": "wallwatch archive",
        "description": "Tech and luxury news with platform interoperability signals. "
                       "Search articles with FTS5 operators, or use the `search` query for the "
                       "analysts' language (NEAR/10, w/5, title:).",
        "databases": {
            DB_NAME: {
                "tables": {
                    "articles": {
                        "fts_table": "articles_fts",
                        "fts_pk": "id",
                        "searchmode": "raw",
                        "facets": ["source", {"array": "topics"}, "language"],
                        # Newest first by id: sorting a common word's matches by
                        # `published` reads every matching row and times out on
                        # a large archive; ids only need the FTS5 rowids.
                        "sort_desc": "id",
                        "label_column": "title",
                        "size": 50,
                    },
                    "signals": {
                        "facets": ["polarity", "event_type", "actor", "target", "status"],
                        "sort_desc": "created",
                        "label_column": "evidence",
                    },
                    "sources": {"facets": ["kind", "last_status"], "label_column": "name"},
                    "articles_fts": hidden,
                    **{f"articles_fts_{t}": hidden for t in ("config", "data", "docsize", "idx")},
                    "_sqlite_migrations": hidden,
                },
                "queries": QUERIES,
            }
        },
    }


def make_datasette(path: str | Path) -> Any:
    """A Datasette instance serving the archive at ``path`` read-only as ``/archive``.

    Raises :class:`BrowseUnavailable` when Datasette is not installed.
    """
    try:
        from datasette.app import Datasette
        from datasette.database import Database
        from datasette.plugins import pm
    except ImportError as exc:
        raise BrowseUnavailable(INSTALL_HINT) from exc
    from . import datasette_plugin

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="wallwatch")
    ds = Datasette(
        metadata=metadata(),
        settings={"facet_time_limit_ms": 500, "sql_time_limit_ms": 3000, "default_page_size": 50,
                  "suggest_facets": False},  # suggestions re-scan big result sets on every page
    )
    if "_memory" in ds.databases:  # added when no file is given; nothing to browse there
        ds.remove_database("_memory")
    # Mutable (opened with mode=ro): the crawler may write while we read.
    ds.add_database(Database(ds, path=str(path), is_mutable=True), name=DB_NAME)
    return ds
