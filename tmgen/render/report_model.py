"""What the diagrams and reports share, derived once from an Analysis: finding markers per
element, threats grouped by rule, boundary crossings, the condensed architecture view and the
ownership profiles of the layer cake."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tmgen.findings import SEVERITY_RANK, Finding
from tmgen.knowledge import SEVERITIES
from tmgen.render.text import shorten

SEVERITY_COLORS = {
    "critical": "#7b1fa2",
    "high": "#c62828",
    "medium": "#ef6c00",
    "low": "#f9a825",
    "info": "#546e7a",
}
OWNER_COLORS = {"AWS": "#ffe0b2", "Shared": "#e1bee7", "Customer": "#bbdefb"}
# From this many functions on, the architecture groups look-alike functions into one node.
LARGE_MODEL = 300
# An element with more edges of one of these kinds than FAN gets a note instead of the edges:
# (which end carries the note, the note). Fans of identical edges only clutter the picture.
FAN = 3
FAN_NOTES = {
    "deploys": ("source", "deploys {n} functions"),
    "can_modify": ("source", "can modify {n} functions or layers"),
    "includes": ("target", "included by {n} functions"),
    "shares_with": ("source", "shared with {n} accounts"),
}
BOUNDARY_KIND_NAMES = {
    "lambda_service": "AWS Lambda service",
    "account": "account",
    "external_account": "external account",
    "vpc": "VPC",
    "subnet": "subnet",
    "internet": "Internet",
}
KIND_NAMES = {
    "lambda_service": "Lambda service",
    "execution_environment": "execution environment",
    "account": "account",
    "external_account": "external account",
    "vpc": "VPC",
    "subnet": "subnet",
    "security_group": "security group",
    "hyperplane_eni": "Hyperplane ENI",
    "function": "function",
    "role": "IAM role",
    "layer": "layer",
    "trigger": "trigger",
    "resource": "resource",
    "internet": "Internet",
    "vpc_endpoint": "VPC endpoint",
}
EDGE_MEANING = {
    "invokes": "invokes (or runs in)",
    "triggers": "sends events to",
    "assumes": "assumes the role",
    "calls": "reads / writes",
    "egress": "network egress",
    "attaches": "attaches (ENI, security group)",
    "includes": "includes the layer",
    "can_modify": "can modify (IAM)",
    "deploys": "deploys",
    "shares_with": "layer shared with",
}
# What moved a component, in a few words, for the layer cake.
SHIFT_SHORT = {
    "zip-package": "zip package",
    "container-image": "container image",
    "tmp-cache": "/tmp used as a cache",
    "managed-runtime": "managed runtime",
    "managed-runtime-ending": "managed runtime, deprecation near",
    "runtime-deprecated": "runtime past deprecation",
    "custom-runtime": "custom runtime (provided*)",
    "custom-runtime-deprecated": "deprecated OS-only runtime",
    "image-custom-base": "image on a custom base",
    "image-aws-base": "image on an AWS base",
    "runtime-unknown": "unknown runtime",
    "no-vpc": "not in a VPC",
    "vpc-attached": "attached to a VPC",
}


def worst(severities: list[str]) -> str:
    return min(severities, key=SEVERITY_RANK.__getitem__) if severities else "info"


@dataclass(frozen=True)
class Marker:
    """The findings that land on one element of a diagram."""

    count: int
    worst: str

    @property
    def text(self) -> str:
        return f"{self.count} finding{'s' if self.count != 1 else ''}, worst {self.worst}"


def _prefixes(path: str) -> list[str]:
    """`functions.a.permissions[1]` -> itself, `functions.a.permissions`, `functions.a`, `functions`."""
    out = [path]
    for i in range(len(path) - 1, 0, -1):
        if path[i] in ".[":
            out.append(path[:i])
    return out


def node_markers(analysis: Any) -> dict[str, Marker]:
    """Graph node -> the active findings whose element is the node's element or lies under it."""
    index: dict[str, str] = {}
    for n, d in analysis.graph.graph.nodes(data=True):
        # The sandbox node shares its function's element; findings belong to the function.
        if d.get("element") and d["kind"] != "execution_environment":
            index.setdefault(d["element"], n)
    hits: dict[str, list[str]] = defaultdict(list)
    for f in analysis.findings:
        if not f.active:
            continue
        node = next((index[p] for p in _prefixes(f.element) if p in index), None)
        if node is not None:
            hits[node].append(f.severity)
    return {n: Marker(len(s), worst(s)) for n, s in hits.items()}


