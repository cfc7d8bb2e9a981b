"""More shapes real teams write: classic CloudFormation with an ALB, Cognito triggers and a
public function URL; Serverless v2 with REST authorizers and resources split over files;
single-file Terraform with for_each and dynamic blocks; SAM applications; CloudFormation JSON
with managed policies; `terraform show -json` plans and states of other shapes; CDK output.
(Each is also imported, validated, analysed and round-tripped by test_realworld/test_roundtrip.)"""

from __future__ import annotations

from pathlib import Path

from tmgen.importers import ImportResult, import_path
from tmgen.schema import Workload

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"


def _load(name: str) -> ImportResult:
    result = import_path(REALWORLD / name)
    Workload.model_validate(result.data)
    return result


def _actions(result: ImportResult, role: str, effect: str = "Allow") -> dict[str, list[str]]:
    """action -> resources of a role's statements of one effect."""
    out: dict[str, list[str]] = {}
    for st in result.data["roles"][role].get("statements", []):
        if st.get("effect", "Allow") == effect:
            for action in st["actions"]:
                out.setdefault(action, []).extend(st.get("resources", []))
    return out


# -- classic CloudFormation: ALB target, Cognito triggers, boundary, cross-account role, URL ------


def test_cfn_alb_target_and_cognito_triggers() -> None:
    r = _load("cfn-alb-cognito.yaml")
    functions = r.data["functions"]
    portal = functions["PortalFunction"]
    # the target group and the ELB permission are one trigger, from the internal load balancer
    assert portal["triggers"] == [{"type": "alb", "source": "PortalLoadBalancer"}]
    assert r.data["resources"]["PortalLoadBalancer"] == {"type": "alb", "exposure": "private"}
    assert portal["permissions"] == [
        {"sid": "PortalAlbInvokePermission", "principal": "elasticloadbalancing.amazonaws.com"}
    ]
    assert portal["vpc"] == {"vpc": "VpcId", "subnets": ["PrivateSubnets"], "security_groups": ["PortalSecurityGroup"]}
    assert portal["async"] == {"on_failure": "FailureQueue", "max_retries": 0}
    assert "deploy time" in r.notes["functions.PortalFunction.environment.TABLE"]
    signup = functions["SignupTriggerFunction"]
    assert signup["triggers"] == [{"type": "cognito", "source": "PortalUserPool"}]
    assert signup["permissions"][0]["principal"] == "cognito-idp.amazonaws.com"


def test_cfn_public_function_url_and_its_permission() -> None:
    r = _load("cfn-alb-cognito.yaml")
    hook = r.data["functions"]["WebhookFunction"]
    assert hook["url"] == {"auth": "NONE", "cors_origins": ["*"]}
    assert hook["triggers"] == [{"type": "function_url", "auth": "none"}]
    assert hook["permissions"] == [
        {
            "sid": "WebhookUrlPublicPermission",
            "principal": "*",
            "action": "lambda:InvokeFunctionUrl",
            "function_url_auth_type": "NONE",
        }
    ]
    assert hook["reserved_concurrency"] == 5


def test_cfn_boundary_and_cross_account_human_role() -> None:
    r = _load("cfn-alb-cognito.yaml")
    roles = r.data["roles"]
    execution = roles["PortalFunctionRole"]
    assert execution["kind"] == "execution"
    assert execution["managed_policies"] == ["AWSLambdaVPCAccessExecutionRole"]
    boundary = execution["permission_boundary"]["statements"][0]["actions"]
    assert "dynamodb:GetItem" in boundary and "dynamodb:PutItem" not in boundary
    assert _actions(r, "PortalFunctionRole")["dynamodb:PutItem"] == ["table:CustomersTable"]
    support = roles["SupportOperatorRole"]
    assert support["kind"] == "human"
    assert "444455556666" in support["description"]
    assert "444455556666" in r.notes["roles.SupportOperatorRole.kind"]
    assert "lambda:UpdateFunctionConfiguration" in _actions(r, "SupportOperatorRole")


# -- Serverless v2: iamRoleStatements, REST authorizers, resources as files, VPC overrides ---------


