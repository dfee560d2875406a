"""Reading the analysts' JSONL data files (platform list, rule files) with file:line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import RulesError


def read_lines(path: Path, what: str) -> list[str]:
    """The file's lines; an unreadable file raises :class:`RulesError` naming it."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read the {what}: {exc}") from None


def json_objects(lines: Sequence[str], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file:line, object)`` for each line that is not blank or a ``#`` comment.

    A line that is not a JSON object raises :class:`RulesError` with its file:line.
    """
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{name}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RulesError(f"{where}: not valid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise RulesError(f"{where}: expected a JSON object")
        yield where, obj
