"""The trust-boundary graph as networkx node-link JSON."""

from __future__ import annotations

import json
from typing import Any

from tmgen.graph import TrustGraph


def graph_data(tg: TrustGraph) -> dict[str, Any]:
    g = tg.graph
    nodes = []
    for n, d in g.nodes(data=True):
        item = {"id": n, "kind": d["kind"], "boundary": d.get("boundary")}
        item.update({k: v for k, v in d.items() if k not in ("kind", "boundary")})
        nodes.append(item)
    links = []
    for u, v, k, d in g.edges(keys=True, data=True):
        item = {"source": u, "target": v, "key": k, "kind": d["kind"], "crosses": list(d.get("crosses", []))}
        item.update({k2: v2 for k2, v2 in d.items() if k2 not in ("kind", "crosses")})
        links.append(item)
    return {
        "directed": True,
        "multigraph": True,
        "graph": {"workload": g.graph.get("workload"), "enis": len(tg.enis), "boundaries": len(tg.boundaries)},
        "nodes": nodes,
        "links": links,
    }


def render(tg: TrustGraph) -> str:
    return json.dumps(graph_data(tg), indent=2, ensure_ascii=False, default=str) + "\n"
