"""Rules on function configuration: environment secrets and who can read them, concurrency,
async failure handling, tracing, timeouts and function-URL CORS (CFG-*)."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.responsibility import secret_variables
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext
from tmgen.schema import EnvSecret
from tmgen.services import ASYNC_TRIGGER_TYPES

# Lambda's maximum timeout: a caller that can hold an invocation this long multiplies cost.
MAX_TIMEOUT_S = 900
# Triggers whose events Lambda invokes asynchronously (threats.md, CFG-004): those it names,
# and CloudWatch Logs subscriptions and IoT rules, which AWS invokes asynchronously as well.
# Both return the environment variables: GetFunction's response carries the configuration.
CONFIG_READ_ACTIONS = ("lambda:GetFunctionConfiguration", "lambda:GetFunction")


@rule("CFG-001")
def secret_in_environment(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        for var in secret_variables(fn):
            marked = isinstance(fn.environment[var], EnvSecret)
            # Never copy the value itself into a report.
            yield Hit(
                f"functions.{name}.environment.{var}",
                {
                    "variable": var,
                    "why": "marked {secret: true}" if marked else "literal value under a secret-looking name",
                },
            )


@rule("CFG-002")
def secrets_with_aws_managed_key(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        secrets = secret_variables(fn)
        if secrets and fn.kms_key == "aws-managed":
            yield Hit(f"functions.{name}.kms_key", {"kms_key": fn.kms_key, "secret_variables": secrets})


@rule("CFG-003")
def untrusted_without_reserved_concurrency(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.reserved_concurrency is None and ctx.reachable_from_untrusted(name):
            yield Hit(
                f"functions.{name}.reserved_concurrency",
                {"reserved_concurrency": None, "untrusted_sources": ctx.untrusted[name]},
            )


@rule("CFG-004")
def async_without_on_failure(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    async_callers: dict[str, list[str]] = {}
    for caller, other in w.functions.items():
        for j, call in enumerate(other.calls):
            if call.function and call.mode == "async":
                async_callers.setdefault(call.function, []).append(f"functions.{caller}.calls[{j}]")
    for name, fn in w.functions.items():
        if fn.async_ is not None and fn.async_.on_failure:
            continue
        sources = [
            f"functions.{name}.triggers[{j}]" for j, t in enumerate(fn.triggers) if t.type in ASYNC_TRIGGER_TYPES
        ]
        sources += async_callers.get(name, [])
        if sources:
            yield Hit(f"functions.{name}.async.on_failure", {"on_failure": None, "async_sources": sources})


@rule("CFG-005")
def no_tracing_on_sensitive_data(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if not fn.tracing and ctx.sensitive_data(name):
            yield Hit(f"functions.{name}.tracing", {"tracing": False, "data": ctx.data_level[name]})


@rule("CFG-006")
def max_timeout_untrusted(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.timeout >= MAX_TIMEOUT_S and ctx.reachable_from_untrusted(name):
            yield Hit(
                f"functions.{name}.timeout",
                {"timeout": fn.timeout, "untrusted_sources": ctx.untrusted[name]},
            )


@rule("CFG-007")
def url_cors_any_origin(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.url is not None and "*" in fn.url.cors_origins:
            i = fn.url.cors_origins.index("*")
            yield Hit(
                f"functions.{name}.url.cors_origins[{i}]",
                {"cors_origins": list(fn.url.cors_origins), "auth": fn.url.auth},
            )


@rule("CFG-008")
def other_role_reads_secret_configuration(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    secrets: dict[str, list[str]] = {}
    for name, fn in w.functions.items():
        variables = secret_variables(fn)
        if variables:
            secrets[name] = variables
    if not secrets:
        return
    for role_name, role in w.roles.items():
        if role_name in ctx.deployment_roles:
            continue
        rp = ctx.policy(role_name)
        if rp is None or not any(rp.names(a) for a in CONFIG_READ_ACTIONS):
            continue
        account = w.account_of(role)
        # Granted on every function with nothing taking it back: no per-function evaluation.
        everywhere = {a: rp.grant_for(a, "*") for a in CONFIG_READ_ACTIONS if rp.can_everywhere(a)}
        readable: dict[str, list[str]] = {}
        actions: list[str] = []
        granted_by: list[str] = []
        for fname, variables in secrets.items():
            fn = w.functions[fname]
            # Its own execution role reads what the function reads anyway; another account's
            # role also needs the resource policy (IAM-015).
            if fn.role == role_name or w.account_of(fn) != account:
                continue
            found = False
            for action in CONFIG_READ_ACTIONS:
                grant = everywhere.get(action) or rp.grant_for(action, f"function:{fname}")
                if grant is None:
                    continue
                found = True
                if action not in actions:
                    actions.append(action)
                if grant.source not in granted_by:
                    granted_by.append(grant.source)
            if found:
                readable[fname] = variables
        if readable:
            yield Hit(
                f"roles.{role_name}",
                {"kind": role.kind, "functions": readable, "actions": actions, "granted_by": granted_by},
                functions=list(readable),
            )
