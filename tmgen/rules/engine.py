"""Runs every rule over one analysis context and turns hits into located findings."""

from __future__ import annotations

from collections.abc import Iterable

from tmgen.errors import ModelError, did_you_mean
from tmgen.findings import CLASSIFICATION_RANK, Finding, apply_acceptances, escalate, make_finding, sort_key
from tmgen.load import Document
from tmgen.rules import iter_hits
from tmgen.rules.context import RuleContext


def _functions_of(element: str, explicit: list[str] | None) -> list[str]:
    if explicit is not None:
        return explicit
    if element.startswith("functions."):
        rest = element[len("functions.") :]
        return [rest.split(".", 1)[0].split("[", 1)[0]]
    return []


def evaluate(
    ctx: RuleContext, doc: Document, only: Iterable[str] | None = None
) -> tuple[list[Finding], list[ModelError]]:
    """The findings of the rules (all, or `only` these ids), sorted, with acceptances applied."""
    kb = ctx.knowledge
    findings: list[Finding] = []
    seen: set[str] = set()
    for rule_id, hit in iter_hits(ctx, only):
        meta = kb.rules[rule_id]
        fid = f"{rule_id}@{hit.element}"
        if fid in seen:
            continue
        seen.add(fid)
        fns = _functions_of(hit.element, hit.functions)
        severity = hit.severity or meta.severity
        escalated = False
        if meta.escalates:
            levels = [ctx.data_level.get(f) for f in fns] if fns else [ctx.workload.workload.data_classification]
            if any(lvl and CLASSIFICATION_RANK[lvl] >= CLASSIFICATION_RANK["confidential"] for lvl in levels):
                raised = escalate(severity)
                escalated = raised != severity
                severity = raised
        component = hit.component or meta.component
        team = hit.team if hit.team is not None else ctx.team(fns[0] if fns else None, component)
        findings.append(
            make_finding(
                meta,
                component=component,
                severity=severity,
                team=team,
                element=hit.element,
                location=doc.locate(hit.element),
                evidence=hit.evidence,
                functions=fns,
                escalated=escalated,
            )
        )
    warnings: list[ModelError] = []
    risks = ctx.workload.accepted_risks
    for i in apply_acceptances(findings, risks, ctx.as_of):
        if only is None:
            r = risks[i]
            where = f" on {r.element}" if r.element else ""
            warnings.append(
                ModelError(
                    doc.locate(("accepted_risks", i)),
                    f"accepted risk {r.rule}{where} matches no finding",
                    "remove it, or check the rule id and element path",
                    f"accepted_risks[{i}]",
                    "warning",
                )
            )
    for i, r in enumerate(risks):
        if r.rule not in kb.rules:
            warnings.append(
                ModelError(
                    doc.locate(("accepted_risks", i, "rule")),
                    f"accepted risk names unknown rule {r.rule}",
                    did_you_mean(r.rule, kb.rules) or "see `tmgen rules`",
                    f"accepted_risks[{i}].rule",
                    "warning",
                )
            )
    findings.sort(key=sort_key)
    return findings, warnings
