"""AWS semantics the importers share: ARNs, IAM documents, SAM policy templates, event sources,
security-group rules and routes, each mapped to the terms of the workload model."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# -- ARNs ---------------------------------------------------------------------------------

ARN = re.compile(r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<rest>.*)$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    rest: str

    @property
    def resource_name(self) -> str:
        """The name of the resource an ARN points at (the table, queue, function, bucket...)."""
        rest = self.rest
        if self.service == "s3":
            return rest.split("/", 1)[0]
        if self.service in ("lambda", "states", "secretsmanager", "sqs", "sns", "logs"):
            parts = rest.split(":")
            if self.service == "lambda" and len(parts) >= 2:
                return parts[1]
            if self.service == "secretsmanager" and len(parts) >= 2:
                # Secrets Manager appends a 6-character random suffix to the name
                return re.sub(r"-[A-Za-z0-9]{6}$", "", parts[1])
            return parts[-1] if self.service in ("sqs", "sns") else (parts[1] if len(parts) > 1 else parts[0])
        parts = re.split(r"[/:]", rest)
        if self.service == "elasticloadbalancing" and len(parts) > 2:
            return parts[2]  # listener/app/NAME/... and loadbalancer/app/NAME/...
        return parts[1] if len(parts) > 1 else parts[0]


PLACEHOLDER = re.compile(r"\$\{[^{}]*\}")


def parse_arn(value: Any) -> Arn | None:
    """An ARN; placeholders such as ${AWS::Region} or ${AWS::AccountId} stay as the text of
    their field (their colons do not split the ARN)."""
    if not isinstance(value, str):
        return None
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    m = ARN.match(PLACEHOLDER.sub(hold, value) if "${" in value else value)
    if not m:
        return None

    def back(text: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda x: held[int(x.group(1))], text) if held else text

    return Arn(back(m["service"]), back(m["region"]), back(m["account"]), back(m["rest"]))


# Service of an ARN (and of an event source) -> model resource type.
SERVICE_TYPES = {
    "dynamodb": "dynamodb",
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "kinesis": "kinesis",
    "events": "eventbridge",
    "rds": "rds",
    "elasticache": "elasticache",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "kms": "kms",
    "elasticfilesystem": "efs",
    "execute-api": "api_gateway",
    "apigateway": "api_gateway",
    "elasticloadbalancing": "alb",
    "cognito-idp": "cognito",
    "states": "stepfunctions",
}

# Model resource type -> the TYPE of a `TYPE:NAME` reference in IAM statements.
REF_PREFIX = {
    "dynamodb": "table",
    "s3": "bucket",
    "sqs": "queue",
    "sns": "topic",
    "secretsmanager": "secret",
    "kms": "key",
}


def ref_prefix(resource_type: str) -> str:
    return REF_PREFIX.get(resource_type, "resource")


def managed_policy_name(arn: str) -> tuple[str, bool]:
    """A managed policy ARN (or bare name) -> (policy name, is it AWS managed)."""
    parsed = parse_arn(arn)
    if parsed is None:
        return arn.rsplit("/", 1)[-1], True
    name = parsed.rest.rsplit("/", 1)[-1]
    return name, parsed.account == "aws"


# -- principals -------------------------------------------------------------------------------

DEPLOYMENT_SERVICES = {"cloudformation", "codebuild", "codepipeline", "codedeploy"}


def principal_of(value: Any) -> str | None:
    """A resource-policy principal (string, account ARN, or {AWS|Service: ...}) -> model principal."""
    if isinstance(value, dict):
        for key in ("Service", "AWS", "Federated", "CanonicalUser"):
            if key in value:
                inner = value[key]
                return principal_of(inner[0] if isinstance(inner, list) and inner else inner)
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value).zfill(12)
    if not isinstance(value, str):
        return None
    parsed = parse_arn(value)
    if parsed is not None and parsed.service == "iam" and ACCOUNT_ID.match(parsed.account):
        return parsed.account
    return value


def role_kind(trust_policy: Any) -> str:
    """The kind of a role from who may assume it."""
    services: list[str] = []
    people = False
    for stmt in as_list(trust_policy.get("Statement") if isinstance(trust_policy, dict) else None):
        if not isinstance(stmt, dict) or stmt.get("Effect", "Allow") != "Allow":
            continue
        principal = stmt.get("Principal")
        if isinstance(principal, dict):
            services += [s for s in as_list(principal.get("Service")) if isinstance(s, str)]
            people = people or "AWS" in principal or "Federated" in principal
        elif principal == "*":
            people = True
    names = {s.split(".", 1)[0] for s in services}
    if names & {"lambda", "edgelambda"}:
        return "execution"
    if names & DEPLOYMENT_SERVICES:
        return "deployment"
    if names:
        return "service"
    return "human" if people else "execution"


def trusted_accounts(trust_policy: Any) -> list[str]:
    """The accounts (12-digit ids, or "*") whose principals a trust policy lets assume the role.
    Values only known at deploy time are left out."""
    out: list[str] = []
    for stmt in as_list(trust_policy.get("Statement") if isinstance(trust_policy, dict) else None):
        if not isinstance(stmt, dict) or stmt.get("Effect", "Allow") != "Allow":
            continue
        principal = stmt.get("Principal")
        values = as_list(principal.get("AWS")) if isinstance(principal, dict) else [principal]
        for value in values:
            account = None
            if value == "*":
                account = "*"
            elif isinstance(value, str) and ACCOUNT_ID.match(value):
                account = value
            elif isinstance(value, str):
                parsed = parse_arn(value)
                if parsed is not None and parsed.service in ("iam", "sts") and ACCOUNT_ID.match(parsed.account):
                    account = parsed.account
            if account and account not in out:
                out.append(account)
    return out


# -- IAM documents ----------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


ResourceMapper = Callable[[Any], str]


def statements(document: Any, map_resource: ResourceMapper) -> tuple[list[dict[str, Any]], list[str]]:
    """An IAM policy document -> model statements, plus the problems met on the way.

    `map_resource` turns one Resource entry into an ARN, "*" or a TYPE:NAME reference."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    if not isinstance(document, dict):
        return out, ["the policy document is not a mapping"]
    for i, stmt in enumerate(as_list(document.get("Statement"))):
        if not isinstance(stmt, dict):
            problems.append(f"statement {i + 1} is not a mapping")
            continue
        entry: dict[str, Any] = {}
        if isinstance(stmt.get("Sid"), str) and stmt["Sid"]:
            entry["sid"] = stmt["Sid"]
        effect = stmt.get("Effect", "Allow")
        entry["effect"] = effect if effect in ("Allow", "Deny") else "Allow"
        if effect not in ("Allow", "Deny"):
            problems.append(f"statement {i + 1} has effect {effect!r}; read as Allow")
        actions = [str(a) for a in as_list(stmt.get("Action")) if isinstance(a, str | int)]
        not_actions = [str(a) for a in as_list(stmt.get("NotAction")) if isinstance(a, str | int)]
        if actions:
            entry["actions"] = actions
        if not_actions:
            entry["not_actions"] = not_actions
        if not actions and not not_actions:
            problems.append(f"statement {i + 1} has no readable Action; skipped")
            continue
        if "NotResource" in stmt and "Resource" not in stmt:
            # The model has no NotResource: "everything but X" is read as everything.
            entry["resources"] = ["*"]
            problems.append(f"statement {i + 1} uses NotResource; read as Resource '*'")
        else:
            resources = [map_resource(r) for r in as_list(stmt.get("Resource", "*"))]
            entry["resources"] = sorted_unique(resources) or ["*"]
        if isinstance(stmt.get("Condition"), dict) and stmt["Condition"]:
            entry["conditions"] = plain(stmt["Condition"])
        out.append(entry)
    return out, problems


