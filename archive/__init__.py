"""The archive: one SQLite file with articles, signals, deliveries and runs, searchable.

It imports nothing else of wallwatch: the crawler, tagger, alerts and CLI all
build on it.
"""

from .errors import ArchiveError, ArchiveUnavailable, QueryError
from .maintenance import OptimizeResult, optimize_index
from .query import Query, parse
from .search import Hit, SearchFilters, search, stats
from .store import Archive, ArticleRecord, SignalRecord, UpsertResult, content_hash, utcnow

__all__ = [
    "Archive", "ArchiveError", "ArchiveUnavailable", "ArticleRecord", "Hit", "OptimizeResult", "Query", "QueryError",
    "SearchFilters", "SignalRecord", "UpsertResult", "content_hash", "optimize_index", "parse", "search", "stats",
    "utcnow",
]
