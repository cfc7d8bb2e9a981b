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
from tmgen.responsibility import creates_enis_anywhere

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


# -- duties that carry the concerns of the shared-responsibility model -------------------

DUTY_BASE = """
version: 1
workload: {{name: d, as_of: 2026-11-30}}
teams: {{net: {{}}, sec: {{}}}}
responsibilities: {{networking: net, iam: sec}}
{extra}
vpcs:
  core:
    cidr: 10.0.0.0/16
    subnets: {{a: {{az: eu-west-1a, cidr: 10.0.1.0/24}}, b: {{az: eu-west-1b, cidr: 10.0.2.0/24}}}}
    security_groups: {{sg: {{egress: [{{to: 10.0.0.0/16, ports: "443"}}]}}}}
{endpoints}
resources:
  table: {{type: dynamodb}}
  bus: {{type: eventbridge}}
functions:
{functions}
"""


def duty_analysis(write_model, functions: str, extra: str = "", endpoints: str = ""):
    text = DUTY_BASE.format(
        extra=extra,
        endpoints="\n".join("    " + line for line in endpoints.strip().splitlines()),
        functions="\n".join("  " + line for line in functions.strip().splitlines()),
    )
    return analyze(load_workload(write_model(text)))


def duties_of(a, fn: str, component: str, prefix: str):
    return [d for d in a.matrix.cells[fn][component].duties if d.text.startswith(prefix)]


VPC_FN = "vpc: {vpc: core, subnets: [a, b], security_groups: [sg]}"


def test_full_access_endpoint_in_use_gets_a_narrowing_duty(write_model) -> None:
    fn = f"f: {{runtime: python3.12, {VPC_FN}, calls: [{{resource: table, access: read}}]}}"
    a = duty_analysis(write_model, fn, endpoints="endpoints: {dynamodb: {type: gateway, policy: full}}")
    [d] = duties_of(a, "f", "networking", "Narrow the full-access policy")
    assert (
        d.text == "Narrow the full-access policy of endpoint dynamodb in VPC core to the resources f reaches through it"
    )
    assert d.elements == ["vpcs.core.endpoints.dynamodb"] and d.team == "net"
    a = duty_analysis(write_model, fn, endpoints="endpoints: {dynamodb: {type: gateway, policy: restricted}}")
    assert duties_of(a, "f", "networking", "Narrow the full-access policy") == []
    # an endpoint the function does not use is not its duty
    fn = f"f: {{runtime: python3.12, {VPC_FN}}}"
    a = duty_analysis(write_model, fn, endpoints="endpoints: {dynamodb: {type: gateway, policy: full}}")
    assert duties_of(a, "f", "networking", "Narrow the full-access policy") == []


def test_endpoint_duty_counts_secrets_and_reads_aws_spellings(write_model) -> None:
    fn = (
        f"f: {{runtime: python3.12, {VPC_FN}, calls: [{{resource: bus, access: write}}],"
        " secrets: [{store: secretsmanager, name: k}]}"
    )
    a = duty_analysis(write_model, fn, endpoints="endpoints: {com.amazonaws.eu-west-1.events: {type: interface}}")
    [d] = duties_of(a, "f", "networking", "Provide VPC endpoints")
    assert d.text == "Provide VPC endpoints with narrow policies for secretsmanager in VPC core"


def test_secrets_fetched_at_run_time_get_an_access_duty(write_model) -> None:
    a = duty_analysis(write_model, "f: {runtime: python3.12, secrets: [{store: ssm, name: db-password}]}")
    [d] = duties_of(a, "f", "configuration", "Let only")
    assert d.text == "Let only the execution role of f read secret db-password (ssm) at run time, and rotate it"
    assert d.elements == ["functions.f.secrets[0]"]


