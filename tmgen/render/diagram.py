"""Graphviz diagrams: the trust-boundary architecture and the responsibility layer cake, as DOT,
and `dot` run safely to turn DOT into SVG, PNG or PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tmgen.knowledge import SEVERITIES
from tmgen.render.dot_text import html_label, quote
from tmgen.render.report_model import (
    EDGE_MEANING,
    KIND_NAMES,
    OWNER_COLORS,
    SEVERITY_COLORS,
    ArchitectureView,
    Marker,
    OwnershipProfile,
    architecture_view,
    ownership_profiles,
)
from tmgen.render.text import shorten

DOT_TIMEOUT = 120  # seconds; 1,000 grouped functions take a few
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".mmd": "mmd"}
INSTALL_HINT = "install Graphviz to draw diagrams: `apt-get install graphviz` or `brew install graphviz`"

# (colour, style, what the legend shows)
EDGE_STYLES: dict[str, tuple[str, str]] = {
    "invokes": ("#1f5fa8", "solid"),
    "triggers": ("#1f5fa8", "dashed"),
    "assumes": ("#7a3fa0", "dotted"),
    "calls": ("#37474f", "solid"),
    "egress": ("#c0392b", "solid"),
    "attaches": ("#8d8d8d", "solid"),
    "includes": ("#8a6d00", "dashed"),
    "can_modify": ("#d35400", "bold"),
    "deploys": ("#2e7d32", "dotted"),
    "shares_with": ("#8a6d00", "dotted"),
}
STYLE_GLYPH = {"solid": "———▶", "dashed": "– – ▶", "dotted": "·····▶", "bold": "━━━▶"}
NODE_STYLES: dict[str, str] = {
    "function": 'shape=box, style="rounded,filled,bold", fillcolor="#fff3e0"',
    "execution_environment": 'shape=box, style="rounded,filled,dashed", fillcolor="#fffde7"',
    "hyperplane_eni": 'shape=hexagon, style=filled, fillcolor="#e0f2f1"',
    "security_group": 'shape=octagon, style=filled, fillcolor="#f1f8e9"',
    "role": 'shape=house, style=filled, fillcolor="#f3e5f5"',
    "layer": 'shape=folder, style=filled, fillcolor="#fffde7"',
    "trigger": 'shape=cds, style=filled, fillcolor="#e3f2fd"',
    "resource": 'shape=cylinder, style=filled, fillcolor="#e8f5e9"',
    "vpc_endpoint": 'shape=box, style="filled,diagonals", fillcolor="#e0f7fa"',
}
CLUSTER_STYLES: dict[str, str] = {
    "lambda_service": 'style="filled,rounded"; fillcolor="#fff7ec"; color="#ef6c00"',
    "account": 'style="filled,rounded"; fillcolor="#f5f9ff"; color="#1565c0"',
    "external_account": 'style="filled,rounded,dashed"; fillcolor="#fdf0ef"; color="#c62828"',
    "vpc": 'style="filled,rounded"; fillcolor="#f1f8f1"; color="#2e7d32"',
    "subnet": 'style="filled,dashed"; fillcolor="#ffffff"; color="#66bb6a"',
    "internet": 'style="filled,rounded"; fillcolor="#f4f4f4"; color="#616161"',
}
_LOST_EDGE = re.compile(r"lost .* edge", re.IGNORECASE)


class DiagramError(RuntimeError):
    """`dot` failed, timed out or dropped edges."""


class GraphvizMissing(DiagramError):
    """The `dot` program is not installed."""


def dot_available() -> bool:
    return shutil.which("dot") is not None


def _marker_attrs(marker: Marker | None) -> str:
    if marker is None:
        return ""
    return f', color="{SEVERITY_COLORS[marker.worst]}", penwidth=2.5'


def _marker_line(marker: Marker | None) -> str:
    return f"\n[!] {marker.text}" if marker else ""


class _Ids:
    """Short DOT ids in drawing order: user strings never become identifiers."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self.ids:
            self.ids[key] = f"n{len(self.ids)}"
        return self.ids[key]


