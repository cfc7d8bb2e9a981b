"""The responsibility matrix views: by function, by component (aggregate) and by team, as
Markdown, CSV or JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from tmgen.render.text import csv_text, md_cell

TRANSPOSE_ABOVE = 8
UNASSIGNED = "(unassigned)"


def _owner_team(cell: Any) -> str:
    return f"{cell.owner} ({cell.team})" if cell.team else cell.owner


def shift_summary(analysis: Any, shift_id: str) -> str:
    """A shift's reason with its model-specific values elided, for aggregate views."""
    template = analysis.knowledge.ownership.shifts[shift_id].reason
    return re.sub(r"\{[a-z_]+\}", "…", template)


# -- Markdown ----------------------------------------------------------------------


def _md_by_function(analysis: Any) -> str:
    m = analysis.matrix
    comps = m.components
    fns = list(m.cells)
    names = {c: analysis.knowledge.components[c].name for c in comps}
    out = [
        f"# Responsibility matrix: {md_cell(analysis.name)}",
        "",
        f"Owner of each component per function on {analysis.as_of} (team in brackets).",
        "",
    ]
    if len(fns) <= TRANSPOSE_ABOVE:
        out.append("| Component | " + " | ".join(md_cell(f) for f in fns) + " |")
        out.append("|---|" + "---|" * len(fns))
        for c in comps:
            out.append(
                f"| {md_cell(names[c])} | " + " | ".join(md_cell(_owner_team(m.cells[f][c])) for f in fns) + " |"
            )
    else:
        out.append("| Function | " + " | ".join(md_cell(names[c]) for c in comps) + " |")
        out.append("|---|" + "---|" * len(comps))
        for f in fns:
            out.append(f"| {md_cell(f)} | " + " | ".join(md_cell(_owner_team(m.cells[f][c])) for c in comps) + " |")
    out += ["", "## Why, and what the customer must do", ""]
    for f in fns:
        out.append(f"### {md_cell(f)}")
        out.append("")
        for c in comps:
            cell = m.cells[f][c]
            out.append(f"- **{md_cell(names[c])}: {cell.owner}** — " + "; ".join(md_cell(r) for r in cell.reasons))
            for d in cell.duties:
                out.append(f"  - [ ] {md_cell(d.text)} — *{md_cell(d.team or UNASSIGNED)}*")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_by_component(analysis: Any) -> str:
    m = analysis.matrix
    out = [
        f"# Responsibility by component: {md_cell(analysis.name)}",
        "",
        f"{len(m.cells)} functions on {analysis.as_of}.",
        "",
        "| Component | Owner | Functions | Why |",
        "|---|---|---|---|",
    ]
    for comp, owners in m.aggregate().items():
        name = analysis.knowledge.components[comp].name
        for owner, entry in owners.items():
            why = "; ".join(f"{shift_summary(analysis, s)} ({n})" for s, n in sorted(entry["reasons"].items()))
            out.append(f"| {md_cell(name)} | {owner} | {entry['count']} | {md_cell(why)} |")
    return "\n".join(out) + "\n"


def _md_by_team(analysis: Any) -> str:
    out = [f"# Duties by team: {md_cell(analysis.name)}", ""]
    groups = analysis.matrix.by_team()
    if not groups:
        out.append("No customer duties.")
    for team, duties in groups.items():
        title = "Unassigned — no team owns these yet" if team is None else f"Team {md_cell(team)}"
        out += [f"## {title}", "", "| Function | Component | Duty | Elements |", "|---|---|---|---|"]
        for d in duties:
            out.append(
                f"| {md_cell(d.function)} | {md_cell(d.component)} | {md_cell(d.text)} | "
                f"{md_cell(', '.join(d.elements))} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- CSV -----------------------------------------------------------------------------


def _csv_by_function(analysis: Any) -> str:
    m = analysis.matrix
    rows: list[list[Any]] = [["function", "component", "owner", "team", "reasons", "duties"]]
    for f, comps in m.cells.items():
        for c, cell in comps.items():
            rows.append(
                [f, c, cell.owner, cell.team or "", "; ".join(cell.reasons), "; ".join(d.text for d in cell.duties)]
            )
    return csv_text(rows)


def _csv_by_component(analysis: Any) -> str:
    rows: list[list[Any]] = [["component", "owner", "functions", "reasons"]]
    for comp, owners in analysis.matrix.aggregate().items():
        for owner, entry in owners.items():
            rows.append(
                [comp, owner, entry["count"], "; ".join(f"{s} ({n})" for s, n in sorted(entry["reasons"].items()))]
            )
    return csv_text(rows)


def _csv_by_team(analysis: Any) -> str:
    rows: list[list[Any]] = [["team", "function", "component", "duty", "elements"]]
    for team, duties in analysis.matrix.by_team().items():
        for d in duties:
            rows.append([team or UNASSIGNED, d.function, d.component, d.text, " ".join(d.elements)])
    return csv_text(rows)


# -- JSON ----------------------------------------------------------------------------


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _json_by_component(analysis: Any) -> dict[str, Any]:
    return {
        "components": list(analysis.matrix.components),
        "aggregate": {
            comp: {
                owner: {"count": e["count"], "reasons": dict(sorted(e["reasons"].items())), "functions": e["functions"]}
                for owner, e in owners.items()
            }
            for comp, owners in analysis.matrix.aggregate().items()
        },
    }


def _json_by_team(analysis: Any) -> dict[str, Any]:
    return {
        "teams": [
            {
                "team": team,
                "duties": [{"function": d.function, "component": d.component, **d.as_json()} for d in duties],
            }
            for team, duties in analysis.matrix.by_team().items()
        ]
    }


def render(analysis: Any, by: str = "function", fmt: str = "md") -> str:
    if fmt == "md":
        return {"function": _md_by_function, "component": _md_by_component, "team": _md_by_team}[by](analysis)
    if fmt == "csv":
        return {"function": _csv_by_function, "component": _csv_by_component, "team": _csv_by_team}[by](analysis)
    if by == "function":
        return _dump(analysis.matrix.as_json())
    return _dump({"component": _json_by_component, "team": _json_by_team}[by](analysis))