def test_invokers_lists_every_caller(write_model) -> None:
    functions = """
f:
  runtime: python3.12
  permissions: [{principal: events.amazonaws.com, source_arn: "arn:aws:events:eu-west-1:111122223333:rule/r"}]
  url: {auth: AWS_IAM}
  triggers: [{type: eventbridge, source: bus}, {type: schedule}]
g: {runtime: python3.12, calls: [{resource: table, access: read}, {function: f, mode: async}]}
"""
    a = duty_analysis(write_model, functions)
    [d] = duties_of(a, "f", "iam", "Log the invocations")
    assert d.text == (
        "Log the invocations of f (CloudTrail data events) and review who may call it: function g,"
        " events.amazonaws.com, function URL (auth AWS_IAM), eventbridge bus, schedule"
    )
    assert d.elements == [
        "functions.g.calls[1]",
        "functions.f.permissions[0]",
        "functions.f.url",
        "functions.f.triggers[0]",
        "functions.f.triggers[1]",
    ]
    assert d.team == "sec"
    assert duties_of(a, "g", "iam", "Log the invocations") == []  # nobody may call g


def test_roles_that_can_add_integrations_are_named(write_model) -> None:
    extra = """roles:
  exec: {}
  ops: {kind: human, statements: [{actions: ["lambda:AddPermission"], resources: ["function:f"]}]}
  deployer: {kind: deployment, statements: [{actions: ["lambda:*"], resources: ["*"]}]}
  reader: {kind: human, statements: [{actions: ["lambda:InvokeFunction"], resources: ["*"]}]}"""
    a = duty_analysis(write_model, "f: {runtime: python3.12, role: exec}\ng: {runtime: python3.12}", extra)
    [d] = duties_of(a, "f", "iam", "Limit who may add integrations")
    assert d.text.endswith("; today ops, deployer") and d.elements == ["roles.ops", "roles.deployer"]
    [d] = duties_of(a, "g", "iam", "Limit who may add integrations")
    assert d.elements == ["roles.deployer"]


def test_role_that_may_invoke_any_function(write_model) -> None:
    extra = (
        "roles: {exec: {managed_policies: [AWSLambdaRole]},"
        " narrow: {statements: [{actions: [lambda:InvokeFunction], resources: [function:g]}]}}"
    )
    a = duty_analysis(
        write_model, "f: {runtime: python3.12, role: exec}\ng: {runtime: python3.12, role: narrow}", extra
    )
    [d] = duties_of(a, "f", "iam", "Restrict role exec")
    assert d.elements == ["functions.f.role", "roles.exec"]
    assert d.text == (
        "Restrict role exec of f to invoking the functions it calls"
        " (today any function, other accounts' too, whose calls only their CloudTrail records)"
    )
    assert duties_of(a, "g", "iam", "Restrict role narrow") == []


ENI_ROLE = "roles: {exec: {managed_policies: [AWSLambdaVPCAccessExecutionRole]}}"


def test_eni_permissions_on_any_subnet_get_a_scoping_duty(write_model) -> None:
    a = duty_analysis(write_model, f"f: {{runtime: python3.12, role: exec, {VPC_FN}}}", ENI_ROLE)
    [d] = duties_of(a, "f", "iam", "Limit where role exec")
    assert d.text == (
        "Limit where role exec of f may create network interfaces to subnets a, b and groups sg (ec2:Subnet"
        " conditions or a permission boundary; lambda:SubnetIds and lambda:SecurityGroupIds on deployments)"
    )
    assert d.elements == ["functions.f.role", "roles.exec", "functions.f.vpc"]


@pytest.mark.parametrize(
    "function, extra",
    [
        ("f: {runtime: python3.12, role: exec}", ENI_ROLE),  # not in a VPC: least privilege, not scoping
        (
            f"f: {{runtime: python3.12, role: exec, {VPC_FN}}}",
            ENI_ROLE + "\nguardrails: [{control: lambda-subnets-only, via: permission_boundary}]",
        ),
        (
            f"f: {{runtime: python3.12, role: exec, {VPC_FN}}}",
            "roles: {exec: {managed_policies: [AWSLambdaVPCAccessExecutionRole], permission_boundary: {statements:"
            ' [{actions: ["ec2:*"], resources: ["*"], conditions: {StringEquals: {"ec2:Subnet": "a"}}}]}}}',
        ),
    ],
    ids=["outside-vpc", "subnets-guardrail", "boundary-condition"],
)
def test_eni_scoping_duty_is_quiet_when_already_limited(write_model, function: str, extra: str) -> None:
    a = duty_analysis(write_model, function, extra)
    assert duties_of(a, "f", "iam", "Limit where role") == []


