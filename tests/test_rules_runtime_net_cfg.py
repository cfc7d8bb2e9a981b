"""Severity overrides, escalation, evidence and teams of the runtime, networking and
configuration rules, asserted on the findings of analyze()."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from tmgen.analysis import Analysis, analyze, load_workload
from tmgen.findings import Finding
from tmgen.rules.networking import DEFAULT_ENIS_PER_VPC
from tmgen.services import endpoint_service


def run(tmp_path: Path, text: str, as_of: dt.date | None = None) -> Analysis:
    path = tmp_path / "model.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return analyze(load_workload(path), as_of)


def only(analysis: Analysis, rule: str) -> list[Finding]:
    return [f for f in analysis.findings if f.rule == rule]


def one(analysis: Analysis, rule: str) -> Finding:
    found = only(analysis, rule)
    assert len(found) == 1, [f.id for f in found]
    return found[0]


SECRET_MODEL = """
    version: 1
    workload: {{name: t, as_of: 2026-11-30, data_classification: internal}}
    teams: {{payments: {{}}, platform: {{}}}}
    responsibilities: {{configuration: payments, networking: platform}}
    resources:
      table: {{type: dynamodb, data: {data}}}
    functions:
      api:
        runtime: python3.12
        environment: {{DB_PASSWORD: hunter2}}
        calls: [{{resource: table}}]
    """


# -- runtime --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "severity", "status"),
    [
        (dt.date(2026, 11, 30), "high", "deprecated"),  # python3.8: deprecated 2024-10-14
        (dt.date(2027, 2, 1), "high", "create blocked"),
        (dt.date(2027, 3, 3), "critical", "update blocked"),  # block_update reached
    ],
)
def test_rt001_critical_once_updates_are_blocked(tmp_path: Path, as_of: dt.date, severity: str, status: str) -> None:
    a = run(
        tmp_path,
        """
        version: 1
        workload: {name: t}
        functions:
          api: {runtime: python3.8}
        """,
        as_of,
    )
    f = one(a, "RT-001")
    assert (f.severity, f.evidence["status"]) == (severity, status)
    assert not f.escalated


def test_rt002_counts_days_and_hands_over_to_rt001_on_the_day(tmp_path: Path) -> None:
    model = """
        version: 1
        workload: {name: t}
        functions:
          api: {runtime: ruby3.3}
        """
    soon = run(tmp_path, model, dt.date(2027, 3, 1))
    assert one(soon, "RT-002").evidence["days_left"] == 30
    assert not only(soon, "RT-001")
    due = run(tmp_path, model, dt.date(2027, 3, 31))
    assert not only(due, "RT-002")
    assert one(due, "RT-001").evidence["status"] == "deprecated"


def test_image_gets_rt004_and_no_runtime_identifier_rules(tmp_path: Path) -> None:
    a = run(
        tmp_path,
        """
        version: 1
        workload: {name: t, as_of: 2026-11-30}
        functions:
          api: {package: image, image: {base: custom}}
        """,
    )
    assert one(a, "RT-004").evidence == {"package": "image", "image_base": "custom"}
    assert not [f for f in a.findings if f.rule in ("RT-001", "RT-002", "RT-003", "RT-005")]


# -- escalation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "severity", "escalated"),
    [("internal", "high", False), ("confidential", "critical", True), ("restricted", "critical", True)],
)
def test_cfg001_escalates_with_reachable_data(tmp_path: Path, data: str, severity: str, escalated: bool) -> None:
    f = one(run(tmp_path, SECRET_MODEL.format(data=data)), "CFG-001")
    assert f.element == "functions.api.environment.DB_PASSWORD"
    assert (f.severity, f.escalated, f.base_severity) == (severity, escalated, "high")
    assert f.team == "payments"


def test_cfg001_evidence_never_holds_the_secret(tmp_path: Path) -> None:
    f = one(run(tmp_path, SECRET_MODEL.format(data="internal")), "CFG-001")
    assert "hunter2" not in repr(f.evidence)
    assert f.evidence["variable"] == "DB_PASSWORD"


def test_cfg002_does_not_escalate(tmp_path: Path) -> None:
    a = run(tmp_path, SECRET_MODEL.format(data="restricted"))
    f = one(a, "CFG-002")
    assert (f.severity, f.escalated) == ("low", False)
    # kms_key is not written: the finding is located at the function
    assert f.location == a.document.locate("functions.api")


def test_ee001_escalates_only_with_sensitive_data(tmp_path: Path) -> None:
    model = """
        version: 1
        workload: {{name: t, as_of: 2026-11-30, data_classification: {level}}}
        functions:
          api: {{runtime: python3.12, tmp: {{use: scratch, sensitive: true}}}}
        """
    assert one(run(tmp_path, model.format(level="internal")), "EE-001").severity == "medium"
    f = one(run(tmp_path, model.format(level="restricted")), "EE-001")
    assert (f.severity, f.escalated) == ("high", True)


def test_cfg005_uses_the_function_data_level(tmp_path: Path) -> None:
    a = run(
        tmp_path,
        """
        version: 1
        workload: {name: t, as_of: 2026-11-30}
        functions:
          api: {runtime: python3.12, data: confidential}
          other: {runtime: python3.12}
        """,
    )
    assert one(a, "CFG-005").evidence == {"tracing": False, "data": "confidential"}


# -- networking -------------------------------------------------------------------------

VPC_MODEL = """
    version: 1
    workload: {name: t, as_of: 2026-11-30, data_classification: restricted}
    teams: {platform: {}, payments: {}}
    responsibilities: {networking: platform, configuration: payments}
    vpcs:
      core:
        cidr: 10.0.0.0/16
        subnets:
          a: {az: eu-west-1a, cidr: 10.0.1.0/24, route: nat, free_ips: 26}
        security_groups:
          fn: {}
    resources:
      table: {type: dynamodb}
    functions:
      api: {runtime: python3.12, vpc: {vpc: core, subnets: [a], security_groups: [fn]}, calls: [{resource: table}]}
    """


def test_networking_findings_keep_base_severity_and_go_to_the_networking_team(tmp_path: Path) -> None:
    a = run(tmp_path, VPC_MODEL)
    for rule, severity in (("NET-003", "medium"), ("NET-004", "low"), ("NET-005", "medium"), ("NET-006", "medium")):
        f = one(a, rule)
        assert (f.severity, f.escalated, f.team) == (severity, False, "platform"), rule


def test_net003_default_egress_evidence(tmp_path: Path) -> None:
    f = one(run(tmp_path, VPC_MODEL), "NET-003")
    assert f.element == "vpcs.core.security_groups.fn"
    assert f.evidence["default_egress"] is True
    assert f.evidence["egress"] == [
        {"rule": "default egress (no egress key)", "to": "0.0.0.0/0", "ports": "all", "protocol": "all"}
    ]
    assert f.functions == ["api"]


def test_net005_headroom_arithmetic(tmp_path: Path) -> None:
    f = one(run(tmp_path, VPC_MODEL), "NET-005")
    assert f.evidence["free_ips"] == 26
    assert f.evidence["headroom"] == 26  # 10% of 256 addresses, rounded up, beats 20
    assert f.evidence["required"] == 27  # one ENI plus the headroom


def test_net006_missing_endpoint_is_located_at_the_vpc(tmp_path: Path) -> None:
    a = run(tmp_path, VPC_MODEL)
    f = one(a, "NET-006")
    assert f.element == "vpcs.core.endpoints.dynamodb"
    assert f.location == a.document.locate("vpcs.core")
    assert f.evidence["calls"] == ["functions.api.calls[0]"]


@pytest.mark.parametrize(
    ("key", "service"),
    [
        ("dynamodb", "dynamodb"),
        ("events", "eventbridge"),
        ("states", "stepfunctions"),
        ("kinesis-streams", "kinesis"),
        ("com.amazonaws.eu-west-1.secretsmanager", "secretsmanager"),
        ("com.amazonaws.eu-west-1.events", "eventbridge"),
    ],
)
def test_endpoint_service_names(key: str, service: str) -> None:
    assert endpoint_service(key) == service


def test_eni_quota_constant() -> None:
    assert DEFAULT_ENIS_PER_VPC == 250


# -- acceptance of a finding on a key the model does not write ---------------------------


def test_acceptance_of_the_function_covers_cfg003(tmp_path: Path) -> None:
    a = run(
        tmp_path,
        """
        version: 1
        workload: {name: t, as_of: 2026-11-30}
        teams: {security: {}}
        functions:
          api: {runtime: python3.12, url: {auth: NONE}}
        accepted_risks:
          - {rule: CFG-003, element: functions.api, justification: throttled at the CDN, owner: security}
        """,
    )
    f = one(a, "CFG-003")
    assert f.element == "functions.api.reserved_concurrency"
    assert f.accepted is not None and not f.active
    assert f.evidence["untrusted_sources"] == [{"via": "function URL with auth NONE", "element": "functions.api.url"}]
