"""Terraform: .tf directories parsed with python-hcl2, and the JSON of `terraform show -json`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmgen.errors import ModelInvalid
from tmgen.importers import detect, import_path

FIXTURES = Path(__file__).parent / "fixtures"


def test_detects_terraform() -> None:
    assert detect(FIXTURES / "tfdir") == "terraform"
    assert detect(FIXTURES / "tfdir" / "main.tf") == "terraform"
    assert detect(FIXTURES / "tf-state.json") == "terraform"


def test_network_from_hcl(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("tfdir")
    vpc = r.data["vpcs"]["main"]
    assert vpc["cidr"] == "10.30.0.0/16"
    assert vpc["subnets"]["public"]["route"] == "igw"  # inline route block to the internet gateway
    assert vpc["subnets"]["private"]["route"] == "nat"  # aws_route to the NAT gateway
    assert "count" in r.notes["vpcs.main.subnets.private"]
    # Terraform drops the default egress rule: only the separate rule remains
    assert vpc["security_groups"]["lambda"]["egress"] == [{"to": "0.0.0.0/0", "ports": "443", "protocol": "tcp"}]
    assert vpc["security_groups"]["open"]["ingress"] == [{"from": "sg:lambda", "ports": "5432", "protocol": "tcp"}]
    assert vpc["endpoints"] == {"s3": {"type": "gateway", "policy": "full"}}


def test_function_from_hcl(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("tfdir")
    fn = r.data["functions"]["invoice"]
    assert (fn["runtime"], fn["architecture"], fn["memory"], fn["timeout"]) == ("python3.9", "arm64", 256, 20)
    assert fn["vpc"] == {"vpc": "main", "subnets": ["private", "extra_subnet"], "security_groups": ["lambda"]}
    assert "not declared" in r.notes["vpcs.main.subnets.extra_subnet"]
    assert fn["environment"]["SECRET_KEY"] == "sk_live_abcdef"
    assert (
        fn["environment"]["STAGE"] == "prod"
        and r.notes["functions.invoice.environment.STAGE"] == "the default of variable env"
    )
    assert "no default" in r.notes["functions.invoice.environment.PARTNER"]
    assert fn["code_signing"] == {"policy": "warn"} and fn["tracing"] is True
    assert fn["async"] == {"on_failure": "dlq"}
    assert fn["layers"] == ["AWSLambdaPowertoolsPythonV2"]
    assert [(t["type"], t.get("source")) for t in fn["triggers"]] == [
        ("sqs", "jobs"),
        ("function_url", None),
        ("schedule", None),
    ]
    assert fn["url"] == {"auth": "NONE"}
    assert fn["permissions"][0]["principal"] == "*" and fn["permissions"][0]["function_url_auth_type"] == "NONE"
    assert r.locations["functions.invoice"].line == 84


def test_iam_from_hcl(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("tfdir")
    billing = r.data["roles"]["billing"]
    actions = [s["actions"] for s in billing["statements"]]
    assert ["sqs:SendMessage"] in actions  # aws_iam_policy (jsonencode) attached to the role
    assert ["dynamodb:PutItem", "dynamodb:GetItem"] in actions  # aws_iam_role_policy with a policy document
    assert billing["managed_policies"] == ["AWSLambdaVPCAccessExecutionRole"]
    assert billing["permission_boundary"] == {"managed_policy": "lambda-boundary"}
    deployer = r.data["roles"]["deployer"]
    assert deployer["kind"] == "deployment" and deployer["statements"][0]["actions"] == ["lambda:*"]
    assert r.data["layers"]["common"]["shared_with"] == ["*"]


def test_hcl_problems_are_located_warnings(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("tfdir")
    text = [str(w) for w in r.warnings]
    assert any(t.startswith(f"{FIXTURES / 'tfdir' / 'broken.tf'}:2:") for t in text)
    assert any("aws_glue_job" in t and ":163:1:" in t for t in text)
    assert any("module network" in t and ":167:1:" in t for t in text)


def test_show_json_with_modules_and_count(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("tf-state.json")
    fns = r.data["functions"]
    assert set(fns) == {"workers-worker-0", "workers-worker-1"}
    zero, one = fns["workers-worker-0"], fns["workers-worker-1"]
    assert zero["role"] == one["role"] == "exec"  # the role ARN in state matched back to its resource
    assert "reserved_concurrency" not in zero  # -1 means unreserved
    assert zero["triggers"] == [{"type": "sqs", "source": "work"}]
    assert one["package"] == "image" and one["permissions"][0]["principal"] == "*"
    role = r.data["roles"]["exec"]
    assert role["statements"][0]["actions"] == ["s3:GetObject"]
    assert role["managed_policies"] == ["AWSLambdaSQSQueueExecutionRole"]
    assert r.locations["functions.workers-worker-0"].line == 41


def test_policy_document_blocks_without_test_or_type_are_located_warnings(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """resource "aws_lambda_function" "fn" {
  function_name = "fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  role          = aws_iam_role.exec.arn
}

resource "aws_iam_role" "exec" {
  name = "exec"
}

data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
    condition {
      test     = ["StringEquals"]
      variable = "aws:SourceAccount"
      values   = ["123456789012"]
    }
    condition {
      variable = "aws:SourceVpc"
      values   = ["vpc-1"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
    principals {
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "inline" {
  role   = aws_iam_role.exec.id
  policy = data.aws_iam_policy_document.doc.json
}
"""
    )
    r = import_path(tmp_path)
    problems = [(w.location.line, w.message) for w in r.warnings if "policy document doc" in w.message]
    assert problems == [
        (12, "policy document doc: condition 1 of statement 1 has no test or variable; skipped"),
        (12, "policy document doc: condition 2 of statement 1 has no test or variable; skipped"),
        (12, "policy document doc: principals 1 of statement 1 have no type; skipped"),
    ]
    (stmt,) = r.data["roles"]["exec"]["statements"]
    assert stmt["actions"] == ["s3:GetObject"]
    assert stmt["conditions"] == {"Bool": {"aws:SecureTransport": ["true"]}}


def test_plan_whose_values_are_not_a_mapping_is_a_located_error(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"format_version": "1.0", "planned_values": ["not", "a", "mapping"]}')
    with pytest.raises(ModelInvalid) as exc:
        import_path(plan)
    assert "declares no Lambda function" in exc.value.errors[0].message