def _cluster_caption(c: Any, analysis: Any) -> str:
    g = analysis.graph.graph
    d = g.nodes[c.id]
    if c.kind in ("account", "external_account"):
        acct = d.get("account_id")
        return f"{c.label}\n{'external account' if c.kind == 'external_account' else 'account'}" + (
            f" {acct}" if acct else ""
        )
    if c.kind == "vpc":
        return f"{c.label}\nVPC {d.get('cidr', '')}"
    if c.kind == "subnet":
        return f"{c.label}\nsubnet {d.get('cidr', '')} {d.get('az', '')}, route {d.get('route', '')}"
    if c.kind == "lambda_service":
        return f"{c.label}\n(AWS-owned)"
    return c.label


def architecture_dot(analysis: Any, view: str | None = None) -> str:
    """The trust-boundary diagram of the workload (or of one account or VPC) as DOT."""
    v = architecture_view(analysis, view)
    return _architecture(analysis, v)


def _architecture(analysis: Any, v: ArchitectureView) -> str:
    ids = _Ids()
    children, members = v.children(), v.members()
    # Edges to a boundary land on an anchor node inside its cluster, clipped at the border.
    anchored = {e.target for e in v.edges if e.target in v.clusters} | {
        e.source for e in v.edges if e.source in v.clusters
    }
    subtitle = f"as of {analysis.as_of.isoformat()}" + (
        f"; functions that share {v.grouping} are drawn as one node" if v.grouped else ""
    )
    lines = [
        "digraph architecture {",
        f"  graph [compound=true, rankdir=LR, newrank=true, nodesep=0.25, ranksep=0.7, fontname=Helvetica, "
        f"fontsize=12, labelloc=t, label={quote('Trust boundaries: ' + v.title + chr(10) + subtitle)}];",
        '  node [fontname=Helvetica, fontsize=10, margin="0.12,0.05"];',
        "  edge [arrowsize=0.7];",
    ]

    def emit(cluster: str | None, depth: int) -> None:
        pad = "  " * depth
        for nid in members.get(cluster, []):
            n = v.nodes[nid]
            caption = KIND_NAMES.get(n.kind, n.kind)
            label = f"{n.label}\n{caption}" + "".join(f"\n({note})" for note in n.notes) + _marker_line(n.marker)
            tip = n.element or n.label
            if n.count > 1:
                tip = f"{n.count} {caption}s: " + ", ".join(n.members[:30]) + (" ..." if n.count > 30 else "")
            lines.append(
                f"{pad}{ids(nid)} [label={quote(label)}, tooltip={quote(tip)}, "
                f"{NODE_STYLES.get(n.kind, 'shape=box')}{_marker_attrs(n.marker)}];"
            )
        for cid in children.get(cluster, []):
            c = v.clusters[cid]
            if c.kind == "internet" and not (cid in anchored or members.get(cid)):
                continue  # nothing reaches the Internet or comes from it
            lines.append(f"{pad}subgraph cluster_{ids(cid)} {{")
            lines.append(
                f"{pad}  label={quote(_cluster_caption(c, analysis) + _marker_line(c.marker))}; "
                f"tooltip={quote(c.element or c.label)}; {CLUSTER_STYLES.get(c.kind, '')};"
                + (f' color="{SEVERITY_COLORS[c.marker.worst]}"; penwidth=2.5;' if c.marker else "")
            )
            if c.kind == "internet":
                lines.append(
                    f'{pad}  {ids(cid)} [label="anyone on the Internet", shape=ellipse, style=filled, '
                    f'fillcolor="#eeeeee"];'
                )
            elif cid in anchored or (not members.get(cid) and not children.get(cid)):
                lines.append(f'{pad}  {ids(cid)} [label="", shape=point, width=0.08, tooltip={quote(c.label)}];')
            emit(cid, depth + 1)
            lines.append(f"{pad}}}")

    emit(None, 1)
    lines.extend(_legend(v))
    inside = _cluster_members(v)
    for e in v.edges:
        color, style = EDGE_STYLES.get(e.kind, ("#333333", "solid"))
        attrs = [f'color="{color}"', f"style={style}"]
        if e.crosses:
            attrs.append("penwidth=2.2")
        if e.kind == "attaches":
            attrs.append("arrowhead=none")
        # No labels on edges: labelled edges across clusters break dot (facts.md); tooltips instead.
        src, dst = v.nodes.get(e.source) or v.clusters[e.source], v.nodes.get(e.target) or v.clusters[e.target]
        tip = f"{src.label} -> {dst.label}: {EDGE_MEANING.get(e.kind, e.kind)}"
        if e.count > 1:
            tip += f" (x{e.count})"
        if e.crosses:
            tip += " [crosses a trust boundary]"
        attrs.append(f"tooltip={quote(tip)}")
        if e.target in v.clusters and e.target != "internet" and e.source not in inside[e.target]:
            attrs.append(f"lhead=cluster_{ids(e.target)}")
        if e.source in v.clusters and e.source != "internet" and e.target not in inside[e.source]:
            attrs.append(f"ltail=cluster_{ids(e.source)}")
        lines.append(f"  {ids(e.source)} -> {ids(e.target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster_members(v: ArchitectureView) -> dict[str, set[str]]:
    """Cluster -> every node and cluster drawn inside it (lhead/ltail need the other end outside)."""
    out: dict[str, set[str]] = {c: set() for c in v.clusters}
    for item in list(v.nodes.values()) + list(v.clusters.values()):
        parent = item.cluster if hasattr(item, "cluster") else item.parent
        while parent is not None and parent in v.clusters:
            out[parent].add(item.id)
            parent = v.clusters[parent].parent
    return out


def _legend(v: ArchitectureView) -> list[str]:
    kinds = [k for k in EDGE_STYLES if any(e.kind == k for e in v.edges)]
    rows = ['<TR><TD COLSPAN="2"><B>Legend</B></TD></TR>']
    for k in kinds:
        color, style = EDGE_STYLES[k]
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT COLOR="{color}">{STYLE_GLYPH[style]}</FONT></TD>'
            f'<TD ALIGN="LEFT">{html_label(EDGE_MEANING[k])}</TD></TR>'
        )
    rows.append('<TR><TD ALIGN="LEFT"><B>━━━</B></TD><TD ALIGN="LEFT">thick: crosses a trust boundary</TD></TR>')
    for s in SEVERITIES:
        rows.append(
            f'<TR><TD BGCOLOR="{SEVERITY_COLORS[s]}"> </TD>'
            f'<TD ALIGN="LEFT">[!] N findings, worst {s} (border colour)</TD></TR>'
        )
    if v.grouped:
        rows.append(
            f'<TR><TD ALIGN="LEFT">+N more</TD><TD ALIGN="LEFT">functions that share {html_label(v.grouping)}</TD></TR>'
        )
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2">' + "".join(rows) + "</TABLE>"
    return [f'  legend [shape=box, style="rounded", color="#9e9e9e", fontsize=9, label=<{table}>];']


