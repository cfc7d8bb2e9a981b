"""Inputs shaped like what teams really write: SAM apps with Globals and policy templates,
CDK-synthesised CloudFormation, Serverless v3 services split over files, Terraform roots with
local modules, and `terraform show -json` plans. Each is imported, validated and analysed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmgen.analysis import analyze, load_imported
from tmgen.importers import ImportResult, detect, import_path
from tmgen.schema import Workload

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"


def _load(name: str) -> ImportResult:
    result = import_path(REALWORLD / name)
    Workload.model_validate(result.data)
    return result


def warnings_of(result: ImportResult) -> list[str]:
    return [w.message for w in result.warnings]


def statements(result: ImportResult, role: str) -> dict[str, list[str]]:
    """action -> resources of a role's Allow statements."""
    out: dict[str, list[str]] = {}
    for st in result.data["roles"][role].get("statements", []):
        if st.get("effect", "Allow") == "Allow":
            for action in st["actions"]:
                out.setdefault(action, []).extend(st.get("resources", []))
    return out


@pytest.mark.parametrize("entry", sorted(p.name for p in REALWORLD.iterdir()))
def test_every_input_validates_is_located_and_analyses(entry: str) -> None:
    path = REALWORLD / entry
    result = import_path(path)
    Workload.model_validate(result.data)
    for warning in result.warnings:
        assert warning.location is not None and warning.location.line >= 1, warning.message
        assert Path(warning.location.file).name != "model.yaml"
    fmt = detect(path)
    assert fmt is not None
    analysis = analyze(load_imported(path, fmt))
    assert analysis.findings


# -- SAM: Globals, Cognito API, streams, SQS batch failures, layers, policy templates ---------------


def test_sam_orders_globals_layers_and_vpc() -> None:
    r = _load("sam-orders.yaml")
    functions = r.data["functions"]
    assert set(functions) == {"CreateOrderFunction", "OrderStreamFunction", "FulfilmentWorker", "NotifyFunction"}
    create = functions["CreateOrderFunction"]
    assert create["memory"] == 1024 and create["architecture"] == "arm64" and create["tracing"] is True
    assert create["reserved_concurrency"] == 100
    assert create["layers"] == ["SharedDepsLayer", "AWSLambdaPowertoolsPythonV2-Arm64"]
    assert r.data["layers"]["AWSLambdaPowertoolsPythonV2-Arm64"]["publisher"] == "aws"
    assert r.data["layers"]["SharedDepsLayer"] == {"publisher": "self"}
    worker = functions["FulfilmentWorker"]
    assert worker["vpc"]["subnets"] == ["VpcSubnetIds"]
    assert worker["vpc"]["security_groups"] == ["VpcSecurityGroupId"]
    assert "vpc" not in create
    assert worker["environment"]["CONFIG_PARAM"] == "/orders/prod/config"


def test_sam_orders_triggers_and_auth() -> None:
    r = _load("sam-orders.yaml")
    functions = r.data["functions"]
    assert functions["CreateOrderFunction"]["triggers"] == [
        {"type": "api_gateway", "source": "OrdersApi", "auth": "cognito"},
        {"type": "api_gateway", "source": "OrdersApi", "auth": "none"},  # /health opts out
    ]
    assert functions["OrderStreamFunction"]["triggers"] == [{"type": "dynamodb", "source": "OrdersTable"}]
    assert functions["FulfilmentWorker"]["triggers"] == [{"type": "sqs", "source": "FulfilmentQueue"}]
    notify = functions["NotifyFunction"]
    assert notify["triggers"] == [{"type": "schedule"}]
    # SAM limits the schedule's permission to the rule it creates; the partner's grant is cross-account
    assert notify["permissions"][0]["source_arn"] == "${NotifyFunctionNightly.Arn}"
    assert notify["permissions"][1] == {"sid": "PartnerInvokePermission", "principal": "444455556666"}


def test_sam_orders_policy_templates() -> None:
    r = _load("sam-orders.yaml")
    create = statements(r, "CreateOrderFunctionRole")
    assert create["dynamodb:PutItem"] == ["table:OrdersTable"]
    assert "ssm:GetParameter" in create
    assert create["events:PutEvents"] == ["resource:OrderEventBus"]
    stream = statements(r, "OrderStreamFunctionRole")
    assert stream["dynamodb:GetRecords"] == ["table:OrdersTable"]
    assert stream["states:StartExecution"] == ["resource:FulfilmentStateMachine"]
    assert stream["sqs:SendMessage*"] == ["queue:FulfilmentQueue"]
    worker = statements(r, "FulfilmentWorkerRole")
    assert worker["sqs:ReceiveMessage"] == ["queue:FulfilmentQueue"]
    assert worker["s3:GetObject"] == ["bucket:InvoiceBucket"]
    assert worker["s3:PutObject"] == ["bucket:InvoiceBucket"]
    assert worker["secretsmanager:GetSecretValue"] == ["secret:PaymentGatewaySecret"]
    assert worker["kms:Decrypt"] == ["key:DataKey"]
    assert worker["ec2:CreateNetworkInterface"] == ["*"]
    assert "AWSLambdaVPCAccessExecutionRole" in r.data["roles"]["FulfilmentWorkerRole"]["managed_policies"]
    assert "AmazonSESFullAccess" in r.data["roles"]["NotifyFunctionRole"]["managed_policies"]