# -- threats -----------------------------------------------------------------------------
@dataclass
class ThreatGroup:
    """One rule and every element it hit: a threat is shown once with its element list."""

    rule: str
    title: str
    component: str
    severity: str
    stride: list[str]
    owner: str
    description: str
    mitigations: list[str]
    references: list[tuple[str, str]]
    findings: list[Finding]

    @property
    def teams(self) -> list[str]:
        return list(dict.fromkeys(f.team or "unassigned" for f in self.findings))

    @property
    def anchor(self) -> str:
        return self.rule.lower()


def threat_groups(analysis: Any, active: bool = True) -> list[ThreatGroup]:
    """Findings grouped by rule, worst first (active ones, or the accepted ones)."""
    groups: dict[str, list[Finding]] = {}
    for f in analysis.findings:
        if f.active == active:
            groups.setdefault(f.rule, []).append(f)
    out = []
    for rule, fs in groups.items():
        meta = analysis.knowledge.rules.get(rule)
        fs = sorted(fs, key=lambda f: (SEVERITY_RANK[f.severity], f.element))
        out.append(
            ThreatGroup(
                rule=rule,
                title=fs[0].title,
                component=fs[0].component,
                severity=worst([f.severity for f in fs]),
                stride=list(fs[0].stride),
                owner=fs[0].owner,
                description=meta.description if meta else "",
                mitigations=list(fs[0].mitigations),
                references=[(r.title, r.url) for r in meta.references] if meta else [],
                findings=fs,
            )
        )
    return sorted(out, key=lambda g: (SEVERITY_RANK[g.severity], g.rule))


@dataclass
class ComponentThreats:
    id: str
    name: str
    groups: list[ThreatGroup]


def threats_by_component(analysis: Any) -> list[ComponentThreats]:
    groups = threat_groups(analysis)
    comps = analysis.knowledge.components
    order = list(comps) + sorted({g.component for g in groups} - set(comps))
    out = []
    for cid in order:
        mine = [g for g in groups if g.component == cid]
        if mine:
            out.append(ComponentThreats(cid, comps[cid].name if cid in comps else cid.title(), mine))
    return out


def severity_counts(analysis: Any) -> dict[str, int]:
    counts = {s: 0 for s in SEVERITIES}
    for f in analysis.findings:
        if f.active:
            counts[f.severity] += 1
    return counts


def teams_of_findings(analysis: Any) -> list[str]:
    teams = {f.team or "unassigned" for f in analysis.findings}
    return sorted(teams - {"unassigned"}) + (["unassigned"] if "unassigned" in teams else [])


# -- trust boundaries ----------------------------------------------------------------------
@dataclass
class Crossing:
    kind: str
    count: int
    examples: list[str]

    @property
    def meaning(self) -> str:
        return EDGE_MEANING.get(self.kind, self.kind)


@dataclass
class BoundaryCrossings:
    id: str
    label: str
    kind: str
    parent: str | None
    crossings: list[Crossing] = field(default_factory=list)


def boundary_crossings(analysis: Any, examples: int = 4) -> list[BoundaryCrossings]:
    """Per trust boundary, the edges that cross it, counted by kind with a few examples."""
    g = analysis.graph.graph
    per: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for u, v, d in g.edges(data=True):
        for b in d.get("crosses", []):
            per[b][d["kind"]].append(f"{g.nodes[u]['label']} → {g.nodes[v]['label']}")
    out = []
    for b in analysis.graph.boundaries:
        d = g.nodes[b]
        parent = d.get("boundary")
        bc = BoundaryCrossings(
            b, d["label"], BOUNDARY_KIND_NAMES.get(d["kind"], d["kind"]), g.nodes[parent]["label"] if parent else None
        )
        for kind, items in per.get(b, {}).items():
            unique = list(dict.fromkeys(items))
            bc.crossings.append(Crossing(kind, len(items), unique[:examples]))
        out.append(bc)
    return out


def merge_same_crossings(rows: list[BoundaryCrossings]) -> list[BoundaryCrossings]:
    """A boundary crossed by exactly what crosses the boundary around it (the Lambda service VPC
    inside the service account) shares that row instead of repeating it."""
    out: list[BoundaryCrossings] = []
    for b in rows:
        last = out[-1] if out else None
        if last is not None and b.parent == last.label.rsplit(" / ", 1)[-1] and b.crossings == last.crossings:
            last.label += f" / {b.label}"
            continue
        out.append(b)
    return out


