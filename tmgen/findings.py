"""Findings: what a rule found, where, how severe after escalation, who must act, and
whether the risk was accepted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tmgen.errors import Location
from tmgen.knowledge import SEVERITIES, RuleMeta
from tmgen.schema import AcceptedRisk

SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # critical = 0
CLASSIFICATION_RANK = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}


def escalate(severity: str) -> str:
    """One level up, at most critical."""
    return SEVERITIES[max(SEVERITY_RANK[severity] - 1, 0)]


def at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK[severity] <= SEVERITY_RANK[minimum]


@dataclass
class Acceptance:
    justification: str
    owner: str | None
    expires: dt.date | None
    expired: bool
    index: int

    def as_json(self) -> dict[str, Any]:
        return {
            "justification": self.justification,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
            "expired": self.expired,
        }


@dataclass
class Finding:
    rule: str
    title: str
    component: str
    stride: list[str]
    severity: str
    base_severity: str
    owner: str
    team: str | None
    element: str
    location: Location
    evidence: dict[str, Any]
    mitigations: list[str]
    functions: list[str] = field(default_factory=list)
    escalated: bool = False
    accepted: Acceptance | None = None

    @property
    def id(self) -> str:
        return f"{self.rule}@{self.element}"

    @property
    def active(self) -> bool:
        """Not accepted, or accepted with an expired acceptance."""
        return self.accepted is None or self.accepted.expired

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "title": self.title,
            "component": self.component,
            "stride": list(self.stride),
            "severity": self.severity,
            "owner": self.owner,
            "team": self.team,
            "element": self.element,
            "location": {"file": self.location.file, "line": self.location.line, "column": self.location.column},
            "evidence": self.evidence,
            "mitigations": list(self.mitigations),
            "accepted": self.accepted.as_json() if self.accepted else None,
        }


def sort_key(f: Finding) -> tuple[int, str, str]:
    return (SEVERITY_RANK[f.severity], f.rule, f.element)


def covers(element: str | None, target: str) -> bool:
    """Whether an acceptance for `element` covers a finding on `target` (same path or under it)."""
    if not element:
        return True
    return target == element or target.startswith(element + ".") or target.startswith(element + "[")


def apply_acceptances(findings: list[Finding], risks: list[AcceptedRisk], as_of: dt.date) -> list[int]:
    """Marks accepted findings; returns the indexes of acceptances that matched nothing."""
    used: set[int] = set()
    for f in findings:
        chosen: Acceptance | None = None
        for i, risk in enumerate(risks):
            if risk.rule != f.rule or not covers(risk.element, f.element):
                continue
            used.add(i)
            expired = risk.expires is not None and risk.expires < as_of
            # A current acceptance wins over an expired one that an earlier entry left behind
            # (a renewal written below the old entry); among equals, the first in the file.
            if chosen is None or (chosen.expired and not expired):
                chosen = Acceptance(risk.justification, risk.owner, risk.expires, expired, i)
        if chosen is not None:
            f.accepted = chosen
    return [i for i in range(len(risks)) if i not in used]


def summary(findings: list[Finding]) -> dict[str, int]:
    out = {s: 0 for s in SEVERITIES}
    accepted = 0
    for f in findings:
        if f.active:
            out[f.severity] += 1
        else:
            accepted += 1
    out["accepted"] = accepted
    return out


def make_finding(meta: RuleMeta, **kwargs: Any) -> Finding:
    return Finding(
        rule=meta.id,
        title=meta.title,
        component=kwargs.pop("component", meta.component),
        stride=list(meta.stride),
        base_severity=meta.severity,
        owner=meta.owner,
        mitigations=list(meta.mitigations),
        **kwargs,
    )