# -- CDK-synthesised CloudFormation ---------------------------------------------------------------

CDK_HANDLER = "IngestHandler3B9C5A1E"


def test_cdk_network_placement_and_routes() -> None:
    r = _load("cdk-ingest.template.json")
    vpc = r.data["vpcs"]["IngestVpcB2A5F1C3"]
    assert vpc["cidr"] == "10.20.0.0/16"
    assert vpc["subnets"]["IngestVpcPublicSubnet1Subnet6A1F0E2B"]["route"] == "igw"
    assert vpc["subnets"]["IngestVpcPrivateSubnet2Subnet7B8C9D0E"]["route"] == "nat"
    assert vpc["endpoints"]["dynamodb"] == {"type": "gateway", "policy": "full"}
    handler = r.data["functions"][CDK_HANDLER]
    assert handler["vpc"] == {
        "vpc": "IngestVpcB2A5F1C3",
        "subnets": ["IngestVpcPrivateSubnet1Subnet2C4D8E6F", "IngestVpcPrivateSubnet2Subnet7B8C9D0E"],
        "security_groups": ["HandlerSecurityGroup4F3E2D1C"],
    }
    assert handler["layers"] == ["SharedLayer5E9D3C1A", "LambdaInsightsExtension-Arm64"]
    assert r.data["layers"]["SharedLayer5E9D3C1A"]["shared_with"] == ["org"]
    assert r.data["layers"]["LambdaInsightsExtension-Arm64"]["publisher"] == "aws"
    # the provider functions CDK adds are functions of the stack too
    assert "BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691" in r.data["functions"]
    assert not warnings_of(r)  # Custom::, AWS::CDK::Metadata, Rules and asset parameters are not problems


def test_cdk_default_policy_attached_with_ref_roles() -> None:
    r = _load("cdk-ingest.template.json")
    role = "IngestHandlerServiceRole8F1E0D2C"
    assert r.data["functions"][CDK_HANDLER]["role"] == role
    assert r.data["roles"][role]["managed_policies"] == [
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaVPCAccessExecutionRole",
    ]
    actions = statements(r, role)
    assert actions["dynamodb:PutItem"] == ["table:IngestTable7D8E9F01"]
    assert actions["s3:GetObject*"] == ["bucket:UploadBucketD2C1A0B9"]
    assert actions["sts:AssumeRole"] == ["arn:aws:iam::777788889999:role/partner-ingest-writer"]


def test_cdk_permissions_and_triggers() -> None:
    r = _load("cdk-ingest.template.json")
    handler = r.data["functions"][CDK_HANDLER]
    perms = {p["principal"]: p for p in handler["permissions"]}
    assert perms["s3.amazonaws.com"]["source_account"] == "this-account"
    assert perms["apigateway.amazonaws.com"]["source_arn"].endswith("/*/*")
    assert perms["777788889999"] == {"sid": "CrossAccountInvoke9E8D7C6B", "principal": "777788889999"}
    assert {"type": "s3", "source": "UploadBucketD2C1A0B9"} in handler["triggers"]
    assert {"type": "api_gateway", "auth": "iam", "source": "IngestApi8C7D6E5F"} in handler["triggers"]
    assert handler["environment"]["PARTNER_API_TOKEN"] == "tok_live_5f2b9c1d7e"  # kept for the secret rules


# -- Serverless Framework v3: functions from a file, httpApi authorizers, ${ssm:} networks --------


