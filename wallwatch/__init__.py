"""wallwatch: a news and market-signal monitor for walled gardens opening and closing.

The flow is visible in the tree: ``crawler`` (collect) -> ``archive`` (store and
search) -> ``nlp`` (tag) -> ``alerts`` (digests). This package is the shell that
holds them together: configuration, errors, the command line and the pipeline.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

# In a source checkout that is imported without being installed (the repository
# root on sys.path), the sibling folders archive/, crawler/, nlp/, alerts/ are
# this package's subpackages; installed, setuptools maps them (pyproject.toml).
_root = Path(__file__).resolve().parent.parent
if (_root / "archive" / "__init__.py").exists() and str(_root) not in __path__:
    __path__.append(str(_root))
