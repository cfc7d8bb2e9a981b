"""Every rule's fixtures: tests/rules/<RULE-ID>/<case>.yaml, each a model whose first
comment lines say which elements the rule must flag:

    # expect: [functions.api]        (a 'fires*' case: at least one element)
    # expect: []                     (a 'quiet*' case)
    # as_of: 2026-11-30              (optional)

Adding a case needs no Python; `pytest -k NET-001` runs one rule's cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tmgen.analysis import analyze, load_workload
from tmgen.knowledge import knowledge
from tmgen.rules import all_rules

HERE = Path(__file__).parent
CASES = sorted(p for p in HERE.glob("*-[0-9][0-9][0-9]/*.yaml"))


def header(path: Path) -> dict:
    meta: dict = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep and key.strip() in ("expect", "as_of"):
            meta[key.strip()] = yaml.safe_load(value.strip())
    return meta


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_rule_case(case: Path) -> None:
    rule_id = case.parent.name
    meta = header(case)
    assert "expect" in meta, f"{case}: first lines need '# expect: [...]'"
    expected = set(meta["expect"] or [])
    if case.stem.startswith("fires"):
        assert expected, f"{case}: a 'fires' case must expect at least one element"
    elif case.stem.startswith("quiet"):
        assert not expected, f"{case}: a 'quiet' case expects nothing"
    as_of = meta.get("as_of")
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    analysis = analyze(load_workload(case), as_of)
    got = {f.element for f in analysis.findings if f.rule == rule_id}
    assert got == expected


def test_every_rule_has_metadata_logic_and_fixtures() -> None:
    meta = set(knowledge().rules)
    logic = set(all_rules())
    assert meta - logic == set(), "rules with metadata but no logic"
    assert logic - meta == set(), "rules with logic but no metadata"
    for rule_id in sorted(meta):
        folder = HERE / rule_id
        names = [p.stem for p in folder.glob("*.yaml")] if folder.is_dir() else []
        assert any(n.startswith("fires") for n in names), f"{rule_id} has no 'fires' fixture"
        assert any(n.startswith("quiet") for n in names), f"{rule_id} has no 'quiet' fixture"
