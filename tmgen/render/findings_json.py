"""findings.json: the findings contract of cli.md."""

from __future__ import annotations

import json
from typing import Any

from tmgen.findings import at_least, summary


def findings_data(analysis: Any, min_severity: str = "info") -> dict[str, Any]:
    findings = [f for f in analysis.findings if at_least(f.severity, min_severity)]
    return {
        "workload": analysis.name,
        "as_of": analysis.as_of.isoformat(),
        # the whole picture, whatever --min-severity leaves out of the list
        "summary": summary(analysis.findings),
        "findings": [f.as_json() for f in findings],
    }


def render(analysis: Any, min_severity: str = "info") -> str:
    return json.dumps(findings_data(analysis, min_severity), indent=2, ensure_ascii=False, default=str) + "\n"
