"""The Graphviz diagrams: structure, safety rules for dot, views, formats and failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tmgen.render import diagram, report_model

needs_dot = pytest.mark.skipif(not diagram.dot_available(), reason="Graphviz `dot` is not installed")


def test_architecture_has_nested_boundaries(examples):
    dot = diagram.architecture_dot(examples["seed-vpc-pattern"])
    # service account > service VPC, account > VPC > subnet: clusters nest
    assert re.search(r"subgraph cluster_n\d+ \{\n\s+label=\"AWS Lambda service account", dot)
    assert "Lambda service VPC" in dot and "Hyperplane ENI" in dot
    assert dot.count("subgraph cluster_") >= 5
    assert "Legend" in dot


def test_no_edge_carries_a_label(examples):
    """Labelled edges across clusters make dot 2.43 lose edges (facts.md)."""
    for a in examples.values():
        for line in diagram.architecture_dot(a).splitlines():
            if "->" in line:
                assert " label=" not in line and "[label" not in line, line


def test_findings_mark_elements(examples):
    a = examples["naive-public-api"]
    markers = report_model.node_markers(a)
    fn = markers["function:quote-api"]
    assert fn.count >= 1 and fn.worst in ("critical", "high")
    assert f"[!] {fn.text}" in diagram.architecture_dot(a).replace("\\n", "\n")


def test_view_draws_one_part(examples):
    a = examples["multi-account-platform"]
    whole = report_model.architecture_view(a)
    part = report_model.architecture_view(a, "vpc=shared-tools")
    assert len(part.nodes) < len(whole.nodes)
    assert "vpc:shared-tools" in part.clusters and "vpc:prod-core" not in part.clusters
    acct = report_model.architecture_view(a, "account=shared-services")
    assert "account:retail-prod" not in acct.clusters or len(acct.nodes) < len(whole.nodes)
    with pytest.raises(ValueError, match="known"):
        report_model.architecture_view(a, "vpc=nope")
    with pytest.raises(ValueError, match="account=NAME"):
        report_model.architecture_view(a, "region=x")


def test_layer_cake_one_picture_per_profile(examples):
    a = examples["multi-account-platform"]
    dot = diagram.responsibility_dot(a)
    assert dot.count("[label=<") == len(a.matrix.profiles())
    assert "moved by: container image" in dot and "SHARED: on the line" in dot
    assert "carrier-rates" in dot


def test_large_models_group_functions(examples, monkeypatch):
    a = examples["multi-account-platform"]
    monkeypatch.setattr(report_model, "LARGE_MODEL", 5)
    monkeypatch.setattr(report_model, "MAX_FUNCTION_NODES", 4)
    view = report_model.architecture_view(a)
    fns = [n for n in view.nodes.values() if n.kind == "function"]
    assert len(fns) < len(a.workload.functions)
    assert sum(n.count for n in fns) == len(a.workload.functions)
    assert any("more (" in n.label for n in fns)


@needs_dot
@pytest.mark.parametrize(
    "suffix,magic",
    [(".svg", b"<svg"), (".png", b"\x89PNG"), (".pdf", b"%PDF"), (".dot", b"digraph"), (".mmd", b"flowchart")],
)
def test_render_file_formats(examples, suffix, magic):
    data = diagram.render_file(examples["seed-vpc-pattern"], Path("out" + suffix), None, "architecture")
    assert magic in data[:400]


def test_render_file_rejects_unknown(examples):
    with pytest.raises(ValueError, match="unknown diagram format"):
        diagram.render_file(examples["seed-vpc-pattern"], Path("x.gif"))
    with pytest.raises(ValueError, match="architecture diagram only"):
        diagram.render_file(examples["seed-vpc-pattern"], Path("x.mmd"), kind="responsibility")


@needs_dot
def test_dot_failures_are_clear():
    with pytest.raises(diagram.DiagramError, match="dot failed"):
        diagram.to_bytes("digraph { a -> ; }", "svg")


def test_missing_dot(monkeypatch):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    with pytest.raises(diagram.GraphvizMissing, match="apt-get install graphviz"):
        diagram.to_bytes("digraph { a -> b }", "svg")


def test_lost_edge_on_stderr_is_a_failure(monkeypatch):
    class Done:
        returncode = 0
        stdout = b"<svg/>"
        stderr = b"Error: lost n1 n2 edge\n"

    monkeypatch.setattr(diagram.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(diagram.subprocess, "run", lambda *a, **k: Done())
    with pytest.raises(diagram.DiagramError, match="lost n1 n2 edge"):
        diagram.to_bytes("digraph { a -> b }", "svg")


def test_layer_cake_names_only_what_moved_a_component(examples):
    """pricing-engine's execution environment is Shared because of its /tmp cache, not because it
    is a zip package (the zip package keeps it AWS's)."""
    profiles = report_model.ownership_profiles(examples["multi-account-platform"])
    cache = next(p for p in profiles if p.functions == ["pricing-engine"])
    ee = next(layer for layer in cache.layers if layer.component == "execution-environment")
    assert ee.owner == "Shared" and ee.moved_by == ["/tmp used as a cache"]


def test_large_model_is_coarsened_until_dot_is_quick(examples, monkeypatch):
    """With more edges than MAX_EDGES the grouping drops triggers, role, then subnets; the
    subtitle and legend say what the functions of a node share."""
    a = examples["multi-account-platform"]
    monkeypatch.setattr(report_model, "LARGE_MODEL", 1)
    fine = report_model.architecture_view(a)
    assert fine.grouped and fine.grouping == report_model.GROUPING[0]
    monkeypatch.setattr(report_model, "MAX_EDGES", 10)
    coarse = report_model.architecture_view(a)
    assert coarse.grouping == report_model.GROUPING[-1] and len(coarse.nodes) < len(fine.nodes)
    dot = diagram.architecture_dot(a)
    assert "functions that share account and VPC are drawn as one node" in dot
