"""`tmgen build`: every output file of cli.md as bytes, computed once and deterministic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tmgen.render import (
    diagram,
    findings_csv,
    findings_json,
    graph_json,
    html_report,
    markdown_report,
    matrix_views,
    mermaid,
    sarif,
)
from tmgen.render.report_model import report_context

# Every name a build may write: a rebuild removes the ones it no longer writes (an SVG
# replaced by its .dot when Graphviz is gone), and leaves any other file alone.
OUTPUT_NAMES = (
    "index.html",
    "threat-model.md",
    "responsibility.md",
    "architecture.svg",
    "responsibility.svg",
    "architecture.dot",
    "responsibility.dot",
    "architecture.mmd",
    "findings.json",
    "findings.sarif",
    "findings.csv",
    "matrix.json",
    "matrix.csv",
    "graph.json",
)


@dataclass
class BuildResult:
    files: dict[str, bytes]
    messages: list[str] = field(default_factory=list)


def _responsibility_md(analysis: Any) -> str:
    views = [matrix_views.render(analysis, by, "md").rstrip("\n") for by in ("function", "component", "team")]
    return "\n\n".join(views) + "\n"


def build_outputs(
    analysis: Any, date: dt.date | str | None = None, progress: Callable[[str], None] | None = None
) -> BuildResult:
    """The files of `tmgen build` (name -> bytes). Without Graphviz, or when dot fails, the
    diagrams are written as .dot and one message says why. `progress` hears each stage."""
    say = progress or (lambda _stage: None)
    messages: list[str] = []
    say("drawing diagrams")
    arch_dot = diagram.architecture_dot(analysis)
    resp_dot = diagram.responsibility_dot(analysis)
    svgs: dict[str, bytes] = {}
    note = ""
    try:
        svgs["architecture.svg"] = diagram.to_bytes(arch_dot, "svg")
        svgs["responsibility.svg"] = diagram.to_bytes(resp_dot, "svg")
    except diagram.GraphvizMissing:
        svgs = {}
        note = "Graphviz was not installed: diagrams are in architecture.dot and responsibility.dot."
        messages.append(
            "Graphviz `dot` was not found: wrote architecture.dot and responsibility.dot instead of "
            "the SVG diagrams; install Graphviz (`apt-get install graphviz` or `brew install graphviz`) "
            "and build again to draw them."
        )
    except diagram.DiagramError as exc:
        svgs = {}
        note = "dot could not draw the diagrams: they are in architecture.dot and responsibility.dot."
        messages.append(f"{exc}; wrote architecture.dot and responsibility.dot instead of the SVG diagrams.")
    say("writing reports")
    generated = date.isoformat() if isinstance(date, dt.date) else date
    context = report_context(analysis, generated=generated, diagrams=bool(svgs))
    mmd = mermaid.render(analysis)
    texts: dict[str, str] = {
        "index.html": html_report.render(
            analysis, svgs.get("architecture.svg"), svgs.get("responsibility.svg"), note, context
        ),
        "threat-model.md": markdown_report.render(analysis, mmd, context),
        "responsibility.md": _responsibility_md(analysis),
        "architecture.mmd": mmd,
        "findings.json": findings_json.render(analysis),
        "findings.sarif": sarif.render(analysis),
        "findings.csv": findings_csv.render(analysis),
        "matrix.json": matrix_views.render(analysis, "function", "json"),
        "matrix.csv": matrix_views.render(analysis, "function", "csv"),
        "graph.json": graph_json.render(analysis.graph),
    }
    if not svgs:
        texts["architecture.dot"] = arch_dot
        texts["responsibility.dot"] = resp_dot
    files = {name: text.encode("utf-8") for name, text in texts.items()}
    files.update(svgs)
    return BuildResult(dict(sorted(files.items())), messages)
