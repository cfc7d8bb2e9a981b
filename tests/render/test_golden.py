"""The DOT, Mermaid and Markdown of each example match tests/golden/ (regenerate them with
`python scripts/update_golden.py` and review the diff)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
_spec = importlib.util.spec_from_file_location("update_golden", REPO / "scripts" / "update_golden.py")
assert _spec and _spec.loader
update_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_golden)


@pytest.mark.parametrize("example", sorted(p.stem for p in (REPO / "examples").glob("*.yaml")))
def test_golden(example, examples):
    for suffix, text in update_golden.golden_files(examples[example]).items():
        path = GOLDEN / f"{example}{suffix}"
        assert path.is_file(), f"{path} is missing: run scripts/update_golden.py"
        assert text == path.read_text(encoding="utf-8"), (
            f"{path.name} differs from the renderer's output: if the change is intended, run "
            "scripts/update_golden.py and review the diff"
        )
