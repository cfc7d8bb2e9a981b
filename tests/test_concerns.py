"""docs/concerns.md maps each concern of the shared-responsibility model to the rules, matrix
shifts and duties that show it, with a command that shows it. These tests keep that page
honest: everything it cites exists, and every command runs and prints something it cites."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import cache

import pytest
import yaml

from tests.conftest import ROOT

DOC = ROOT / "docs" / "concerns.md"
HEADER = "| # | Concern | Where tmgen shows it | How to see it |"
RULE_ID = re.compile(r"\b(?:RT|EE|NET|CFG|CODE|IAM|OWN)-\d{3}\b")
SHIFT = re.compile(r"`shift:([a-z0-9-]+)`")
DUTY = re.compile(r"`duty:([a-z0-9-]+)`")
COMMAND = re.compile(r"`(tmgen [^`]+)`")


@dataclass
class Row:
    number: str
    concern: str
    where: str
    command: str
    rules: list[str] = field(default_factory=list)
    shifts: list[str] = field(default_factory=list)
    duties: list[str] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    # split on pipes that are not escaped or inside a code span
    cells, buf, in_code = [], "", False
    for i, ch in enumerate(line.strip().strip("|")):
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code and (i == 0 or line.strip().strip("|")[i - 1] != "\\"):
            cells.append(buf.strip())
            buf = ""
        else:
            buf += ch
    cells.append(buf.strip())
    return cells


@cache
def rows() -> tuple[Row, ...]:
    out: list[Row] = []
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.strip() == HEADER:
            in_table = True
            continue
        if in_table and line.startswith("| ---"):
            continue
        if in_table and line.startswith("|"):
            cells = _cells(line)
            assert len(cells) == 4, f"docs/concerns.md: a row needs 4 cells: {line}"
            number, concern, where, how = cells
            commands = COMMAND.findall(how)
            assert len(commands) == 1, f"docs/concerns.md row {number}: one `tmgen ...` command, got {commands}"
            out.append(
                Row(
                    number,
                    concern,
                    where,
                    commands[0],
                    rules=list(dict.fromkeys(RULE_ID.findall(where))),
                    shifts=SHIFT.findall(where),
                    duties=DUTY.findall(where),
                )
            )
        else:
            in_table = False
    return tuple(out)


@cache
def components() -> dict:
    return yaml.safe_load((ROOT / "model" / "components.yaml").read_text(encoding="utf-8"))


def test_the_page_has_concerns_numbered_in_order() -> None:
    assert len(rows()) >= 40
    assert [r.number for r in rows()] == [str(i) for i in range(1, len(rows()) + 1)]
    for r in rows():
        assert r.concern and r.where, f"row {r.number} is incomplete"
        assert r.rules or r.shifts or r.duties or "README" in r.where, f"row {r.number} cites nothing tmgen shows"


def test_every_cited_rule_exists() -> None:
    known = {p.stem for p in (ROOT / "model" / "rules").glob("*.yaml")}
    for r in rows():
        missing = [rid for rid in r.rules + RULE_ID.findall(r.command) if rid not in known]
        assert not missing, f"docs/concerns.md row {r.number} cites unknown rules {missing}"


def test_every_cited_duty_and_shift_exists() -> None:
    duties, shifts = components()["duties"], components()["shifts"]
    for r in rows():
        assert not [d for d in r.duties if d not in duties], f"row {r.number}: unknown duty in {r.duties}"
        assert not [s for s in r.shifts if s not in shifts], f"row {r.number}: unknown shift in {r.shifts}"


def _pattern(template: str) -> re.Pattern[str]:
    """A duty or shift-reason template as a regex: each {placeholder} matches some text."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".+?".join(re.escape(p) for p in parts))


def _unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


COMMANDS = sorted({r.command for r in rows()})


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_runs_and_shows_what_its_rows_cite(command: str, run_cli) -> None:
    args = shlex.split(command)[1:]
    for arg in args:
        if arg.endswith(".yaml"):
            assert (ROOT / arg).is_file(), f"docs/concerns.md: `{command}` names a missing file"
    res = run_cli(*[str(ROOT / a) if a.endswith(".yaml") else a for a in args])
    assert res.code in (0, 1), f"`{command}` exited {res.code}: {res.err}"
    out = _unescape(res.out)
    for r in (r for r in rows() if r.command == command):
        if args[0] == "explain":
            assert args[1] in r.rules, f"row {r.number}: `{command}` explains a rule the row does not cite"
            continue
        if args[0] == "threats" and r.rules:
            assert any(rid in out for rid in r.rules), f"row {r.number}: `{command}` shows none of {r.rules}"
        if args[0] == "matrix" and (r.duties or r.shifts):
            templates = [components()["duties"][d] for d in r.duties]
            templates += [components()["shifts"][s]["reason"] for s in r.shifts]
            assert any(_pattern(t).search(out) for t in templates), (
                f"row {r.number}: `{command}` shows none of {r.duties + r.shifts}"
            )
