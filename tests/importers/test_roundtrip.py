"""Every fixture imports into a model that validates, and its YAML reads back to the same data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmgen.importers import import_path, to_yaml
from tmgen.load import load_text
from tmgen.schema import Workload

FIXTURES = Path(__file__).parent / "fixtures"
INPUTS = (
    sorted(
        p
        for p in FIXTURES.rglob("*")
        if p.is_file()
        and p.suffix in (".yaml", ".yml", ".json", ".tf")
        and p.parent.name != "nested"
        and "parts" not in p.parts
        and "tfdir" not in p.parts
        and "realworld" not in p.parts
    )
    + [FIXTURES / "nested" / "parent.yaml"]
    + [d for d in (FIXTURES / "tfdir",) if d.is_dir()]
    # each entry is one input: a template, a plan, or a directory (Serverless service, Terraform root)
    + sorted((FIXTURES / "realworld").iterdir())
)


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_validates_and_round_trips(source: Path) -> None:
    result = import_path(source)
    Workload.model_validate(result.data)
    text = to_yaml(result)
    assert text.startswith("# Workload model imported by tmgen from ")
    assert load_text(text, "model.yaml").data == result.data
    # deterministic: a second import writes the same bytes
    assert to_yaml(import_path(source)) == text
    for path in result.notes:
        assert f"# {result.notes[path]}" in text
    for warning in result.warnings:
        assert warning.location is not None and warning.location.line >= 1
