"""AWS services as VPC endpoints name them: which resource types are AWS services, how an
endpoint key maps to a service, and which services a function reaches."""

from __future__ import annotations

from tmgen.schema import Function, Workload

# Resource types that are AWS service APIs: reached through NAT unless a VPC endpoint exists.
AWS_SERVICE_TYPES = (
    "dynamodb",
    "s3",
    "sqs",
    "sns",
    "kinesis",
    "secretsmanager",
    "ssm",
    "kms",
    "eventbridge",
    "stepfunctions",
)
# Event sources that Lambda invokes asynchronously (their failures need a destination).
ASYNC_TRIGGER_TYPES = ("s3", "sns", "eventbridge", "schedule", "cloudwatch_logs", "iot")
# Secret stores whose run-time reads go through a VPC endpoint of the same name (a `kms` one
# is a ciphertext decrypted with kms:Decrypt at run time).
SECRET_STORE_SERVICES = ("secretsmanager", "ssm", "kms")
# Endpoint keys are service names; AWS spells some differently from the resource types
# (com.amazonaws.REGION.events, .states, .kinesis-streams).
ENDPOINT_ALIASES = {"events": "eventbridge", "states": "stepfunctions", "kinesis-streams": "kinesis"}
# Resource types reached through an endpoint that is not named after the type.
ENDPOINT_OF_TYPE = {"api_gateway": "execute-api", "http_api": "execute-api"}


def endpoint_service(key: str) -> str:
    """The service an endpoint key stands for, in the model's resource-type vocabulary;
    also takes AWS's full name `com.amazonaws.REGION.SERVICE`."""
    name = key.lower()
    if name.startswith("com.amazonaws."):
        name = name.split(".", 3)[-1]
    return ENDPOINT_ALIASES.get(name, name)


def services_reached(fn: Function, w: Workload) -> list[str]:
    """The services a function reaches, named as endpoint services (the resources it calls
    and the stores of the secrets it fetches at run time), in first-use order."""
    used = [ENDPOINT_OF_TYPE.get(t, t) for t in (w.resources[c.resource].type for c in fn.calls if c.resource)]
    used += [s.store for s in fn.secrets if s.store in SECRET_STORE_SERVICES]
    return list(dict.fromkeys(used))