# -- the responsibility layer cake ------------------------------------------------------------
def _cake_label(p: OwnershipProfile, max_names: int = 12) -> str:
    def row(owner: str, title: str) -> str:
        layers = p.side(owner)
        why = "moved by: " if owner == "Shared" else "because: "
        if not layers:
            cells = '<TD BORDER="0"><I>nothing</I></TD>'
        else:
            cells = "".join(
                f'<TD BGCOLOR="{OWNER_COLORS[owner]}"><B>{html_label(layer.name)}</B>'
                + (
                    f'<BR/><FONT POINT-SIZE="8">{html_label(why + ", ".join(layer.moved_by))}</FONT>'
                    if layer.moved_by
                    else ""
                )
                + "</TD>"
                for layer in layers
            )
        return (
            f'<TR><TD ALIGN="LEFT" BORDER="0"><B>{title}</B></TD></TR>'
            f'<TR><TD BORDER="0"><TABLE BORDER="0" CELLSPACING="4" CELLPADDING="6"><TR>{cells}</TR>'
            "</TABLE></TD></TR>"
        )

    names = p.functions[:max_names]
    more = f" and {len(p.functions) - max_names} more" if len(p.functions) > max_names else ""
    head = f"Profile {p.index}: {len(p.functions)} function{'s' if len(p.functions) != 1 else ''}"
    return (
        '<TABLE BORDER="1" COLOR="#9e9e9e" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
        f'<TR><TD ALIGN="LEFT"><B>{html_label(head)}</B></TD></TR>'
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{_wrapped(names, more)}</FONT></TD></TR>'
        + row("Customer", "CUSTOMER: security IN the cloud")
        + '<TR><TD BGCOLOR="#6a1b9a" HEIGHT="3"></TD></TR>'
        + row("Shared", "SHARED: on the line, moved by the workload's choices")
        + '<TR><TD BGCOLOR="#6a1b9a" HEIGHT="3"></TD></TR>'
        + row("AWS", "AWS: security OF the cloud")
        + "</TABLE>"
    )


