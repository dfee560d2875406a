"""Datasette plugin hooks for ``wallwatch serve`` (imported only when Datasette is installed)."""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl

from .browse import compile_query, query_error


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """``wallwatch_fts(query)`` compiles the analysts' query language to FTS5; ``wallwatch_query_error(query)`` says what is wrong with one."""
    conn.create_function("wallwatch_fts", 1, compile_query, deterministic=True)
    conn.create_function("wallwatch_query_error", 1, query_error, deterministic=True)
