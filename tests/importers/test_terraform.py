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
    # count = 2: one subnet per instance, with count.index evaluated in cidrsubnet() and element()
    assert vpc["subnets"]["private-0"] == {"az": "eu-west-1b", "cidr": "10.30.1.0/24", "route": "nat"}
    assert vpc["subnets"]["private-1"] == {"az": "eu-west-1c", "cidr": "10.30.2.0/24", "route": "isolated"}
    assert "private" not in vpc["subnets"]
    # Terraform drops the default egress rule: only the separate rule remains
    assert vpc["security_groups"]["lambda"]["egress"] == [{"to": "0.0.0.0/0", "ports": "443", "protocol": "tcp"}]
    assert vpc["security_groups"]["open"]["ingress"] == [{"from": "sg:lambda", "ports": "5432", "protocol": "tcp"}]
    assert vpc["endpoints"] == {"s3": {"type": "gateway", "policy": "full"}}


def test_function_from_hcl(imported) -> None:  # type: ignore[no-untyped-def]
    r = imported("tfdir")
    fn = r.data["functions"]["invoice"]
    assert (fn["runtime"], fn["architecture"], fn["memory"], fn["timeout"]) == ("python3.9", "arm64", 256, 20)
    assert fn["vpc"] == {"vpc": "main", "subnets": ["private-0", "extra_subnet"], "security_groups": ["lambda"]}
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


def _warnings(r, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [w.location.line for w in r.warnings if text in w.message]


def test_count_and_for_each_are_evaluated(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """variable "create_url" {
  default = false
}
variable "zones" {
  default = ["a", "b", "c"]
}
locals {
  admin = false
}
resource "aws_iam_role" "fn" {
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "admin" {
  count      = local.admin ? 1 : 0
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
}
resource "aws_lambda_function_url" "fn" {
  count              = var.create_url ? 1 : 0
  function_name      = aws_lambda_function.fn.function_name
  authorization_type = "NONE"
}
resource "aws_lambda_permission" "none" {
  for_each      = {}
  function_name = aws_lambda_function.fn.function_name
  principal     = "*"
}
resource "aws_lambda_permission" "zero" {
  count         = 0
  function_name = aws_lambda_function.fn.function_name
  principal     = "*"
}
resource "aws_sqs_queue" "per_zone" {
  count = length(var.zones)
}
resource "aws_sns_topic" "unknown" {
  count = data.aws_region.current.name == "eu-west-1" ? 1 : 0
}
"""
    )
    r = import_path(tmp_path)
    fn = r.data["functions"]["fn"]
    assert "url" not in fn and "permissions" not in fn and "triggers" not in fn
    assert "managed_policies" not in r.data["roles"]["fn"]
    assert _warnings(r, "is not created") == [13, 23, 28, 33]
    assert "count = local.admin ? 1 : 0 gives no instance" in r.warnings[0].message
    assert set(r.data["resources"]) >= {"per_zone-0", "per_zone-1", "per_zone-2"}  # one entry per instance
    assert "instances are assumed" in r.notes["resources.unknown"]


def test_merge_of_maps_in_environment_variables(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """locals {
  common = { LOG_LEVEL = "info" }
}
variable "extra" {
  default = { MODE = "live" }
}
resource "aws_sqs_queue" "jobs" {}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::111122223333:role/r"
  runtime       = "python3.12"
  environment {
    variables = merge(local.common, var.extra, { QUEUE = aws_sqs_queue.jobs.url, TOKEN = "abc123" }, data.x.y.z)
  }
}
"""
    )
    r = import_path(tmp_path)
    env = r.data["functions"]["fn"]["environment"]
    assert env == {"LOG_LEVEL": "info", "MODE": "live", "QUEUE": "${aws_sqs_queue/jobs.QueueUrl}", "TOKEN": "abc123"}
    assert _warnings(r, "merge() argument data.x.y.z cannot be evaluated") == [8]


def test_dynamic_vpc_config_is_evaluated_or_kept_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """variable "subnets" {
  default = ["subnet-aaa"]
}
variable "no_vpc" {
  default = []
}
resource "aws_lambda_function" "inside" {
  function_name = "inside"
  role          = "arn:aws:iam::111122223333:role/r"
  runtime       = "python3.12"
  dynamic "vpc_config" {
    for_each = length(var.subnets) > 0 ? [var.subnets] : []
    content {
      subnet_ids         = vpc_config.value
      security_group_ids = ["sg-123"]
    }
  }
}
resource "aws_lambda_function" "outside" {
  function_name = "outside"
  role          = "arn:aws:iam::111122223333:role/r"
  runtime       = "python3.12"
  dynamic "vpc_config" {
    for_each = var.no_vpc
    content {
      subnet_ids         = ["subnet-bbb"]
      security_group_ids = ["sg-123"]
    }
  }
}
resource "aws_lambda_function" "assumed" {
  function_name = "assumed"
  role          = "arn:aws:iam::111122223333:role/r"
  runtime       = "python3.12"
  dynamic "vpc_config" {
    for_each = data.aws_ssm_parameter.vpc.value == "" ? [] : [1]
    content {
      subnet_ids         = ["subnet-ccc"]
      security_group_ids = ["sg-123"]
    }
  }
}
"""
    )
    r = import_path(tmp_path)
    functions = r.data["functions"]
    assert functions["inside"]["vpc"] == {"vpc": "vpc", "subnets": ["subnet-aaa"], "security_groups": ["sg-123"]}
    assert "vpc" not in functions["outside"]
    assert _warnings(r, "dynamic vpc_config block's for_each is empty") == [19]
    assert functions["assumed"]["vpc"] == {"vpc": "vpc", "subnets": ["subnet-ccc"], "security_groups": ["sg-123"]}
    assert "cannot evaluate" in r.notes["functions.assumed.vpc"]


