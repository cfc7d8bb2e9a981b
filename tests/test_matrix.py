"""The responsibility matrix: every ownership shift on its own and in combination, teams,
views, and the JSON contract."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tmgen.analysis import analyze, load_workload
from tmgen.render import matrix_views

BASE = """
version: 1
workload: {{name: m, as_of: {as_of}}}
teams: {{net: {{}}, app: {{}}, sec: {{}}}}
responsibilities: {{networking: net, code: app, configuration: app, runtime: app, execution-environment: app}}
vpcs:
  core:
    cidr: 10.0.0.0/16
    subnets: {{a: {{az: eu-west-1a, cidr: 10.0.1.0/24}}, b: {{az: eu-west-1b, cidr: 10.0.2.0/24, route: nat}}}}
    security_groups: {{sg: {{egress: [{{to: 0.0.0.0/0, ports: "443"}}]}}}}
functions:
  f:
{function}
"""


def cells(write_model, function: str, as_of: str = "2026-11-30"):
    text = BASE.format(as_of=as_of, function="\n".join("    " + line for line in function.strip().splitlines()))
    a = analyze(load_workload(write_model(text)))
    return a.matrix.cells["f"], a


def owners(write_model, function: str, as_of: str = "2026-11-30") -> dict[str, str]:
    c, _ = cells(write_model, function, as_of)
    return {k: v.owner for k, v in c.items()}


def test_zip_on_supported_managed_runtime(write_model) -> None:
    assert owners(write_model, "runtime: python3.12") == {
        "infrastructure": "AWS",
        "execution-environment": "AWS",
        "runtime": "AWS",
        "networking": "AWS",
        "configuration": "Customer",
        "code": "Customer",
        "iam": "Customer",
    }


def test_container_image_shares_the_execution_environment(write_model) -> None:
    c, _ = cells(write_model, "package: image")
    assert c["execution-environment"].owner == "Shared" and c["execution-environment"].shifts == ["container-image"]
    assert c["runtime"].owner == "Shared" and c["runtime"].shifts == ["image-aws-base"]
    texts = [d.text for d in c["execution-environment"].duties]
    assert "Patch the OS packages and base image of the container image of f" in texts


def test_image_on_a_custom_base_gives_the_runtime_to_the_customer(write_model) -> None:
    c, _ = cells(write_model, "package: image\nimage: {base: custom}")
    assert c["runtime"].owner == "Customer" and c["runtime"].shifts == ["image-custom-base"]
    assert c["execution-environment"].owner == "Shared"


def test_tmp_cache_shares_the_execution_environment(write_model) -> None:
    c, _ = cells(write_model, "runtime: python3.12\ntmp: {use: cache}")
    assert c["execution-environment"].owner == "Shared"
    assert c["execution-environment"].shifts == ["zip-package", "tmp-cache"]
    assert c["execution-environment"].duties[0].elements == ["functions.f.tmp"]
    assert c["execution-environment"].duties[0].team == "app"


def test_deprecated_managed_runtime_is_shared_with_an_upgrade_duty(write_model) -> None:
    c, _ = cells(write_model, "runtime: python3.8")
    assert c["runtime"].owner == "Shared" and c["runtime"].shifts == ["runtime-deprecated"]
    assert c["runtime"].duties[0].text == (
        "Upgrade runtime python3.8 (deprecated 2024-10-14; create blocked 2027-02-01; update blocked 2027-03-03)"
    )


def test_lifecycle_follows_as_of(write_model) -> None:
    assert owners(write_model, "runtime: python3.11", "2027-06-29")["runtime"] == "AWS"
    assert owners(write_model, "runtime: python3.11", "2027-06-30")["runtime"] == "Shared"
    c, a = cells(write_model, "runtime: python3.11", "2027-08-31")
    assert a.matrix.runtime["f"].status == "update blocked"
    c, a = cells(write_model, "runtime: python3.11", "2027-01-15")
    assert c["runtime"].shifts == ["managed-runtime-ending"] and a.matrix.runtime["f"].status == "supported"


def test_custom_runtime_is_the_customers(write_model) -> None:
    c, _ = cells(write_model, "runtime: provided.al2023")
    assert c["runtime"].owner == "Customer" and c["runtime"].shifts == ["custom-runtime"]
    assert c["execution-environment"].owner == "AWS"  # AWS still patches the OS-only base


def test_custom_runtime_that_is_itself_deprecated(write_model) -> None:
    c, _ = cells(write_model, "runtime: provided.al2", "2026-11-30")
    assert c["runtime"].owner == "Customer"
    assert c["runtime"].shifts == ["custom-runtime", "custom-runtime-deprecated"]
    assert any("provided.al2023" in d.text for d in c["runtime"].duties)


def test_unknown_runtime(write_model) -> None:
    c, a = cells(write_model, "runtime: cobol85")
    assert c["runtime"].owner == "Shared" and a.matrix.runtime["f"].status == "unknown"


def test_vpc_attachment_shares_networking_with_named_duties(write_model) -> None:
    c, _ = cells(write_model, "runtime: python3.12\nvpc: {vpc: core, subnets: [a, b], security_groups: [sg]}")
    net = c["networking"]
    assert net.owner == "Shared" and net.shifts == ["vpc-attached"]
    sizing = net.duties[0]
    assert sizing.text == "Size subnets a, b for the Hyperplane ENIs of (a, b / sg)"
    assert sizing.elements == [
        "vpcs.core.subnets.a",
        "vpcs.core.subnets.b",
        "eni:default/core/a/sg",
        "eni:default/core/b/sg",
    ]
    assert sizing.team == "net"
    assert "Keep security group sg's egress narrow" in [d.text for d in net.duties]


def test_vpc_function_caching_in_tmp(write_model) -> None:
    got = owners(
        write_model, "runtime: python3.12\ntmp: {use: cache}\nvpc: {vpc: core, subnets: [a], security_groups: [sg]}"
    )
    assert (got["execution-environment"], got["networking"], got["runtime"]) == ("Shared", "Shared", "AWS")


def test_no_vpc_leaves_networking_to_aws(write_model) -> None:
    c, _ = cells(write_model, "runtime: python3.12")
    assert c["networking"].owner == "AWS" and c["networking"].duties == []


def test_function_owners_override_model_responsibilities(write_model) -> None:
    c, a = cells(write_model, "runtime: python3.12\nowners: {code: sec}\nenvironment: {DB_PASSWORD: x}")
    assert {d.team for d in c["code"].duties} == {"sec"}
    assert [d.text for d in c["configuration"].duties if "DB_PASSWORD" in d.text] == [
        "Rotate and move DB_PASSWORD out of environment variables"
    ]
    # iam has no team: its duties are unassigned and listed first by team
    assert all(d.team is None for d in c["iam"].duties)
    groups = a.matrix.by_team()
    assert next(iter(groups)) is None and {d.component for d in groups[None]} == {"iam"}


def test_json_contract(write_model) -> None:
    _, a = cells(write_model, "runtime: python3.8\nvpc: {vpc: core, subnets: [a], security_groups: [sg]}")
    data = json.loads(matrix_views.render(a, "function", "json"))
    assert list(data) == ["components", "functions", "unassigned"]
    assert data["components"] == [
        "infrastructure",
        "execution-environment",
        "runtime",
        "networking",
        "configuration",
        "code",
        "iam",
    ]
    cell = data["functions"]["f"]["runtime"]
    assert list(cell) == ["owner", "reasons", "duties"] and cell["owner"] == "Shared"
    assert list(cell["duties"][0]) == ["text", "elements", "team"]
    owners_seen = {c["owner"] for c in data["functions"]["f"].values()}
    assert owners_seen <= {"AWS", "Shared", "Customer"}
    assert data["unassigned"] and set(data["unassigned"][0]) == {"function", "component", "duty"}


def test_aggregate_counts_owners_and_reasons(write_model) -> None:
    text = BASE.format(as_of="2026-11-30", function="    runtime: python3.12") + (
        "  g: {runtime: python3.8}\n  h: {package: image}\n"
    )
    a = analyze(load_workload(write_model(text)))
    agg = a.matrix.aggregate()["runtime"]
    assert {o: e["count"] for o, e in agg.items()} == {"AWS": 1, "Shared": 2}
    assert dict(agg["Shared"]["reasons"]) == {"runtime-deprecated": 1, "image-aws-base": 1}
    md = matrix_views.render(a, "component", "md")
    assert "| Language runtime | Shared | 2 |" in md


def test_markdown_transposes_above_eight_functions(write_model) -> None:
    fns = "".join(f"  fn{i}: {{runtime: python3.12}}\n" for i in range(9))
    text = BASE.format(as_of="2026-11-30", function="    runtime: python3.12") + fns
    md = matrix_views.render(analyze(load_workload(write_model(text))), "function", "md")
    assert "| Function | Infrastructure |" in md.splitlines()[4]


def test_csv_neutralises_formulas(write_model) -> None:
    _, a = cells(write_model, "runtime: python3.12\nenvironment: {'=cmd|x': {secret: true}}")
    csv_text = matrix_views.render(a, "function", "csv")
    assert "'=cmd" not in csv_text or "Rotate and move =cmd" in csv_text
    assert ",=cmd" not in csv_text


EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "matrix"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("by, fmt", [(b, f) for b in ("function", "component", "team") for f in ("md", "csv", "json")])
def test_golden_views(example: Path, by: str, fmt: str) -> None:
    a = analyze(load_workload(example))
    text = matrix_views.render(a, by, fmt)
    golden = GOLDEN / f"{example.stem}.{by}.{fmt}"
    if os.environ.get("TMGEN_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
    assert golden.read_bytes().decode("utf-8") == text, "run `make golden` after an intended change"
    assert matrix_views.render(analyze(load_workload(example)), by, fmt) == text  # stable between runs
