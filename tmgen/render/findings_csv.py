"""findings.csv: one row per finding for issue trackers, safe from spreadsheet formula injection."""

from __future__ import annotations

from typing import Any

from tmgen.render.text import csv_text

HEADER = (
    "id",
    "rule",
    "title",
    "severity",
    "component",
    "owner",
    "team",
    "element",
    "file:line",
    "accepted",
    "expires",
)


def render(analysis: Any) -> str:
    rows: list[tuple[object, ...]] = [HEADER]
    for f in analysis.findings:
        acc = f.accepted
        status = "" if acc is None else ("expired" if acc.expired else "yes")
        rows.append(
            (
                f.id,
                f.rule,
                f.title,
                f.severity,
                f.component,
                f.owner,
                f.team or "",
                f.element,
                f"{f.location.file}:{f.location.line}",
                status,
                acc.expires.isoformat() if acc and acc.expires else "",
            )
        )
    return csv_text(rows)