def test_serverless_functions_from_a_file_and_vpc_from_ssm() -> None:
    r = _load("sls-shop")
    functions = r.data["functions"]
    assert set(functions) == {"listProducts", "getProduct", "upsertProduct", "authorizer", "resizeImage"}
    vpc = functions["listProducts"]["vpc"]
    assert vpc["subnets"] == ["private-subnet-a", "private-subnet-b"]
    assert vpc["security_groups"] == ["lambda-sg-id"]
    assert "ssm" in r.notes["vpcs.vpc.subnets.private-subnet-a"]
    assert "vpc" not in functions["authorizer"]  # vpc: ~ opts out of the provider's VPC
    resize = functions["resizeImage"]
    assert resize["memory"] == 2048 and resize["ephemeral_storage"] == 4096
    assert resize["layers"] == ["Klayers-p311-Pillow"]
    assert r.data["layers"]["Klayers-p311-Pillow"] == {"publisher": "third-party", "account_id": "770693421928"}
    assert functions["listProducts"]["environment"]["STRIPE_SECRET_KEY"] == {"secret": True}
    # ${aws:accountId} is the deploying account, so the destination's ARN still names the queue
    assert resize["async"] == {"on_failure": "shop-dlq"}
    assert r.data["resources"]["shop-dlq"]["type"] == "sqs"


def test_serverless_http_api_authorizers_and_permissions() -> None:
    r = _load("sls-shop")
    functions = r.data["functions"]
    assert functions["listProducts"]["triggers"] == [{"type": "http_api", "source": "HttpApi", "auth": "none"}]
    # a JWT authorizer and a request (Lambda) authorizer on two routes of one function stay apart
    assert functions["upsertProduct"]["triggers"] == [
        {"type": "http_api", "source": "HttpApi", "auth": "jwt"},
        {"type": "http_api", "source": "HttpApi", "auth": "lambda"},
    ]
    perm = functions["upsertProduct"]["permissions"][0]
    assert perm["principal"] == "apigateway.amazonaws.com"
    assert perm["source_arn"] == "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"
    assert functions["resizeImage"]["triggers"] == [{"type": "sqs", "source": "ImageQueue"}]


def test_serverless_iam_role_statements_and_managed_policies() -> None:
    r = _load("sls-shop")
    role = r.data["roles"]["IamRoleLambdaExecution"]
    assert {"CloudWatchLambdaInsightsExecutionRolePolicy", "AWSLambdaVPCAccessExecutionRole"} <= set(
        role["managed_policies"]
    )
    actions = statements(r, "IamRoleLambdaExecution")
    assert actions["dynamodb:PutItem"] == ["table:CatalogTable"]
    assert actions["sqs:SendMessage"] == ["queue:ImageQueue"]
    assert actions["s3:PutObject"] == ["bucket:ImageBucket"]  # the bucket's name, resolved from the stage
    assert "queue:ImageQueue" in actions["sqs:ReceiveMessage"]  # the poller statement of the sqs event
    assert {f["role"] for f in r.data["functions"].values()} == {"IamRoleLambdaExecution"}


# -- Terraform: a root with a local module, image functions, policy documents, SG rules -----------


def test_terraform_root_function_network_and_permissions() -> None:
    r = _load("tf-billing")
    invoicer = r.data["functions"]["invoicer"]
    assert invoicer["package"] == "image" and invoicer["architecture"] == "arm64"
    assert invoicer["reserved_concurrency"] == 25
    assert invoicer["vpc"] == {"vpc": "main", "subnets": ["private_a", "private_b"], "security_groups": ["lambda"]}
    assert {"type": "sqs", "source": "invoices"} in invoicer["triggers"]
    perms = {p["principal"]: p for p in invoicer["permissions"]}
    assert perms["apigateway.amazonaws.com"]["source_arn"].endswith("/*/*")
    assert perms["999988887777"].get("source_arn") is None  # a cross-account grant without conditions
    groups = r.data["vpcs"]["main"]["security_groups"]
    assert {"to": "sg:db", "ports": "5432", "protocol": "tcp"} in groups["lambda"]["egress"]
    assert groups["db"]["ingress"] == [{"from": "sg:lambda", "ports": "5432", "protocol": "tcp"}]
    assert r.data["vpcs"]["main"]["subnets"]["private_a"]["route"] == "isolated"
    assert r.data["vpcs"]["main"]["endpoints"]["sqs"] == {"type": "interface", "policy": "restricted"}
    actions = statements(r, "invoicer")
    assert actions["dynamodb:PutItem"] == ["table:ledger"]
    assert actions["sqs:ReceiveMessage"] == ["queue:invoices"]
    assert r.data["roles"]["invoicer"]["managed_policies"] == ["AWSLambdaBasicExecutionRole"]