def test_sls_v2_rest_auth_and_environment() -> None:
    r = _load("sls-accounts")
    functions = r.data["functions"]
    assert set(functions) == {"getAccount", "partnerSync", "auditWriter", "publicStatus", "healthCheck"}
    assert functions["getAccount"]["triggers"] == [
        {"type": "api_gateway", "source": "ApiGatewayRestApi", "auth": "cognito"}
    ]
    assert functions["partnerSync"]["triggers"][0]["auth"] == "api_key"  # private: true
    assert functions["publicStatus"]["triggers"][0]["auth"] == "none"
    assert r.data["resources"]["ApiGatewayRestApi"]["exposure"] == "public"
    env = functions["getAccount"]["environment"]
    assert env == {"STAGE": "dev", "LOG_LEVEL": "debug", "ACCOUNTS_TABLE": "accounts-dev", "CACHE_TTL": "60"}
    assert functions["partnerSync"]["environment"]["LOG_LEVEL"] == "info"
    assert all(fn["tracing"] is True for fn in functions.values())


def test_sls_v2_vpc_provider_overrides_and_opt_outs() -> None:
    r = _load("sls-accounts")
    functions = r.data["functions"]
    assert functions["getAccount"]["vpc"]["subnets"] == ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    assert functions["getAccount"]["vpc"]["security_groups"] == ["sg-0aaa1111bbbb2222c"]
    audit = functions["auditWriter"]["vpc"]
    assert audit["subnets"] == ["subnet-0a1b2c3d4e5f60003"] and audit["security_groups"] == ["sg-0ddd3333eeee4444f"]
    assert "vpc" not in functions["publicStatus"]  # vpc: ~
    assert "vpc" not in functions["healthCheck"]  # empty id lists
    assert not r.warnings


def test_sls_v2_iam_destinations_and_resource_files() -> None:
    r = _load("sls-accounts")
    role = "IamRoleLambdaExecution"
    allowed = _actions(r, role)
    assert allowed["dynamodb:DeleteItem"] == ["table:AccountsTable"]
    assert allowed["sqs:SendMessage"] == ["queue:AuditDlq"]
    assert _actions(r, role, "Deny") == {"dynamodb:DeleteTable": ["*"]}
    assert "AWSLambdaVPCAccessExecutionRole" in r.data["roles"][role]["managed_policies"]
    audit = r.data["functions"]["auditWriter"]
    assert audit["async"] == {"on_failure": "AuditDlq"}
    assert audit["triggers"] == [{"type": "sns", "source": "AuditTopic"}]
    assert set(r.data["resources"]) == {"AccountsTable", "AuditTopic", "AuditDlq", "ApiGatewayRestApi"}
    # the resources read through ${file(...)} are located in their own files
    assert r.locations["resources.AuditDlq"].file.endswith("messaging.yml")


def test_sls_functions_from_a_file_are_located_in_it() -> None:
    r = _load("sls-shop")
    loc = r.locations["functions.getProduct"]
    assert loc.file.endswith("functions.yml") and loc.line > 1
    assert r.locations["functions.getProduct.triggers[0]"].file.endswith("functions.yml")


# -- single-file Terraform: for_each over a map, dynamic blocks, URL, layer sharing, routes -------


def test_tf_for_each_map_gives_one_function_per_key() -> None:
    r = _load("tf-edge")
    functions = r.data["functions"]
    assert set(functions) == {"fn-ingest", "fn-report", "hook"}
    ingest, report = functions["fn-ingest"], functions["fn-report"]
    assert (ingest["memory"], ingest["timeout"]) == (512, 30)  # each.value.memory / .timeout
    assert (report["memory"], report["timeout"]) == (1024, 120)
    assert ingest["environment"] == {"ENV": "prod", "LOG_LEVEL": "info", "FUNCTION": "ingest"}
    assert ingest["role"] == "fn-ingest" and report["role"] == "fn-report"  # aws_iam_role.fn[each.key]
    assert r.data["roles"]["fn-report"]["managed_policies"] == ["AWSLambdaVPCAccessExecutionRole"]
    # dynamic vpc_config and tracing_config blocks
    assert ingest["vpc"] == {"vpc": "main", "subnets": ["app_a", "app_b"], "security_groups": ["lambda"]}
    assert ingest["tracing"] is True and ingest["layers"] == ["common"]
    # a permission on aws_lambda_function.fn["ingest"] lands on that instance, named by its statement_id
    assert ingest["permissions"] == [{"sid": "AllowPartnerInvoke", "principal": "777788889999"}]
    assert "permissions" not in report
    assert not [n for n in r.notes if n.startswith("functions.fn-")]


