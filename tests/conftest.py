"""Shared fixtures: writing small models and running the CLI in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def write_model(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "model.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Runs `tmgen ARGS` in-process through the real entry point (exit-code mapping included)."""
    import click

    from tmgen.cli import main

    def run(*args: str) -> Result:
        @click.command()
        def entry() -> None:
            main(list(args))

        res = CliRunner().invoke(entry, [], catch_exceptions=False)
        return Result(res.exit_code, res.stdout, res.stderr)

    return run