def test_terraform_local_module_is_followed() -> None:
    r = _load("tf-billing")
    assert not [w for w in r.warnings if "module" in w.message]
    reporter = r.data["functions"]["reporter-this"]
    assert reporter["runtime"] == "python3.12"  # the module variable's default
    # the module's variables are bound to the root's subnets and security group
    assert reporter["vpc"] == {"vpc": "main", "subnets": ["private_a", "private_b"], "security_groups": ["lambda"]}
    assert reporter["role"] == "reporter-this"
    assert r.data["roles"]["reporter-this"]["managed_policies"] == [
        "AWSLambdaVPCAccessExecutionRole",
        "AWSLambdaDynamoDBExecutionRole",
    ]
    # the stream of a root table, and a root rule that targets the module's output
    assert reporter["triggers"] == [{"type": "schedule"}, {"type": "dynamodb", "source": "ledger"}]
    assert reporter["permissions"][0]["principal"] == "events.amazonaws.com"
    location = r.locations["functions.reporter-this"]
    assert Path(location.file).parts[-3:] == ("modules", "fn", "main.tf") and location.line == 42


def test_terraform_remote_module_points_to_the_plan(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """module "lambda" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"
}

module "outside" {
  source = "../elsewhere"
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::111122223333:role/r"
  runtime       = "python3.12"
  handler       = "a.b"
}
"""
    )
    r = import_path(tmp_path)
    messages = {w.location.line: w.message for w in r.warnings}
    assert "terraform show -json" in messages[1] and "does not fetch" in messages[1]
    assert "outside the imported directory" in messages[6] or "not a directory" in messages[6]
    assert "f" in r.data["functions"]


# -- `terraform show -json`: a plan with module addresses ------------------------------------------


def test_plan_with_modules_links_function_role_and_policies() -> None:
    r = _load("tf-plan-modules.json")
    assert not warnings_of(r)
    fn = r.data["functions"]["receiver-this-0"]
    # the module's configuration says which role: its references are relative to the module
    assert fn["role"] == "receiver-this-0"
    role = r.data["roles"]["receiver-this-0"]
    assert role["managed_policies"] == ["AWSLambdaBasicExecutionRole"]
    actions = statements(r, "receiver-this-0")
    assert actions["events:PutEvents"] == ["*"]  # the attached customer policy, found through the module
    assert "secretsmanager:GetSecretValue" in actions
    assert "reserved_concurrency" not in fn  # -1 means unreserved
    assert fn["layers"] == ["Datadog-Node20-x"]
    assert r.data["layers"]["Datadog-Node20-x"]["publisher"] == "third-party"


def test_plan_with_modules_public_url_and_api_permission() -> None:
    r = _load("tf-plan-modules.json")
    fn = r.data["functions"]["receiver-this-0"]
    assert fn["url"] == {"auth": "NONE", "cors_origins": ["*"]}
    # the permission names the function by the name its role shares; an HTTP API invokes it
    assert fn["permissions"][0]["principal"] == "apigateway.amazonaws.com"
    assert {"type": "http_api", "source": "public"} in fn["triggers"]
    assert {"type": "function_url", "auth": "none"} in fn["triggers"]
    assert r.data["layers"]["shared_layer-this-0"]["shared_with"] == ["444455556666"]


# -- SAM: HttpApi Lambda authorizer, image function with an IAM URL, connectors, a SAR app --------


def test_sam_media_http_api_and_image_function() -> None:
    r = _load("sam-media.yaml")
    functions = r.data["functions"]
    assert functions["UploadUrlFunction"]["triggers"] == [
        {"type": "http_api", "source": "MediaHttpApi", "auth": "lambda"},
        {"type": "http_api", "source": "MediaHttpApi", "auth": "none"},
    ]
    transcode = functions["TranscodeFunction"]
    assert transcode["package"] == "image" and transcode["ephemeral_storage"] == 10240
    assert transcode["url"] == {"auth": "AWS_IAM"}
    assert not any(p["principal"] == "*" for p in transcode.get("permissions", []))
    assert transcode["async"] == {"on_failure": "ops-alerts", "max_retries": 0}
    analytics = functions["AnalyticsFunction"]
    assert {"type": "kinesis", "source": "EventsStream"} in analytics["triggers"]
    assert {"type": "sns", "source": "ops-alerts"} in analytics["triggers"]
    assert analytics["permissions"][0]["source_arn"] == "arn:aws:sns:eu-west-1:111122223333:ops-alerts"
    sar = [w for w in r.warnings if "VideoCatalog" in w.message]
    assert sar and sar[0].location.line == 154


def test_sam_connectors_grant_their_permissions() -> None:
    r = _load("sam-media.yaml")
    read = statements(r, "AnalyticsFunctionRole")  # an AWS::Serverless::Connector resource
    assert read["s3:GetObject"] == ["bucket:UploadBucket"]
    assert "s3:PutObject" not in read
    write = statements(r, "UploadUrlFunctionRole")  # a connector embedded in the function
    assert write["kinesis:PutRecords"] == ["resource:EventsStream"]
    assert write["s3:PutObject"] == ["bucket:UploadBucket"]  # its S3WritePolicy template
