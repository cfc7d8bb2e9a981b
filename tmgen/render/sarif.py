"""findings.sarif: SARIF 2.1.0, one reportingDescriptor per rule, results located in the model file."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tmgen import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning orders alerts by this property (0.0-10.0).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def artifact_uri(file: str) -> str:
    """The model file as a URI reference: relative paths stay relative (code scanning resolves
    them against the repository root), absolute ones become file: URIs; spaces and other
    characters a URI cannot hold are percent-encoded."""
    path = file.replace("\\", "/")
    if path[1:3] == ":/":  # a Windows drive letter
        return "file:///" + path[:2] + quote(path[2:])
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path)


def _descriptor(meta: Any) -> dict[str, Any]:
    refs = "".join(f"\n- [{r.title}]({r.url})" for r in meta.references)
    mitigations = "".join(f"\n- {m}" for m in meta.mitigations)
    help_text = f"{meta.description}\n\nMitigations:{mitigations}" + (f"\n\nReferences:{refs}" if refs else "")
    return {
        "id": meta.id,
        "name": meta.id.replace("-", ""),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.description},
        "help": {"text": help_text, "markdown": help_text},
        **({"helpUri": meta.references[0].url} if meta.references else {}),
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        "properties": {
            "tags": ["security", meta.component] + [f"STRIDE-{s}" for s in meta.stride],
            "security-severity": SECURITY_SEVERITY[meta.severity],
        },
    }


def sarif_data(analysis: Any) -> dict[str, Any]:
    rules = analysis.knowledge.rules
    used = [rid for rid in rules if any(f.rule == rid for f in analysis.findings)]
    index = {rid: i for i, rid in enumerate(used)}
    results = []
    for f in analysis.findings:
        message = f"{f.title}: {f.element}" + (f" (team {f.team})" if f.team else " (no team assigned)")
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS[f.severity],
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(f.location.file)},
                        "region": {"startLine": max(f.location.line, 1), "startColumn": max(f.location.column, 1)},
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.element, "kind": "element"}],
                }
            ],
            "partialFingerprints": {"tmgenFindingId/v1": f.id},
            "properties": {
                "severity": f.severity,
                "component": f.component,
                "owner": f.owner,
                "team": f.team,
                "security-severity": SECURITY_SEVERITY[f.severity],
            },
        }
        if f.accepted is not None and not f.accepted.expired:
            result["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": f.accepted.justification}
            ]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tmgen",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_descriptor(rules[rid]) for rid in used],
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render(analysis: Any) -> str:
    return json.dumps(sarif_data(analysis), indent=2, ensure_ascii=False) + "\n"