@pytest.mark.parametrize(
    "guardrails, expected",
    [
        ("", True),
        ("guardrails: [{control: lambda-vpc-only}]", False),
        ("guardrails: [{control: lambda-vpc-only, vpcs: [core]}]", False),
        ("guardrails: [{control: lambda-vpc-only, vpcs: [edge]}]", True),  # covers another VPC only
        ("guardrails: [{control: code-signing-required}]", True),
    ],
)
def test_vpc_guardrail_duty(write_model, guardrails: str, expected: bool) -> None:
    functions = f"f: {{runtime: python3.12, {VPC_FN}}}\ng: {{runtime: python3.12}}"
    text = DUTY_BASE.format(
        extra=guardrails,
        endpoints="  edge: {cidr: 10.1.0.0/16, subnets: {e: {az: eu-west-1a, cidr: 10.1.1.0/24}}}",  # a second VPC
        functions="\n".join("  " + line for line in functions.splitlines()),
    )
    a = analyze(load_workload(write_model(text)))
    got = duties_of(a, "f", "iam", "Keep deployments of f inside VPC core")
    assert bool(got) is expected
    if got:
        assert got[0].elements[0] == "functions.f.vpc"
    assert duties_of(a, "g", "iam", "Keep deployments") == []


# The duties above restate, per function and with its team, what some rules report; over
# every fixture of those rules the two must agree.
RULE_FIXTURES = sorted(
    p
    for rule in ("IAM-005", "IAM-006", "IAM-010", "IAM-012", "NET-006", "NET-007")
    for p in (ROOT / "tests" / "rules" / rule).glob("*.yaml")
)


def _flagged(a, rule: str) -> set[str]:
    return {f for x in a.findings if x.rule == rule for f in x.functions}


@pytest.mark.parametrize("case", RULE_FIXTURES, ids=[f"{p.parent.name}/{p.stem}" for p in RULE_FIXTURES])
def test_duties_agree_with_the_rules_they_restate(case: Path) -> None:
    a = analyze(load_workload(case))
    w = a.workload

    def having(component: str, prefix: str) -> set[str]:
        return {fn for fn in w.functions if duties_of(a, fn, component, prefix)}

    assert having("iam", "Restrict role ") == _flagged(a, "IAM-005")
    vpc_fns = {fn for fn, f in w.functions.items() if f.vpc is not None}
    assert having("iam", "Limit where role ") == _flagged(a, "IAM-006") & vpc_fns
    # the fixtures of IAM-006 mostly have no VPC: compare its reading of the role directly
    no_guardrail = w.guardrail("lambda-subnets-only") is None
    used = {f.role for f in w.functions.values() if f.role}
    eni_roles = {r for r in used if no_guardrail and creates_enis_anywhere(a.graph.role_policies[r])}
    assert eni_roles == {x.element.removeprefix("roles.") for x in a.findings if x.rule == "IAM-006"}
    if not any(g.vpcs for g in w.guardrails):  # IAM-010 ignores which VPCs a guardrail names
        fires = any(x.rule == "IAM-010" for x in a.findings)
        assert having("iam", "Keep deployments of ") == (vpc_fns if fires else set())
    integrators = {
        fn: [e.removeprefix("roles.") for d in duties_of(a, fn, "iam", "Limit who may add") for e in d.elements]
        for fn in w.functions
    }
    by_rule: dict[str, list[str]] = {}
    for x in a.findings:
        if x.rule == "IAM-012":
            for fn in x.functions:
                by_rule.setdefault(fn, []).append(x.element.removeprefix("roles."))
    assert {fn: sorted(r) for fn, r in integrators.items() if r} == {fn: sorted(r) for fn, r in by_rule.items()}
    assert having("networking", "Provide VPC endpoints") == _flagged(a, "NET-006")
    endpoint_duties = {
        e for fn in w.functions for d in duties_of(a, fn, "networking", "Narrow the full-access") for e in d.elements
    }
    assert endpoint_duties == {x.element for x in a.findings if x.rule == "NET-007"}
