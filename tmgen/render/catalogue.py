"""The rule catalogue as Markdown or JSON, and `tmgen explain` text; docs/rules.md is
generated from here."""

from __future__ import annotations

import json

from tmgen.knowledge import RuleMeta, knowledge
from tmgen.render.text import md_cell

STRIDE = {
    "S": "Spoofing",
    "T": "Tampering",
    "R": "Repudiation",
    "I": "Information disclosure",
    "D": "Denial of service",
    "E": "Elevation of privilege",
}


def _severity(meta: RuleMeta) -> str:
    text = meta.severity + (", escalates" if meta.escalates else "")
    return text + (f" ({meta.severity_note})" if meta.severity_note else "")


def markdown() -> str:
    kb = knowledge()
    out = [
        "# tmgen rule catalogue",
        "",
        "Generated from `model/rules/` by `tmgen rules --format md` (do not edit by hand).",
        f"{len(kb.rules)} rules. Severity *escalates* means one level up when the element can reach",
        "confidential or restricted data.",
        "",
        "| Id | Title | Component | STRIDE | Severity | Owner | Also flagged by |",
        "|---|---|---|---|---|---|---|",
    ]
    for meta in kb.rules.values():
        eq = ", ".join(f"{e.tool} {e.id}" for e in meta.equivalents)
        out.append(
            f"| [{meta.id}](#{meta.id.lower()}) | {md_cell(meta.title)} | {meta.component} | "
            f"{''.join(meta.stride)} | {md_cell(_severity(meta))} | {meta.owner} | {md_cell(eq)} |"
        )
    for meta in kb.rules.values():
        out += [
            "",
            f"## {meta.id}",
            "",
            f"**{md_cell(meta.title)}** — {meta.component}, "
            f"{', '.join(STRIDE[s] for s in meta.stride)}; {md_cell(_severity(meta))}; {meta.owner} side.",
            "",
            f"*Fires when:* {meta.fires_when.strip()}",
            "",
            meta.description.strip(),
            "",
            f"*Why it matters:* {meta.rationale.strip()}",
            "",
            "Mitigations:",
            "",
        ]
        out += [f"- {m.strip()}" for m in meta.mitigations]
        if meta.references:
            out += ["", "References: " + "; ".join(f"[{r.title}]({r.url})" for r in meta.references)]
        if meta.equivalents:
            out += ["", "Equivalent checks: " + ", ".join(f"{e.tool} `{e.id}`" for e in meta.equivalents)]
    return "\n".join(out) + "\n"


def as_json() -> str:
    kb = knowledge()
    return json.dumps([m.model_dump(mode="json") for m in kb.rules.values()], indent=2, ensure_ascii=False) + "\n"


def render(fmt: str) -> str:
    return markdown() if fmt == "md" else as_json()


def explain(meta: RuleMeta) -> str:
    lines = [
        f"{meta.id}: {meta.title}",
        f"component: {meta.component}   severity: {_severity(meta)}   owner: {meta.owner}",
        f"STRIDE: {', '.join(STRIDE[s] for s in meta.stride)}",
        "",
        "Fires when:",
        f"  {meta.fires_when.strip()}",
        "",
        "What:",
        f"  {meta.description.strip()}",
        "",
        "Why it matters:",
        f"  {meta.rationale.strip()}",
        "",
        "How to fix:",
    ]
    lines += [f"  - {m.strip()}" for m in meta.mitigations]
    if meta.references:
        lines += ["", "References:"] + [f"  - {r.title}: {r.url}" for r in meta.references]
    if meta.equivalents:
        lines += ["", "Equivalent checks: " + ", ".join(f"{e.tool} {e.id}" for e in meta.equivalents)]
    return "\n".join(lines) + "\n"
