"""Severities, evidence and teams of the code, IAM and ownership rules that the fixture
cases (which only compare elements) cannot show."""

from __future__ import annotations

from pathlib import Path

from tmgen.analysis import analyze, load_workload
from tmgen.findings import Finding

HEAD = "version: 1\nworkload: {name: unit, as_of: 2026-11-30, data_classification: %s}\n"


def findings(tmp_path: Path, body: str, rule: str, classification: str = "internal") -> list[Finding]:
    path = tmp_path / "model.yaml"
    path.write_text(HEAD % classification + body, encoding="utf-8")
    return [f for f in analyze(load_workload(path)).findings if f.rule == rule]


URL_MODEL = """
functions:
  api:
    runtime: python3.12
    url: {auth: NONE, cors_origins: %s}
"""


def test_iam_002_critical_with_any_origin_and_confidential_data(tmp_path: Path) -> None:
    [f] = findings(tmp_path, URL_MODEL % '["*"]', "IAM-002", "confidential")
    assert (f.element, f.severity) == ("functions.api.url", "critical")
    assert f.evidence["cors_origins"] == ["*"]


def test_iam_002_critical_when_a_called_resource_is_restricted(tmp_path: Path) -> None:
    body = (
        "resources:\n  ledger: {type: dynamodb, data: restricted}\n"
        + (URL_MODEL % '["*"]')
        + ("    calls: [{resource: ledger, access: read}]\n")
    )
    [f] = findings(tmp_path, body, "IAM-002", "internal")
    assert f.severity == "critical"


def test_iam_002_high_without_any_origin_or_without_sensitive_data(tmp_path: Path) -> None:
    [named_origin] = findings(tmp_path, URL_MODEL % '["https://app.example"]', "IAM-002", "restricted")
    [internal] = findings(tmp_path, URL_MODEL % '["*"]', "IAM-002", "internal")
    assert named_origin.severity == "high"
    assert internal.severity == "high"


SIGNING_MODEL = """
functions:
  api:
    runtime: python3.12
    code_signing: {policy: warn}
"""


def test_code_005_high_when_code_signing_is_required_by_a_guardrail(tmp_path: Path) -> None:
    body = "guardrails:\n  - {control: code-signing-required, via: scp}\n" + SIGNING_MODEL
    [f] = findings(tmp_path, body, "CODE-005")
    assert (f.element, f.severity) == ("functions.api", "high")
    assert f.evidence["code_signing"] == "warn"


def test_code_005_medium_without_the_guardrail(tmp_path: Path) -> None:
    [f] = findings(tmp_path, SIGNING_MODEL, "CODE-005")
    assert f.severity == "medium"


TAKEOVER_MODEL = """
teams:
  security-team: {}
  admin-team: {}
responsibilities: {iam: security-team}
roles:
  developer:
    kind: human
    statements:
      - {actions: ["lambda:UpdateFunctionCode", "logs:*"], resources: ["*"]}
  admin-exec:
    statements:
      - {actions: ["iam:*", "logs:CreateLogStream", "logs:PutLogEvents"], resources: ["*"]}
functions:
  admin:
    runtime: python3.12
    role: admin-exec
    owners: {iam: admin-team}
"""


def test_iam_009_evidence_is_the_path_through_the_victim_function(tmp_path: Path) -> None:
    [f] = findings(tmp_path, TAKEOVER_MODEL, "IAM-009")
    assert (f.element, f.severity) == ("roles.developer", "critical")
    assert f.evidence["paths"] == [
        "role developer -can_modify-> function admin -assumes-> role admin-exec holding iam:*"
    ]
    # The finding goes to the team that owns the victim function's IAM.
    assert f.functions == ["admin"]
    assert f.team == "admin-team"


def test_iam_009_pass_role_with_create_function(tmp_path: Path) -> None:
    body = """
roles:
  developer:
    kind: human
    managed_policies: [AWSLambda_FullAccess]
functions:
  api:
    runtime: python3.12
"""
    [f] = findings(tmp_path, body, "IAM-009")
    assert f.element == "roles.developer"
    [path] = f.evidence["paths"]
    assert path.startswith("role developer holding iam:PassRole on * (managed policy AWSLambda_FullAccess")
    assert "lambda:CreateFunction" in path


def test_iam_007_escalates_to_critical_on_restricted_data(tmp_path: Path) -> None:
    body = """
resources:
  ledger: {type: dynamodb, data: restricted}
roles:
  api-exec:
    statements:
      - {actions: ["dynamodb:*"], resources: ["*"]}
functions:
  api:
    runtime: python3.12
    role: api-exec
    calls: [{resource: ledger, access: write}]
  worker:
    runtime: python3.12
"""
    [f] = findings(tmp_path, body, "IAM-007")
    assert (f.element, f.severity, f.escalated) == ("roles.api-exec", "critical", True)
    assert f.evidence["actions"] == ["dynamodb:*"]


def test_role_rules_name_the_functions_that_assume_the_role(tmp_path: Path) -> None:
    body = """
teams:
  payments-team: {}
roles:
  shared-exec: {managed_policies: [AWSLambdaRole]}
functions:
  api:
    runtime: python3.12
    role: shared-exec
    owners: {iam: payments-team}
  worker:
    runtime: python3.12
    role: shared-exec
"""
    [f] = findings(tmp_path, body, "IAM-005")
    assert f.functions == ["api", "worker"]
    assert f.team == "payments-team"
    assert f.evidence["granted_by"].startswith("managed policy AWSLambdaRole")


def test_own_001_takes_the_component_of_its_duties(tmp_path: Path) -> None:
    body = """
teams:
  app-team: {}
responsibilities: {configuration: app-team, iam: app-team}
functions:
  api:
    runtime: python3.12
"""
    [f] = findings(tmp_path, body, "OWN-001")
    assert (f.element, f.component, f.team) == ("functions.api.owners.code", "code", None)
    assert any("code signing" in text for text in f.evidence["duties"])
