"""`tmgen threats --format md`: the findings as a compact Markdown list."""

from __future__ import annotations

from typing import Any

from tmgen.findings import at_least, summary
from tmgen.render.text import md_cell


def markdown(analysis: Any, min_severity: str = "info") -> str:
    findings = [f for f in analysis.findings if at_least(f.severity, min_severity)]
    counts = summary(analysis.findings)
    head = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low", "info"))
    hidden = len(analysis.findings) - len(findings)
    shown = f" Showing {min_severity} and above: {hidden} finding(s) below it are not listed." if hidden else ""
    out = [
        f"# Threats: {md_cell(analysis.name)}",
        "",
        f"As of {analysis.as_of}: {head}; {counts['accepted']} accepted.{shown}",
        "",
    ]
    if not findings:
        out.append("No findings.")
        return "\n".join(out) + "\n"
    out += ["| Severity | Rule | Title | Element | Location | Team | Accepted |", "|---|---|---|---|---|---|---|"]
    for f in findings:
        acc = ""
        if f.accepted:
            acc = (
                f"expired {f.accepted.expires}" if f.accepted.expired else f"until {f.accepted.expires or 'no expiry'}"
            )
        out.append(
            f"| {f.severity} | {f.rule} | {md_cell(f.title)} | {md_cell(f.element)} | "
            f"{md_cell(str(f.location))} | {md_cell(f.team or 'unassigned')} | {acc} |"
        )
    return "\n".join(out) + "\n"