def test_tf_public_url_and_public_layer() -> None:
    r = _load("tf-edge")
    hook = r.data["functions"]["hook"]
    assert hook["url"] == {"auth": "NONE", "cors_origins": ["https://partner.example.com"]}
    assert hook["permissions"] == [
        {
            "sid": "FunctionURLAllowPublicAccess",
            "principal": "*",
            "action": "lambda:InvokeFunctionUrl",
            "function_url_auth_type": "NONE",
        }
    ]
    assert hook["reserved_concurrency"] == 10 and "vpc" not in hook
    assert r.data["layers"]["common"] == {"publisher": "self", "shared_with": ["*"]}


def test_tf_routes_and_security_groups() -> None:
    r = _load("tf-edge")
    vpc = r.data["vpcs"]["main"]
    assert {n: s["route"] for n, s in vpc["subnets"].items()} == {"public": "igw", "app_a": "nat", "app_b": "nat"}
    assert vpc["subnets"]["app_b"]["az"] == "eu-west-1b"
    lam, db = vpc["security_groups"]["lambda"], vpc["security_groups"]["db"]
    assert lam["egress"] == [
        {"to": "0.0.0.0/0", "ports": "443", "protocol": "tcp"},
        {"to": "sg:db", "ports": "5432", "protocol": "tcp"},
    ]
    assert {"from": "sg:lambda", "ports": "5432", "protocol": "tcp"} in db["ingress"]
    assert db["ingress"][0]["from"] == "10.99.0.0/16"
    assert db["egress"] == []  # Terraform drops the default egress rule


def test_tf_count_splat_and_many_instances(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """variable "azs" {
  default = ["eu-west-1a", "eu-west-1b"]
}
resource "aws_vpc" "v" {
  cidr_block = "10.40.0.0/16"
}
resource "aws_subnet" "private" {
  count             = length(var.azs)
  vpc_id            = aws_vpc.v.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet("10.40.0.0/16", 4, count.index)
}
resource "aws_security_group" "sg" {
  vpc_id = aws_vpc.v.id
}
resource "aws_iam_role" "r" {
  assume_role_policy = "{}"
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = aws_iam_role.r.arn
  runtime       = "python3.12"
  vpc_config {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.sg.id]
  }
}
resource "aws_sqs_queue" "shard" {
  count = 100
}
"""
    )
    r = import_path(tmp_path)
    Workload.model_validate(r.data)
    subnets = r.data["vpcs"]["v"]["subnets"]
    assert subnets["private-0"]["cidr"] == "10.40.0.0/20" and subnets["private-1"]["cidr"] == "10.40.16.0/20"
    assert subnets["private-1"]["az"] == "eu-west-1b"
    assert r.data["functions"]["f"]["vpc"]["subnets"] == ["private-0", "private-1"]  # the splat: every instance
    assert r.notes["resources.shard"] == "declared with count or for_each: one entry stands for its 100 instances"


# -- SAM: applications (local and SAR), aliases, SnapStart, runtime management, concurrency --------


def test_sam_applications_local_followed_remote_warned() -> None:
    r = _load("sam-apps")
    functions = r.data["functions"]
    assert set(functions) == {"QuotesFunction", "NotifierApp-NotifyFunction", "LegacyExportFunction"}
    assert functions["NotifierApp-NotifyFunction"]["triggers"] == [{"type": "sns", "source": "NotifierApp-Topic"}]
    # the policy template names the nested app's topic by its physical name: the same entry
    assert _actions(r, "QuotesFunctionRole")["sns:Publish"] == ["topic:NotifierApp-Topic"]
    assert "quotes-notifications-prod" not in r.data["resources"]
    (warning,) = r.warnings
    assert "SecretsRotatorApp" in warning.message and warning.location.line == 87


