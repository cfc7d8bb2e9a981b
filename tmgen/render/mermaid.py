"""The architecture diagram as a Mermaid flowchart (renders on GitHub), every user string escaped."""

from __future__ import annotations

import re
from typing import Any

from tmgen.render.report_model import KIND_NAMES, SEVERITY_COLORS, ArchitectureView, architecture_view
from tmgen.render.text import visible

# Anything outside this set becomes a Mermaid entity (#NNN;): quotes, brackets, pipes,
# backticks, braces, angle brackets, '#', ';' and the like would otherwise end a label,
# start markup or break out of a Markdown code fence.
_SAFE = re.compile(r"[^A-Za-z0-9 .,:/_()+=!?@'-]")
EDGE_ARROWS = {
    "triggers": "-.->",
    "assumes": "-.->",
    "includes": "-.->",
    "deploys": "-.->",
    "shares_with": "-.->",
    "attaches": "---",
}
EDGE_COLORS = {
    "invokes": "#1f5fa8",
    "triggers": "#1f5fa8",
    "assumes": "#7a3fa0",
    "calls": "#37474f",
    "egress": "#c0392b",
    "attaches": "#8d8d8d",
    "includes": "#8a6d00",
    "can_modify": "#d35400",
    "deploys": "#2e7d32",
    "shares_with": "#8a6d00",
}
CLUSTER_SUFFIX = {
    "account": " - account",
    "external_account": " - external account",
    "vpc": " - VPC",
    "subnet": " - subnet",
    "lambda_service": " (AWS-owned)",
}
NODE_SHAPES = {
    "resource": ("[(", ")]"),
    "role": ("[/", "/]"),
    "trigger": (">", "]"),
    "hyperplane_eni": ("{{", "}}"),
    "execution_environment": ("([", "])"),
}


def text(value: object) -> str:
    """A string made safe inside a quoted Mermaid label; line breaks become <br/>. Control and
    bidirectional-override characters are spelled out first: as entities they would work again."""
    lines = visible(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(_SAFE.sub(lambda m: f"#{ord(m.group(0))};", line) for line in lines)


def render(analysis: Any, view: str | None = None) -> str:
    v = architecture_view(analysis, view)
    return flowchart(v)


def flowchart(v: ArchitectureView) -> str:
    ids: dict[str, str] = {}

    def ident(key: str) -> str:
        return ids.setdefault(key, f"n{len(ids)}")

    children, members = v.children(), v.members()
    lines = ["flowchart LR"]
    marked: dict[str, list[str]] = {s: [] for s in SEVERITY_COLORS}
    anchored = {e.target for e in v.edges} | {e.source for e in v.edges}

    def emit(cluster: str | None, depth: int) -> None:
        pad = "  " * depth
        for nid in members.get(cluster, []):
            n = v.nodes[nid]
            label = f"{n.label}\n{KIND_NAMES.get(n.kind, n.kind)}"
            label += "".join(f"\n({note})" for note in n.notes)
            if n.marker:
                label += f"\n[!] {n.marker.text}"
                marked[n.marker.worst].append(ident(nid))
            left, right = NODE_SHAPES.get(n.kind, ("[", "]"))
            lines.append(f'{pad}{ident(nid)}{left}"{text(label)}"{right}')
        for cid in children.get(cluster, []):
            c = v.clusters[cid]
            if c.kind == "internet" and cid not in anchored and not members.get(cid):
                continue
            label = c.label + CLUSTER_SUFFIX.get(c.kind, "")
            if c.marker:
                label += f" [!] {c.marker.text}"
            lines.append(f'{pad}subgraph {ident(cid)}["{text(label)}"]')
            if c.kind == "internet":
                lines.append(f'{pad}  {ident(cid)}_anyone(["anyone on the Internet"])')
            elif not members.get(cid) and not children.get(cid):
                lines.append(f'{pad}  {ident(cid)}_empty[" "]')
            emit(cid, depth + 1)
            lines.append(f"{pad}end")

    emit(None, 1)
    styles = []
    for i, e in enumerate(v.edges):
        arrow = "==>" if e.crosses and e.kind not in EDGE_ARROWS else EDGE_ARROWS.get(e.kind, "-->")
        src = f"{ident(e.source)}_anyone" if e.source == "internet" else ident(e.source)
        dst = f"{ident(e.target)}_anyone" if e.target == "internet" else ident(e.target)
        lines.append(f"  {src} {arrow} {dst}")
        styles.append(
            f"  linkStyle {i} stroke:{EDGE_COLORS.get(e.kind, '#333333')}" + (",stroke-width:3px" if e.crosses else "")
        )
    lines.extend(styles)
    for sev, color in SEVERITY_COLORS.items():
        lines.append(f"  classDef sev_{sev} stroke:{color},stroke-width:3px")
        if marked[sev]:
            lines.append(f"  class {','.join(marked[sev])} sev_{sev}")
    return "\n".join(lines) + "\n"
