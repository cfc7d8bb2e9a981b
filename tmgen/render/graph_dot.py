"""The trust-boundary graph as plain DOT: boundaries as nested clusters, edges by kind."""

from __future__ import annotations

from collections import defaultdict

from tmgen.graph import TrustGraph
from tmgen.render.dot_text import quote

EDGE_STYLE = {
    "invokes": 'color="#1f5fa8"',
    "triggers": 'color="#1f5fa8", style=dashed',
    "assumes": 'color="#7a3fa0", style=dotted',
    "calls": 'color="#333333"',
    "egress": 'color="#c0392b"',
    "attaches": 'color="#888888", arrowhead=none',
    "includes": 'color="#8a6d00", style=dashed',
    "can_modify": 'color="#d35400", style=bold',
    "deploys": 'color="#2e7d32", style=dotted',
    "shares_with": 'color="#8a6d00", style=dotted',
}


def render(tg: TrustGraph) -> str:
    g = tg.graph
    children: dict[str | None, list[str]] = defaultdict(list)
    for n, d in g.nodes(data=True):
        children[d.get("boundary")].append(n)
    lines = [
        f"digraph {quote(g.graph.get('workload', 'workload'))} {{",
        "  compound=true;",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]

    def emit(node: str | None, depth: int) -> None:
        pad = "  " * depth
        for child in children.get(node, []):
            d = g.nodes[child]
            if d.get("is_boundary") and children.get(child):
                lines.append(f"{pad}subgraph {quote('cluster_' + child)} {{")
                lines.append(f"{pad}  label={quote(d['label'] + ' [' + d['kind'] + ']')};")
                lines.append(f"{pad}  {quote(child)} [label={quote(d['label'])}, shape=point, width=0.05];")
                emit(child, depth + 1)
                lines.append(f"{pad}}}")
            else:
                lines.append(f"{pad}{quote(child)} [label={quote(d['label'] + chr(10) + d['kind'])}];")

    emit(None, 1)
    for u, v, d in g.edges(data=True):
        extra = ", penwidth=2" if d.get("crosses") else ""
        lines.append(
            f"  {quote(u)} -> {quote(v)} [{EDGE_STYLE.get(d['kind'], '')}{extra}, tooltip={quote(d['kind'])}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
