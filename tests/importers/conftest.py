"""Shared fixtures of the importer tests: the fixture directory and a cached import."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tmgen.importers import ImportResult, import_path

FIXTURES = Path(__file__).parent / "fixtures"


@cache
def _imported(name: str) -> ImportResult:
    return import_path(FIXTURES / name)


@pytest.fixture
def imported():  # type: ignore[no-untyped-def]
    """Imports a fixture by its path under fixtures/ (once per test session)."""
    return _imported
