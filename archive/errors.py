"""Errors raised by the archive.

    ArchiveError
    ├── ArchiveUnavailable   the file is not a SQLite database, is corrupt, or cannot be written
    └── QueryError           an analyst query that cannot be parsed (carries the position)

The archive imports nothing else of wallwatch, so its errors live here; the
package-wide hierarchy in ``wallwatch.errors`` re-exports them.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class of everything the archive raises on purpose."""


class ArchiveUnavailable(ArchiveError):
    """The archive file cannot be opened, read or written."""


class QueryError(ArchiveError):
    """An analyst query that cannot be parsed.

    ``position`` is the 0-based character offset of the problem in ``query``.
    """

    def __init__(self, message: str, query: str = "", position: int | None = None):
        super().__init__(message)
        self.message = message
        self.query = query
        self.position = position

    def __str__(self) -> str:
        if self.position is None or not self.query:
            return f"invalid query: {self.message}"
        return f"invalid query: {self.message} at character {self.position + 1}"

    def pointer(self) -> str:
        """The query with a caret line under the problem, for terminals."""
        if self.position is None or not self.query:
            return self.query
        return f"{self.query}\n{' ' * self.position}^"
