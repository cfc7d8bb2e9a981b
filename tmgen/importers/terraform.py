"""Imports Terraform (a directory of .tf files, or the JSON of `terraform show -json`) by
translating its AWS resources into their CloudFormation equivalents, which the CloudFormation
importer then maps; references become Ref/GetAtt so the same semantics apply."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tmgen.errors import Location, ModelError, ModelInvalid
from tmgen.importers import aws
from tmgen.importers.cloudformation import TemplateImporter
from tmgen.importers.draft import Draft, ImportResult, safe_name
from tmgen.importers.hclexpr import Evaluator, Unknown, split_arguments
from tmgen.importers.hclexpr import interpolations as _interpolations
from tmgen.importers.intrinsics import Deferred
from tmgen.load import Document, load_text, read_text

MAX_FILES = 500
MAX_MODULE_DEPTH = 5
MAX_INSTANCES = 64  # count / for_each expanded into one entry per instance up to this many
REFERENCE = re.compile(r"^((?:module\.[\w-]+(?:\[[^\]]*\])?\.)*)(aws_[\w]+)\.([\w-]+)(\[[^\]]*\])?(?:\.([\w.]+))?$")

# Terraform type -> CloudFormation type, for the resources that map one to one.
RESOURCE_TYPES: dict[str, tuple[str, dict[str, str | None]]] = {
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", {"name": "TableName"}),
    "aws_s3_bucket": ("AWS::S3::Bucket", {"bucket": "BucketName"}),
    "aws_sqs_queue": ("AWS::SQS::Queue", {"name": "QueueName"}),
    "aws_sns_topic": ("AWS::SNS::Topic", {"name": "TopicName"}),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", {"name": "Name"}),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", {"name": "Name"}),
    "aws_db_instance": ("AWS::RDS::DBInstance", {}),
    "aws_rds_cluster": ("AWS::RDS::DBCluster", {}),
    "aws_db_proxy": ("AWS::RDS::DBProxy", {}),
    "aws_elasticache_cluster": ("AWS::ElastiCache::CacheCluster", {}),
    "aws_elasticache_replication_group": ("AWS::ElastiCache::ReplicationGroup", {}),
    "aws_secretsmanager_secret": ("AWS::SecretsManager::Secret", {"name": "Name"}),
    "aws_ssm_parameter": ("AWS::SSM::Parameter", {"name": "Name"}),
    "aws_kms_key": ("AWS::KMS::Key", {}),
    "aws_efs_file_system": ("AWS::EFS::FileSystem", {}),
    "aws_api_gateway_rest_api": ("AWS::ApiGateway::RestApi", {}),
    "aws_apigatewayv2_api": ("AWS::ApiGatewayV2::Api", {}),
    "aws_sfn_state_machine": ("AWS::StepFunctions::StateMachine", {}),
    "aws_msk_cluster": ("AWS::MSK::Cluster", {}),
    "aws_mq_broker": ("AWS::AmazonMQ::Broker", {}),
    "aws_internet_gateway": ("AWS::EC2::InternetGateway", {}),
    "aws_nat_gateway": ("AWS::EC2::NatGateway", {}),
    "aws_vpc": ("AWS::EC2::VPC", {"cidr_block": "CidrBlock"}),
    "aws_subnet": (
        "AWS::EC2::Subnet",
        {"vpc_id": "VpcId", "cidr_block": "CidrBlock", "availability_zone": "AvailabilityZone"},
    ),
    "aws_route_table_association": (
        "AWS::EC2::SubnetRouteTableAssociation",
        {"subnet_id": "SubnetId", "route_table_id": "RouteTableId"},
    ),
    "aws_route": (
        "AWS::EC2::Route",
        {
            "route_table_id": "RouteTableId",
            "destination_cidr_block": "DestinationCidrBlock",
            "gateway_id": "GatewayId",
            "nat_gateway_id": "NatGatewayId",
            "transit_gateway_id": "TransitGatewayId",
            "network_interface_id": "NetworkInterfaceId",
            "vpc_peering_connection_id": "VpcPeeringConnectionId",
        },
    ),
    "aws_vpc_endpoint": (
        "AWS::EC2::VPCEndpoint",
        {
            "vpc_id": "VpcId",
            "service_name": "ServiceName",
            "vpc_endpoint_type": "VpcEndpointType",
            "policy": "PolicyDocument",
        },
    ),
    "aws_lambda_layer_version": (
        "AWS::Lambda::LayerVersion",
        {"layer_name": "LayerName", "description": "Description"},
    ),
    "aws_lambda_layer_version_permission": (
        "AWS::Lambda::LayerVersionPermission",
        {"layer_name": "LayerVersionArn", "principal": "Principal", "organization_id": "OrganizationId"},
    ),
    "aws_lambda_permission": (
        "AWS::Lambda::Permission",
        {
            "function_name": "FunctionName",
            "principal": "Principal",
            "action": "Action",
            "source_arn": "SourceArn",
            "source_account": "SourceAccount",
            "principal_org_id": "PrincipalOrgID",
            "function_url_auth_type": "FunctionUrlAuthType",
            "statement_id": "StatementId",  # not a CloudFormation property: the model's sid
        },
    ),
    "aws_lambda_event_source_mapping": (
        "AWS::Lambda::EventSourceMapping",
        {"function_name": "FunctionName", "event_source_arn": "EventSourceArn"},
    ),
    "aws_iam_policy": ("AWS::IAM::ManagedPolicy", {"policy": "PolicyDocument"}),
    "aws_iam_role_policy": ("AWS::IAM::Policy", {"policy": "PolicyDocument"}),
    "aws_sns_topic_subscription": (
        "AWS::SNS::Subscription",
        {"topic_arn": "TopicArn", "protocol": "Protocol", "endpoint": "Endpoint"},
    ),
    "aws_cloudwatch_event_rule": (
        "AWS::Events::Rule",
        {"schedule_expression": "ScheduleExpression", "event_bus_name": "EventBusName"},
    ),
    "aws_lb_target_group": ("AWS::ElasticLoadBalancingV2::TargetGroup", {"target_type": "TargetType"}),
    "aws_apigatewayv2_integration": (
        "AWS::ApiGatewayV2::Integration",
        {"api_id": "ApiId", "integration_uri": "IntegrationUri"},
    ),
    "aws_apigatewayv2_route": (
        "AWS::ApiGatewayV2::Route",
        {"api_id": "ApiId", "target": "Target", "authorization_type": "AuthorizationType"},
    ),
    "aws_cloudwatch_log_subscription_filter": ("AWS::Logs::SubscriptionFilter", {"destination_arn": "DestinationArn"}),
    "aws_lambda_code_signing_config": ("AWS::Lambda::CodeSigningConfig", {}),
}

# Types handled by a translator of their own (below) or merged into another resource.
SPECIAL = {
    "aws_lambda_function",
    "aws_lambda_function_url",
    "aws_lambda_function_event_invoke_config",
    "aws_iam_role",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_route_table",
    "aws_lb",
    "aws_lb_listener",
    "aws_lb_target_group_attachment",
    "aws_cognito_user_pool",
    "aws_s3_bucket_notification",
    "aws_cloudwatch_event_target",
    "aws_api_gateway_integration",
    "aws_api_gateway_method",
}

MERGING = {
    "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_lb_target_group_attachment",
    "aws_s3_bucket_notification",
    "aws_cloudwatch_event_target",
}

# Types that carry nothing the model describes.
SILENT = {
    "aws_cloudwatch_log_group",
    "aws_lambda_alias",
    "aws_eip",
    "aws_iam_instance_profile",
    "aws_cloudwatch_metric_alarm",
    "aws_api_gateway_resource",
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_authorizer",
    "aws_api_gateway_authorizer",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_object",
    "aws_ecr_repository",
    "aws_signer_signing_profile",
    "aws_db_subnet_group",
    "aws_elasticache_subnet_group",
    "aws_default_route_table",
    "aws_main_route_table_association",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_cognito_user_pool_client",
    "aws_lambda_provisioned_concurrency_config",
}

ATTRIBUTE_GETATT = {
    "arn": "Arn",
    "invoke_arn": "Arn",
    "qualified_arn": "Arn",
    "stream_arn": "StreamArn",
    "cidr_block": "CidrBlock",
    "name": "Name",
    "url": "QueueUrl",
}

COGNITO_TRIGGERS = {
    "pre_sign_up": "PreSignUp",
    "post_confirmation": "PostConfirmation",
    "pre_authentication": "PreAuthentication",
    "post_authentication": "PostAuthentication",
    "custom_message": "CustomMessage",
    "define_auth_challenge": "DefineAuthChallenge",
    "create_auth_challenge": "CreateAuthChallenge",
    "verify_auth_challenge_response": "VerifyAuthChallengeResponse",
    "pre_token_generation": "PreTokenGeneration",
    "user_migration": "UserMigration",
}


def lid_of(address: str) -> str:
    """A logical id for a Terraform address, usable inside ${...} of Fn::Sub (no dots)."""
    return re.sub(r"[.\[\]\"']+", "/", address).strip("/")


class TfResource:
    def __init__(
        self, address: str, rtype: str, name: str, values: dict[str, Any], loc: Location, count: bool = False
    ) -> None:
        self.address = address
        self.type = rtype
        self.name = name
        self.values = values
        self.loc = loc
        self.count = count
        self.each: dict[str, Any] | None = None  # an expanded instance: each.key/each.value or count.index


def import_terraform(path: Path) -> ImportResult:
    path = Path(path)
    if path.is_file() and path.suffix == ".json":
        return _import_json(path)
    files = sorted(path.glob("*.tf")) if path.is_dir() else [path]
    if not files:
        raise ModelInvalid([ModelError(Location(str(path), 1, 1), "no .tf files here")])
    name = path.name if path.is_dir() else path.parent.resolve().name
    draft = Draft(str(path), "terraform", safe_name(name))
    draft.data["deployment"] = {"tool": "terraform"}
    reader = HclReader(draft, path if path.is_dir() else path.parent)
    for f in files[:MAX_FILES]:
        reader.read(f)
    reader.follow_modules()
    Translator(draft, reader.resources, reader.variables, reader.locals, reader.documents, outputs=reader.outputs).run()
    try:
        return draft.finish()
    except ModelInvalid as exc:
        if not reader.failures:
            raise
        # Nothing imported because files could not be parsed: say why, where.
        raise ModelInvalid(reader.failures + exc.errors) from None


# -- HCL ------------------------------------------------------------------------------------------


def _hcl_loads(text: str) -> dict[str, Any]:
    import hcl2

    try:
        from hcl2.utils import SerializationOptions

        options = SerializationOptions(
            with_comments=False, explicit_blocks=False, strip_string_quotes=True, preserve_heredocs=False
        )
        return hcl2.loads(text, serialization_options=options)
    except ImportError:  # python-hcl2 before 6: strings already come without quotes
        return _unquote(hcl2.loads(text))


def _unquote(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


class HclReader:
    """Reads .tf files: resources, variables, locals and IAM policy document data sources."""

    def __init__(self, draft: Draft, root: Path | None = None) -> None:
        self.draft = draft
        self.root = root  # local modules are followed when they lie under it
        self.resources: list[TfResource] = []
        self.variables: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.documents: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}  # "module.NAME.OUTPUT" -> its value, in the root's terms
        self.failures: list[ModelError] = []  # files that could not be parsed
        self.modules: list[tuple[str, dict[str, Any], Path, Location]] = []  # root module blocks
        self._files = 0

    def _parse(self, path: Path) -> tuple[dict[str, Any], str, str] | None:
        self._files += 1
        try:
            name, text = read_text(path)
        except ModelInvalid as exc:
            for error in exc.errors:
                self.draft.warn(error.location, error.message, error.hint)
            return None
        try:
            data = _hcl_loads(text)
        except Exception as exc:  # the parser raises many kinds; each is the file's problem, not ours
            line, column = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
            message = f"cannot parse this Terraform file: {str(exc).splitlines()[0][:200]}"
            self.draft.warn(Location(name, int(line), int(column)), f"{message}; skipped")
            self.failures.append(ModelError(Location(name, int(line), int(column)), message))
            return None
        return data, text, name

    def read(self, path: Path) -> None:
        parsed = self._parse(path)
        if parsed is None:
            return
        data, text, name = parsed
        for block in data.get("variable", []):
            for var, spec in block.items():
                if isinstance(spec, dict) and "default" in spec:
                    self.variables[var] = spec["default"]
                else:
                    self.variables.setdefault(var, None)
        for block in data.get("locals", []):
            if isinstance(block, dict):
                self.locals.update(block)
        for block in data.get("data", []):
            for dtype, items in block.items():
                for dname, spec in (items or {}).items():
                    if dtype == "aws_iam_policy_document" and isinstance(spec, dict):
                        self.documents[dname], problems = _policy_document(spec)
                        if problems:
                            loc = _find(text, name, f'data\\s+"{re.escape(dtype)}"\\s+"{re.escape(dname)}"')
                            for problem in problems:
                                self.draft.warn(loc, f"policy document {dname}: {problem}")
        for block in data.get("resource", []):
            for rtype, items in block.items():
                for rname, spec in (items or {}).items():
                    if not isinstance(spec, dict):
                        continue
                    loc = _find(text, name, f'resource\\s+"{re.escape(rtype)}"\\s+"{re.escape(rname)}"')
                    counted = "count" in spec or "for_each" in spec
                    self.resources.append(TfResource(f"{rtype}.{rname}", rtype, rname, spec, loc, counted))
        for block in data.get("module", []):
            for mname, spec in block.items():
                loc = _find(text, name, f'module\\s+"{re.escape(mname)}"')
                self.modules.append((mname, spec if isinstance(spec, dict) else {}, path.parent, loc))

    def follow_modules(self) -> None:
        """Reads the local modules the root calls (after the root's own files)."""
        for mname, spec, base, loc in self.modules:
            self.module(mname, spec, base, loc, "", 0)

    def module(self, mname: str, spec: dict[str, Any], base: Path, loc: Location, prefix: str, depth: int) -> None:
        """A module block whose source is a local directory: its resources are read as if declared
        in the caller, addressed module.NAME.TYPE.NAME, with its variables bound to the block's
        arguments. Registry and remote modules get a warning."""
        source = spec.get("source")
        hint = "import the JSON of `terraform show -json`, where modules are expanded"
        if not (isinstance(source, str) and source.startswith(("./", "../"))):
            self.draft.warn(loc, f"module {mname} comes from {source!r}, which tmgen does not fetch; {hint}")
            return
        directory = (base / source).resolve()
        root = (self.root or base).resolve()
        if not directory.is_relative_to(root) or not directory.is_dir():
            why = "is outside the imported directory" if directory.is_dir() else "is not a directory"
            self.draft.warn(loc, f"module {mname}: {source} {why}; not read; {hint}")
            return
        if depth >= MAX_MODULE_DEPTH:
            self.draft.warn(loc, f"module {mname}: modules nested more than {MAX_MODULE_DEPTH} deep; not read")
            return
        files = sorted(directory.glob("*.tf"))
        parsed = [p for p in (self._parse(f) for f in files[: max(0, MAX_FILES - self._files)]) if p is not None]
        if not parsed:
            self.draft.warn(loc, f"module {mname}: no .tf file could be read in {source}")
            return
        scope = ModuleScope(f"{prefix}module.{mname}.", spec)
        for data, _text, _name in parsed:
            for block in data.get("variable", []):
                for var, vspec in block.items():
                    if isinstance(vspec, dict) and "default" in vspec:
                        scope.defaults[var] = vspec["default"]
            for block in data.get("locals", []):
                if isinstance(block, dict):
                    scope.locals.update(block)
        for data, text, name in parsed:
            for block in data.get("data", []):
                for dtype, items in block.items():
                    for dname, dspec in (items or {}).items():
                        if dtype == "aws_iam_policy_document" and isinstance(dspec, dict):
                            document, problems = _policy_document(scope.rewrite(dspec))
                            self.documents[scope.document(dname)] = document
                            dloc = _find(text, name, f'data\\s+"{re.escape(dtype)}"\\s+"{re.escape(dname)}"')
                            for problem in problems:
                                self.draft.warn(dloc, f"policy document {dname}: {problem}")
            for block in data.get("resource", []):
                for rtype, items in block.items():
                    for rname, rspec in (items or {}).items():
                        if not isinstance(rspec, dict):
                            continue
                        rloc = _find(text, name, f'resource\\s+"{re.escape(rtype)}"\\s+"{re.escape(rname)}"')
                        values = scope.rewrite(rspec)
                        for meta in ("count", "for_each"):  # a module's count applies to what it declares
                            if meta in spec and meta not in values:
                                values[meta] = spec[meta]
                        counted = "count" in values or "for_each" in values
                        address = f"{scope.prefix}{rtype}.{rname}"
                        label = "-".join([*re.findall(r"module\.([\w-]+)", scope.prefix), rname])
                        self.resources.append(TfResource(address, rtype, label, values, rloc, counted))
            for block in data.get("output", []):
                for oname, ospec in block.items():
                    if isinstance(ospec, dict) and "value" in ospec:
                        self.outputs[f"{scope.prefix}{oname}"] = scope.rewrite(ospec["value"])
            for block in data.get("module", []):
                for child, cspec in block.items():
                    cloc = _find(text, name, f'module\\s+"{re.escape(child)}"')
                    if isinstance(cspec, dict):
                        args = {k: (v if k == "source" else scope.rewrite(v)) for k, v in cspec.items()}
                        self.module(child, args, directory, cloc, scope.prefix, depth + 1)


MODULE_META = ("source", "version", "providers", "count", "for_each", "depends_on")
TOKEN = re.compile(r"(?<![\w.])(var|local|data\.aws_iam_policy_document|module|aws_[a-z0-9_]+)\.([\w-]+)")


class ModuleScope:
    """Rewrites a module's expressions into its caller's terms: `var.X` becomes the argument the
    module block passes (or the variable's default), `local.X` the module's local, and a
    reference to one of its resources gets the module's address prefix."""

    def __init__(self, prefix: str, args: dict[str, Any]) -> None:
        self.prefix = prefix
        self.args = {k: v for k, v in args.items() if k not in MODULE_META}
        self.defaults: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self._depth = 0

    def document(self, name: str) -> str:
        return re.sub(r"\W+", "__", self.prefix) + name

    def _binding(self, kind: str, name: str) -> tuple[bool, Any]:
        """(found, value in the caller's terms) of var.NAME or local.NAME."""
        if kind == "var":
            if name in self.args:
                return True, self.args[name]
            if name in self.defaults:
                return True, self.rewrite(self.defaults[name])
            return False, None
        if name in self.locals and self._depth < 16:
            self._depth += 1
            try:
                return True, self.rewrite(self.locals[name])
            finally:
                self._depth -= 1
        return False, None

    def rewrite(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.rewrite(v) for v in value]
        if not isinstance(value, str) or "${" not in value:
            return value
        spans = _interpolations(value)
        if len(spans) == 1 and spans[0][:2] == (0, len(value)):
            m = re.fullmatch(r"(var|local)\.([\w-]+)", spans[0][2].strip())
            if m:
                found, bound = self._binding(m.group(1), m.group(2))
                if found:
                    return bound
        out: list[str] = []
        pos = 0
        for start, end, inner in spans:
            out.append(value[pos:start])
            m = re.fullmatch(r"(var|local)\.([\w-]+)", inner.strip())
            found, bound = self._binding(m.group(1), m.group(2)) if m else (False, None)
            if found and isinstance(bound, str | int | float) and not isinstance(bound, bool):
                out.append(str(bound))  # spliced: "${var.name}-x" with name = "${local.base}-y"
            else:
                out.append("${" + self._expression(inner) + "}")
            pos = end
        out.append(value[pos:])
        return "".join(out)

    def _expression(self, expr: str) -> str:
        def replace(m: re.Match[str]) -> str:
            kind, name = m.group(1), m.group(2)
            if kind in ("var", "local"):
                found, bound = self._binding(kind, name)
                if not found:
                    return m.group(0)
                if isinstance(bound, str):
                    spans = _interpolations(bound)
                    if len(spans) == 1 and spans[0][:2] == (0, len(bound)):
                        return f"({spans[0][2].strip()})"
                    return json.dumps(bound) if "${" not in bound else m.group(0)
                return json.dumps(bound) if bound is None or isinstance(bound, bool | int | float) else m.group(0)
            if kind == "data.aws_iam_policy_document":
                return f"data.aws_iam_policy_document.{self.document(name)}"
            return f"{self.prefix}{kind}.{name}"

        return TOKEN.sub(replace, expr)


def _find(text: str, file: str, pattern: str) -> Location:
    m = re.search(pattern, text)
    if not m:
        return Location(file, 1, 1)
    line = text.count("\n", 0, m.start()) + 1
    return Location(file, line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1)


def _policy_document(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """data "aws_iam_policy_document" -> an IAM policy document, plus the problems met on the way."""
    statements = []
    problems: list[str] = []
    for i, stmt in enumerate(aws.as_list(spec.get("statement"))):
        if not isinstance(stmt, dict):
            continue
        out: dict[str, Any] = {"Effect": stmt.get("effect", "Allow")}
        for key, field in (
            ("sid", "Sid"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if key in stmt:
                out[field] = stmt[key]
        conditions: dict[str, Any] = {}
        for j, cond in enumerate(aws.as_list(stmt.get("condition"))):
            if not isinstance(cond, dict):
                continue
            test, variable = cond.get("test"), cond.get("variable")
            if not isinstance(test, str) or not isinstance(variable, str):
                problems.append(f"condition {j + 1} of statement {i + 1} has no test or variable; skipped")
                continue
            conditions.setdefault(test, {})[variable] = cond.get("values")
        if conditions:
            out["Condition"] = conditions
        principals: dict[str, Any] = {}
        for j, principal in enumerate(aws.as_list(stmt.get("principals"))):
            if not isinstance(principal, dict):
                continue
            ptype = principal.get("type")
            if not isinstance(ptype, str):
                problems.append(f"principals {j + 1} of statement {i + 1} have no type; skipped")
                continue
            principals.setdefault(ptype, []).extend(aws.as_list(principal.get("identifiers")))
        if principals:
            out["Principal"] = principals
        statements.append(out)
    return {"Version": "2012-10-17", "Statement": statements}, problems


# -- terraform show -json ----------------------------------------------------------------------------


def _import_json(path: Path) -> ImportResult:
    name, text = read_text(path)
    doc = load_text(text, name)
    data = doc.data
    if not isinstance(data, dict) or "format_version" not in data:
        raise ModelInvalid([ModelError(Location(name, 1, 1), "not the JSON of `terraform show -json`")])
    draft = Draft(name, "terraform", safe_name(path.stem))
    draft.data["deployment"] = {"tool": "terraform"}
    section = "values" if isinstance(data.get("values"), dict) else "planned_values"
    resources: list[TfResource] = []
    config = _configuration(data.get("configuration"))

    def add(res: dict[str, Any], values: Any, where: tuple[Any, ...]) -> None:
        if not isinstance(values, dict):
            values = {}
        address = str(res.get("address", f"{res.get('type')}.{res.get('name')}"))
        # A plan leaves unknown values out; the configuration says what they refer to.
        for key, expr in config.get(re.sub(r"\[[^\]]*\]", "", address), {}).items():
            if values.get(key) is None:
                values[key] = expr
        index = res.get("index")
        label = str(res.get("name")) + (f"-{index}" if index is not None else "")
        modules = re.findall(r"module\.([\w-]+)", address)
        label = "-".join(modules + [label])
        resources.append(TfResource(address, str(res.get("type")), label, values, doc.locate(where)))

    def walk(module: Any, path: tuple[Any, ...]) -> None:
        if not isinstance(module, dict):
            return
        for i, res in enumerate(module.get("resources") or []):
            if isinstance(res, dict) and res.get("mode", "managed") == "managed":
                add(res, res.get("values"), path + ("resources", i))
        for j, child in enumerate(module.get("child_modules") or []):
            walk(child, path + ("child_modules", j))

    block = data.get(section)
    root = block.get("root_module") if isinstance(block, dict) else None
    changes = data.get("resource_changes")
    if isinstance(root, dict):
        walk(root, (section, "root_module"))
    elif isinstance(changes, list):
        # a plan without planned_values: each change's `after` is what the apply leaves
        for i, res in enumerate(changes):
            if not isinstance(res, dict) or res.get("mode", "managed") != "managed":
                continue
            change: dict[str, Any] = res["change"] if isinstance(res.get("change"), dict) else {}
            if list(change.get("actions") or []) == ["delete"]:
                continue  # destroyed by this plan
            add(res, change.get("after"), ("resource_changes", i))
    else:
        draft.warn(doc.locate(()), "no resources: this is neither a state nor a plan with planned values")
    Translator(draft, resources, {}, {}, {}, concrete=True).run()
    return draft.finish()


def _configuration(config: Any) -> dict[str, dict[str, Any]]:
    """address -> attribute -> "${reference}" or constant, from a plan's configuration."""
    out: dict[str, dict[str, Any]] = {}

    def expression(expr: Any, prefix: str) -> Any:
        if isinstance(expr, list):
            return [expression(e, prefix) for e in expr]
        if not isinstance(expr, dict):
            return None
        if "constant_value" in expr:
            return expr["constant_value"]
        refs = [r for r in expr.get("references", []) if isinstance(r, str)]
        if refs:
            ref = refs[0]
            # a module's references are to its own resources and calls: give them its address
            if re.match(r"(aws_[a-z0-9_]+|module)\.", ref):
                ref = prefix + ref
            return "${" + ref + "}"
        if expr and all(isinstance(v, dict | list) for v in expr.values()):
            return {k: expression(v, prefix) for k, v in expr.items()}
        return None

    def walk(module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for res in module.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("expressions"), dict):
                exprs = {k: expression(v, prefix) for k, v in res["expressions"].items()}
                out[prefix + str(res.get("address"))] = {k: v for k, v in exprs.items() if v is not None}
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                walk(call.get("module"), f"{prefix}module.{name}.")

    if isinstance(config, dict):
        walk(config.get("root_module"), "")
    return out


# -- translation ----------------------------------------------------------------------------------------


class Translator:
    """Turns Terraform resources into a CloudFormation template and runs its importer."""

    def __init__(
        self,
        draft: Draft,
        resources: list[TfResource],
        variables: dict[str, Any],
        local_values: dict[str, Any],
        documents: dict[str, Any],
        concrete: bool = False,
        outputs: dict[str, Any] | None = None,
    ) -> None:
        self.draft = draft
        self.outputs = outputs or {}
        self.resources = resources
        self.variables = variables
        self.locals = local_values
        self.documents = documents
        self.concrete = concrete
        self.by_address = {re.sub(r"\[[^\]]*\]$", "", r.address): r for r in resources}
        self.by_address.update({r.address: r for r in resources})
        self.template: dict[str, Any] = {"Parameters": {}, "Resources": {}}
        self.doc = Document(draft.source, self.template)
        self.display: dict[str, str] = {}
        self.physical: dict[str, tuple[str, str | None]] = {}  # concrete id / arn / name -> (lid, attribute)
        self.function_names: dict[str, str] = {}  # a function's name -> its lid
        self._locals_depth = 0
        self.base = Path(draft.source).resolve()
        self.base = self.base if self.base.is_dir() else self.base.parent  # the module directory
        self.evaluator = Evaluator(
            variables, local_values, functions={"file": self._file, "templatefile": self._templatefile}
        )
        self.base_evaluator = self.evaluator
        self.expanded: dict[str, list[str]] = {}  # address -> the addresses of its instances
        self.current: TfResource | None = None  # the resource being translated, for warnings
        self.skipped: dict[str, str] = {}  # address -> why it has no instance
        self.instances: dict[str, int | None] = {}  # address -> instances (None: unknown)
        self.pending: list[tuple[TfResource, str, str]] = []  # (resource, model sub-key, note)

    # -- values -------------------------------------------------------------------------------
    def value(self, v: Any) -> Any:
        """A Terraform value -> a CloudFormation value (Ref/GetAtt/Join/Deferred)."""
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, str):
            if self.concrete and v in self.physical:
                lid, attr = self.physical[v]
                return {"Ref": lid} if attr is None else {"Fn::GetAtt": [lid, attr]}
            if "${" not in v:
                return v
            spans = _interpolations(v)
            if len(spans) == 1 and spans[0][0] == 0 and spans[0][1] == len(v):
                return self.term(spans[0][2].strip())
            parts: list[Any] = []
            pos = 0
            for start, end, inner in spans:
                parts.append(v[pos:start])
                parts.append(self.term(inner.strip()))
                pos = end
            parts.append(v[pos:])
            return {"Fn::Join": ["", [p for p in parts if p != ""]]}
        return v

    def function_value(self, v: Any) -> Any:
        """A value where a function is expected (a name, an ARN or a reference)."""
        if self.concrete and isinstance(v, str) and v in self.function_names:
            return {"Ref": self.function_names[v]}
        return self.value(v)

    def term(self, expr: str) -> Any:
        if expr.startswith("var.") and re.fullmatch(r"[\w-]+", expr[4:]):
            name = expr[4:]
            if name not in self.variables:
                return Deferred("${" + expr + "}", parameter=name, reason=f"variable {name} is not declared")
            self.template["Parameters"][name] = (
                {"Type": "String"}
                if self.variables[name] is None
                else {"Type": "String", "Default": self.variables[name]}
            )
            return {"Ref": name}
        if expr.startswith("local."):
            name = expr[6:].split(".")[0]
            if name in self.locals and self._locals_depth < 16:
                self._locals_depth += 1
                try:
                    return self.value(self.locals[name])
                finally:
                    self._locals_depth -= 1
            return Deferred("${" + expr + "}", parameter=name, reason=f"local {name} is not defined")
        if expr.startswith("data.aws_iam_policy_document.") and expr.endswith(".json"):
            name = expr.split(".")[2]
            if name in self.documents:
                return self.value(self.documents[name])
        if expr.startswith("data."):
            parts = expr.split(".")
            return Deferred(
                "${" + expr + "}",
                parameter=parts[2] if len(parts) > 2 else expr,
                reason=f"the data source {'.'.join(parts[:3])} is read at plan time",
            )
        if expr.startswith("jsonencode(") and expr.endswith(")"):
            try:
                parsed = _hcl_loads("x = " + expr[len("jsonencode(") : -1]).get("x")
                return self.value(parsed)
            except Exception:  # an expression python-hcl2 cannot read
                return Deferred("${" + expr + "}", reason="a jsonencode() tmgen cannot read")
        m = REFERENCE.match(re.sub(r"\.\*(?=\.|$)", "[*]", expr))  # the legacy splat x.*.id
        if m:
            modules, rtype, name, index, attr = m.groups()
            address = f"{modules}{rtype}.{name}"
            instances = self.expanded.get(address)
            if index == "[*]" and instances and address not in self.skipped:
                # a splat over expanded instances: one reference per instance
                return [self.term(f"{inst}.{attr}" if attr else inst) for inst in instances]
            target = self.by_address.get(self._instance(address, index) or address) or self.by_address.get(address)
            if address in self.skipped:
                return Deferred("${" + expr + "}", parameter=name, reason=f"{address} {self.skipped[address]}")
            if target is not None:
                lid = lid_of(target.address)
                gatt = ATTRIBUTE_GETATT.get((attr or "").split(".")[0])
                if gatt == "Name" and target.type in ("aws_lambda_function", "aws_iam_role"):
                    return {"Ref": lid}
                return {"Fn::GetAtt": [lid, gatt]} if gatt else {"Ref": lid}
            return Deferred(
                "${" + expr + "}", parameter=name, reason=f"{address} is not declared in this configuration"
            )
        if expr.startswith("module."):
            output = re.match(r"((?:module\.[\w-]+\.)+[\w-]+)$", expr)
            if output and output.group(1) in self.outputs and self._locals_depth < 16:
                self._locals_depth += 1
                try:
                    return self.value(self.outputs[output.group(1)])
                finally:
                    self._locals_depth -= 1
            return Deferred(
                "${" + expr + "}",
                parameter=expr.split(".")[1],
                reason="the output of a module; import `terraform show -json` to follow it",
            )
        if expr.startswith("merge(") and expr.endswith(")"):
            return self._merge(expr)
        try:
            return self.evaluator.evaluate(expr)
        except Unknown as exc:
            return Deferred("${" + expr + "}", reason=f"a Terraform expression tmgen does not evaluate ({exc})")

    def _instance(self, address: str, index: str | None) -> str | None:
        """The address of one instance (`aws_x.y["k"]`, `aws_x.y[0]`) when its index evaluates."""
        if not index or index == "[*]":
            return None
        try:
            key = self.evaluator.evaluate(index[1:-1])
        except Unknown:
            return None
        if isinstance(key, bool) or not isinstance(key, str | int | float):
            return None
        return f"{address}[{json.dumps(key) if isinstance(key, str) else int(key)}]"

    def _merge(self, expr: str) -> Any:
        """merge(a, b, ...) of maps: each argument evaluated, or translated when it is a literal
        map (its values may refer to resources); what stays unknown is left out with a warning."""
        try:
            return self.evaluator.evaluate(expr)
        except Unknown:
            pass
        out: dict[str, Any] = {}
        for arg in split_arguments(expr[len("merge(") : -1]):
            try:
                value = self.evaluator.evaluate(arg)
            except Unknown as exc:
                value = None
                if arg.startswith("{"):
                    try:
                        value = self.value(_hcl_loads("x = " + arg).get("x"))
                    except Exception:  # an expression python-hcl2 cannot read
                        value = None
                if not isinstance(value, dict):
                    self.warn(f"merge() argument {arg[:60]} cannot be evaluated ({exc}); its entries are left out")
                    continue
            if isinstance(value, dict):
                out.update(value)
            else:
                self.warn(f"merge() argument {arg[:60]} is not a map; left out")
        return out

    def warn(self, text: str) -> None:
        self.draft.warn(
            self.current.loc if self.current else None, f"{self.current.address}: {text}" if self.current else text
        )

    def _path(self, arg: Any) -> Path:
        if not isinstance(arg, str):
            raise Unknown("a file name that is not a string")
        target = (self.base / arg).resolve()
        if not target.is_relative_to(self.base):
            self.warn(f"file {arg} is outside the module directory; not read")
            raise Unknown(f"{arg} is outside the module directory")
        if not target.is_file():
            self.warn(f"file {arg} not found")
            raise Unknown(f"{arg} not found")
        return target

    def _file(self, args: list[Any]) -> Any:
        if len(args) != 1:
            raise Unknown("file() takes one argument")
        target = self._path(args[0])
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.warn(f"file {args[0]} cannot be read: {exc}")
            raise Unknown(f"{args[0]} cannot be read") from None

    def _templatefile(self, args: list[Any]) -> Any:
        if len(args) != 2 or not isinstance(args[1], dict):
            raise Unknown("templatefile() takes a file and a map of variables")
        text = self._file(args[:1])
        if "%{" in text:
            self.warn(f"template {args[0]} uses directives (%{{...}}) tmgen does not render")
            raise Unknown(f"the template {args[0]} uses directives")
        try:
            return self.evaluator.bound(args[1]).template(text) if "${" in text else text
        except Unknown as exc:
            self.warn(f"template {args[0]} cannot be rendered ({exc})")
            raise

    def document(self, v: Any) -> Any:
        """A policy given as JSON text (heredoc, file or state) or as jsonencode()."""
        if isinstance(v, str) and v.strip().startswith("{"):
            try:
                return self.value(json.loads(v))
            except json.JSONDecodeError:
                return Deferred(v[:40], reason="a policy that is not valid JSON")
        value = self.value(v)
        if isinstance(value, str) and value.strip().startswith("{"):  # file(), templatefile()
            try:
                return self.value(json.loads(value))
            except json.JSONDecodeError as exc:
                self.warn(f"the policy is not valid JSON ({exc.msg} at line {exc.lineno}); its actions are unknown")
                return Deferred(v[:60] if isinstance(v, str) else "policy", reason="a policy that is not valid JSON")
        return value

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> None:
        if self.concrete:
            self._index_physical()
        expanded: list[TfResource] = []
        for res in self.resources:
            self.display[lid_of(res.address)] = res.name
            if res.count:
                expanded += self._count(res)
            else:
                expanded.append(res)
        self.resources = [r for r in expanded if r.address not in self.skipped]
        for res in self.resources:
            if res.each is not None and res.address.endswith("]"):
                self.by_address[res.address] = res
                base = res.address.rsplit("[", 1)[0]
                if base not in self.expanded:
                    self.by_address[base] = res  # an unindexed reference: the first instance
                self.expanded.setdefault(base, []).append(res.address)
        # Rules, attachments and notifications merge into resources translated before them.
        for res in sorted(self.resources, key=lambda r: r.type in MERGING):
            self.current = res
            self.evaluator = self.base_evaluator.bound(res.each) if res.each else self.base_evaluator
            try:
                self._translate(res)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
                self.draft.warn(res.loc, f"could not read {res.address}: {exc.__class__.__name__} {exc}; skipped")
        self.current = None
        self.evaluator = self.base_evaluator
        importer = TemplateImporter(
            self.draft, self.doc, Path(self.draft.source), display=self.display, word="variable"
        )
        importer.run()
        for res in self.resources:
            if not res.count:
                continue
            path = self._entry_path(res, importer)
            n = self.instances.get(res.address)
            if path is None or n == 1:
                continue
            self.draft.note(
                path,
                f"declared with count or for_each: one entry stands for its {n} instances"
                if n is not None
                else "declared with count or for_each that tmgen cannot evaluate: instances are assumed, "
                "one entry standing for every instance (import `terraform show -json` for each one)",
            )
        for res, key, text in self.pending:
            path = self._entry_path(res, importer)
            if path is not None:
                entry: Any = self.draft.data
                for part in path.split("."):
                    entry = entry.get(part, {}) if isinstance(entry, dict) else {}
                self.draft.note(f"{path}.{key}" if isinstance(entry, dict) and key in entry else path, text)

    def _entry_path(self, res: TfResource, importer: TemplateImporter) -> str | None:
        lid = lid_of(res.address)
        if lid in importer.subnets:
            return "vpcs.{}.subnets.{}".format(*importer.subnets[lid])
        if lid in importer.groups:
            return "vpcs.{}.security_groups.{}".format(*importer.groups[lid])
        hit = self.draft.index.get(lid)
        return f"{hit[0]}.{hit[1]}" if hit else None

    def _count(self, res: TfResource) -> list[TfResource]:
        """The instances count or for_each gives, from literals, defaults and locals: one
        resource per instance (`aws_x.y["key"]`, named `y-key`), or the resource itself standing
        for all of them when they can't be told apart; none, with a warning, when it has none."""
        key = "count" if "count" in res.values else "for_each"
        raw = res.values.get(key)
        try:
            value = self.evaluator.value(raw)
        except Unknown:
            self.instances[res.address] = None
            return [res]
        pairs: list[tuple[Any, Any]] | None = None
        if key == "count":
            try:
                n: int | None = int(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                n = None
            if n is not None:
                pairs = [(i, i) for i in range(n)]
        elif isinstance(value, dict):
            pairs = sorted(value.items(), key=lambda kv: str(kv[0]))  # Terraform orders keys lexically
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            pairs = [(v, v) for v in sorted(set(value))]  # a set of strings: each.key is each.value
        n = len(pairs) if pairs is not None else (len(value) if isinstance(value, list) else None)
        self.instances[res.address] = n
        if key == "count" and n == 1:
            res.each = {"count": {"index": 0}}
        if pairs and (key == "for_each" or n and n > 1) and n is not None and n <= MAX_INSTANCES:
            out = []
            for k, v in pairs:
                index = json.dumps(str(k)) if key == "for_each" else str(k)
                inst = TfResource(f"{res.address}[{index}]", res.type, f"{res.name}-{k}", res.values, res.loc)
                inst.each = {"each": {"key": str(k), "value": v}} if key == "for_each" else {"count": {"index": k}}
                self.display[lid_of(inst.address)] = safe_name(inst.name)
                out.append(inst)
            return out
        if n == 0:
            shown = raw[2:-1] if isinstance(raw, str) and raw.startswith("${") and raw.endswith("}") else raw
            why = f"{key} = {json.dumps(shown) if not isinstance(shown, str) else shown}"
            self.skipped[res.address] = f"is not created ({why} gives no instance)"
            self.draft.warn(
                res.loc,
                f"{res.address} is not created: {why} gives no instance with the variables' defaults; skipped",
            )
        return [res]

    def block(self, res: TfResource, name: str) -> Any:
        """A nested block, static or `dynamic` (its content, when for_each gives an instance)."""
        static = res.values.get(name)
        if static is not None:
            return _first(static)
        for dyn in aws.as_list(res.values.get("dynamic")):
            spec = _first(dyn.get(name)) if isinstance(dyn, dict) else None
            if not isinstance(spec, dict):
                continue
            content = _first(spec.get("content"))
            iterator = str(spec["iterator"]) if isinstance(spec.get("iterator"), str) else name
            try:
                items = self.evaluator.value(spec.get("for_each"))
            except Unknown as exc:
                self.pending.append(
                    (
                        res,
                        _MODEL_KEYS.get(name, name),
                        f"from a dynamic {name} block whose for_each tmgen cannot evaluate ({exc}); "
                        "its content is assumed present",
                    )
                )
                return content
            pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(aws.as_list(items)))
            if not pairs:
                self.draft.warn(
                    res.loc,
                    f"{res.address}: the dynamic {name} block's for_each is empty "
                    f"with the variables' defaults; no {name}",
                )
                return None
            if len(pairs) > 1:
                self.pending.append(
                    (
                        res,
                        _MODEL_KEYS.get(name, name),
                        f"a dynamic {name} block with {len(pairs)} instances; the first is modelled",
                    )
                )
            key, value = pairs[0]
            return self._bind(content, self.evaluator.bound({iterator: {"key": key, "value": value}}))
        return None

    def _bind(self, value: Any, evaluator: Evaluator) -> Any:
        """A dynamic block's content with its iterator's values filled in where they resolve."""
        if isinstance(value, dict):
            return {k: self._bind(v, evaluator) for k, v in value.items()}
        if isinstance(value, list):
            return [self._bind(v, evaluator) for v in value]
        if isinstance(value, str) and "${" in value:
            try:
                return evaluator.value(value)
            except Unknown:
                return value
        return value

    def _index_physical(self) -> None:
        for res in self.resources:
            lid = lid_of(res.address)
            for key, attr in (
                ("arn", "Arn"),
                ("id", None),
                ("invoke_arn", "Arn"),
                ("qualified_arn", "Arn"),
                ("stream_arn", "StreamArn"),
            ):
                value = res.values.get(key)
                if isinstance(value, str) and value and value not in self.physical:
                    self.physical[value] = (lid, attr)
            if res.type == "aws_lambda_function" and isinstance(res.values.get("function_name"), str):
                self.physical.setdefault(res.values["function_name"], (lid, None))
                # a role often has its function's name: where a function is expected, it wins
                self.function_names.setdefault(res.values["function_name"], lid)
            if res.type == "aws_iam_role" and isinstance(res.values.get("name"), str):
                self.physical.setdefault(res.values["name"], (lid, None))

    def add(self, res: TfResource, cfn_type: str, props: dict[str, Any], suffix: str = "") -> str:
        lid = lid_of(res.address) + suffix
        self.template["Resources"][lid] = {
            "Type": cfn_type,
            "Properties": {k: v for k, v in props.items() if v is not None},
        }
        self.doc.keys[("Resources", lid)] = res.loc
        return lid

    def props(self, lid: str) -> dict[str, Any]:
        return self.template["Resources"][lid]["Properties"]

    def lid_for(self, value: Any, *types: str) -> str | None:
        """The logical id a reference points at, when it is a resource of one of `types`."""
        v = self.value(value)
        lid = None
        if isinstance(v, dict) and "Ref" in v:
            lid = v["Ref"]
        elif isinstance(v, dict) and "Fn::GetAtt" in v:
            lid = v["Fn::GetAtt"][0]
        if lid is None:
            return None
        res = next((r for r in self.resources if lid_of(r.address) == lid), None)
        return lid if res is not None and (not types or res.type in types) else None

    def _translate(self, res: TfResource) -> None:
        v = res.values
        if res.type in RESOURCE_TYPES:
            cfn_type, fields = RESOURCE_TYPES[res.type]
            props = {}
            for tf, cfn in fields.items():
                if cfn == "FunctionName" and tf in v:
                    props[cfn] = self.function_value(v[tf])
                elif cfn and tf in v:
                    props[cfn] = self.document(v[tf]) if cfn == "PolicyDocument" else self.value(v[tf])
            if res.type == "aws_lambda_code_signing_config":
                policy = _first(v.get("policies"))
                mode = policy.get("untrusted_artifact_on_deployment") if isinstance(policy, dict) else None
                props["CodeSigningPolicies"] = {"UntrustedArtifactOnDeployment": mode or "Warn"}
            if res.type == "aws_iam_role_policy":
                props["Roles"] = [self.value(v.get("role"))]
            if res.type == "aws_route" and "gateway_id" in v:
                gateway = self.value(v["gateway_id"])
                props["GatewayId"] = gateway
            self.add(res, cfn_type, props)
            return
        handler = getattr(self, "_" + res.type, None)
        if handler is not None:
            handler(res)
            return
        if res.type in SILENT or not res.type.startswith("aws_"):
            return
        lid = self.add(res, res.type, {})
        self.doc.keys[("Resources", lid, "Type")] = res.loc

    # -- per type -------------------------------------------------------------------------------
    def _aws_lambda_function(self, res: TfResource) -> None:
        v = res.values
        vpc = self.block(res, "vpc_config")
        env = self.block(res, "environment")
        dlq = self.block(res, "dead_letter_config")
        tracing = self.block(res, "tracing_config")
        storage = self.block(res, "ephemeral_storage")
        image = v.get("package_type") == "Image" or v.get("image_uri")
        concurrency = v.get("reserved_concurrent_executions")
        props = {
            "FunctionName": self.function_value(v.get("function_name")),
            "Runtime": self.value(v.get("runtime")) if not image else None,
            "PackageType": "Image" if image else None,
            "Code": {"ImageUri": self.value(v.get("image_uri"))} if image else None,
            "MemorySize": self.value(v.get("memory_size")),
            "Timeout": self.value(v.get("timeout")),
            "ReservedConcurrentExecutions": None if concurrency in (None, -1, "-1") else self.value(concurrency),
            "EphemeralStorage": {"Size": self.value(storage.get("size"))} if isinstance(storage, dict) else None,
            "Environment": {"Variables": self.value(env.get("variables") or {})} if isinstance(env, dict) else None,
            "KmsKeyArn": self.value(v.get("kms_key_arn")) or None,
            "VpcConfig": {
                "SubnetIds": self.value(vpc.get("subnet_ids")),
                "SecurityGroupIds": self.value(vpc.get("security_group_ids")),
            }
            if isinstance(vpc, dict) and (vpc.get("subnet_ids") or vpc.get("security_group_ids"))
            else None,
            "Layers": self.value(v.get("layers")) or None,
            "CodeSigningConfigArn": self.value(v.get("code_signing_config_arn")) or None,
            "DeadLetterConfig": {"TargetArn": self.value(dlq.get("target_arn"))} if isinstance(dlq, dict) else None,
            "TracingConfig": {"Mode": tracing.get("mode")} if isinstance(tracing, dict) else None,
            "Architectures": self.value(v.get("architectures")),
            "Role": self.value(v.get("role")),
            "Description": self.value(v.get("description")) or None,
            "Tags": [{"Key": k, "Value": t} for k, t in v["tags"].items()] if isinstance(v.get("tags"), dict) else None,
        }
        if not image and v.get("runtime") is None:
            props["Runtime"] = Deferred("runtime", reason="no runtime in the configuration")
        self.add(res, "AWS::Lambda::Function", props)

    def _aws_lambda_function_url(self, res: TfResource) -> None:
        v = res.values
        cors = _first(v.get("cors"))
        self.add(
            res,
            "AWS::Lambda::Url",
            {
                "TargetFunctionArn": self.function_value(v.get("function_name")),
                "AuthType": v.get("authorization_type"),
                "Cors": {"AllowOrigins": cors.get("allow_origins")} if isinstance(cors, dict) else None,
            },
        )

    def _aws_lambda_function_event_invoke_config(self, res: TfResource) -> None:
        v = res.values
        dest = _first(v.get("destination_config")) or {}
        config: dict[str, Any] = {}
        for tf, cfn in (("on_failure", "OnFailure"), ("on_success", "OnSuccess")):
            block = _first(dest.get(tf)) if isinstance(dest, dict) else None
            if isinstance(block, dict) and block.get("destination"):
                config[cfn] = {"Destination": self.value(block["destination"])}
        self.add(
            res,
            "AWS::Lambda::EventInvokeConfig",
            {
                "FunctionName": self.function_value(v.get("function_name")),
                "MaximumRetryAttempts": v.get("maximum_retry_attempts"),
                "DestinationConfig": config or None,
            },
        )

    def _aws_iam_role(self, res: TfResource) -> None:
        v = res.values
        policies = [
            {"PolicyName": p.get("name"), "PolicyDocument": self.document(p.get("policy"))}
            for p in aws.as_list(v.get("inline_policy"))
            if isinstance(p, dict) and p.get("policy")
        ]
        self.add(
            res,
            "AWS::IAM::Role",
            {
                "RoleName": self.value(v.get("name")),
                "AssumeRolePolicyDocument": self.document(v.get("assume_role_policy")),
                "Policies": policies or None,
                "ManagedPolicyArns": self.value(v.get("managed_policy_arns")) or None,
                "PermissionsBoundary": self.value(v.get("permissions_boundary")),
                "Description": self.value(v.get("description")) or None,
            },
        )

    def _attach(self, res: TfResource, role: Any, policy: Any) -> None:
        lid = self.lid_for(role, "aws_iam_role")
        if lid is None:
            lid = next(
                (
                    lid_of(r.address)
                    for r in self.resources
                    if r.type == "aws_iam_role" and r.values.get("name") == role
                ),
                None,
            )
        if lid is None or lid not in self.template["Resources"]:
            self.draft.warn(res.loc, f"{res.address} attaches a policy to a role outside this configuration")
            return
        self.props(lid).setdefault("ManagedPolicyArns", []).append(self.value(policy))

    def _aws_iam_role_policy_attachment(self, res: TfResource) -> None:
        self._later(lambda: self._attach(res, res.values.get("role"), res.values.get("policy_arn")))

    def _aws_iam_policy_attachment(self, res: TfResource) -> None:
        for role in aws.as_list(res.values.get("roles")):
            self._later(lambda role=role: self._attach(res, role, res.values.get("policy_arn")))

    def _later(self, action: Any) -> None:
        """Merges into another resource; run() translates these after every other resource."""
        action()

    def _aws_security_group(self, res: TfResource) -> None:
        v = res.values
        rules: dict[str, list[dict[str, Any]]] = {"SecurityGroupIngress": [], "SecurityGroupEgress": []}
        lid = lid_of(res.address)
        for tf, cfn in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
            for rule in aws.as_list(v.get(tf)):
                if isinstance(rule, dict):
                    rules[cfn] += self._rules(rule, cfn == "SecurityGroupEgress", lid)
        # Terraform removes the default allow-all egress rule of groups it creates.
        self.add(
            res,
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": self.value(v.get("description")),
                "VpcId": self.value(v.get("vpc_id")),
                "SecurityGroupIngress": rules["SecurityGroupIngress"],
                "SecurityGroupEgress": rules["SecurityGroupEgress"],
            },
        )

    def _rules(self, rule: dict[str, Any], egress: bool, self_lid: str | None) -> list[dict[str, Any]]:
        base = {
            "IpProtocol": str(rule.get("protocol", rule.get("ip_protocol", "tcp"))),
            "FromPort": rule.get("from_port"),
            "ToPort": rule.get("to_port"),
        }
        peer_key = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
        prefix_key = "DestinationPrefixListId" if egress else "SourcePrefixListId"
        out = []
        for cidr in aws.as_list(rule.get("cidr_blocks")) + aws.as_list(rule.get("cidr_ipv4")):
            out.append({**base, "CidrIp": self.value(cidr)})
        for cidr in aws.as_list(rule.get("ipv6_cidr_blocks")) + aws.as_list(rule.get("cidr_ipv6")):
            out.append({**base, "CidrIpv6": self.value(cidr)})
        for group in (
            aws.as_list(rule.get("security_groups"))
            + aws.as_list(rule.get("source_security_group_id"))
            + aws.as_list(rule.get("referenced_security_group_id"))
        ):
            out.append({**base, peer_key: self.value(group)})
        for pl in aws.as_list(rule.get("prefix_list_ids")) + aws.as_list(rule.get("prefix_list_id")):
            out.append({**base, prefix_key: self.value(pl)})
        if rule.get("self") in (True, "true") and self_lid:
            out.append({**base, peer_key: {"Ref": self_lid}})
        if rule.get("description"):
            for item in out:
                item["Description"] = rule["description"]
        return out

    def _standalone_rule(self, res: TfResource, egress: bool) -> None:
        v = res.values
        group = self.lid_for(v.get("security_group_id"), "aws_security_group")
        if group is None:
            self.draft.warn(res.loc, f"{res.address} belongs to a security group outside this configuration; skipped")
            return
        items = self._rules(v, egress, group)
        key = "SecurityGroupEgress" if egress else "SecurityGroupIngress"
        self.props(group).setdefault(key, []).extend(items)
        if not items:
            self.draft.warn(res.loc, f"{res.address} has no peer tmgen can read; skipped")

    def _aws_security_group_rule(self, res: TfResource) -> None:
        self._later(lambda: self._standalone_rule(res, res.values.get("type") == "egress"))

    def _aws_vpc_security_group_ingress_rule(self, res: TfResource) -> None:
        self._later(lambda: self._standalone_rule(res, False))

    def _aws_vpc_security_group_egress_rule(self, res: TfResource) -> None:
        self._later(lambda: self._standalone_rule(res, True))

    def _aws_route_table(self, res: TfResource) -> None:
        lid = self.add(res, "AWS::EC2::RouteTable", {"VpcId": self.value(res.values.get("vpc_id"))})
        for i, route in enumerate(aws.as_list(res.values.get("route"))):
            if not isinstance(route, dict):
                continue
            props = {"RouteTableId": {"Ref": lid}, "DestinationCidrBlock": route.get("cidr_block")}
            for tf, cfn in (
                ("gateway_id", "GatewayId"),
                ("nat_gateway_id", "NatGatewayId"),
                ("transit_gateway_id", "TransitGatewayId"),
                ("network_interface_id", "NetworkInterfaceId"),
                ("vpc_peering_connection_id", "VpcPeeringConnectionId"),
            ):
                if route.get(tf):
                    props[cfn] = self.value(route[tf])
            self.add(res, "AWS::EC2::Route", props, suffix=f"/route{i}")

    def _aws_lb(self, res: TfResource) -> None:
        internal = res.values.get("internal") in (True, "true")
        if res.values.get("load_balancer_type", "application") not in ("application", None):
            return
        self.add(
            res, "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal" if internal else "internet-facing"}
        )

    def _aws_lb_listener(self, res: TfResource) -> None:
        actions = [
            {"TargetGroupArn": self.value(a.get("target_group_arn"))}
            for a in aws.as_list(res.values.get("default_action"))
            if isinstance(a, dict)
        ]
        self.add(
            res,
            "AWS::ElasticLoadBalancingV2::Listener",
            {"LoadBalancerArn": self.value(res.values.get("load_balancer_arn")), "DefaultActions": actions},
        )

    def _aws_lb_target_group_attachment(self, res: TfResource) -> None:
        def merge() -> None:
            group = self.lid_for(res.values.get("target_group_arn"), "aws_lb_target_group")
            if group:
                self.props(group).setdefault("Targets", []).append({"Id": self.value(res.values.get("target_id"))})

        self._later(merge)

    def _aws_cognito_user_pool(self, res: TfResource) -> None:
        config = _first(res.values.get("lambda_config"))
        triggers = {}
        if isinstance(config, dict):
            triggers = {COGNITO_TRIGGERS[k]: self.value(t) for k, t in config.items() if k in COGNITO_TRIGGERS and t}
        self.add(res, "AWS::Cognito::UserPool", {"LambdaConfig": triggers or None})

    def _aws_s3_bucket_notification(self, res: TfResource) -> None:
        def merge() -> None:
            bucket = self.lid_for(res.values.get("bucket"), "aws_s3_bucket")
            if bucket is None:
                self.draft.warn(res.loc, f"{res.address} notifies from a bucket outside this configuration; skipped")
                return
            config = self.props(bucket).setdefault("NotificationConfiguration", {"LambdaConfigurations": []})
            for item in aws.as_list(res.values.get("lambda_function")):
                if isinstance(item, dict):
                    config["LambdaConfigurations"].append({"Function": self.value(item.get("lambda_function_arn"))})

        self._later(merge)

    def _aws_cloudwatch_event_target(self, res: TfResource) -> None:
        def merge() -> None:
            rule = self.lid_for(res.values.get("rule"), "aws_cloudwatch_event_rule")
            if rule is None:
                self.draft.warn(res.loc, f"{res.address} targets a rule outside this configuration; skipped")
                return
            self.props(rule).setdefault("Targets", []).append({"Arn": self.value(res.values.get("arn"))})

        self._later(merge)

    def _aws_api_gateway_method(self, res: TfResource) -> None:
        return  # read through the integration that names it

    def _aws_api_gateway_integration(self, res: TfResource) -> None:
        v = res.values
        method = self.lid_for(v.get("http_method"), "aws_api_gateway_method")
        spec = next((r.values for r in self.resources if lid_of(r.address) == method), {}) if method else {}
        self.add(
            res,
            "AWS::ApiGateway::Method",
            {
                "RestApiId": self.value(v.get("rest_api_id")),
                "AuthorizationType": spec.get("authorization", "NONE"),
                "ApiKeyRequired": spec.get("api_key_required"),
                "Integration": {"Uri": self.value(v.get("uri"))},
            },
        )


# A nested block of aws_lambda_function -> the model key it becomes (for notes)
_MODEL_KEYS = {
    "vpc_config": "vpc",
    "environment": "environment",
    "dead_letter_config": "async",
    "tracing_config": "tracing",
    "ephemeral_storage": "ephemeral_storage",
}


def _first(value: Any) -> Any:
    """A nested block: a list of one mapping in both HCL and JSON."""
    if isinstance(value, list):
        return value[0] if value else None
    return value
