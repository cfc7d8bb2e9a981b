"""Imports SAM and CloudFormation templates (YAML or JSON) into a workload model, with SAM's
implicit resources (roles, permissions, triggers) made explicit."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from tmgen.errors import Location, ModelInvalid
from tmgen.importers import aws
from tmgen.importers.draft import Draft, ImportResult, dig, safe_name, unknown_policies
from tmgen.importers.intrinsics import NO_VALUE, Deferred, ForEachExpander, Resolver, tag_handler
from tmgen.load import Document, PathT, load_text, read_text

MAX_NESTING = 5
THIS_ACCOUNT = "this-account"

# Resource types that become `resources` entries.
RESOURCE_TYPES = {
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::Serverless::SimpleTable": "dynamodb",
    "AWS::S3::Bucket": "s3",
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::Events::EventBus": "eventbridge",
    "AWS::RDS::DBInstance": "rds",
    "AWS::RDS::DBCluster": "rds",
    "AWS::RDS::DBProxy": "rds",
    "AWS::ElastiCache::CacheCluster": "elasticache",
    "AWS::ElastiCache::ReplicationGroup": "elasticache",
    "AWS::ElastiCache::ServerlessCache": "elasticache",
    "AWS::SecretsManager::Secret": "secretsmanager",
    "AWS::SSM::Parameter": "ssm",
    "AWS::KMS::Key": "kms",
    "AWS::EFS::FileSystem": "efs",
    "AWS::ApiGateway::RestApi": "api_gateway",
    "AWS::Serverless::Api": "api_gateway",
    "AWS::ApiGatewayV2::Api": "http_api",
    "AWS::Serverless::HttpApi": "http_api",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "alb",
    "AWS::Cognito::UserPool": "cognito",
    "AWS::StepFunctions::StateMachine": "stepfunctions",
    "AWS::Serverless::StateMachine": "stepfunctions",
    "AWS::MSK::Cluster": "other",
    "AWS::AmazonMQ::Broker": "other",
    "AWS::OpenSearchService::Domain": "other",
}

# The property that holds a resource's physical name, so literal names and ARNs can be matched.
NAME_PROPERTIES = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Serverless::LayerVersion": "LayerName",
}

# Known types that carry nothing the model describes: skipped without a warning.
SILENT_TYPES = {
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::VPCCidrBlock",
    "AWS::EC2::SubnetCidrBlock",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::BasePathMapping",
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::CloudFormation::WaitConditionHandle",
    "AWS::CloudFormation::WaitCondition",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::S3::BucketPolicy",
    "AWS::IAM::InstanceProfile",
    "AWS::RDS::DBSubnetGroup",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
    "AWS::Cognito::IdentityPool",
    "AWS::CloudFormation::Interface",
    "AWS::CDK::Metadata",
    "AWS::Lambda::CodeSigningConfig",
    "AWS::Signer::SigningProfile",
    "AWS::Route53::RecordSet",
    "AWS::CertificateManager::Certificate",
    "AWS::EC2::PrefixList",
}

HANDLED_TYPES = {
    "AWS::Lambda::Function",
    "AWS::Serverless::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Url",
    "AWS::Lambda::LayerVersion",
    "AWS::Serverless::LayerVersion",
    "AWS::Lambda::LayerVersionPermission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::VPCEndpoint",
    "AWS::SNS::Subscription",
    "AWS::Events::Rule",
    "AWS::Scheduler::Schedule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ApiGateway::Method",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::Logs::SubscriptionFilter",
    "AWS::CloudFormation::Stack",
    "AWS::Serverless::Application",
    "AWS::Serverless::Connector",
}

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")

# AWS::Serverless::Connector: destination type -> permission -> the actions SAM grants.
_FUNCTION_CONNECTOR: dict[str, tuple[str, ...]] = {"Write": ("lambda:InvokeAsync", "lambda:InvokeFunction")}
_MACHINE_CONNECTOR: dict[str, tuple[str, ...]] = {
    "Read": ("states:DescribeStateMachine", "states:ListExecutions"),
    "Write": ("states:StartExecution", "states:StartSyncExecution", "states:StopExecution"),
}
CONNECTOR_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "AWS::DynamoDB::Table": {
        "Read": (
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:BatchGetItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:PartiQLSelect",
        ),
        "Write": (
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:PartiQLDelete",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
        ),
    },
    "AWS::S3::Bucket": {
        "Read": (
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:GetObjectLegalHold",
            "s3:GetObjectRetention",
            "s3:GetObjectTorrent",
            "s3:GetObjectVersion",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionTorrent",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:ListBucketVersions",
            "s3:ListMultipartUploadParts",
        ),
        "Write": (
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:RestoreObject",
        ),
    },
    "AWS::SQS::Queue": {
        "Read": ("sqs:ReceiveMessage", "sqs:GetQueueAttributes"),
        "Write": ("sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"),
    },
    "AWS::SNS::Topic": {"Write": ("sns:Publish",)},
    "AWS::Events::EventBus": {"Write": ("events:PutEvents",)},
    "AWS::Lambda::Function": _FUNCTION_CONNECTOR,
    "AWS::Serverless::Function": _FUNCTION_CONNECTOR,
    "AWS::StepFunctions::StateMachine": _MACHINE_CONNECTOR,
    "AWS::Serverless::StateMachine": _MACHINE_CONNECTOR,
    "AWS::SecretsManager::Secret": {"Read": ("secretsmanager:GetSecretValue",)},
    "AWS::Kinesis::Stream": {"Write": ("kinesis:PutRecord", "kinesis:PutRecords")},
}
LAYER_TYPES = ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion")


def read_template(path: Path, display: str | None = None) -> tuple[Document, list[tuple[Location, str]]]:
    """Reads a YAML or JSON template with short-form tags turned into their long form."""
    name, text = read_text(path, display)
    if text.lstrip().startswith("{"):
        # Tabs are legal JSON whitespace but not YAML indentation; same column count.
        text = text.replace("\t", " ")
    problems: list[tuple[Location, str]] = []
    doc = load_text(text, name, tag_handler(problems))
    return doc, problems


def import_template(path: Path, fmt: str = "cloudformation") -> ImportResult:
    doc, problems = read_template(path)
    if not isinstance(doc.data, dict):
        raise ModelInvalid([_error(doc.file, "the template is not a mapping")])
    transform = doc.data.get("Transform")
    is_sam = any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in aws.as_list(transform))
    fmt = "sam" if is_sam else fmt
    draft = Draft(
        doc.file, fmt, safe_name(Path(path).stem if Path(path).stem != "template" else Path(path).resolve().parent.name)
    )
    description = doc.data.get("Description")
    if isinstance(description, str) and description.strip():
        draft.data["workload"]["description"] = " ".join(description.split())
    draft.data["deployment"] = {"tool": "cdk" if fmt == "cloudformation" and _from_cdk(doc.data) else fmt}
    for loc, text in problems:
        draft.warn(loc, text)
    TemplateImporter(draft, doc, Path(path)).run()
    return draft.finish()


def _error(file: str, message: str):  # type: ignore[no-untyped-def]
    from tmgen.errors import ModelError

    return ModelError(Location(file, 1, 1), message)


class TemplateImporter:
    """Maps the resources of one template (and the local templates it nests) into a Draft."""

    def __init__(
        self,
        draft: Draft,
        doc: Document,
        path: Path,
        overrides: dict[str, Any] | None = None,
        prefix: str = "",
        depth: int = 0,
        seen: frozenset[Path] = frozenset(),
        name_prefix: str = "",
        external: frozenset[str] = frozenset(),
        display: dict[str, str] | None = None,
        word: str = "parameter",
        root: Path | None = None,
    ) -> None:
        self.draft = draft
        self.root = root or path.resolve().parent  # nested templates must stay under it
        self.display = display or {}  # logical id -> the name to give its model entry
        self.name_prefix = name_prefix
        self.doc = doc
        self.path = path
        self.prefix = prefix
        self.depth = depth
        self.seen = seen | {path.resolve()}
        self.template = doc.data
        self.resolver = Resolver(self.template, doc, overrides or {}, external=external, word=word)
        self.resolver.stack_output = self.stack_output
        if isinstance(self.template, dict):
            before = len(self.resolver.assumed)
            expander = ForEachExpander(self.resolver, draft.warn)
            for section in ("Conditions", "Resources", "Outputs"):
                expander.section(section)
            del self.resolver.assumed[before:]  # a loop over a parameter's default is not a model value
        resources = self.template.get("Resources")
        if not isinstance(resources, dict):
            draft.warn(doc.locate(("Resources",)), "the template has no Resources mapping")
            resources = {}
        self.resources: dict[str, dict[str, Any]] = {}
        for lid, res in resources.items():
            if isinstance(res, dict) and isinstance(res.get("Type"), str):
                self.resources[str(lid)] = res
            else:
                draft.warn(self.rloc(str(lid)), f"resource {lid} has no Type; skipped")
        self.globals = self.template.get("Globals") if isinstance(self.template.get("Globals"), dict) else {}
        self._props: dict[str, dict[str, Any]] = {}
        self._origin: dict[str, dict[str, PathT]] = {}
        self.physical: dict[str, tuple[str, str]] = draft.physical
        # key (see abs) -> (vpc, name); shared with nested stacks, whose outputs refer to them
        self.subnets: dict[str, tuple[str, str]] = draft.subnets
        self.groups: dict[str, tuple[str, str]] = draft.groups
        self._stacks: dict[str, TemplateImporter | None] = {}  # nested stacks imported (None: running)
        self.active: dict[str, bool] = {}
        self.no_echo = {
            name
            for name, spec in self.resolver.parameters.items()
            if isinstance(spec, dict) and str(spec.get("NoEcho", "")).lower() == "true"
        }

    # -- locations and values -------------------------------------------------------------
    def key(self, lid: str) -> str:
        return f"{self.prefix}{lid}"

    def abs(self, lid: str | None) -> str | None:
        """The key of a logical id of this template; a value from a nested stack's output
        already carries the key of its resource."""
        if lid is None:
            return None
        return self.key(lid) if lid in self.resources or "/" not in lid else lid

    def rloc(self, lid: str, *keys: Any) -> Location:
        if keys:
            return self.doc.locate(("Resources", lid, "Properties") + keys)
        return self.doc.locate(("Resources", lid))

    def of_type(self, *types: str) -> list[str]:
        return [lid for lid, res in self.resources.items() if res["Type"] in types and self.active.get(lid, True)]

    def props(self, lid: str) -> dict[str, Any]:
        """The resolved properties of a resource (SAM Globals merged in)."""
        if lid in self._props:
            return self._props[lid]
        res = self.resources[lid]
        raw = res.get("Properties")
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.draft.warn(self.rloc(lid), f"the Properties of {lid} are not a mapping; ignored")
            raw = {}
        origin: dict[str, PathT] = {k: ("Resources", lid, "Properties", k) for k in raw}
        section = {
            "AWS::Serverless::Function": "Function",
            "AWS::Serverless::Api": "Api",
            "AWS::Serverless::HttpApi": "HttpApi",
            "AWS::Serverless::SimpleTable": "SimpleTable",
            "AWS::Serverless::LayerVersion": "LayerVersion",
        }.get(res["Type"])
        glob = self.globals.get(section) if section else None
        if section and isinstance(glob, dict):
            merged = copy.deepcopy(glob)
            for k in glob:
                origin.setdefault(k, ("Globals", section, k))
            raw = _merge_globals(merged, raw)
        resolved: dict[str, Any] = {}
        for k, v in raw.items():
            value = self.resolver.resolve(v, origin[k])
            if value is not NO_VALUE:
                resolved[k] = value
        self._props[lid] = resolved
        self._origin[lid] = origin
        return resolved

    def tpath(self, lid: str, keys: tuple[Any, ...]) -> PathT:
        origin = self._origin.get(lid, {})
        base = origin.get(keys[0], ("Resources", lid, "Properties", keys[0])) if keys else ("Resources", lid)
        return tuple(base) + tuple(keys[1:])

    def loc(self, lid: str, *keys: Any) -> Location:
        self.props(lid)
        return self.doc.locate(self.tpath(lid, keys)) if keys else self.rloc(lid)

    def carry_notes(self, lid: str, keys: tuple[Any, ...], model_path: str, value: Any = None) -> None:
        """Moves what the resolver assumed under a property onto the model path built from it."""
        self.draft.carry_notes(self.resolver.assumed, self.tpath(lid, keys), model_path, value)

    def take_problems(self) -> None:
        for loc, text in self.resolver.problems:
            self.draft.warn(loc, text)
        self.resolver.problems.clear()

    # -- references -------------------------------------------------------------------------
    def target(self, value: Any) -> tuple[str, str] | None:
        """The model entry a resolved value (a Ref/GetAtt, a name or an ARN) points at."""
        if isinstance(value, Deferred):
            lid = value.resource or (value.refs[0] if len(value.refs) == 1 else None)
            if lid is not None:
                return self.draft.index.get(self.abs(lid) or lid)
            return None
        if isinstance(value, str):
            if value in self.physical:
                return self.physical[value]
            arn = aws.parse_arn(value)
            if arn is not None and arn.resource_name in self.physical:
                return self.physical[arn.resource_name]
        return None

    def function_of(self, value: Any) -> str | None:
        hit = self.target(value)
        if hit and hit[0] == "functions":
            return hit[1]
        if isinstance(value, str):
            name = value.split(":")[0] if not value.startswith("arn:") else None
            if name and self.draft.lookup(f"function-name:{name}", "functions"):
                return self.draft.lookup(f"function-name:{name}", "functions")
        return None

    def iam_resource(self, value: Any) -> str:
        hit = self.target(value)
        if hit is not None and hit[0] in ("functions", "layers", "resources"):
            return self.draft.resource_ref(*hit)
        return str(value)

    def source_entry(self, value: Any, rtype: str, loc: Location) -> str | None:
        """A `resources` entry for an event source given as a Ref, an ARN or a name."""
        hit = self.target(value)
        if hit is not None and hit[0] == "resources":
            return hit[1]
        if isinstance(value, Deferred):
            if value.resource:
                return self.draft.ensure_resource(
                    rtype, value.resource, loc, f"{value.resource} is a resource of a type tmgen does not model"
                )
            arn = aws.parse_arn(value.text)
            if arn is not None and "${" not in arn.resource_name:  # an ARN with placeholders
                return self.draft.ensure_resource(
                    aws.SERVICE_TYPES.get(arn.service, rtype),
                    arn.resource_name,
                    loc,
                    f"from the ARN {value.text}; not declared in the template",
                )
            name = value.parameter or ("unresolved-source" if value.text.startswith("!") else value.text)
            return self.draft.ensure_resource(rtype, name, loc, f"unresolved: {value.reason or value.text}")
        if isinstance(value, str):
            arn = aws.parse_arn(value)
            if arn is not None:
                rtype = aws.SERVICE_TYPES.get(arn.service, rtype)
                return self.draft.ensure_resource(
                    rtype, arn.resource_name, loc, f"from the ARN {value}; not declared in the template"
                )
            return self.draft.ensure_resource(rtype, value, loc)
        return None

    def unknown_account(self, value: Deferred, lid: str) -> str:
        """An account entry for a principal the template cannot give (a parameter, an import)."""
        self.own_account()  # the first account is everyone's default: keep it the stack's own
        name = safe_name(value.parameter or value.text)
        accounts = self.draft.collection("accounts")
        if name not in accounts:
            accounts[name] = {"external": True}
            self.draft.locate(f"accounts.{name}", self.loc(lid, "Principal"))
            self.draft.note(
                f"accounts.{name}",
                f"unresolved ({value.reason or value.text}); assumed outside the organisation",
            )
        return name

    def own_account(self) -> str:
        accounts = self.draft.collection("accounts")
        if THIS_ACCOUNT not in accounts:
            accounts[THIS_ACCOUNT] = {}
            self.draft.note(
                f"accounts.{THIS_ACCOUNT}", "the account the stack is deployed to; its id is not in the template"
            )
        return THIS_ACCOUNT

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> None:
        self._conditions()
        self._names()
        self._networks()
        for types, mapper in (
            (tuple(RESOURCE_TYPES), self._resource),
            (LAYER_TYPES, self._layer),
            (("AWS::IAM::Role",), self._role),
            (FUNCTION_TYPES, self._function),
            (("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"), self._attached_policy),
            (("AWS::Serverless::Function",), self._sam_events),
        ):
            for lid in self.of_type(*types):
                self.guarded(lid, mapper)
        relations: dict[str, Callable[[str], None]] = {
            "AWS::Lambda::Permission": self._permission,
            "AWS::Lambda::Url": self._url,
            "AWS::Lambda::LayerVersionPermission": self._layer_permission,
            "AWS::Lambda::EventSourceMapping": self._event_source_mapping,
            "AWS::Lambda::EventInvokeConfig": self._event_invoke_config,
            "AWS::SNS::Subscription": self._sns_subscription,
            "AWS::Events::Rule": self._events_rule,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::ElasticLoadBalancingV2::TargetGroup": self._target_group,
            "AWS::ApiGateway::Method": self._api_method,
            "AWS::ApiGatewayV2::Integration": self._http_integration,
            "AWS::Logs::SubscriptionFilter": self._log_subscription,
            "AWS::CloudFormation::Stack": self._nested,
            "AWS::Serverless::Application": self._nested,
            "AWS::Serverless::Connector": self._connector,
            "AWS::SQS::QueuePolicy": self._resource_policy,
            "AWS::SNS::TopicPolicy": self._resource_policy,
            "AWS::S3::BucketPolicy": self._resource_policy,
        }
        for lid, res in self.resources.items():
            if not self.active.get(lid, True):
                continue
            rtype = res["Type"]
            relation = relations.get(rtype) or {
                "AWS::S3::Bucket": self._bucket_notifications,
                "AWS::SNS::Topic": self._topic_subscriptions,
                "AWS::Cognito::UserPool": self._cognito_triggers,
            }.get(rtype)
            if relation is not None:
                self.guarded(lid, relation)
            if isinstance(res.get("Connectors"), dict):  # SAM's embedded connectors: the resource is the source
                self.guarded(lid, self._embedded_connectors)
            if (
                rtype not in HANDLED_TYPES
                and rtype not in RESOURCE_TYPES
                and rtype not in SILENT_TYPES
                and not rtype.startswith("Custom::")
                and rtype != "AWS::CloudFormation::CustomResource"
            ):
                self.draft.warn(
                    self.doc.locate(("Resources", lid, "Type")),
                    f"resource {lid} has type {rtype}, which tmgen does not model; skipped",
                )
        self.take_problems()

    def guarded(self, lid: str, mapper: Callable[[str], None]) -> None:
        """Runs one resource's mapping; a malformed resource costs a warning, not the import."""
        try:
            mapper(lid)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            rtype = self.resources[lid]["Type"]
            self.draft.warn(self.rloc(lid), f"could not read {lid} ({rtype}): {exc.__class__.__name__} {exc}; skipped")

    def _conditions(self) -> None:
        for lid, res in self.resources.items():
            cond = res.get("Condition")
            if not isinstance(cond, str):
                continue
            value = self.resolver.condition(cond, ("Resources", lid, "Condition"))
            self.active[lid] = value is not False
            if not isinstance(value, bool):
                self.draft.note(f"__resource__{lid}", f"created only when condition {cond} holds; assumed it does")

    def _names(self) -> None:
        """Registers the names of entries first, so references resolve whatever the order."""
        for lid, res in self.resources.items():
            if not self.active.get(lid, True):
                continue
            rtype = res["Type"]
            collection = None
            entry: dict[str, Any] = {}
            if rtype in FUNCTION_TYPES:
                collection = "functions"
            elif rtype == "AWS::IAM::Role":
                collection, entry = "roles", {"kind": "execution"}
            elif rtype in LAYER_TYPES:
                collection, entry = "layers", {"publisher": "self"}
            elif rtype in RESOURCE_TYPES:
                collection, entry = "resources", {"type": RESOURCE_TYPES[rtype]}
            if collection is None:
                continue
            name = self.draft.add(
                collection, self.name_prefix + self.display.get(lid, lid), entry, self.rloc(lid), self.key(lid)
            )
            cond_note = self.draft.notes.pop(f"__resource__{lid}", None)
            if cond_note:
                self.draft.note(f"{collection}.{name}", cond_note)
            prop = NAME_PROPERTIES.get(rtype)
            physical = self.props(lid).get(prop) if prop else None
            if isinstance(physical, str):
                self.physical[physical] = (collection, name)
                if collection == "functions":
                    self.draft.index[f"function-name:{physical}"] = ("functions", name)
        self.take_problems()

    # -- networks ---------------------------------------------------------------------------
    def _networks(self) -> None:
        vpcs = self.draft.collection("vpcs")
        for lid in self.of_type("AWS::EC2::VPC"):
            cidr = self.props(lid).get("CidrBlock")
            name = self.draft.add(
                "vpcs",
                self.name_prefix + self.display.get(lid, lid),
                {
                    "cidr": cidr if isinstance(cidr, str) else None,
                    "subnets": {},
                    "security_groups": {},
                    "endpoints": {},
                },
                self.rloc(lid),
                self.key(lid),
            )
            self.carry_notes(lid, ("CidrBlock",), f"vpcs.{name}.cidr", cidr)
        routes = self._subnet_routes()
        for lid in self.of_type("AWS::EC2::Subnet"):
            p = self.props(lid)
            vpc = self.vpc_of(p.get("VpcId"), self.loc(lid, "VpcId"))
            cidr = p.get("CidrBlock")
            az = p.get("AvailabilityZone")
            subnets = vpcs[vpc]["subnets"]
            name = safe_name(self.name_prefix + self.display.get(lid, lid))
            while name in subnets:
                name += "-2"
            subnet: dict[str, Any] = {
                "az": az.text if isinstance(az, Deferred) else (str(az) if az else ""),
                "cidr": cidr if isinstance(cidr, str) else None,
                "route": routes.get(lid, "isolated"),
            }
            subnets[name] = subnet
            self.subnets[self.key(lid)] = (vpc, name)
            base = f"vpcs.{vpc}.subnets.{name}"
            self.draft.locate(base, self.rloc(lid))
            self.carry_notes(lid, ("AvailabilityZone",), f"{base}.az", az)
            self.carry_notes(lid, ("CidrBlock",), f"{base}.cidr", cidr)
            if lid not in routes:
                self.draft.note(
                    f"{base}.route",
                    "no route table association in the template: "
                    "the VPC's main route table (local routes only) assumed",
                )
        for lid in self.of_type("AWS::EC2::SecurityGroup"):
            p = self.props(lid)
            vpc = self.vpc_of(p.get("VpcId"), self.loc(lid, "VpcId"))
            groups = vpcs[vpc]["security_groups"]
            name = safe_name(self.name_prefix + self.display.get(lid, lid))
            while name in groups:
                name += "-2"
            group: dict[str, Any] = {}
            if isinstance(p.get("GroupDescription"), str):
                group["description"] = p["GroupDescription"]
            groups[name] = group
            self.groups[self.key(lid)] = (vpc, name)
            self.draft.locate(f"vpcs.{vpc}.security_groups.{name}", self.rloc(lid))
        for lid in self.of_type("AWS::EC2::SecurityGroup"):
            p = self.props(lid)
            vpc, name = self.groups[self.key(lid)]
            group = vpcs[vpc]["security_groups"][name]
            for direction, key in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
                if key not in p:
                    continue
                group[direction] = []
                for i, rule in enumerate(aws.as_list(p[key])):
                    self._sg_rule(vpc, name, direction, rule, self.loc(lid, key, i))
        for lid in self.of_type("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            p = self.props(lid)
            direction = "ingress" if lid in self.of_type("AWS::EC2::SecurityGroupIngress") else "egress"
            hit = self.group_of(p.get("GroupId"), None, self.loc(lid, "GroupId"))
            if hit is None:
                self.draft.warn(self.rloc(lid), f"{lid} belongs to a security group outside the template; skipped")
                continue
            vpc, name = hit
            group = vpcs[vpc]["security_groups"][name]
            if direction == "egress" and "egress" not in group:
                # A separate egress rule adds to the default allow-all rule instead of replacing it.
                group["egress"] = [{"to": "0.0.0.0/0", "ports": "all", "protocol": "all"}]
                self.draft.note(
                    f"vpcs.{vpc}.security_groups.{name}.egress[0]",
                    "AWS's default egress rule, kept because the group declares no SecurityGroupEgress of its own",
                )
            group.setdefault(direction, [])
            self._sg_rule(vpc, name, direction, p, self.rloc(lid))
        for lid in self.of_type("AWS::EC2::VPCEndpoint"):
            p = self.props(lid)
            vpc = self.vpc_of(p.get("VpcId"), self.loc(lid, "VpcId"))
            service = p.get("ServiceName")
            text = service.text if isinstance(service, Deferred) else str(service or lid)
            key = safe_name(text.rsplit(".", 1)[-1]) if text else safe_name(lid)
            endpoints = vpcs[vpc]["endpoints"]
            while key in endpoints:
                key += "-2"
            etype = str(p.get("VpcEndpointType", "Gateway")).lower()
            endpoint = {
                "type": "interface" if etype in ("interface", "gatewayloadbalancer") else "gateway",
                "policy": "restricted" if aws.is_restrictive(p.get("PolicyDocument")) else "full",
            }
            endpoints[key] = endpoint
            self.draft.locate(f"vpcs.{vpc}.endpoints.{key}", self.rloc(lid))
            if isinstance(service, Deferred) and service.reason:
                self.draft.note(f"vpcs.{vpc}.endpoints.{key}", f"unresolved service name: {service.reason}")

    def _subnet_routes(self) -> dict[str, str]:
        """Subnet logical id -> nat / igw / isolated, from its route table's default routes."""
        kinds: dict[str, list[str]] = {}
        for lid in self.of_type("AWS::EC2::Route"):
            p = self.props(lid)
            if p.get("DestinationCidrBlock") not in aws.DEFAULT_ROUTE:
                continue
            table = p.get("RouteTableId")
            table_id = table.resource if isinstance(table, Deferred) else None
            if table_id is None:
                continue
            gateway = p.get("GatewayId")
            gw_type = (
                self.resources.get(gateway.resource, {}).get("Type")
                if isinstance(gateway, Deferred) and gateway.resource
                else None
            )
            if gw_type == "AWS::EC2::InternetGateway" or (isinstance(gateway, str) and gateway.startswith("igw-")):
                kind = "igw"
            elif "NatGatewayId" in p or (isinstance(p.get("InstanceId"), (str, Deferred))):
                kind = "nat"
            elif gateway is not None and gw_type is None and not isinstance(gateway, str):
                kind = "other"
            elif (
                any(
                    k in p
                    for k in (
                        "TransitGatewayId",
                        "NetworkInterfaceId",
                        "VpcPeeringConnectionId",
                        "VpcEndpointId",
                        "CarrierGatewayId",
                    )
                )
                or gateway is not None
            ):
                kind = "other"
            else:
                continue
            kinds.setdefault(table_id, []).append(kind)
        routes: dict[str, str] = {}
        for lid in self.of_type("AWS::EC2::SubnetRouteTableAssociation"):
            p = self.props(lid)
            subnet, table = p.get("SubnetId"), p.get("RouteTableId")
            if isinstance(subnet, Deferred) and subnet.resource and isinstance(table, Deferred) and table.resource:
                routes[subnet.resource] = aws.route_of(kinds.get(table.resource, []))
        return routes

    def vpc_of(self, value: Any, loc: Location) -> str:
        """The model VPC for a VpcId value; a placeholder when the VPC is not in the template."""
        hit = self.target(value) if isinstance(value, Deferred) and value.resource else None
        if hit is None and isinstance(value, Deferred) and value.resource:
            hit = self.draft.index.get(self.abs(value.resource) or value.resource)
        if hit is not None and hit[0] == "vpcs":
            return hit[1]
        if isinstance(value, Deferred):
            wanted = value.parameter or "vpc"
            why = f"placeholder for a VPC the template does not declare ({value.reason or value.text})"
        elif isinstance(value, str) and value:
            wanted = value
            why = f"placeholder for the existing VPC {value}, not declared in the template"
        else:
            wanted = self._vpc_parameter() or "vpc"
            why = "placeholder: the template does not say which VPC"
        return self.draft.placeholder_vpc(wanted, loc, why)

    def _vpc_parameter(self) -> str | None:
        for name, spec in self.resolver.parameters.items():
            if isinstance(spec, dict) and spec.get("Type") == "AWS::EC2::VPC::Id":
                return name
        return None

    def group_of(self, value: Any, vpc: str | None, loc: Location) -> tuple[str, str] | None:
        if isinstance(value, Deferred) and self.abs(value.resource) in self.groups:
            return self.groups[self.abs(value.resource)]  # type: ignore[index]
        if vpc is None:
            return None
        return vpc, self.placeholder_group(vpc, value, loc)

    def placeholder_group(self, vpc: str, value: Any, loc: Location) -> str:
        wanted = safe_name(value.parameter or value.text) if isinstance(value, Deferred) else safe_name(value)
        groups = self.draft.collection("vpcs")[vpc]["security_groups"]
        if wanted not in groups:
            groups[wanted] = {}
            self.draft.locate(f"vpcs.{vpc}.security_groups.{wanted}", loc)
            why = (
                value.reason
                if isinstance(value, Deferred) and value.reason
                else f"{value} is not declared in the template"
            )
            self.draft.note(
                f"vpcs.{vpc}.security_groups.{wanted}",
                f"placeholder ({why}); its rules are unknown, AWS's default egress assumed",
            )
        return wanted

    def _sg_rule(self, vpc: str, group: str, direction: str, rule: Any, loc: Location) -> None:
        if not isinstance(rule, dict):
            self.draft.warn(loc, "a security group rule that is not a mapping; skipped")
            return
        protocol = aws.protocol_of(rule.get("IpProtocol"))
        if protocol is None:
            self.draft.warn(loc, f"protocol {rule.get('IpProtocol')} is not tcp, udp or icmp; read as all")
            protocol = "all"
        ports = aws.ports_of(protocol, rule.get("FromPort"), rule.get("ToPort"))
        field = "to" if direction == "egress" else "from"
        peers: list[str] = []
        for key in ("CidrIp", "CidrIpv6"):
            if isinstance(rule.get(key), str):
                peers.append(rule[key])
        for key in ("SourceSecurityGroupId", "DestinationSecurityGroupId"):
            if key in rule:
                hit = self.group_of(rule[key], vpc, loc)
                if hit is not None:
                    peers.append(f"sg:{hit[1]}")
        for key in ("SourcePrefixListId", "DestinationPrefixListId"):
            if key in rule:
                value = rule[key]
                peers.append(f"pl:{value.parameter or value.text if isinstance(value, Deferred) else value}")
        base = f"vpcs.{vpc}.security_groups.{group}.{direction}"
        items = self.draft.collection("vpcs")[vpc]["security_groups"][group].setdefault(direction, [])
        if not peers:
            self.draft.warn(loc, "a security group rule with no peer this tool can read; skipped")
            return
        for peer in peers:
            entry: dict[str, Any] = {field: peer, "ports": ports, "protocol": protocol}
            if isinstance(rule.get("Description"), str):
                entry["description"] = rule["Description"]
            items.append(entry)
            self.draft.locate(f"{base}[{len(items) - 1}]", loc)

    # -- resources, layers, roles -------------------------------------------------------------
    def _resource(self, lid: str) -> None:
        name = self.draft.index[self.key(lid)][1]
        entry = self.draft.collection("resources")[name]
        p = self.props(lid)
        rtype = self.resources[lid]["Type"]
        if rtype in ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api"):
            config = p.get("EndpointConfiguration")
            # CloudFormation: {Types: [...]}; SAM: {Type: PRIVATE} or the string PRIVATE
            types = (
                aws.as_list(config.get("Types")) + aws.as_list(config.get("Type"))
                if isinstance(config, dict)
                else aws.as_list(config)
            )
            entry["exposure"] = "private" if "PRIVATE" in [str(t).upper() for t in types] else "public"
        elif rtype in ("AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi"):
            entry["exposure"] = "public"
        elif rtype == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            entry["exposure"] = "private" if p.get("Scheme") == "internal" else "public"
        elif rtype == "AWS::S3::Bucket":
            block = p.get("PublicAccessBlockConfiguration")
            if isinstance(block, dict) and all(
                block.get(k) in (True, "true")
                for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
            ):
                entry["public"] = False
        if isinstance(p.get("Description"), str):
            entry["description"] = p["Description"]

    def _layer(self, lid: str) -> None:
        name = self.draft.index[self.key(lid)][1]
        layer = self.draft.collection("layers")[name]
        description = self.props(lid).get("Description")
        if isinstance(description, str):
            layer["description"] = description

    def _role(self, lid: str) -> None:
        name = self.draft.index[self.key(lid)][1]
        role = self.draft.collection("roles")[name]
        p = self.props(lid)
        role["kind"] = aws.role_kind(p.get("AssumeRolePolicyDocument"))
        trusted = aws.trusted_accounts(p.get("AssumeRolePolicyDocument"))
        if trusted:
            who = "anyone (Principal *)" if "*" in trusted else "account " + ", ".join(trusted)
            role["description"] = f"assumable by {who}"
            self.draft.note(
                f"roles.{name}.kind",
                f"the trust policy lets {who} assume this role; the model has no field for a role's trust, "
                "so check that this account is yours",
            )
        for i, policy in enumerate(aws.as_list(p.get("Policies"))):
            if not isinstance(policy, dict):
                continue
            self._add_statements(name, policy.get("PolicyDocument"), self.loc(lid, "Policies", i, "PolicyDocument"))
        for i, arn in enumerate(aws.as_list(p.get("ManagedPolicyArns"))):
            self._managed_policy(name, arn, self.loc(lid, "ManagedPolicyArns", i))
        boundary = p.get("PermissionsBoundary")
        if boundary is not None:
            self._boundary(name, boundary, self.loc(lid, "PermissionsBoundary"))
        if isinstance(p.get("Description"), str):
            role["description"] = p["Description"] + (f" ({role['description']})" if role.get("description") else "")

    def _add_statements(self, role: str, document: Any, loc: Location) -> None:
        if isinstance(document, Deferred):
            # Its actions are unknown: the model says so with a policy it cannot know.
            name = safe_name(f"unresolved-{document.parameter or 'policy'}")
            self.draft.warn(
                loc,
                f"a policy document tmgen cannot read ({document.reason or document.text}): "
                f"role {role}'s actions from it are unknown",
            )
            policies = self.draft.collection("roles")[role].setdefault("managed_policies", [])
            if name not in policies:
                policies.append(name)
                self.draft.locate(f"roles.{role}.managed_policies[{len(policies) - 1}]", loc)
                self.draft.note(
                    f"roles.{role}.managed_policies[{len(policies) - 1}]",
                    f"stands for an unreadable policy document ({document.reason or document.text}): "
                    "its actions are unknown",
                )
            return
        stmts, problems = aws.statements(document, self.iam_resource)
        for text in problems:
            self.draft.warn(loc, text)
        for stmt in stmts:
            self.draft.append(("roles", role), "statements", stmt, loc)

    def _managed_policy(self, role: str, arn: Any, loc: Location) -> None:
        entry = self.draft.collection("roles")[role]
        if (
            isinstance(arn, Deferred)
            and arn.resource
            and self.resources.get(arn.resource, {}).get("Type") == "AWS::IAM::ManagedPolicy"
        ):
            # A customer managed policy of this template: its statements are known.
            self._add_statements(role, self.props(arn.resource).get("PolicyDocument"), loc)
            return
        if isinstance(arn, Deferred) and aws.parse_arn(arn.text):
            name, aws_managed = aws.managed_policy_name(arn.text)
            note = (
                "" if aws_managed else "a customer managed policy not declared in the template: its actions are unknown"
            )
        elif isinstance(arn, Deferred):
            name = safe_name(arn.parameter or arn.text)
            note = f"unresolved managed policy: {arn.reason or arn.text}"
        elif isinstance(arn, str):
            name, aws_managed = aws.managed_policy_name(arn)
            note = (
                "" if aws_managed else "a customer managed policy not declared in the template: its actions are unknown"
            )
        else:
            return
        policies = entry.setdefault("managed_policies", [])
        if name not in policies:
            policies.append(name)
            self.draft.locate(f"roles.{role}.managed_policies[{len(policies) - 1}]", loc)
            if note:
                self.draft.note(f"roles.{role}.managed_policies[{len(policies) - 1}]", note)

    def _boundary(self, role: str, value: Any, loc: Location) -> None:
        entry = self.draft.collection("roles")[role]
        if (
            isinstance(value, Deferred)
            and value.resource
            and self.resources.get(value.resource, {}).get("Type") == "AWS::IAM::ManagedPolicy"
        ):
            stmts, _ = aws.statements(self.props(value.resource).get("PolicyDocument"), self.iam_resource)
            if stmts:
                entry["permission_boundary"] = {"statements": stmts}
                self.draft.locate(f"roles.{role}.permission_boundary", loc)
                return
        if isinstance(value, str):
            entry["permission_boundary"] = {"managed_policy": aws.managed_policy_name(value)[0]}
        elif isinstance(value, Deferred) and aws.parse_arn(value.text):
            # arn:aws:iam::${AWS::AccountId}:policy/NAME: a policy of the stack's own account
            entry["permission_boundary"] = {"managed_policy": safe_name(aws.managed_policy_name(value.text)[0])}
            if value.reason:
                self.draft.note(f"roles.{role}.permission_boundary", f"unresolved: {value.reason}")
        elif isinstance(value, Deferred):
            entry["permission_boundary"] = {"managed_policy": safe_name(value.parameter or value.text)}
            self.draft.note(f"roles.{role}.permission_boundary", f"unresolved: {value.reason or value.text}")
        else:
            return
        self.draft.locate(f"roles.{role}.permission_boundary", loc)

    def _attached_policy(self, lid: str) -> None:
        p = self.props(lid)
        for i, ref in enumerate(aws.as_list(p.get("Roles"))):
            hit = self.target(ref)
            if hit is None or hit[0] != "roles":
                if isinstance(ref, str) and ref in self.physical:
                    hit = self.physical[ref]
                else:
                    self.draft.warn(
                        self.loc(lid, "Roles", i),
                        f"{lid} is attached to a role outside the template; its statements are not modelled",
                    )
                    continue
            self._add_statements(hit[1], p.get("PolicyDocument"), self.loc(lid, "PolicyDocument"))

    # -- functions -----------------------------------------------------------------------------
    def _function(self, lid: str) -> None:
        sam = self.resources[lid]["Type"] == "AWS::Serverless::Function"
        name = self.draft.index[self.key(lid)][1]
        fn = self.draft.collection("functions")[name]
        path = f"functions.{name}"
        p = self.props(lid)
        if isinstance(p.get("Description"), str):
            fn["description"] = p["Description"]
        code = _mapping(p.get("Code"))
        image = p.get("PackageType") == "Image" or "ImageUri" in p or "ImageUri" in code
        if image:
            fn["package"] = "image"
            fn["image"] = {"base": "custom"}
            self.draft.note(
                f"{path}.image",
                "the base image is not in the template; assumed custom (AWS base images are public.ecr.aws/lambda/*)",
            )
        else:
            runtime = p.get("Runtime")
            if isinstance(runtime, str) and runtime:
                fn["runtime"] = runtime
                self.carry_notes(lid, ("Runtime",), f"{path}.runtime")
            else:
                fn["runtime"] = "unknown"
                self.draft.note(
                    f"{path}.runtime",
                    f"unresolved: {runtime.reason}"
                    if isinstance(runtime, Deferred)
                    else "the template gives no runtime",
                )
        arch = aws.as_list(p.get("Architectures"))
        if arch and arch[0] == "arm64":
            fn["architecture"] = "arm64"
        for key, field, lo, hi in (
            ("MemorySize", "memory", 128, 10240),
            ("Timeout", "timeout", 1, 900),
            ("ReservedConcurrentExecutions", "reserved_concurrency", 0, 10**6),
        ):
            self._int(lid, (key,), fn, field, lo, hi)
        if isinstance(p.get("EphemeralStorage"), dict):
            self._int(lid, ("EphemeralStorage", "Size"), fn, "ephemeral_storage", 512, 10240)
        self._unmodelled_settings(p, fn, path)
        self._environment(lid, fn, path)
        if p.get("KmsKeyArn") is not None:
            fn["kms_key"] = "customer-managed"
        vpc_config = p.get("VpcConfig")
        if isinstance(vpc_config, dict):
            self._vpc_config(lid, vpc_config, fn, path)
        elif isinstance(vpc_config, Deferred):
            self.draft.note(path, f"VpcConfig unresolved: {vpc_config.reason or vpc_config.text}")
        role = p.get("Role")
        if role is not None:
            hit = self.target(role)
            if hit and hit[0] == "roles":
                fn["role"] = hit[1]
            else:
                fn["role"] = self._external_role(role, lid)
                self.carry_notes(lid, ("Role",), f"{path}.role", role)
            if sam and p.get("Policies"):
                self.draft.warn(self.loc(lid, "Policies"), f"{lid} sets Role, so SAM ignores its Policies")
        elif sam:
            fn["role"] = self._sam_role(lid, p)
        else:
            self.draft.warn(self.rloc(lid), f"function {lid} has no Role")
        for i, layer in enumerate(aws.as_list(p.get("Layers"))):
            self._function_layer(lid, fn, path, layer, i)
        signing = p.get("CodeSigningConfigArn")
        if signing is not None:
            fn["code_signing"] = {"policy": self._signing_policy(signing, f"{path}.code_signing")}
        dlq = p.get("DeadLetterQueue") if sam else p.get("DeadLetterConfig")
        if isinstance(dlq, dict) and dlq.get("TargetArn") is not None:
            target = self._destination(
                dlq["TargetArn"], self.loc(lid, "DeadLetterQueue" if sam else "DeadLetterConfig")
            )
            if target:
                fn.setdefault("async", {})["on_failure"] = target
        if sam and isinstance(p.get("EventInvokeConfig"), dict):
            self._invoke_config(name, p["EventInvokeConfig"], self.loc(lid, "EventInvokeConfig"))
        tracing = (
            p.get("Tracing")
            if sam
            else (p.get("TracingConfig") or {}).get("Mode")
            if isinstance(p.get("TracingConfig"), dict)
            else None
        )
        if tracing == "Active":
            fn["tracing"] = True
        tags = p.get("Tags")
        if isinstance(tags, dict):
            fn["tags"] = {str(k): str(v) for k, v in tags.items()}
        elif isinstance(tags, list):
            fn["tags"] = {str(t["Key"]): str(t.get("Value", "")) for t in tags if isinstance(t, dict) and "Key" in t}
        url = p.get("FunctionUrlConfig") if sam else None
        if isinstance(url, dict):
            self._function_url(name, url, self.loc(lid, "FunctionUrlConfig"), implicit_permission=True)

    def _unmodelled_settings(self, p: dict[str, Any], fn: dict[str, Any], path: str) -> None:
        """Settings the model has no field for but a reviewer should know of, as notes."""
        if fn.get("reserved_concurrency") == 0:
            self.draft.note(f"{path}.reserved_concurrency", "0: every invocation is throttled; the function never runs")
        runtime = _mapping(p.get("RuntimeManagementConfig"))
        mode = runtime.get("UpdateRuntimeOn")
        if mode == "Manual" and "runtime" in fn:
            self.draft.note(
                f"{path}.runtime",
                "runtime updates are Manual: pinned to one runtime version, which gets no security patches "
                "until someone changes it",
            )
        elif mode == "FunctionUpdate" and "runtime" in fn:
            self.draft.note(f"{path}.runtime", "runtime patches are applied only when the function is deployed")
        snap = _mapping(p.get("SnapStart")).get("ApplyOn")
        if snap == "PublishedVersions":
            self.draft.note(
                path,
                "SnapStart: environments resume from one snapshot, so whatever the init code made unique "
                "(random seeds, tokens, connections) is shared by all of them",
            )
        provisioned = _mapping(p.get("ProvisionedConcurrencyConfig")).get("ProvisionedConcurrentExecutions")
        if provisioned is not None:
            alias = p.get("AutoPublishAlias")
            where = f" on alias {alias}" if isinstance(alias, str) else ""
            self.draft.note(path, f"{provisioned} provisioned concurrent executions{where} (not in the model)")

    def _int(self, lid: str, keys: tuple[str, ...], fn: dict[str, Any], field: str, lo: int, hi: int) -> None:
        value: Any = self.props(lid)
        for k in keys:
            value = value.get(k) if isinstance(value, dict) else None
        if value is None:
            return
        name = self.draft.index[self.key(lid)][1]
        model_path = f"functions.{name}.{field}"
        if isinstance(value, Deferred):
            self.draft.note(
                f"functions.{name}", f"{field} unresolved ({value.reason or value.text}); the AWS default assumed"
            )
            return
        try:
            number = int(str(value))
        except ValueError:
            self.draft.warn(
                self.loc(lid, *keys), f"{'.'.join(keys)} is not a number: {value!r}; the AWS default assumed"
            )
            return
        if not lo <= number <= hi:
            self.draft.warn(
                self.loc(lid, *keys), f"{'.'.join(keys)} {number} is outside {lo}..{hi}; the AWS default assumed"
            )
            return
        fn[field] = number
        self.draft.locate(model_path, self.loc(lid, *keys))
        self.carry_notes(lid, keys, model_path)

    def _environment(self, lid: str, fn: dict[str, Any], path: str) -> None:
        env = self.props(lid).get("Environment")
        variables = env.get("Variables") if isinstance(env, dict) else None
        if not isinstance(variables, dict):
            return
        raw_env = dig(self.resources[lid].get("Properties"), ("Environment", "Variables"))
        out: dict[str, Any] = {}
        for var, value in variables.items():
            vpath = f"{path}.environment.{var}"
            raw = raw_env.get(var) if isinstance(raw_env, dict) else None
            if isinstance(raw, dict) and raw.get("Ref") in self.no_echo:
                out[var] = {"secret": True}
                self.draft.note(
                    vpath, f"from the NoEcho parameter {raw['Ref']}: a secret placed in an environment variable"
                )
            elif isinstance(value, str) and aws.DYNAMIC_SECRET.search(value):
                out[var] = {"secret": True}
                self.draft.note(
                    vpath,
                    "a {{resolve:...}} dynamic reference: CloudFormation writes the secret's value "
                    "into the variable at deploy time",
                )
            elif isinstance(value, Deferred):
                if value.parameter in self.no_echo:
                    out[var] = {"secret": True}
                    self.draft.note(
                        vpath,
                        f"from the NoEcho parameter {value.parameter}: a secret placed in an environment variable",
                    )
                else:
                    out[var] = value.text
                    if value.reason:
                        self.draft.note(vpath, f"unresolved: {value.reason}")
                    elif value.resource:
                        what = f"{value.attribute} of" if value.attribute else "the name or id CloudFormation gives"
                        self.draft.note(vpath, f"{what} {value.resource}, known at deploy time")
            elif isinstance(value, str | int | float | bool) or value is None:
                out[var] = value
                if isinstance(value, str) and aws.DYNAMIC_REF.search(value):
                    self.draft.note(vpath, "resolved from SSM Parameter Store at deploy time")
            else:
                out[var] = aws.plain(value) if not isinstance(value, dict | list) else str(aws.plain(value))
                self.draft.note(vpath, "a structured value; written as text")
            self.draft.locate(vpath, self.loc(lid, "Environment", "Variables", var))
            self.carry_notes(lid, ("Environment", "Variables", var), vpath)
        fn["environment"] = out

    def _vpc_config(self, lid: str, config: dict[str, Any], fn: dict[str, Any], path: str) -> None:
        subnets_raw = config.get("SubnetIds")
        groups_raw = config.get("SecurityGroupIds")
        if not subnets_raw and not groups_raw:
            return
        if self.place_in_vpc(subnets_raw, groups_raw, lambda *keys: self.loc(lid, "VpcConfig", *keys), lid, fn, path):
            self.carry_notes(lid, ("VpcConfig",), f"{path}.vpc")

    def place_in_vpc(
        self, subnets_raw: Any, groups_raw: Any, locate: Any, who: str, fn: dict[str, Any], path: str
    ) -> bool:
        """Sets a function's `vpc` from subnet and security group ids (Refs, ids or parameters);
        `locate(*keys)` gives the source location of the config or of one of its entries."""
        entries = [v for v in (subnets_raw if isinstance(subnets_raw, list) else [subnets_raw]) if v is not None]
        vpc: str | None = None
        for value in entries:
            if isinstance(value, Deferred) and self.abs(value.resource) in self.subnets:
                vpc = self.subnets[self.abs(value.resource)][0]  # type: ignore[index]
                break
        if vpc is None:
            for value in aws.as_list(groups_raw):
                if isinstance(value, Deferred) and self.abs(value.resource) in self.groups:
                    vpc = self.groups[self.abs(value.resource)][0]  # type: ignore[index]
                    break
        loc = locate()
        if not entries or not aws.as_list(groups_raw):
            self.draft.warn(
                loc,
                f"{who}'s VPC configuration needs subnets and security groups; the function is modelled outside a VPC",
            )
            return False
        if vpc is None:
            vpc = self.vpc_of(None, loc)
        subnet_names: list[str] = []
        for i, value in enumerate(entries):
            sloc = locate("SubnetIds", i) if isinstance(subnets_raw, list) else locate("SubnetIds")
            if isinstance(value, Deferred) and self.abs(value.resource) in self.subnets:
                svpc, sname = self.subnets[self.abs(value.resource)]  # type: ignore[index]
                if svpc != vpc:
                    self.draft.warn(
                        sloc, f"subnet {value.resource} is in another VPC than the function's other subnets; skipped"
                    )
                    continue
                subnet_names.append(sname)
            else:
                subnet_names.append(self._placeholder_subnet(vpc, value, sloc, f"{path}.vpc.subnets"))
        group_names: list[str] = []
        groups_list = groups_raw if isinstance(groups_raw, list) else aws.as_list(groups_raw)
        for i, value in enumerate(groups_list):
            gloc = locate("SecurityGroupIds", i) if isinstance(groups_raw, list) else locate("SecurityGroupIds")
            hit = self.group_of(value, vpc, gloc)
            if hit is not None and hit[0] == vpc:
                group_names.append(hit[1])
            elif hit is not None:
                self.draft.warn(gloc, "a security group of another VPC than the function's subnets; skipped")
        if not subnet_names or not group_names:
            self.draft.warn(
                loc,
                f"{who}'s VPC configuration needs subnets and security groups; the function is modelled outside a VPC",
            )
            return False
        fn["vpc"] = {
            "vpc": vpc,
            "subnets": aws.sorted_unique(subnet_names),
            "security_groups": aws.sorted_unique(group_names),
        }
        self.draft.locate(f"{path}.vpc", loc)
        return True

    def _placeholder_subnet(self, vpc: str, value: Any, loc: Location, note_path: str) -> str:
        if isinstance(value, Deferred):
            wanted = safe_name(value.parameter or value.text)
            why = value.reason or f"{value.text} is not declared in the template"
        else:
            wanted = safe_name(value)
            why = f"the existing subnet {value}, not declared in the template"
        subnets = self.draft.collection("vpcs")[vpc]["subnets"]
        if wanted not in subnets:
            subnets[wanted] = {"az": "", "cidr": None, "route": "isolated"}
            base = f"vpcs.{vpc}.subnets.{wanted}"
            self.draft.locate(base, loc)
            self.draft.note(
                base,
                f"placeholder ({why})"
                + ("; one entry stands for every subnet it names" if isinstance(value, Deferred) else ""),
            )
            self.draft.note(f"{base}.route", "unknown: the route table is not in the template; isolated assumed")
        return wanted

    def _external_role(self, value: Any, lid: str) -> str:
        if isinstance(value, str):
            arn = aws.parse_arn(value)
            name = safe_name(arn.rest.rsplit("/", 1)[-1] if arn else value)
        elif isinstance(value, Deferred):
            name = safe_name(value.parameter or value.resource or value.text)
        else:
            name = f"{lid}-role"
        roles = self.draft.collection("roles")
        if name not in roles:
            roles[name] = {"kind": "execution", "managed_policies": [unknown_policies(name)]}
            self.draft.locate(f"roles.{name}", self.loc(lid, "Role"))
            self.draft.note(f"roles.{name}", "a role outside the template: its policies are unknown")
        return name

    def _sam_role(self, lid: str, p: dict[str, Any]) -> str:
        """The execution role SAM creates for a function that names none."""
        name = self.draft.add(
            "roles", f"{self.name_prefix}{lid}Role", {"kind": "execution"}, self.rloc(lid), self.key(f"{lid}Role")
        )
        self.draft.note(f"roles.{name}", f"created by SAM for {lid}")
        managed = [aws.SAM_BASIC]
        if p.get("Tracing") == "Active":
            managed.append(aws.SAM_XRAY)
        if isinstance(p.get("VpcConfig"), dict) and p["VpcConfig"]:
            managed.append(aws.SAM_VPC)
        for event in _mapping(p.get("Events")).values():
            etype = str(event.get("Type", "")).lower() if isinstance(event, dict) else ""
            policy = aws.POLLER_POLICIES.get({"msk": "kafka"}.get(etype, etype))
            if policy and policy not in managed:
                managed.append(policy)
        role = self.draft.collection("roles")[name]
        role["managed_policies"] = managed
        policies = p.get("Policies")
        items = policies if isinstance(policies, list) else aws.as_list(policies)
        for i, item in enumerate(items):
            loc = self.loc(lid, "Policies", i) if isinstance(policies, list) else self.loc(lid, "Policies")
            self._sam_policy(name, item, loc)
        dlq = p.get("DeadLetterQueue")
        if isinstance(dlq, dict) and dlq.get("TargetArn") is not None:
            action = "sns:Publish" if str(dlq.get("Type", "")).upper() == "SNS" else "sqs:SendMessage"
            self.draft.append(
                ("roles", name),
                "statements",
                {
                    "effect": "Allow",
                    "actions": [action],
                    "resources": [self.iam_resource(dlq["TargetArn"])],
                },
                self.loc(lid, "DeadLetterQueue"),
            )
        invoke = p.get("EventInvokeConfig")
        destinations = invoke.get("DestinationConfig") if isinstance(invoke, dict) else None
        if isinstance(destinations, dict):
            for which in ("OnSuccess", "OnFailure"):
                dest = destinations.get(which)
                if not isinstance(dest, dict) or dest.get("Destination") is None:
                    continue
                dest_action = {
                    "SQS": "sqs:SendMessage",
                    "SNS": "sns:Publish",
                    "Lambda": "lambda:InvokeFunction",
                    "EventBridge": "events:PutEvents",
                }.get(str(dest.get("Type")))
                if dest_action:
                    self.draft.append(
                        ("roles", name),
                        "statements",
                        {
                            "effect": "Allow",
                            "actions": [dest_action],
                            "resources": [self.iam_resource(dest["Destination"])],
                        },
                        self.loc(lid, "EventInvokeConfig"),
                    )
        if p.get("PermissionsBoundary") is not None:
            self._boundary(name, p["PermissionsBoundary"], self.loc(lid, "PermissionsBoundary"))
        return name

    def _sam_policy(self, role: str, item: Any, loc: Location) -> None:
        if isinstance(item, str):
            self._managed_policy(role, item if item.startswith("arn:") else f"arn:aws:iam::aws:policy/{item}", loc)
            return
        if isinstance(item, Deferred):
            self._managed_policy(role, item, loc)
            return
        if not isinstance(item, dict):
            self.draft.warn(loc, "a SAM policy entry that is neither a name, a document nor a template; skipped")
            return
        if "Statement" in item:
            self._add_statements(role, item, loc)
            return
        if len(item) != 1:
            self.draft.warn(loc, "a SAM policy template names exactly one template; skipped")
            return
        ((template_name, params),) = item.items()
        template = aws.POLICY_TEMPLATES.get(template_name)
        if template is None:
            self.draft.warn(
                loc, f"SAM policy template {template_name} is not known to tmgen; its actions are not modelled"
            )
            return
        resource = "*"
        if template.parameter is not None:
            value = params.get(template.parameter) if isinstance(params, dict) else None
            resource = self._template_resource(template, value, loc)
        index = self.draft.append(
            ("roles", role),
            "statements",
            {
                "effect": "Allow",
                "actions": list(template.actions),
                "resources": [resource],
            },
            loc,
        )
        if (
            isinstance(
                value := (params.get(template.parameter) if isinstance(params, dict) and template.parameter else None),
                Deferred,
            )
            and value.reason
        ):
            self.draft.note(f"roles.{role}.statements[{index}].resources", f"unresolved: {value.reason}")

    def _template_resource(self, template: aws.PolicyTemplate, value: Any, loc: Location) -> str:
        hit = self.target(value)
        if hit is not None and hit[0] in ("functions", "resources", "layers"):
            return self.draft.resource_ref(*hit)
        if template.resource_type == "function":
            return f"arn:aws:lambda:*:*:function:{value}*" if isinstance(value, str) else str(value)
        if isinstance(value, str) and template.resource_type and not value.startswith("arn:"):
            # A literal name of something the template does not declare: still the role's reach.
            name = self.draft.ensure_resource(
                template.resource_type, value, loc, "named in a SAM policy template; not declared in the template"
            )
            return self.draft.resource_ref("resources", name)
        return str(value) if value is not None else "*"

    def _function_layer(self, lid: str, fn: dict[str, Any], path: str, value: Any, i: int) -> None:
        self.function_layer(fn, path, value, self.loc(lid, "Layers", i))

    def function_layer(self, fn: dict[str, Any], path: str, value: Any, loc: Location) -> None:
        """Adds a layer (a Ref, an ARN or a parameter) to a function, creating its entry."""
        hit = self.target(value)
        # An ARN built with !Sub: the region is often a placeholder, the account literal
        text = value.text if isinstance(value, Deferred) else value
        from_arn = aws.layer_from_arn(text) if isinstance(text, str) else None
        if from_arn is not None and isinstance(value, Deferred) and not aws.ACCOUNT_ID.match(from_arn[1]):
            from_arn = None
        if hit is not None and hit[0] == "layers":
            name = hit[1]
        elif from_arn is not None:
            lname, account = from_arn
            key = f"layer-arn:{account}:{lname}"
            name = self.draft.lookup(key, "layers") or ""
            if not name:
                entry: dict[str, Any] = {"publisher": aws.layer_publisher(lname, account)}
                if aws.ACCOUNT_ID.match(account):
                    entry["account_id"] = account
                name = self.draft.add("layers", lname, entry, loc, key)
                self.draft.note(
                    f"layers.{name}",
                    f"published by AWS (account {account})"
                    if entry["publisher"] == "aws"
                    else f"published by account {account}, outside the template",
                )
        elif isinstance(value, Deferred) and "${AWS::AccountId}" in value.text:
            lname = safe_name(value.text.rsplit(":layer:", 1)[-1].split(":")[0])
            name = self.draft.lookup(f"layer-own:{lname}", "layers") or self.draft.add(
                "layers", lname, {"publisher": "self"}, loc, f"layer-own:{lname}"
            )
        else:
            wanted = value.parameter or value.text if isinstance(value, Deferred) else str(value)
            name = self.draft.lookup(f"layer-unresolved:{wanted}", "layers") or self.draft.add(
                "layers", wanted, {"publisher": "third-party"}, loc, f"layer-unresolved:{wanted}"
            )
            why = value.reason if isinstance(value, Deferred) and value.reason else f"{wanted} is not a layer ARN"
            self.draft.note(f"layers.{name}", f"unresolved ({why}); publisher unknown, third-party assumed")
        if name not in fn.setdefault("layers", []):
            fn["layers"].append(name)
            self.draft.locate(f"{path}.layers[{len(fn['layers']) - 1}]", loc)

    def _signing_policy(self, value: Any, model_path: str) -> str:
        lid = value.resource if isinstance(value, Deferred) else None
        if lid and self.resources.get(lid, {}).get("Type") == "AWS::Lambda::CodeSigningConfig":
            policies = self.props(lid).get("CodeSigningPolicies")
            mode = policies.get("UntrustedArtifactOnDeployment") if isinstance(policies, dict) else None
            # Warn is the AWS default when the policy is not set
            return "enforce" if str(mode).lower() == "enforce" else "warn"
        self.draft.note(
            model_path, "the code signing configuration is outside the template; its policy is unknown, warn assumed"
        )
        return "warn"

    def _destination(self, value: Any, loc: Location) -> str | None:
        hit = self.target(value)
        if hit is not None and hit[0] in ("resources", "functions"):
            return hit[1]
        arn = aws.parse_arn(value) if isinstance(value, str) else None
        if arn is not None and arn.service == "lambda":
            return self.draft.ensure_resource(
                "other", arn.resource_name, loc, f"the function {value}, outside the template"
            )
        return self.source_entry(value, "other", loc)

    def _invoke_config(self, fname: str, config: dict[str, Any], loc: Location) -> None:
        fn = self.draft.collection("functions")[fname]
        destinations = config.get("DestinationConfig")
        out = fn.setdefault("async", {})
        if isinstance(destinations, dict):
            for which, field in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
                dest = destinations.get(which)
                if isinstance(dest, dict) and dest.get("Destination") is not None:
                    target = self._destination(dest["Destination"], loc)
                    if target:
                        out[field] = target
        retries = config.get("MaximumRetryAttempts")
        if isinstance(retries, int) and not isinstance(retries, bool) and 0 <= retries <= 2:
            out["max_retries"] = retries
        self.draft.locate(f"functions.{fname}.async", loc)
        if not out:
            del fn["async"]

    def _function_url(self, fname: str, config: dict[str, Any], loc: Location, implicit_permission: bool) -> None:
        fn = self.draft.collection("functions")[fname]
        auth = config.get("AuthType")
        if auth not in ("NONE", "AWS_IAM"):
            self.draft.note(f"functions.{fname}.url", f"AuthType unresolved ({auth}); AWS_IAM assumed")
            auth = "AWS_IAM"
        url: dict[str, Any] = {"auth": auth}
        cors = config.get("Cors")
        origins = cors.get("AllowOrigins") if isinstance(cors, dict) else None
        if origins:
            url["cors_origins"] = [str(o) for o in aws.as_list(origins)]
        fn["url"] = url
        self.draft.locate(f"functions.{fname}.url", loc)
        self.draft.append(
            ("functions", fname), "triggers", {"type": "function_url", "auth": "none" if auth == "NONE" else "iam"}, loc
        )
        if implicit_permission and auth == "NONE":
            i = self.draft.append(
                ("functions", fname),
                "permissions",
                {
                    "principal": "*",
                    "action": "lambda:InvokeFunctionUrl",
                    "function_url_auth_type": "NONE",
                },
                loc,
            )
            self.draft.note(
                f"functions.{fname}.permissions[{i}]",
                "implicit: a function URL with AuthType NONE needs this public permission, which SAM and the "
                "Serverless Framework add",
            )

    # -- relations -----------------------------------------------------------------------------
    def _function_ref(self, lid: str, key: str) -> str | None:
        value = self.props(lid).get(key)
        name = self.function_of(value)
        if name is None:
            self.draft.warn(self.loc(lid, key), f"{lid} refers to a function outside the template ({value}); skipped")
        return name

    def _permission(self, lid: str) -> None:
        fname = self._function_ref(lid, "FunctionName")
        if fname is None:
            return
        p = self.props(lid)
        principal = aws.principal_of(p.get("Principal"))
        deferred = p.get("Principal")
        if isinstance(deferred, Deferred):
            principal = self.own_account() if "AWS::AccountId" in deferred.text else self.unknown_account(deferred, lid)
        elif principal is None:
            self.draft.warn(self.loc(lid, "Principal"), f"{lid} has no principal tmgen can read; skipped")
            return
        sid = p.get("StatementId")  # Terraform's statement_id
        perm: dict[str, Any] = {"sid": sid if isinstance(sid, str) and sid else lid, "principal": principal}
        action = p.get("Action")
        if isinstance(action, str) and action != "lambda:InvokeFunction":
            perm["action"] = action
        source_arn = p.get("SourceArn")
        if source_arn is not None:
            perm["source_arn"] = str(source_arn)
        source_account = p.get("SourceAccount")
        if isinstance(source_account, Deferred) and "AWS::AccountId" in source_account.text:
            perm["source_account"] = self.own_account()
        elif source_account is not None:
            perm["source_account"] = str(source_account)
        if p.get("PrincipalOrgID") is not None:
            perm["org_id"] = str(p["PrincipalOrgID"])
        if p.get("FunctionUrlAuthType") in ("NONE", "AWS_IAM"):
            perm["function_url_auth_type"] = p["FunctionUrlAuthType"]
        i = self.draft.append(("functions", fname), "permissions", perm, self.rloc(lid))
        self.carry_notes(lid, (), f"functions.{fname}.permissions[{i}]", p.get("Principal"))
        service = aws.service_of_principal(principal)
        trigger_type = aws.PRINCIPAL_TRIGGERS.get(service)
        if trigger_type:
            rule = source_arn.resource if isinstance(source_arn, Deferred) else None
            if (
                trigger_type == "eventbridge"
                and rule in self.resources
                and self.resources[rule]["Type"] == "AWS::Events::Rule"
                and self.props(rule).get("ScheduleExpression") is not None
            ):
                trigger_type = "schedule"  # the rule it names runs on a schedule
            trigger: dict[str, Any] = {"type": trigger_type}
            hit = self.target(source_arn)
            if hit is not None and hit[0] == "resources":
                trigger["source"] = hit[1]
                source_type = self.draft.collection("resources").get(hit[1], {}).get("type")
                if trigger_type == "api_gateway" and source_type == "http_api":
                    trigger["type"] = "http_api"  # apigateway.amazonaws.com serves HTTP APIs too
            self._trigger(fname, trigger, self.rloc(lid))

    def _resource_policy(self, lid: str) -> None:
        """A queue, topic or bucket policy: who else it lets in. An Allow to `*` without a
        condition makes the resource public; other accounts are noted on the resource."""
        p = self.props(lid)
        targets = aws.as_list(p.get("Queues")) + aws.as_list(p.get("Topics")) + aws.as_list(p.get("Bucket"))
        entries = []
        for value in targets:
            hit = self.target(value)
            if hit is not None and hit[0] == "resources":
                entries.append(hit[1])
        if not entries:
            return
        document = p.get("PolicyDocument")
        for stmt in aws.as_list(document.get("Statement") if isinstance(document, dict) else None):
            if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
                continue
            principal = stmt.get("Principal")
            who = aws.trusted_accounts({"Statement": [{"Effect": "Allow", "Principal": principal}]})
            actions = ", ".join(str(a) for a in aws.as_list(stmt.get("Action"))) or "its actions"
            for name in entries:
                entry = self.draft.collection("resources")[name]
                if "*" in who and not stmt.get("Condition"):
                    if entry.get("public") is not False:  # S3 Block Public Access refuses such a policy
                        entry["public"] = True
                        self.draft.locate(f"resources.{name}.public", self.rloc(lid))
                    self.draft.note(f"resources.{name}", f"{lid} lets anyone ({actions})")
                elif "*" in who:
                    self.draft.note(f"resources.{name}", f"{lid} lets anyone matching its conditions ({actions})")
                accounts = [a for a in who if a != "*"]
                if accounts:
                    self.draft.note(f"resources.{name}", f"{lid} lets account {', '.join(accounts)} ({actions})")

    def _connector(self, lid: str) -> None:
        p = self.props(lid)
        self._connect(p.get("Source"), p.get("Destination"), p.get("Permissions"), self.rloc(lid))

    def _embedded_connectors(self, lid: str) -> None:
        for name, spec in self.resources[lid]["Connectors"].items():
            props = spec.get("Properties") if isinstance(spec, dict) else None
            if not isinstance(props, dict):
                continue
            path = ("Resources", lid, "Connectors", name, "Properties")
            resolved = self.resolver.resolve(props, path)
            self.take_problems()
            self._connect({"Id": lid}, resolved.get("Destination"), resolved.get("Permissions"), self.doc.locate(path))

    def _connect(self, source: Any, destination: Any, permissions: Any, loc: Location) -> None:
        """A SAM connector: the statements SAM adds to a function's role for its destination."""
        source_id = source.get("Id") if isinstance(source, dict) else None
        hit = self.draft.index.get(self.key(source_id)) if isinstance(source_id, str) else None
        if hit is None or hit[0] != "functions":
            return  # only connectors from a function change what the model describes
        role = self.draft.collection("functions")[hit[1]].get("role")
        if role not in self.draft.collection("roles"):
            return
        for dest in aws.as_list(destination):
            dest_id = dest.get("Id") if isinstance(dest, dict) else None
            dtype = self.resources[dest_id]["Type"] if isinstance(dest_id, str) and dest_id in self.resources else None
            dtype = dtype or (dest.get("Type") if isinstance(dest, dict) else None)
            table = CONNECTOR_ACTIONS.get(str(dtype))
            if table is None:
                self.draft.warn(loc, f"a connector to {dest_id or dtype} is not modelled; its permissions are unknown")
                continue
            actions = [a for perm in aws.as_list(permissions) for a in table.get(str(perm), ())]
            if not actions:
                continue
            target: Any = (
                Deferred("${" + dest_id + "}", resource=dest_id) if isinstance(dest_id, str) else dest.get("Arn")
            )
            self.draft.append(
                ("roles", role),
                "statements",
                {"effect": "Allow", "actions": actions, "resources": [self.iam_resource(target)]},
                loc,
            )

    def _trigger(self, fname: str, trigger: dict[str, Any], loc: Location) -> None:
        triggers = self.draft.collection("functions")[fname].setdefault("triggers", [])
        for existing in triggers:
            if (
                existing["type"] == trigger["type"]
                and (existing.get("source") in (None, trigger.get("source")) or trigger.get("source") is None)
                and (existing.get("auth") is None or trigger.get("auth") in (None, existing.get("auth")))
            ):
                # A permission and an event for the same source describe one trigger; events
                # with different authorisation (one endpoint open, another behind IAM) stay apart
                for k, v in trigger.items():
                    existing.setdefault(k, v)
                return
        self.draft.append(("functions", fname), "triggers", trigger, loc)

    def _url(self, lid: str) -> None:
        fname = self._function_ref(lid, "TargetFunctionArn")
        if fname is not None:
            self._function_url(fname, self.props(lid), self.rloc(lid), implicit_permission=False)

    def _layer_permission(self, lid: str) -> None:
        p = self.props(lid)
        hit = self.target(p.get("LayerVersionArn"))
        if hit is None or hit[0] != "layers":
            self.draft.warn(self.loc(lid, "LayerVersionArn"), f"{lid} shares a layer outside the template; skipped")
            return
        principal = p.get("Principal")
        share = "org" if principal == "*" and p.get("OrganizationId") else str(aws.principal_of(principal) or principal)
        layer = self.draft.collection("layers")[hit[1]]
        shared = layer.setdefault("shared_with", [])
        if share not in shared:
            shared.append(share)
            self.draft.locate(f"layers.{hit[1]}.shared_with[{len(shared) - 1}]", self.rloc(lid))

    def _event_source_mapping(self, lid: str) -> None:
        fname = self._function_ref(lid, "FunctionName")
        if fname is None:
            return
        p = self.props(lid)
        source = p.get("EventSourceArn")
        if source is None and "SelfManagedEventSource" in p:
            self._trigger(fname, {"type": "kafka"}, self.rloc(lid))
            return
        self._polled_trigger(fname, source, self.loc(lid, "EventSourceArn"))

    def _polled_trigger(self, fname: str, source: Any, loc: Location, kind: str = "") -> None:
        hit = self.target(source)
        if hit is not None and hit[0] == "resources":
            rtype = self.draft.collection("resources")[hit[1]]["type"]
            ttype = rtype if rtype in ("sqs", "kinesis", "dynamodb") else "other"
            self._trigger(fname, {"type": ttype, "source": hit[1]}, loc)
            return
        arn = aws.parse_arn(source) if isinstance(source, str) else None
        ttype, rtype = aws.POLLED_SOURCES.get(arn.service if arn else kind, ("other", "other"))
        entry = self.source_entry(source, rtype, loc)
        self._trigger(fname, {"type": ttype, "source": entry} if entry else {"type": ttype}, loc)

    def _event_invoke_config(self, lid: str) -> None:
        fname = self._function_ref(lid, "FunctionName")
        if fname is not None:
            self._invoke_config(fname, self.props(lid), self.rloc(lid))

    def _bucket_notifications(self, lid: str) -> None:
        config = self.props(lid).get("NotificationConfiguration")
        configs = config.get("LambdaConfigurations") if isinstance(config, dict) else None
        bucket = self.draft.index[self.key(lid)][1]
        for i, item in enumerate(aws.as_list(configs)):
            fname = self.function_of(item.get("Function")) if isinstance(item, dict) else None
            if fname:
                self._trigger(
                    fname,
                    {"type": "s3", "source": bucket},
                    self.loc(lid, "NotificationConfiguration", "LambdaConfigurations", i),
                )

    def _topic_subscriptions(self, lid: str) -> None:
        topic = self.draft.index[self.key(lid)][1]
        for i, sub in enumerate(aws.as_list(self.props(lid).get("Subscription"))):
            if isinstance(sub, dict) and sub.get("Protocol") == "lambda":
                fname = self.function_of(sub.get("Endpoint"))
                if fname:
                    self._trigger(fname, {"type": "sns", "source": topic}, self.loc(lid, "Subscription", i))

    def _sns_subscription(self, lid: str) -> None:
        p = self.props(lid)
        if p.get("Protocol") != "lambda":
            return
        fname = self._function_ref(lid, "Endpoint")
        if fname:
            source = self.source_entry(p.get("TopicArn"), "sns", self.loc(lid, "TopicArn"))
            self._trigger(fname, {"type": "sns", "source": source} if source else {"type": "sns"}, self.rloc(lid))

    def _events_rule(self, lid: str) -> None:
        p = self.props(lid)
        for i, target in enumerate(aws.as_list(p.get("Targets"))):
            fname = self.function_of(target.get("Arn")) if isinstance(target, dict) else None
            if not fname:
                continue
            if p.get("ScheduleExpression") is not None:
                trigger: dict[str, Any] = {"type": "schedule"}
            else:
                trigger = {"type": "eventbridge"}
                bus = p.get("EventBusName")
                if bus is not None and bus != "default":
                    source = self.source_entry(bus, "eventbridge", self.loc(lid, "EventBusName"))
                    if source:
                        trigger["source"] = source
            self._trigger(fname, trigger, self.loc(lid, "Targets", i))

    def _schedule(self, lid: str) -> None:
        target = self.props(lid).get("Target")
        fname = self.function_of(target.get("Arn")) if isinstance(target, dict) else None
        if fname:
            self._trigger(fname, {"type": "schedule"}, self.rloc(lid))

    def _cognito_triggers(self, lid: str) -> None:
        config = self.props(lid).get("LambdaConfig")
        if not isinstance(config, dict):
            return
        pool = self.draft.index[self.key(lid)][1]
        for key, value in config.items():
            if isinstance(value, dict):  # CustomSMSSender / CustomEmailSender: {LambdaArn, ...}
                value = value.get("LambdaArn")
            fname = self.function_of(value)
            if fname:
                self._trigger(fname, {"type": "cognito", "source": pool}, self.loc(lid, "LambdaConfig", key))

    def _target_group(self, lid: str) -> None:
        p = self.props(lid)
        if str(p.get("TargetType", "")).lower() != "lambda":
            return
        source = self._load_balancer_of(lid)
        for i, target in enumerate(aws.as_list(p.get("Targets"))):
            fname = self.function_of(target.get("Id")) if isinstance(target, dict) else None
            if fname:
                self._trigger(
                    fname, {"type": "alb", "source": source} if source else {"type": "alb"}, self.loc(lid, "Targets", i)
                )

    def _load_balancer_of(self, group: str) -> str | None:
        for lid in self.of_type("AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule"):
            p = self.props(lid)
            actions = p.get("DefaultActions") or p.get("Actions")
            if not any(
                isinstance(a, dict)
                and isinstance(a.get("TargetGroupArn"), Deferred)
                and a["TargetGroupArn"].resource == group
                for a in aws.as_list(actions)
            ):
                continue
            ref = p.get("LoadBalancerArn")
            if ref is None and isinstance(p.get("ListenerArn"), Deferred):
                listener = p["ListenerArn"].resource
                ref = self.props(listener).get("LoadBalancerArn") if listener in self.resources else None
            hit = self.target(ref)
            if hit and hit[0] == "resources":
                return hit[1]
        return None

    def _api_method(self, lid: str) -> None:
        p = self.props(lid)
        integration = p.get("Integration")
        uri = integration.get("Uri") if isinstance(integration, dict) else None
        fname = self._function_in(uri)
        if not fname:
            return
        auth = {"NONE": "none", "AWS_IAM": "iam", "COGNITO_USER_POOLS": "cognito", "CUSTOM": "lambda"}.get(
            str(p.get("AuthorizationType", "NONE")).upper(), "none"
        )
        if p.get("ApiKeyRequired") in (True, "true") and auth == "none":
            auth = "api_key"
        hit = self.target(p.get("RestApiId"))
        trigger: dict[str, Any] = {"type": "api_gateway", "auth": auth}
        if hit and hit[0] == "resources":
            trigger["source"] = hit[1]
        self._trigger(fname, trigger, self.rloc(lid))

    def _function_in(self, value: Any) -> str | None:
        if isinstance(value, Deferred):
            for ref in value.refs:
                hit = self.draft.index.get(self.key(ref))
                if hit and hit[0] == "functions":
                    return hit[1]
        return self.function_of(value)

    def _http_integration(self, lid: str) -> None:
        p = self.props(lid)
        fname = self._function_in(p.get("IntegrationUri"))
        if not fname:
            return
        auth = None
        for route in self.of_type("AWS::ApiGatewayV2::Route"):
            target = self.props(route).get("Target")
            if isinstance(target, Deferred) and lid in target.refs:
                kind = str(self.props(route).get("AuthorizationType", "NONE")).upper()
                auth = {"NONE": "none", "AWS_IAM": "iam", "JWT": "jwt", "CUSTOM": "lambda"}.get(kind, "none")
        hit = self.target(p.get("ApiId"))
        trigger: dict[str, Any] = {"type": "http_api"}
        if hit and hit[0] == "resources":
            trigger["source"] = hit[1]
        if auth:
            trigger["auth"] = auth
        self._trigger(fname, trigger, self.rloc(lid))

    def _log_subscription(self, lid: str) -> None:
        fname = self.function_of(self.props(lid).get("DestinationArn"))
        if fname:
            self._trigger(fname, {"type": "cloudwatch_logs"}, self.rloc(lid))

    # -- SAM events ------------------------------------------------------------------------------
    def _sam_events(self, lid: str) -> None:
        events = self.props(lid).get("Events")
        if not isinstance(events, dict):
            return
        fname = self.draft.index[self.key(lid)][1]
        for event_id, event in events.items():
            loc = self.loc(lid, "Events", event_id)
            if not isinstance(event, dict) or not isinstance(event.get("Type"), str):
                self.draft.warn(loc, f"event {event_id} of {lid} has no Type; skipped")
                continue
            props = event.get("Properties")
            if props is None:
                props = {}
            elif not isinstance(props, dict):
                self.draft.warn(loc, f"the Properties of event {event_id} of {lid} are not a mapping; ignored")
                props = {}
            try:
                self._sam_event(fname, event_id, event["Type"], props, loc)
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                self.draft.warn(loc, f"could not read event {event_id} of {lid}: {exc}; skipped")

    def _sam_event(self, fname: str, event_id: str, etype: str, props: dict[str, Any], loc: Location) -> None:
        def permit(principal: str, source_arn: Any = None, source_account: bool = False) -> None:
            perm: dict[str, Any] = {"sid": f"{event_id}Permission", "principal": principal}
            if source_arn is not None:
                perm["source_arn"] = str(source_arn)
            if source_account:
                perm["source_account"] = self.own_account()
            i = self.draft.append(("functions", fname), "permissions", perm, loc)
            self.draft.note(f"functions.{fname}.permissions[{i}]", f"added by SAM for event {event_id}")

        if etype in ("Api", "HttpApi"):
            http = etype == "HttpApi"
            api_ref = props.get("ApiId" if http else "RestApiId")
            hit = self.target(api_ref)
            if hit and hit[0] == "resources":
                api = hit[1]
            else:
                implicit = "ServerlessHttpApi" if http else "ServerlessRestApi"
                api = self.draft.lookup(self.key(implicit), "resources") or self.draft.add(
                    "resources",
                    implicit,
                    {"type": "http_api" if http else "api_gateway", "exposure": "public"},
                    loc,
                    self.key(implicit),
                )
                self.draft.note(f"resources.{api}", "the API SAM creates for events that name none")
            auth = self._api_auth(api_ref, props.get("Auth"), http)
            self.draft.append(
                ("functions", fname),
                "triggers",
                {"type": "http_api" if http else "api_gateway", "source": api, "auth": auth},
                loc,
            )
            method = str(props.get("Method", "*")).upper().replace("ANY", "*")
            path = str(props.get("Path", "/*"))
            api_text = "${" + (api_ref.resource if isinstance(api_ref, Deferred) and api_ref.resource else api) + "}"
            permit(
                "apigateway.amazonaws.com",
                f"arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:{api_text}/*/{method}{path}",
            )
            return
        simple = {
            "S3": ("s3", "Bucket", "s3"),
            "SNS": ("sns", "Topic", "sns"),
            "Cognito": ("cognito", "UserPool", "cognito"),
        }
        if etype in simple:
            ttype, key, rtype = simple[etype]
            source = self.source_entry(props.get(key), rtype, loc) if props.get(key) is not None else None
            self.draft.append(
                ("functions", fname), "triggers", {"type": ttype, "source": source} if source else {"type": ttype}, loc
            )
            principal = {"s3": "s3.amazonaws.com", "sns": "sns.amazonaws.com", "cognito": "cognito-idp.amazonaws.com"}[
                ttype
            ]
            if ttype == "s3":
                permit(principal, source_account=True)
            elif ttype == "sns":
                permit(principal, props.get(key))
            else:  # SAM limits the grant to the user pool
                pool = props.get(key)
                permit(
                    principal, "${" + pool.resource + ".Arn}" if isinstance(pool, Deferred) and pool.resource else pool
                )
            return
        polled = {
            "SQS": "Queue",
            "Kinesis": "Stream",
            "DynamoDB": "Stream",
            "MSK": "Stream",
            "MQ": "Broker",
            "DocumentDB": "Cluster",
        }
        if etype in polled:
            kind = {"SQS": "sqs", "Kinesis": "kinesis", "DynamoDB": "dynamodb", "MSK": "kafka", "MQ": "mq"}.get(
                etype, ""
            )
            self._polled_trigger(fname, props.get(polled[etype]), loc, kind)
            return
        if etype == "SelfManagedKafka":
            self.draft.append(("functions", fname), "triggers", {"type": "kafka"}, loc)
            return
        rule_arn = "${" + f"{fname}{event_id}.Arn" + "}"  # the rule SAM creates, and names so
        if etype in ("Schedule", "ScheduleV2"):
            self.draft.append(("functions", fname), "triggers", {"type": "schedule"}, loc)
            if etype == "Schedule":  # ScheduleV2 invokes through a role, without a permission
                permit("events.amazonaws.com", rule_arn)
            return
        if etype in ("CloudWatchEvent", "EventBridgeRule"):
            trigger: dict[str, Any] = {"type": "eventbridge"}
            bus = props.get("EventBusName")
            if bus is not None and bus != "default":
                source = self.source_entry(bus, "eventbridge", loc)
                if source:
                    trigger["source"] = source
            self.draft.append(("functions", fname), "triggers", trigger, loc)
            permit("events.amazonaws.com", rule_arn)
            return
        if etype == "CloudWatchLogs":
            self.draft.append(("functions", fname), "triggers", {"type": "cloudwatch_logs"}, loc)
            group = props.get("LogGroupName")
            permit("logs.amazonaws.com", f"arn:aws:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{group}:*")
            return
        if etype == "IoTRule":
            self.draft.append(("functions", fname), "triggers", {"type": "iot"}, loc)
            permit(
                "iot.amazonaws.com", f"arn:aws:iot:${{AWS::Region}}:${{AWS::AccountId}}:rule/{fname}{event_id}", True
            )
            return
        if etype == "AlexaSkill":
            self.draft.append(("functions", fname), "triggers", {"type": "other", "description": "Alexa skill"}, loc)
            permit("alexa-appkit.amazon.com")
            return
        self.draft.warn(loc, f"SAM event type {etype} is not modelled; skipped")

    def _api_auth(self, api_ref: Any, event_auth: Any, http: bool) -> str:
        """The authorisation of an API event: the event's Auth, else the API's default."""
        api_props: dict[str, Any] = {}
        if isinstance(api_ref, Deferred) and api_ref.resource in self.resources:
            api_props = self.props(api_ref.resource)
        else:
            glob = self.globals.get("HttpApi" if http else "Api")
            api_props = glob if isinstance(glob, dict) else {}
        api_auth = _mapping(api_props.get("Auth"))
        authorizers = _mapping(api_auth.get("Authorizers"))
        chosen = api_auth.get("DefaultAuthorizer")
        key_required = api_auth.get("ApiKeyRequired") in (True, "true")
        if isinstance(event_auth, dict):
            chosen = event_auth.get("Authorizer", chosen)
            if "ApiKeyRequired" in event_auth:
                key_required = event_auth["ApiKeyRequired"] in (True, "true")
        if chosen in (None, "NONE"):
            return "api_key" if key_required else "none"
        if chosen == "AWS_IAM":
            return "iam"
        spec = authorizers.get(chosen) if isinstance(chosen, str) else None
        if isinstance(spec, dict):
            if "UserPoolArn" in spec:
                return "cognito"
            if "JwtConfiguration" in spec:
                return "jwt"
            if "FunctionArn" in spec:
                return "lambda"
        return "lambda"

    # -- nested stacks ------------------------------------------------------------------------------
    def stack_output(self, lid: str, name: str) -> Any:
        """An output of a nested stack (imported first when needed); None when unknown."""
        if lid not in self._stacks and self.active.get(lid, True):
            self.guarded(lid, self._nested)
        child = self._stacks.get(lid)
        return child.output(name) if child is not None else None

    def output(self, name: str) -> Any:
        """The value of one of this template's Outputs, its resources named by their key."""
        outputs = self.template.get("Outputs")
        spec = outputs.get(name) if isinstance(outputs, dict) else None
        if not isinstance(spec, dict) or "Value" not in spec:
            return None
        value = self.resolver.resolve(spec["Value"], ("Outputs", name, "Value"))
        self.take_problems()
        return self._keyed(value)

    def _keyed(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._keyed(v) for v in value]
        if isinstance(value, Deferred) and (value.resource or value.refs):
            return replace(
                value,
                resource=self.abs(value.resource),
                refs=tuple(self.abs(r) or r for r in value.refs),
            )
        return value

    def _nested(self, lid: str) -> None:
        if lid in self._stacks:
            return
        self._stacks[lid] = None
        p = self.props(lid)
        sam = self.resources[lid]["Type"] == "AWS::Serverless::Application"
        location = p.get("Location") if sam else p.get("TemplateURL")
        if not isinstance(location, str) or "://" in location or location.startswith("s3:"):
            self.draft.warn(self.rloc(lid), f"nested stack {lid} is not a local file; its resources are not imported")
            return
        child = (self.path.parent / location).resolve()
        if not child.is_relative_to(self.root):
            self.draft.warn(
                self.loc(lid, "Location" if sam else "TemplateURL"),
                f"nested template {location} is outside the root template's directory; not read",
            )
            return
        if self.depth >= MAX_NESTING or child in self.seen:
            self.draft.warn(self.rloc(lid), f"nested stack {lid} nests too deep or includes itself; not followed")
            return
        if not child.is_file():
            self.draft.warn(
                self.loc(lid, "Location" if sam else "TemplateURL"), f"nested template {location} not found"
            )
            return
        display = os.path.normpath(str(Path(self.doc.file).parent / location))
        try:
            doc, problems = read_template(child, display)
        except ModelInvalid as exc:
            for error in exc.errors:
                self.draft.warn(error.location, error.message, error.hint)
            return
        for loc, text in problems:
            self.draft.warn(loc, text)
        if not isinstance(doc.data, dict):
            self.draft.warn(self.rloc(lid), f"nested template {location} is not a mapping")
            return
        params = p.get("Parameters")
        if params is None:
            params = {}
        elif not isinstance(params, dict):
            self.draft.warn(
                self.loc(lid, "Parameters"), f"the Parameters of nested stack {lid} are not a mapping; ignored"
            )
            params = {}
        importer = TemplateImporter(
            self.draft,
            doc,
            child,
            overrides=dict(params),
            prefix=f"{self.prefix}{lid}/",
            depth=self.depth + 1,
            seen=self.seen,
            name_prefix=f"{self.name_prefix}{lid}-",
            root=self.root,
        )
        importer.run()
        self._stacks[lid] = importer


def _from_cdk(template: dict[str, Any]) -> bool:
    """Whether the CDK synthesised the template (its metadata resource or construct paths)."""
    resources = template.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(res, dict)
        and (res.get("Type") == "AWS::CDK::Metadata" or "aws:cdk:path" in _mapping(res.get("Metadata")))
        for res in resources.values()
    )


def _mapping(value: Any) -> dict[str, Any]:
    """A block that should be a mapping; a missing or malformed one reads as empty."""
    return value if isinstance(value, dict) else {}


def _merge_globals(glob: Any, own: Any) -> Any:
    """SAM's Globals rule: scalars override, maps merge, lists concatenate."""
    if isinstance(glob, dict) and isinstance(own, dict):
        # An intrinsic function is a value, not a map to merge into
        if len(own) == 1 and next(iter(own)).startswith(("Fn::", "Ref")):
            return own
        out = dict(glob)
        for k, v in own.items():
            out[k] = _merge_globals(glob[k], v) if k in glob else v
        return out
    if isinstance(glob, list) and isinstance(own, list):
        return glob + own
    return own