# -- the architecture view ------------------------------------------------------------------
@dataclass
class ViewNode:
    id: str
    kind: str
    label: str
    cluster: str | None
    element: str = ""
    count: int = 1
    marker: Marker | None = None
    members: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ViewCluster:
    id: str
    kind: str
    label: str
    parent: str | None
    element: str = ""
    marker: Marker | None = None


@dataclass
class ViewEdge:
    source: str
    target: str
    kind: str
    crosses: bool
    count: int = 1


@dataclass
class ArchitectureView:
    """The graph as drawn: boundaries become clusters, look-alike functions may be grouped."""

    title: str
    clusters: dict[str, ViewCluster]
    nodes: dict[str, ViewNode]
    edges: list[ViewEdge]
    grouped: bool
    unplaced: list[str] = field(default_factory=list)
    grouping: str = ""  # what grouped functions share, when grouped

    def children(self) -> dict[str | None, list[str]]:
        out: dict[str | None, list[str]] = defaultdict(list)
        for c in self.clusters.values():
            out[c.parent].append(c.id)
        return out

    def members(self) -> dict[str | None, list[str]]:
        out: dict[str | None, list[str]] = defaultdict(list)
        for n in self.nodes.values():
            out[n.cluster].append(n.id)
        return out


MAX_FUNCTION_NODES = 150
# dot's time grows with the edges between clusters (facts.md): above this many drawn edges a
# grouped view is coarsened further.
MAX_EDGES = 1200
# From this many functions on, the ENIs of a subnet are drawn as one node too.
VERY_LARGE_MODEL = 3000
# What the functions of one node share, per grouping level.
GROUPING = (
    "account, subnets, security groups, role and triggers",
    "account, subnets, security groups and role",
    "account, subnets and security groups",
    "account and VPC",
)


def function_groups(analysis: Any, start: int = 0) -> dict[str, str]:
    """Function -> its representative function. Below LARGE_MODEL each function stands for
    itself; above it, functions with the same account, subnets, security groups, role and
    triggers share one node, and if that still leaves more than MAX_FUNCTION_NODES nodes the
    key is coarsened (triggers, then role are dropped) so that dot finishes in seconds.
    `start` is the first level tried (GROUPING)."""
    return _function_groups(analysis, start)[0]


def _function_groups(analysis: Any, start: int = 0) -> tuple[dict[str, str], int]:
    w = analysis.workload
    if len(w.functions) < LARGE_MODEL:
        return {name: name for name in w.functions}, -1

    def key(fn: Any, level: int) -> tuple[Any, ...]:
        net = (fn.vpc.vpc, tuple(fn.vpc.subnets), tuple(sorted(set(fn.vpc.security_groups)))) if fn.vpc else None
        if level == 3:
            return (w.account_of(fn), fn.vpc.vpc if fn.vpc else None)
        parts: list[Any] = [w.account_of(fn), net]
        if level < 2:
            parts.append(fn.role)
        if level < 1:
            parts.append(tuple((t.type, t.source, t.account) for t in fn.triggers))
        return tuple(parts)

    out: dict[str, str] = {}
    level = start
    for level in range(start, len(GROUPING)):
        firsts: dict[Any, str] = {}
        out = {name: firsts.setdefault(key(fn, level), name) for name, fn in w.functions.items()}
        if len(firsts) <= MAX_FUNCTION_NODES:
            break
    return out, level


def _sandbox_group(analysis: Any, node: str) -> str:
    """Sandboxes are drawn per account and VPC attachment: one per function is only noise."""
    w = analysis.workload
    fn = w.functions[node.removeprefix("ee:")]
    return f"ee:{w.account_of(fn)}|{'vpc' if fn.vpc else 'novpc'}"