def _wrapped(names: list[str], more: str, width: int = 90) -> str:
    """Function names on lines of about `width` characters (HTML-escaped, joined by <BR/>)."""
    lines: list[str] = []
    for name in map(shorten, names):
        if lines and len(lines[-1]) + len(name) + 2 <= width:
            lines[-1] += ", " + name
        else:
            lines.append(name)
    if lines:
        lines[-1] += more
    return '<BR ALIGN="LEFT"/>'.join(html_label(line) for line in lines) + '<BR ALIGN="LEFT"/>'


def responsibility_dot(analysis: Any) -> str:
    """The seed article's layered picture, once per distinct ownership profile."""
    profiles = ownership_profiles(analysis)
    title = f"Shared responsibility: {shorten(analysis.name, 80)}\nas of {analysis.as_of.isoformat()}"
    lines = [
        "digraph responsibility {",
        "  graph [rankdir=TB, nodesep=0.4, ranksep=0.4, fontname=Helvetica, fontsize=12, labelloc=t, "
        f"label={quote(title)}];",
        "  node [shape=plaintext, fontname=Helvetica, fontsize=10];",
    ]
    for p in profiles:
        lines.append(f"  p{p.index} [label=<{_cake_label(p)}>];")
    # Two pictures per row keeps the page readable; invisible edges stack the rows.
    per_row = 2
    for i in range(per_row, len(profiles)):
        lines.append(f"  p{profiles[i - per_row].index} -> p{profiles[i].index} [style=invis];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- running dot ----------------------------------------------------------------------------
def to_bytes(dot_text: str, fmt: str, timeout: float = DOT_TIMEOUT) -> bytes:
    """DOT -> svg/png/pdf bytes through `dot`; raises DiagramError on any failure, including
    dot's "lost edge" complaint (it still exits 0 sometimes, with edges missing)."""
    if fmt == "dot":
        return dot_text.encode("utf-8")
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(f"the Graphviz `dot` program was not found; {INSTALL_HINT}")
    try:
        proc = subprocess.run(
            [exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DiagramError(
            f"dot did not finish within {timeout:.0f} s; draw one part with --view account=NAME or --view vpc=NAME"
        ) from None
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or _LOST_EDGE.search(err):
        first = "; ".join(line for line in err.splitlines()[:3] if line.strip()) or f"exit code {proc.returncode}"
        raise DiagramError(f"dot failed to draw the diagram: {first}")
    return proc.stdout


def dot_source(analysis: Any, kind: str, view: str | None = None) -> str:
    if kind == "architecture":
        return architecture_dot(analysis, view)
    if kind == "responsibility":
        return responsibility_dot(analysis)
    raise ValueError(f"unknown diagram kind '{kind}': architecture or responsibility")


def render_file(analysis: Any, path: Path, view: str | None = None, kind: str = "architecture") -> bytes:
    """The bytes of one diagram in the format of `path`'s suffix (.svg .png .pdf .dot .mmd).
    Raises ValueError for an unknown suffix, kind or view, DiagramError when dot fails."""
    suffix = Path(path).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise ValueError(f"unknown diagram format '{suffix}': use one of {', '.join(FORMATS)}")
    if fmt == "mmd":
        if kind != "architecture":
            raise ValueError("Mermaid output (.mmd) is available for the architecture diagram only")
        from tmgen.render import mermaid

        return mermaid.render(analysis, view).encode("utf-8")
    return to_bytes(dot_source(analysis, kind, view), fmt)
