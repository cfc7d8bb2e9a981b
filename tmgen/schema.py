"""The workload model (format version 1) as pydantic models: the contract of workload.md.

Structure and value checks live here; checks that need the whole model (references
between entries, CIDR containment) live in `validate.py`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

CUSTOMER_AREAS = ("networking", "iam", "configuration", "code", "runtime", "execution-environment")
COMPONENT_IDS = ("infrastructure", "execution-environment", "runtime", "networking", "configuration", "code", "iam")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
GuardrailControl = Literal[
    "lambda-vpc-only",
    "lambda-subnets-only",
    "code-signing-required",
    "function-url-iam-only",
    "deny-cross-account-invoke",
    "layers-allowlist",
]
GUARDRAIL_CONTROLS: tuple[str, ...] = get_args(GuardrailControl)
ResourceType = Literal[
    "dynamodb",
    "s3",
    "sqs",
    "sns",
    "kinesis",
    "eventbridge",
    "rds",
    "elasticache",
    "secretsmanager",
    "ssm",
    "kms",
    "efs",
    "api_gateway",
    "http_api",
    "alb",
    "cognito",
    "stepfunctions",
    "http",
    "other",
]
RESOURCE_TYPES: tuple[str, ...] = get_args(ResourceType)
TriggerType = Literal[
    "api_gateway",
    "http_api",
    "alb",
    "function_url",
    "sqs",
    "sns",
    "s3",
    "kinesis",
    "dynamodb",
    "eventbridge",
    "schedule",
    "cognito",
    "cloudwatch_logs",
    "iot",
    "mq",
    "kafka",
    "stepfunctions",
    "other",
]
TRIGGER_TYPES: tuple[str, ...] = get_args(TriggerType)
REF_PREFIXES = {
    "function": "functions",
    "layer": "layers",
    "table": "resources",
    "bucket": "resources",
    "queue": "resources",
    "topic": "resources",
    "secret": "resources",
    "key": "resources",
    "resource": "resources",
    "stream": "resources",
    "role": "roles",
}

Classification = Literal["public", "internal", "confidential", "restricted"]
Area = Literal["networking", "iam", "configuration", "code", "runtime", "execution-environment"]


def _to_list(value: Any) -> Any:
    """IAM-style fields take one string or a list of them."""
    return [value] if isinstance(value, str) else value


StrList = Annotated[list[str], BeforeValidator(_to_list)]
ACCOUNT_ID = re.compile(r"^\d{12}$")


def _account_id(value: Any) -> Any:
    # An unquoted 12-digit id arrives as an int; it cannot have lost a leading zero.
    if isinstance(value, int) and not isinstance(value, bool):
        if len(str(value)) == 12:
            return str(value)
        raise ValueError(
            f"{value} is not a 12-digit account id: quote account ids "
            '(e.g. "011122223333"; unquoted, one that starts with 0 is read as an octal number)'
        )
    return value


AccountId = Annotated[str, BeforeValidator(_account_id), Field(pattern=r"^\d{12}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        msg = str(exc)
        if "has host bits set" in msg:
            raise ValueError(
                f"'{value}' has host bits set; the network is {ipaddress.ip_network(value, strict=False)}"
            ) from None
        raise ValueError(f"'{value}' is not a CIDR block such as 10.0.0.0/16") from None
    return str(net)


Cidr = Annotated[str, Field(description="An IPv4 or IPv6 CIDR block")]


class WorkloadInfo(Strict):
    name: str = Field(min_length=1, description="The workload's name")
    description: str = ""
    owner: str | None = Field(None, description="The team that owns the workload")
    data_classification: Classification = "internal"
    as_of: dt.date | None = Field(None, description="The date lifecycle checks use; default: today")


class Team(Strict):
    description: str = ""
    contact: str = ""


class Account(Strict):
    id: AccountId | None = Field(None, description="The 12-digit account id (quote it)")
    external: bool = Field(False, description="An account outside the organisation")
    lambda_data_events: bool = Field(
        False,
        description="CloudTrail records the Lambda data events (the invocations) of the functions of this account,"
        " e.g. a trail or event data store that selects AWS::Lambda::Function data events",
    )
    description: str = ""


class Subnet(Strict):
    az: str = Field(description="Availability zone, e.g. eu-west-1a")
    cidr: str
    route: Literal["nat", "igw", "isolated"] = "isolated"
    free_ips: int | None = Field(None, ge=0, description="Free addresses; default: derived from the CIDR")

    _check_cidr = field_validator("cidr")(classmethod(lambda cls, v: _cidr(v)))


PORTS = re.compile(r"^(all|\d{1,5}(-\d{1,5})?)$")


class SgRule(Strict):
    to: str | None = Field(None, description="CIDR or sg:NAME (egress)")
    from_: str | None = Field(None, alias="from", description="CIDR or sg:NAME (ingress)")
    ports: str = Field("all", description='"all", "443" or "1024-65535"')
    protocol: Literal["tcp", "udp", "icmp", "all"] = "tcp"
    description: str = ""

    @field_validator("ports", mode="before")
    @classmethod
    def _ports(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not PORTS.match(v):
            raise ValueError('ports must be "all", a port such as "443", or a range such as "1024-65535"')
        if v != "all":
            bounds = [int(p) for p in v.split("-")]
            if any(b > 65535 for b in bounds) or (len(bounds) == 2 and bounds[0] > bounds[1]):
                raise ValueError(f"'{v}' is not a valid port range (0-65535, low-high)")
        return v

    @field_validator("to", "from_")
    @classmethod
    def _peer(cls, v: str | None) -> str | None:
        if v is None or v.startswith("sg:") or v.startswith("pl:"):
            return v
        return _cidr(v)

    @property
    def peer(self) -> str:
        return self.to or self.from_ or ""

    def all_ports(self) -> bool:
        return self.ports == "all" or self.ports == "0-65535"


class SecurityGroup(Strict):
    description: str = ""
    ingress: list[SgRule] = Field(default_factory=list)
    egress: list[SgRule] | None = Field(None, description="Omitted: AWS's default egress, all traffic to 0.0.0.0/0")

    @model_validator(mode="after")
    def _direction(self) -> SecurityGroup:
        for rule in self.ingress:
            if rule.to is not None or rule.from_ is None:
                raise ValueError("ingress rules take 'from', not 'to'")
        for rule in self.egress or []:
            if rule.from_ is not None or rule.to is None:
                raise ValueError("egress rules take 'to', not 'from'")
        return self

    def effective_egress(self) -> list[SgRule]:
        if self.egress is None:
            return [SgRule.model_validate({"to": "0.0.0.0/0", "ports": "all", "protocol": "all"})]
        return self.egress


class Endpoint(Strict):
    type: Literal["gateway", "interface"] = "interface"
    policy: Literal["full", "restricted"] = "full"
    description: str = ""


class Vpc(Strict):
    account: str | None = None
    cidr: str
    flow_logs: bool = False
    description: str = ""
    subnets: dict[str, Subnet] = Field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = Field(default_factory=dict)
    endpoints: dict[str, Endpoint] = Field(default_factory=dict, description="VPC endpoints keyed by service name")

    _check_cidr = field_validator("cidr")(classmethod(lambda cls, v: _cidr(v)))


class Guardrail(Strict):
    control: GuardrailControl
    via: Literal["scp", "permission_boundary", "iam_condition"] = "scp"
    vpcs: list[str] | None = None
    description: str = ""


class Statement(Strict):
    sid: str | None = None
    effect: Literal["Allow", "Deny"] = "Allow"
    actions: StrList = Field(default_factory=list)
    not_actions: StrList | None = None
    resources: StrList = Field(default_factory=lambda: ["*"])
    conditions: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _has_action(self) -> Statement:
        if not self.actions and not self.not_actions:
            raise ValueError("a statement needs 'actions' (or 'not_actions')")
        return self


class Boundary(Strict):
    managed_policy: str | None = None
    statements: list[Statement] | None = None

    @model_validator(mode="after")
    def _one(self) -> Boundary:
        if (self.managed_policy is None) == (self.statements is None):
            raise ValueError("a permission boundary takes either 'managed_policy' or 'statements'")
        return self


class Role(Strict):
    account: str | None = None
    kind: Literal["execution", "deployment", "service", "human"] = "execution"
    description: str = ""
    managed_policies: list[str] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    permission_boundary: Boundary | None = None


class Layer(Strict):
    account: str | None = None
    account_id: AccountId | None = Field(None, description="The publishing account, when it is not in the model")
    publisher: Literal["self", "aws", "third-party"] = "self"
    shared_with: list[str] = Field(default_factory=list, description='Account names or ids, "org", or "*"')
    description: str = ""


class Resource(Strict):
    type: ResourceType
    account: str | None = None
    description: str = ""
    data: Classification | None = None
    vpc: str | None = None
    subnets: list[str] = Field(default_factory=list)
    security_groups: list[str] = Field(default_factory=list)
    url: str | None = None
    exposure: Literal["public", "private"] | None = None
    public: bool | None = None


class EnvSecret(Strict):
    secret: bool = True
    description: str = ""


EnvValue = str | int | float | bool | None | EnvSecret


class Tmp(Strict):
    use: Literal["none", "scratch", "cache"] = "scratch"
    sensitive: bool = False


class VpcConfig(Strict):
    vpc: str
    subnets: list[str] = Field(min_length=1)
    security_groups: list[str] = Field(min_length=1)


class Image(Strict):
    base: Literal["aws", "custom"] = "aws"


class SecretRef(Strict):
    store: Literal["secretsmanager", "ssm", "kms", "other"] = "secretsmanager"
    name: str


class CodeSigning(Strict):
    policy: Literal["enforce", "warn"] = "enforce"


class FunctionUrl(Strict):
    auth: Literal["NONE", "AWS_IAM"]
    cors_origins: list[str] = Field(default_factory=list)


class Permission(Strict):
    sid: str | None = None
    principal: str
    action: str = "lambda:InvokeFunction"
    source_arn: str | None = None
    source_account: str | None = None
    org_id: str | None = None
    function_url_auth_type: Literal["NONE", "AWS_IAM"] | None = None

    @field_validator("principal", "source_account", mode="before")
    @classmethod
    def _str(cls, v: Any) -> Any:
        return _account_id(v)


class Trigger(Strict):
    type: TriggerType
    source: str | None = Field(None, description="The resource that sends the events")
    auth: Literal["none", "iam", "cognito", "lambda", "jwt", "api_key"] | None = None
    account: str | None = Field(None, description="The account the events come from, when not the source's")
    description: str = ""


class Call(Strict):
    resource: str | None = None
    function: str | None = None
    access: Literal["read", "write", "admin"] = "read"
    mode: Literal["sync", "async"] = "sync"
    description: str = ""

    @model_validator(mode="after")
    def _one(self) -> Call:
        if (self.resource is None) == (self.function is None):
            raise ValueError("a call names exactly one of 'resource' or 'function'")
        return self


class AsyncConfig(Strict):
    on_failure: str | None = None
    on_success: str | None = None
    max_retries: int | None = Field(None, ge=0, le=2)


class SupplyChain(Strict):
    dependency_scanning: bool = False
    sbom: bool = False
    pinned_dependencies: bool = False


class Function(Strict):
    account: str | None = None
    description: str = ""
    owners: dict[Area, str] = Field(default_factory=dict)
    runtime: str | None = None
    package: Literal["zip", "image"] = "zip"
    image: Image | None = None
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    memory: int = Field(128, ge=128, le=10240)
    timeout: int = Field(3, ge=1, le=900)
    reserved_concurrency: int | None = Field(None, ge=0)
    ephemeral_storage: int = Field(512, ge=512, le=10240)
    tmp: Tmp = Field(default_factory=Tmp)
    vpc: VpcConfig | None = None
    role: str | None = None
    environment: dict[str, EnvValue] = Field(default_factory=dict)
    kms_key: Literal["aws-managed", "customer-managed"] = "aws-managed"
    secrets: list[SecretRef] = Field(default_factory=list)
    layers: list[str] = Field(default_factory=list)
    code_signing: CodeSigning | None = None
    url: FunctionUrl | None = None
    permissions: list[Permission] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    calls: list[Call] = Field(default_factory=list)
    async_: AsyncConfig | None = Field(None, alias="async")
    tracing: bool = False
    supply_chain: SupplyChain | None = None
    data: Classification | None = Field(None, description="The classification of the data this function handles")
    tags: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _package(self) -> Function:
        if self.package == "zip" and not self.runtime:
            raise ValueError("'runtime' is required when package is zip")
        if self.package == "zip" and self.image is not None:
            raise ValueError("'image' applies only to package: image")
        return self

    @property
    def image_base(self) -> str | None:
        if self.package != "image":
            return None
        return (self.image or Image()).base

    def is_custom_runtime(self) -> bool:
        return self.package == "zip" and (self.runtime or "").startswith("provided")


class Pipeline(Strict):
    dependency_scanning: bool = False
    sast: bool = False
    code_signing: bool = False


class Deployment(Strict):
    tool: Literal["serverless", "sam", "cloudformation", "terraform", "cdk", "console", "pulumi", "other"] = "other"
    roles: list[str] = Field(default_factory=list)
    pipeline: Pipeline | None = None


class AcceptedRisk(Strict):
    rule: str = Field(min_length=1, description="A rule id, e.g. NET-001 (see `tmgen rules`)")
    element: str | None = None
    justification: str = Field(min_length=1)
    owner: str | None = None
    expires: dt.date | None = None


class Workload(Strict):
    """A Lambda workload: its accounts, networks, roles, layers, resources and functions."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"title": "tmgen workload model (version 1)"},
    )

    version: Literal[1]
    workload: WorkloadInfo
    teams: dict[str, Team] = Field(default_factory=dict)
    responsibilities: dict[Area, str] = Field(default_factory=dict)
    accounts: dict[str, Account] = Field(default_factory=dict)
    vpcs: dict[str, Vpc] = Field(default_factory=dict)
    guardrails: list[Guardrail] = Field(default_factory=list)
    roles: dict[str, Role] = Field(default_factory=dict)
    layers: dict[str, Layer] = Field(default_factory=dict)
    resources: dict[str, Resource] = Field(default_factory=dict)
    functions: dict[str, Function] = Field(min_length=1)
    deployment: Deployment | None = None
    accepted_risks: list[AcceptedRisk] = Field(default_factory=list)

    @field_validator("teams", "accounts", "vpcs", "roles", "layers", "resources", "functions", mode="before")
    @classmethod
    def _null_is_empty(cls, v: Any) -> Any:
        # `teams: {}` written as a bare `teams:` reads as null
        return {} if v is None else v

    # -- conveniences used across the pipeline ----------------------------------
    def default_account(self) -> str:
        return next(iter(self.accounts), "default")

    def account_of(self, entry: Any) -> str:
        return getattr(entry, "account", None) or self.default_account()

    def guardrail(self, control: str) -> Guardrail | None:
        return next((g for g in self.guardrails if g.control == control), None)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the workload model, for editors."""
    schema = Workload.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:tmgen:schema:workload:1",
        **schema,
    }
    return schema