def _representative(analysis: Any, groups: dict[str, str], grouped: bool) -> dict[str, tuple[str, str]]:
    """Graph node -> (the node that draws it, that node's label). In a large model, resources,
    roles and triggers are drawn per place and type, functions per group."""
    g = analysis.graph.graph
    rep: dict[str, tuple[str, str]] = {}
    for n, d in g.nodes(data=True):
        kind, place = d["kind"], d.get("boundary")
        if kind == "execution_environment":
            rep[n] = (_sandbox_group(analysis, n), d["label"])
        elif not grouped:
            rep[n] = (n, d["label"])
        elif kind == "function":
            first = groups[n.removeprefix("function:")]
            rep[n] = (f"function:{first}", first)
        elif kind == "trigger":
            rep[n] = (f"trigger:{place}|{d.get('type')}", f"{d.get('type')} triggers")
        elif kind == "resource":
            rep[n] = (f"resource:{place}|{d.get('type')}", f"{d.get('type')} resources")
        elif kind == "role":
            rep[n] = (f"role:{place}|{d.get('role_kind')}", f"{d.get('role_kind')} roles")
        elif kind == "hyperplane_eni" and len(analysis.workload.functions) >= VERY_LARGE_MODEL:
            rep[n] = (f"eni:{place}", "Hyperplane ENIs")
        else:
            rep[n] = (n, d["label"])
    return rep


def _in_view(analysis: Any, view: str | None) -> set[str] | None:
    """The graph nodes a view draws (None: all): the part and its direct neighbours."""
    if view is None:
        return None
    key, sep, name = view.partition("=")
    g = analysis.graph.graph
    if not sep or key not in ("account", "vpc"):
        raise ValueError(f"unknown view '{view}': use account=NAME or vpc=NAME")
    root = f"{key}:{name}"
    if root not in g:
        if key == "account":
            names = [
                d["label"]
                for n, d in g.nodes(data=True)
                if d["kind"] in ("account", "external_account") and n.startswith("account:")
            ]
        else:
            names = list(analysis.workload.vpcs)
        raise ValueError(f"no {key} '{name}' in the model; known: {', '.join(names) or 'none'}")
    inside = {n for n in g if root in analysis.graph.chain(n)}
    around = set(inside)
    for n in inside:
        around.update(g.successors(n))
        around.update(g.predecessors(n))
    return around


def architecture_view(analysis: Any, view: str | None = None) -> ArchitectureView:
    """The view to draw: in a large model, the finest grouping of functions whose drawing stays
    within MAX_FUNCTION_NODES function nodes and MAX_EDGES edges."""
    start = 0
    while True:
        groups, level = _function_groups(analysis, start)
        v = _view(analysis, view, groups)
        if level < 0 or len(v.edges) <= MAX_EDGES or level >= len(GROUPING) - 1:
            v.grouping = GROUPING[level] if v.grouped else ""
            return v
        start = level + 1