def test_policies_read_from_files_inside_the_module(tmp_path: Path) -> None:
    module = tmp_path / "infra"
    module.mkdir()
    (module / "policy.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}'
    )
    (module / "tpl.json").write_text(
        '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${bucket}/*"}]}'
    )
    (tmp_path / "secret.json").write_text("{}")
    (module / "main.tf").write_text(
        """resource "aws_iam_role" "r" {
  assume_role_policy = file("${path.module}/../secret.json")
}
resource "aws_iam_role_policy" "file" {
  role   = aws_iam_role.r.id
  policy = file("${path.module}/policy.json")
}
resource "aws_iam_role_policy" "template" {
  role   = aws_iam_role.r.id
  policy = templatefile("${path.module}/tpl.json", { bucket = "uploads" })
}
resource "aws_iam_role_policy" "missing" {
  role   = aws_iam_role.r.id
  policy = file("missing.json")
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = aws_iam_role.r.arn
  runtime       = "python3.12"
}
"""
    )
    r = import_path(module)
    role = r.data["roles"]["r"]
    assert {"effect": "Allow", "actions": ["sqs:SendMessage"], "resources": ["*"]} in role["statements"]
    statement = {"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::uploads/*"]}
    assert statement in role["statements"]
    assert role["managed_policies"] == ["unresolved-policy"]
    assert "actions are unknown" in r.notes["roles.r.managed_policies[0]"]
    assert _warnings(r, "outside the module directory") == [1]
    assert _warnings(r, "file missing.json not found") == [12]
    assert _warnings(r, "role r's actions from it are unknown") == [12]


def test_a_single_unparsable_file_reports_the_parse_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tf"
    broken.write_text('resource "aws_lambda_function" "x" {\n  runtime = \n}\n')
    with pytest.raises(ModelInvalid) as exc:
        import_path(broken)
    first = exc.value.errors[0]
    assert "cannot parse this Terraform file" in first.message
    assert (first.location.line, first.location.column) == (2, 13)