def test_sam_function_settings_without_model_fields_are_noted() -> None:
    r = _load("sam-apps")
    quotes = r.data["functions"]["QuotesFunction"]
    assert (quotes["architecture"], quotes["memory"], quotes["ephemeral_storage"]) == ("arm64", 2048, 2048)
    assert quotes["triggers"] == [{"type": "http_api", "source": "ServerlessHttpApi", "auth": "none"}]
    assert "Manual" in r.notes["functions.QuotesFunction.runtime"]
    assert "SnapStart" in r.notes["functions.QuotesFunction"]
    assert "5 provisioned concurrent executions on alias live" in r.notes["functions.QuotesFunction"]
    legacy = r.data["functions"]["LegacyExportFunction"]
    assert legacy["reserved_concurrency"] == 0
    assert "never runs" in r.notes["functions.LegacyExportFunction.reserved_concurrency"]


# -- CloudFormation JSON: managed policies, NotAction/Deny/Condition, org-shared layer -------------


def test_cfn_json_managed_policies_and_guarded_statements() -> None:
    r = _load("cfn-policies.json")
    writer = r.data["roles"]["WriterRole"]
    # Fn::Sub in the ARN list: partition from a parameter default and from the pseudo-parameter
    assert writer["managed_policies"] == ["AWSLambdaBasicExecutionRole", "AWSXRayDaemonWriteAccess", "org-ledger-audit"]
    assert "customer managed policy" in r.notes["roles.WriterRole.managed_policies[2]"]
    assert _actions(r, "WriterRole")["dynamodb:PutItem"] == ["table:LedgerTable"]  # from LedgerWritePolicy
    deny = [st for st in writer["statements"] if st["effect"] == "Deny"]
    assert deny[0]["not_actions"] == ["dynamodb:PutItem", "dynamodb:GetItem", "logs:*", "xray:*"]
    assert deny[1]["conditions"] == {"Bool": {"aws:SecureTransport": "false"}}
    kms = next(st for st in writer["statements"] if st.get("actions") == ["kms:Decrypt"])
    assert "kms:ViaService" in kms["conditions"]["StringEquals"]
    # a managed policy attached through its own Roles property
    assert _actions(r, "ReporterRole")["dynamodb:Query"] == ["table:LedgerTable"]


def test_cfn_json_layer_shared_with_the_organisation_and_an_account() -> None:
    r = _load("cfn-policies.json")
    assert r.data["layers"]["LedgerLayer"] == {"publisher": "self", "shared_with": ["org", "555566667777"]}
    assert r.data["functions"]["WriterFunction"]["layers"] == ["LedgerLayer"]
    assert r.data["functions"]["WriterFunction"]["tracing"] is True


# -- a Serverless service written in TypeScript: never run, refused cleanly ----------------------


def test_serverless_ts_is_refused_with_a_located_error(tmp_path: Path) -> None:
    import pytest

    from tmgen.errors import ModelInvalid
    from tmgen.importers import detect

    service = Path(__file__).parent / "fixtures" / "sls-ts"
    assert detect(service) == detect(service / "serverless.ts") == "serverless"
    for source in (service, service / "serverless.ts"):
        with pytest.raises(ModelInvalid) as exc:
            import_path(source)
        (error,) = exc.value.errors
        assert (error.location.line, error.location.column) == (1, 1)
        assert "TypeScript" in error.message and "never runs code" in error.message
        assert "serverless print" in error.hint