def _view(analysis: Any, view: str | None, groups: dict[str, str]) -> ArchitectureView:
    g = analysis.graph.graph
    grouped = any(k != v for k, v in groups.items())
    keep = _in_view(analysis, view)
    rep = _representative(analysis, groups, grouped)
    markers = node_markers(analysis)
    boundary_nodes = {n for n, d in g.nodes(data=True) if d.get("is_boundary")}

    wanted = set(g) if keep is None else set(keep)
    # Every boundary around a drawn node is drawn, so the node sits in its real place.
    for n in list(wanted):
        wanted.update(analysis.graph.chain(n))

    clusters: dict[str, ViewCluster] = {}
    nodes: dict[str, ViewNode] = {}
    for n, d in g.nodes(data=True):
        if n not in wanted:
            continue
        if n in boundary_nodes:
            clusters[n] = ViewCluster(
                n, d["kind"], shorten(d["label"]), d.get("boundary"), d.get("element", ""), markers.get(n)
            )
            continue
        r, label = rep[n]
        vn = nodes.get(r)
        if vn is None:
            vn = nodes[r] = ViewNode(r, d["kind"], shorten(label), d.get("boundary"), d.get("element", ""), 0)
        vn.count += 1
        vn.members.append(d["label"])
        m = markers.get(n)
        if m is not None:
            old = vn.marker
            vn.marker = m if old is None else Marker(old.count + m.count, worst([old.worst, m.worst]))
    for vn in nodes.values():
        if vn.kind == "execution_environment":
            account, _, attachment = vn.id.removeprefix("ee:").rpartition("|")
            vn.label = f"sandboxes of {vn.count} {shorten(account, 40)} function{'s' if vn.count != 1 else ''}\n" + (
                "outside any VPC (open egress)" if attachment == "novpc" else "attached to customer VPCs"
            )
        elif vn.count > 1 and vn.kind == "function":
            vn.label = f"{shorten(vn.members[0], 40)} +{vn.count - 1} more ({vn.count} functions)"
        elif vn.count > 1 and vn.kind in ("trigger", "resource", "role", "hyperplane_eni"):
            vn.label = f"{vn.label} (x{vn.count})"

    edges: dict[tuple[str, str, str], ViewEdge] = {}
    fans: dict[tuple[str, str], set[str]] = defaultdict(set)
    hyperplane_seen: set[tuple[str, Any]] = set()
    for u, v, d in g.edges(data=True):
        if u not in wanted or v not in wanted:
            continue
        if keep is not None and u not in keep and v not in keep:
            continue
        kind = d["kind"]
        ru, rv = rep[u][0], rep[v][0]
        if kind == "invokes" and g.nodes[v]["kind"] == "execution_environment":
            # Every function of an account runs in the service VPC: one edge from the account.
            ru = g.nodes[u]["boundary"] or ru
        if ru == rv:
            continue
        if kind == "egress" and g.nodes[u]["kind"] == "execution_environment":
            # Hyperplane carries the sandboxes' traffic into each VPC: one edge per VPC says
            # it; one per ENI only crosses the picture many times.
            vpc = g.nodes[v].get("vpc")
            if (ru, vpc) in hyperplane_seen:
                continue
            hyperplane_seen.add((ru, vpc))
        if g.nodes[v]["kind"] == "vpc_endpoint":
            fans[(rv, "egress-endpoint")].add(ru)
            continue
        if kind in FAN_NOTES:
            end = ru if FAN_NOTES[kind][0] == "source" else rv
            fans[(end, kind)].add(rv if end == ru else ru)
        key = (ru, rv, kind)
        e = edges.get(key)
        if e is None:
            edges[key] = ViewEdge(ru, rv, kind, bool(d.get("crosses")))
        else:
            e.count += 1
    dropped: set[tuple[str, str]] = set()
    for (end, kind), others in fans.items():
        if kind == "egress-endpoint":
            if end in nodes:
                nodes[end].notes.append(f"reached from {len(others)} ENI{'s' if len(others) != 1 else ''}")
        elif len(others) > FAN and end in nodes:
            nodes[end].notes.append(FAN_NOTES[kind][1].format(n=len(others)))
            dropped.add((end, kind))
    kept = [
        e
        for e in edges.values()
        if not (
            e.kind in FAN_NOTES and ((e.source if FAN_NOTES[e.kind][0] == "source" else e.target), e.kind) in dropped
        )
    ]
    title = shorten(analysis.name, 80) + (f" ({shorten(view, 80)})" if view else "")
    return ArchitectureView(title, clusters, nodes, kept, grouped)


# -- the layer cake ------------------------------------------------------------------------
@dataclass
class CakeLayer:
    component: str
    name: str
    owner: str
    moved_by: list[str]
    reasons: list[str]


@dataclass
class OwnershipProfile:
    """One distinct ownership profile and the functions that have it."""

    index: int
    functions: list[str]
    layers: list[CakeLayer]

    def side(self, owner: str) -> list[CakeLayer]:
        return [layer for layer in self.layers if layer.owner == owner]


def ownership_profiles(analysis: Any) -> list[OwnershipProfile]:
    kb = analysis.knowledge
    out = []
    for i, (profile, functions) in enumerate(analysis.matrix.profiles(), start=1):
        first = analysis.matrix.cells[functions[0]]
        layers = []
        for comp, owner, shifts in profile:
            # The choices that put the component where it is: a zip package does not move the
            # execution environment onto the line, the /tmp cache next to it does.
            decisive = [s for s in shifts if s in kb.ownership.shifts and kb.ownership.shifts[s].owner == owner]
            moved = [SHIFT_SHORT[s] for s in decisive or shifts if s in SHIFT_SHORT]
            layers.append(CakeLayer(comp, kb.components[comp].name, owner, moved, list(first[comp].reasons)))
        out.append(OwnershipProfile(i, list(functions), layers))
    return out


