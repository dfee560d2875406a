"""Fixtures shared by every test: a real archive file, the CLI, the project's shared data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wallwatch.archive import Archive

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test with a reason when a user's clone has none."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared/ (the project's reference data) is only beside CI and dev clones")
    return path


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's config, archive or secrets."""
    for var in ("WALLWATCH_CONFIG", "WALLWATCH_DB", "WALLWATCH_SMTP_PASSWORD", "WALLWATCH_SLACK_WEBHOOK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


@pytest.fixture
def archive(db_path: Path):
    with Archive(db_path) as a:
        yield a


@pytest.fixture
def cli(db_path: Path, tmp_path: Path):
    """Run `wallwatch ...` in-process against the test archive; returns click's Result."""
    from wallwatch.cli import main

    runner = CliRunner()

    def invoke(*args: str, config: Path | None = None, env: dict[str, str] | None = None, **kw):
        base = ["--db", str(db_path)]
        if config is not None:
            base += ["--config", str(config)]
        return runner.invoke(main, [*base, *args], env=env, catch_exceptions=False, **kw)

    return invoke


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config.toml for one test and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def pytest_report_header(config: pytest.Config) -> str:
    return f"wallwatch shared data: {SHARED if SHARED.exists() else 'absent (tests that need it skip)'}"