def test_serverless_ts_exits_2_from_every_command(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    service = Path(__file__).parent / "fixtures" / "sls-ts"
    for args in (("import", str(service), "-o", str(tmp_path / "m.yaml")), ("threats", str(service / "serverless.ts"))):
        res = run_cli(*args)
        assert res.code == 2
        assert "serverless.ts:1:1: serverless.ts is TypeScript" in res.err and "Traceback" not in res.err
    assert not (tmp_path / "m.yaml").exists()


# -- `terraform show -json`: a plan with resource_changes only, a state with nested child modules --


def test_tf_plan_with_resource_changes_only() -> None:
    r = _load("tf-plan-changes.json")
    functions = r.data["functions"]
    assert set(functions) == {"worker-jobs"}  # the function the plan deletes is gone
    worker = functions["worker-jobs"]
    assert (worker["runtime"], worker["architecture"], worker["memory"], worker["timeout"]) == (
        "python3.12",
        "arm64",
        256,
        60,
    )
    assert worker["reserved_concurrency"] == 20 and "vpc" not in worker and "tracing" not in worker
    assert worker["role"] == "worker"  # unknown after apply: taken from the configuration's reference
    assert worker["triggers"] == [{"type": "sqs", "source": "jobs"}]
    assert worker["permissions"] == [{"sid": "AllowPartnerAccount", "principal": "999988887777"}]
    role = r.data["roles"]["worker"]
    assert role["managed_policies"] == ["AWSLambdaSQSQueueExecutionRole"]
    assert role["permission_boundary"] == {"managed_policy": "workload-boundary"}
    assert r.locations["functions.worker-jobs"].line > 1


def test_tf_state_with_nested_child_modules() -> None:
    r = _load("tf-state-children.json")
    vpc = r.data["vpcs"]["core"]
    assert vpc["subnets"] == {
        "network-private-0": {"az": "eu-west-1a", "cidr": "10.50.1.0/24", "route": "nat"},
        "network-private-1": {"az": "eu-west-1b", "cidr": "10.50.2.0/24", "route": "nat"},
    }
    fn = r.data["functions"]["api-this"]
    assert fn["vpc"] == {
        "vpc": "core",
        "subnets": ["network-private-0", "network-private-1"],
        "security_groups": ["network-fn"],
    }
    assert fn["role"] == "api-this" and fn["tracing"] is True and "reserved_concurrency" not in fn
    assert fn["url"] == {"auth": "AWS_IAM"} and fn["triggers"] == [{"type": "function_url", "auth": "iam"}]
    assert fn["async"] == {"on_failure": "api-alarms-alerts", "max_retries": 1}  # from module.api.module.alarms
    assert _actions(r, "api-this")["dynamodb:PutItem"] == ["arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]


# -- CDK output: asset code, role by GetAtt, Kinesis event source mapping, queue policy -----------


def test_cdk_stream_processor() -> None:
    r = _load("cdk-stream.template.json")
    assert r.data["deployment"]["tool"] == "cdk"
    (name,) = r.data["functions"]
    fn = r.data["functions"][name]
    assert fn["role"] == "ClickProcessorServiceRole4A5B6C7D" and fn["runtime"] == "nodejs18.x"
    assert fn["triggers"] == [{"type": "kinesis", "source": "ClickStream0A1B2C3D"}]
    role = "ClickProcessorServiceRole4A5B6C7D"
    assert _actions(r, role)["kinesis:GetRecords"] == ["resource:ClickStream0A1B2C3D"]
    assert _actions(r, role)["sqs:SendMessage"] == ["queue:ClickDlqE5F6A7B8"]
    assert r.data["roles"][role]["managed_policies"] == ["AWSLambdaBasicExecutionRole"]
    # the queue policy: the Deny to * is not exposure; the other account is named
    dlq = r.data["resources"]["ClickDlqE5F6A7B8"]
    assert dlq == {"type": "sqs"}
    assert "222233334444" in r.notes["resources.ClickDlqE5F6A7B8"]
    assert not r.warnings


def test_a_queue_policy_open_to_anyone_makes_the_queue_public(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        """Resources:
  Q:
    Type: AWS::SQS::Queue
  QP:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Q]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: "*", Action: sqs:SendMessage, Resource: !GetAtt Q.Arn}
  F:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::111122223333:role/r, Code: {ZipFile: x}}
"""
    )
    r = import_path(tmp_path / "t.yaml")
    assert r.data["resources"]["Q"]["public"] is True
    assert "lets anyone" in r.notes["resources.Q"]
    assert r.data["deployment"]["tool"] == "cloudformation"