def sorted_unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def plain(value: Any) -> Any:
    """Data with every non-plain leaf (unresolved values) turned into its text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def is_restrictive(document: Any) -> bool:
    """Whether a VPC endpoint policy narrows access (anything but Allow * on * for *)."""
    if not isinstance(document, dict):
        return False
    for stmt in as_list(document.get("Statement")):
        if not isinstance(stmt, dict):
            continue
        if stmt.get("Effect") == "Deny":
            return True
        wide = (
            ("*" in as_list(stmt.get("Action")) or "*:*" in as_list(stmt.get("Action")))
            and "*" in as_list(stmt.get("Resource", "*"))
            and stmt.get("Principal", "*") in ("*", {"AWS": "*"})
        )
        if not wide or stmt.get("Condition"):
            return True
    return False


# -- SAM policy templates -------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyTemplate:
    parameter: str | None  # the template parameter naming the resource
    resource_type: str | None  # the model type of that resource
    actions: tuple[str, ...]


_DDB_READ = ("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable")
_S3_READ = (
    "s3:GetObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetObjectVersion",
    "s3:GetLifecycleConfiguration",
)
_S3_WRITE = ("s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration")

# The common SAM policy templates (policy_templates.json of the SAM translator), by meaning.
POLICY_TEMPLATES: dict[str, PolicyTemplate] = {
    "DynamoDBCrudPolicy": PolicyTemplate(
        "TableName",
        "dynamodb",
        (
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ),
    ),
    "DynamoDBReadPolicy": PolicyTemplate("TableName", "dynamodb", _DDB_READ),
    "DynamoDBWritePolicy": PolicyTemplate(
        "TableName", "dynamodb", ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem")
    ),
    "DynamoDBStreamReadPolicy": PolicyTemplate(
        "TableName",
        "dynamodb",
        ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
    ),
    "DynamoDBReconfigurePolicy": PolicyTemplate("TableName", "dynamodb", ("dynamodb:UpdateTable",)),
    "S3ReadPolicy": PolicyTemplate("BucketName", "s3", _S3_READ),
    "S3WritePolicy": PolicyTemplate("BucketName", "s3", _S3_WRITE),
    "S3CrudPolicy": PolicyTemplate("BucketName", "s3", _S3_READ + _S3_WRITE + ("s3:DeleteObject",)),
    "S3FullAccessPolicy": PolicyTemplate(
        "BucketName",
        "s3",
        _S3_READ
        + _S3_WRITE
        + (
            "s3:GetObjectAcl",
            "s3:DeleteObject",
            "s3:DeleteObjectTagging",
            "s3:DeleteObjectVersionTagging",
            "s3:GetObjectTagging",
            "s3:GetObjectVersionTagging",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
        ),
    ),
    "SQSPollerPolicy": PolicyTemplate(
        "QueueName",
        "sqs",
        (
            "sqs:ChangeMessageVisibility",
            "sqs:ChangeMessageVisibilityBatch",
            "sqs:DeleteMessage",
            "sqs:DeleteMessageBatch",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ),
    ),
    "SQSSendMessagePolicy": PolicyTemplate("QueueName", "sqs", ("sqs:SendMessage*",)),
    "SNSPublishMessagePolicy": PolicyTemplate("TopicName", "sns", ("sns:Publish",)),
    "SNSCrudPolicy": PolicyTemplate(
        "TopicName",
        "sns",
        ("sns:ListSubscriptionsByTopic", "sns:CreateTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Publish"),
    ),
    "KinesisStreamReadPolicy": PolicyTemplate(
        "StreamName",
        "kinesis",
        (
            "kinesis:ListStreams",
            "kinesis:DescribeLimits",
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
        ),
    ),
    "KinesisCrudPolicy": PolicyTemplate(
        "StreamName",
        "kinesis",
        (
            "kinesis:AddTagsToStream",
            "kinesis:CreateStream",
            "kinesis:DecreaseStreamRetentionPeriod",
            "kinesis:DeleteStream",
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamConsumer",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetShardIterator",
            "kinesis:GetRecords",
            "kinesis:IncreaseStreamRetentionPeriod",
            "kinesis:ListStreamConsumers",
            "kinesis:ListStreams",
            "kinesis:ListTagsForStream",
            "kinesis:MergeShards",
            "kinesis:PutRecord",
            "kinesis:PutRecords",
            "kinesis:SplitShard",
            "kinesis:RemoveTagsFromStream",
        ),
    ),
    "LambdaInvokePolicy": PolicyTemplate("FunctionName", "function", ("lambda:InvokeFunction",)),
    "StepFunctionsExecutionPolicy": PolicyTemplate("StateMachineName", "stepfunctions", ("states:StartExecution",)),
    "EventBridgePutEventsPolicy": PolicyTemplate("EventBusName", "eventbridge", ("events:PutEvents",)),
    "SSMParameterReadPolicy": PolicyTemplate(
        "ParameterName",
        "ssm",
        ("ssm:DescribeParameters", "ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"),
    ),
    "SSMParameterWithSlashPrefixReadPolicy": PolicyTemplate(
        "ParameterName",
        "ssm",
        ("ssm:DescribeParameters", "ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"),
    ),
    "AWSSecretsManagerGetSecretValuePolicy": PolicyTemplate(
        "SecretArn", "secretsmanager", ("secretsmanager:GetSecretValue",)
    ),
    "KMSDecryptPolicy": PolicyTemplate("KeyId", "kms", ("kms:Decrypt",)),
    "KMSEncryptPolicy": PolicyTemplate("KeyId", "kms", ("kms:Encrypt",)),
    "VPCAccessPolicy": PolicyTemplate(
        None,
        None,
        (
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DetachNetworkInterface",
        ),
    ),
    "CloudWatchPutMetricPolicy": PolicyTemplate(None, None, ("cloudwatch:PutMetricData",)),
    "SESCrudPolicy": PolicyTemplate(
        "IdentityName",
        None,
        ("ses:GetIdentityVerificationAttributes", "ses:SendEmail", "ses:SendRawEmail", "ses:VerifyEmailIdentity"),
    ),
    "CloudWatchLogsFullAccessPolicy": PolicyTemplate(None, None, ("logs:*",)),
}

# Managed policies SAM attaches to the role it creates, by cause.
SAM_BASIC = "AWSLambdaBasicExecutionRole"
SAM_VPC = "AWSLambdaVPCAccessExecutionRole"
SAM_XRAY = "AWSXrayWriteOnlyAccess"
POLLER_POLICIES = {
    "sqs": "AWSLambdaSQSQueueExecutionRole",
    "kinesis": "AWSLambdaKinesisExecutionRole",
    "dynamodb": "AWSLambdaDynamoDBExecutionRole",
    "kafka": "AWSLambdaMSKExecutionRole",
}

# -- event sources ----------------------------------------------------------------------------

# Service principal (first label) -> trigger type, for permissions that let a service invoke.
PRINCIPAL_TRIGGERS = {
    "apigateway": "api_gateway",
    "elasticloadbalancing": "alb",
    "s3": "s3",
    "sns": "sns",
    "events": "eventbridge",
    "cognito-idp": "cognito",
    "logs": "cloudwatch_logs",
    "iot": "iot",
    "states": "stepfunctions",
    "scheduler": "schedule",
}

# Event source ARN service -> (trigger type, resource type) for event source mappings.
POLLED_SOURCES = {
    "sqs": ("sqs", "sqs"),
    "kinesis": ("kinesis", "kinesis"),
    "dynamodb": ("dynamodb", "dynamodb"),
    "kafka": ("kafka", "other"),
    "mq": ("mq", "other"),
    "rds": ("other", "other"),  # DocumentDB change streams
}


def service_of_principal(principal: str) -> str:
    return principal.split(".", 1)[0] if principal.endswith(".amazonaws.com") else ""


# -- networks ---------------------------------------------------------------------------------

PROTOCOLS = {
    "-1": "all",
    "all": "all",
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmp",
    "58": "icmp",
}


def protocol_of(value: Any) -> str | None:
    return PROTOCOLS.get(str(value).lower()) if value is not None else "tcp"


def ports_of(protocol: str, low: Any, high: Any) -> str:
    """FromPort/ToPort -> "all", "443" or "1024-65535"."""
    if protocol in ("all", "icmp"):
        return "all"
    try:
        lo = int(low) if low is not None else 0
        hi = int(high) if high is not None else (lo if low is not None else 65535)
    except (TypeError, ValueError):
        return "all"
    if lo < 0 or hi < 0 or (lo == 0 and hi >= 65535):
        return "all"
    if hi < lo:
        lo, hi = hi, lo
    return str(lo) if lo == hi else f"{lo}-{hi}"


DEFAULT_ROUTE = ("0.0.0.0/0",)


def route_of(targets: list[str]) -> str:
    """The model route of a subnet from the kinds of target of its default routes.

    Kinds: "igw", "nat", "other" (a transit gateway, instance, ENI, peering or VPN, through
    which traffic may still reach the Internet)."""
    if "igw" in targets:
        return "igw"
    if "nat" in targets or "other" in targets:
        return "nat"
    return "isolated"


# -- layers -----------------------------------------------------------------------------------

# Layers AWS itself publishes, by name prefix and the accounts that publish them; a layer is
# counted as AWS's only when both match, everything else from another account is third-party.
AWS_LAYERS = {
    "LambdaInsightsExtension": {"580247275435"},
    "AWS-Parameters-and-Secrets-Lambda-Extension": {"177933569100"},
    "AWS-AppConfig-Extension": {"027255383542"},
    "aws-otel-": {"901920570463"},
    "AWSLambdaPowertoolsPython": {"017000801446"},
}


def layer_publisher(name: str, account: str) -> str:
    for prefix, accounts in AWS_LAYERS.items():
        if name.startswith(prefix) and account in accounts:
            return "aws"
    return "third-party"


def layer_from_arn(arn: str) -> tuple[str, str] | None:
    """arn:aws:lambda:REGION:ACCOUNT:layer:NAME[:VERSION] -> (name, account)."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "lambda" or not parsed.rest.startswith("layer:"):
        return None
    parts = parsed.rest.split(":")
    return (parts[1] if len(parts) > 1 else parts[0]), parsed.account


# -- secrets ----------------------------------------------------------------------------------

DYNAMIC_SECRET = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")
DYNAMIC_REF = re.compile(r"\{\{resolve:(ssm|secretsmanager|ssm-secure):([^}]*)\}\}")