# -- the report (threat-model.md and index.html read the same context) ----------------------
MAX_DUTIES_PER_TEAM = 200
ASSUMPTIONS = (
    "The model is the truth: what is not in it (accounts, callers, resources) is not analysed.",
    "AWS operates what the shared-responsibility model gives it (infrastructure, the Lambda service VPC, "
    "Hyperplane, managed runtimes within support) as documented; tmgen does not test AWS's side.",
    "IAM is evaluated from the statements and managed policies in the model; SCPs and permission "
    "boundaries count only as far as the model's guardrails describe them.",
    "Runtime support dates come from tmgen's runtime table and are read on the 'as of' date.",
    "Accepted risks silence a finding only until their expiry date.",
)
HOW_TO_READ = (
    "The architecture diagram draws each trust boundary as a box: AWS's Lambda service account and "
    "VPC (where every function actually runs, in an execution environment), each of your accounts with "
    "its VPCs and subnets (where the Hyperplane ENIs of VPC-attached functions sit), external accounts "
    "and the Internet. Thick edges cross a trust boundary; a coloured border and a '[!]' line mark an "
    "element with findings, coloured by the worst severity.",
    "The responsibility matrix says, per function and component, whether AWS, the customer or both "
    "(Shared) own its security, and why; the layer cake draws the same per ownership profile.",
    "Findings are grouped by component, then by threat: one threat is listed once with every element "
    "it hits, each with its place in the model file, evidence and the team that must act. Its STRIDE "
    "letters name the kind of threat (Spoofing, Tampering, Repudiation, Information disclosure, Denial "
    "of service, Elevation of privilege); 'responsibility' is who owns that component's security.",
    "Duties are what the customer must do for each Shared or Customer cell; unassigned duties come first "
    "because nobody will do them until a team is named.",
)


def report_context(analysis: Any, generated: str | None = None, diagrams: bool = True) -> dict[str, Any]:
    """Everything threat-model.md and index.html show, in the order they show it. `generated`
    is a date to print (none by default, so that two builds give identical bytes)."""
    w = analysis.workload
    m = analysis.matrix
    comps = [(c, analysis.knowledge.components[c].name) for c in m.components]
    duties = []
    for team, items in m.by_team().items():
        duties.append(
            {
                "team": team,
                "count": len(items),
                "duties": items[:MAX_DUTIES_PER_TEAM],
                "more": max(len(items) - MAX_DUTIES_PER_TEAM, 0),
            }
        )
    aggregate = []
    per_component = m.aggregate()
    for comp, name in comps:
        owners = per_component[comp]
        aggregate.append(
            {
                "component": name,
                "owners": [
                    {
                        "owner": o,
                        "count": e["count"],
                        "functions": e["functions"][:12],
                        "more": max(len(e["functions"]) - 12, 0),
                    }
                    for o, e in owners.items()
                ],
            }
        )
    accepted = [f for f in analysis.findings if f.accepted is not None]
    return {
        "name": analysis.name,
        "description": w.workload.description,
        "owner": w.workload.owner,
        "classification": w.workload.data_classification,
        "as_of": analysis.as_of.isoformat(),
        "model_file": analysis.document.file,
        "counts": {
            "functions": len(w.functions),
            "accounts": len(w.accounts),
            "vpcs": len(w.vpcs),
            "enis": len(analysis.graph.enis),
            "boundaries": len(analysis.graph.boundaries),
            "findings": sum(1 for f in analysis.findings if f.active),
        },
        "accounts": [
            {"name": n, "id": a.id, "external": a.external, "description": a.description} for n, a in w.accounts.items()
        ],
        "assumptions": ASSUMPTIONS,
        "how_to_read": HOW_TO_READ,
        "crossings": merge_same_crossings([b for b in boundary_crossings(analysis) if b.crossings]),
        "components": comps,
        "matrix": [{"function": fn, "cells": [m.cells[fn][c] for c, _ in comps]} for fn in m.cells],
        "aggregate": aggregate,
        "profiles": ownership_profiles(analysis),
        "threats": threats_by_component(analysis),
        "accepted": accepted,
        "severity_counts": severity_counts(analysis),
        "teams": teams_of_findings(analysis),
        "duties": duties,
        "warnings": [str(wn) for wn in analysis.warnings],
        "severities": SEVERITIES,
        "generated": generated,
        "diagrams": diagrams,
    }


def safe_url(url: object) -> str:
    """An http(s) URL with the characters that could end a link or an attribute
    percent-encoded; anything else (javascript:, data:) becomes '#'."""
    text = str(url).strip()
    if not text.lower().startswith(("https://", "http://")):
        return "#"
    return "".join(
        c
        if c.isascii() and c.isprintable() and c not in " \"'<>()[]`{}|\\"
        else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
        for c in text
    )


def evidence_items(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """Evidence as (key, value text) pairs; nested values as compact JSON."""
    import json

    return [
        (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str))
        for k, v in evidence.items()
    ]
