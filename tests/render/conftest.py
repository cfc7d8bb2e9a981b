"""Shared fixtures of the renderer tests: analyses of the examples and of the hostile model,
built once per session to keep the suite fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmgen.analysis import Analysis, analyze, load_workload
from tmgen.render.build import BuildResult, build_outputs

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
HOSTILE = Path(__file__).with_name("hostile.yaml")
NASTY = Path(__file__).with_name("nasty.yaml")


def analyze_as(path: Path, display: str) -> Analysis:
    """An analysis whose locations name `display` (stable whatever the working directory)."""
    return analyze(load_workload(path, display=display))


@pytest.fixture(scope="session")
def examples() -> dict[str, Analysis]:
    return {p.stem: analyze_as(p, f"examples/{p.name}") for p in EXAMPLES}


@pytest.fixture(scope="session")
def hostile() -> Analysis:
    return analyze_as(HOSTILE, "hostile.yaml")


@pytest.fixture(scope="session")
def hostile_build(hostile: Analysis) -> BuildResult:
    return build_outputs(hostile)


@pytest.fixture(scope="session")
def nasty() -> Analysis:
    return analyze_as(NASTY, "models/nasty model|x.yaml")


@pytest.fixture(scope="session")
def nasty_build(nasty: Analysis) -> BuildResult:
    return build_outputs(nasty)


@pytest.fixture(scope="session")
def example_builds(examples: dict[str, Analysis]) -> dict[str, BuildResult]:
    return {name: build_outputs(a) for name, a in examples.items()}
