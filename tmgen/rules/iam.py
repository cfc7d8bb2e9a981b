"""Rules on identity and access: resource policies, URLs, roles and escalation (IAM-*)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tmgen.iam import ENI_ACTION, FUNCTION_MODIFY_ACTIONS, RolePolicy, pattern_covers
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext, condition_narrows, permission_is_public, source_arn_narrows
from tmgen.schema import Function, Permission
from tmgen.validate import ARN_ACCOUNT, SERVICE_PRINCIPAL

INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:invokefunctionurl")
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _execution_roles(ctx: RuleContext) -> Iterator[tuple[str, RolePolicy, list[str]]]:
    """Roles used as execution role by at least one function, with those functions."""
    for role, users in ctx.role_users.items():
        rp = ctx.policy(role)
        if rp is not None:
            yield role, rp, users


def _permissions(ctx: RuleContext) -> Iterator[tuple[str, Function, int, Permission]]:
    for name, fn in ctx.workload.functions.items():
        for j, p in enumerate(fn.permissions):
            yield name, fn, j, p


def _account_name(ctx: RuleContext, ref: str) -> str:
    """An account reference (model name, 12-digit id or IAM ARN) as the model's account name
    when the model has it, else as the id."""
    m = ARN_ACCOUNT.match(ref)
    if m:
        ref = m.group(1)
    for name, acct in ctx.workload.accounts.items():
        if ref == name or (acct.id and acct.id == ref):
            return name
    return ref


@rule("IAM-001")
def public_permission(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        url_open = fn.url is not None and fn.url.auth == "NONE"
        for j, p in enumerate(fn.permissions):
            if not permission_is_public(p):
                continue
            if url_open and p.function_url_auth_type == "NONE" and p.action.lower() == "lambda:invokefunctionurl":
                continue  # the statement an open URL needs (SAM and the console add it): IAM-002 judges the URL
            yield Hit(f"functions.{name}.permissions[{j}]", {"principal": "*", "action": p.action})


@rule("IAM-002")
def url_without_auth(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.url is None or fn.url.auth != "NONE":
            continue
        any_origin = "*" in fn.url.cors_origins
        sensitive = ctx.sensitive_data(name)
        evidence: dict[str, object] = {
            "auth": "NONE",
            "cors_origins": list(fn.url.cors_origins),
            "data": ctx.data_level.get(name),
        }
        # Any web page can then call it from a visitor's browser and read the response.
        yield Hit(f"functions.{name}.url", evidence, severity="critical" if any_origin and sensitive else None)


@rule("IAM-003")
def other_account_without_condition(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    for name, fn, j, p in _permissions(ctx):
        if not ctx.principal_is_account(p.principal) or condition_narrows(p.org_id) or source_arn_narrows(p.source_arn):
            continue
        grantee = _account_name(ctx, p.principal)
        if grantee == w.account_of(fn):
            continue
        yield Hit(
            f"functions.{name}.permissions[{j}]",
            {
                "principal": p.principal,
                "account": grantee,
                "action": p.action,
                "source_arn": p.source_arn,
                "external": ctx.is_external_account(p.principal),
            },
        )


@rule("IAM-004")
def service_principal_confused_deputy(ctx: RuleContext) -> Iterator[Hit]:
    for name, _fn, j, p in _permissions(ctx):
        if not SERVICE_PRINCIPAL.match(p.principal):
            continue
        if condition_narrows(p.source_account):
            continue
        # A bucket ARN carries no account and a deleted bucket's name can be registered by
        # anyone, so for S3 only aws:SourceAccount closes the confused deputy.
        if source_arn_narrows(p.source_arn) and not p.principal.startswith("s3."):
            continue
        yield Hit(
            f"functions.{name}.permissions[{j}]",
            {
                "principal": p.principal,
                "source_arn": p.source_arn,
                "source_account": p.source_account,
            },
        )


@rule("IAM-005")
def role_invokes_any_function(ctx: RuleContext) -> Iterator[Hit]:
    for role, rp, users in _execution_roles(ctx):
        grant = rp.grant_for("lambda:InvokeFunction", "*")
        if grant is not None:
            yield Hit(
                f"roles.{role}",
                {"action": "lambda:InvokeFunction", "resource": "*", "granted_by": grant.source},
                functions=users,
            )


@rule("IAM-006")
def role_creates_enis_anywhere(ctx: RuleContext) -> Iterator[Hit]:
    guardrail = ctx.workload.guardrail("lambda-subnets-only")
    if guardrail is not None:
        return
    for role, rp, users in _execution_roles(ctx):
        # A condition (ec2:Subnet, ec2:Vpc) on the grant, or a boundary, already limits the subnets.
        grant = rp.eni_anywhere_grant()
        if grant is None:
            continue
        yield Hit(
            f"roles.{role}",
            {
                "action": ENI_ACTION,
                "resource": "*",
                "granted_by": grant.source,
                "lambda-subnets-only guardrail": "none",
                "permission_boundary": "allows it on every resource" if rp.has_boundary else "none",
            },
            functions=users,
        )


def _effective_wildcards(rp: RolePolicy) -> list[tuple[str, str]]:
    """(wildcard action, granting statement) that survive the boundary and Deny statements.
    Under a boundary, `*` capped by `dynamodb:*` is still the wildcard `dynamodb:*`."""
    out: list[tuple[str, str]] = []
    for grant, pattern in rp.wildcard_grants():
        action = "*" if pattern == "NotAction" else pattern
        if rp.boundary is None:
            candidates = [action]
        else:
            allows = [b for b in rp.boundary if b.effect == "Allow"]
            # A NotAction boundary leaves the wildcard a wildcard unless it excludes all of it.
            survives = any(
                b.covers_pattern(action)
                or (b.not_actions is not None and not any(pattern_covers(n, action) for n in b.not_actions))
                for b in allows
            )
            candidates = (
                [action]
                if survives
                else [
                    a for b in allows for a in b.actions if (a == "*" or a.endswith(":*")) and grant.covers_pattern(a)
                ]
            )
        for a in candidates:
            if rp.denies_everywhere((a, None)):
                continue  # a Deny on some resources leaves the wildcard on the rest
            shown = f"NotAction {', '.join(grant.not_actions or ())}" if pattern == "NotAction" and a == "*" else a
            if (shown, grant.source) not in out:
                out.append((shown, grant.source))
    return out


@rule("IAM-007")
def role_wildcard_actions(ctx: RuleContext) -> Iterator[Hit]:
    for role, rp, users in _execution_roles(ctx):
        wildcards = _effective_wildcards(rp)
        if wildcards:
            yield Hit(
                f"roles.{role}",
                {
                    "actions": list(dict.fromkeys(a for a, _ in wildcards)),
                    "granted_by": list(dict.fromkeys(s for _, s in wildcards)),
                },
                functions=users,
            )


def _modifiable(ctx: RuleContext) -> dict[str, dict[str, list[str]]]:
    """Role -> function -> actions of FUNCTION_MODIFY_ACTIONS it may perform, from the graph."""
    out: dict[str, dict[str, list[str]]] = {}
    for fname, mods in ctx.modifiers.items():
        for role, actions in mods:
            acts = [a for a in actions if a in FUNCTION_MODIFY_ACTIONS]
            if acts:
                out.setdefault(role, {})[fname] = acts
    return out


@rule("IAM-008")
def non_deployment_role_changes_function(ctx: RuleContext) -> Iterator[Hit]:
    for role, functions in _modifiable(ctx).items():
        if role in ctx.deployment_roles:
            continue
        yield Hit(
            f"roles.{role}", {"kind": ctx.workload.roles[role].kind, "functions": functions}, functions=list(functions)
        )


@rule("IAM-009")
def privilege_escalation(ctx: RuleContext) -> Iterator[Hit]:
    paths: dict[str, list[str]] = {}
    victims: dict[str, list[str]] = {}
    for esc in ctx.escalations:
        paths.setdefault(esc.role, []).append(" ".join(esc.path))
        victims.setdefault(esc.role, []).append(esc.function)
    for role, path in ctx.create_function_escalations().items():
        paths.setdefault(role, []).append(" ".join(path))
    for role in ctx.workload.roles:
        if role in paths:
            fns = list(dict.fromkeys(victims.get(role, []))) or ctx.role_users.get(role, [])
            yield Hit(f"roles.{role}", {"kind": ctx.workload.roles[role].kind, "paths": paths[role]}, functions=fns)


@rule("IAM-010")
def no_vpc_guardrail(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    attached = [name for name, fn in w.functions.items() if fn.vpc is not None]
    if not attached or w.guardrail("lambda-vpc-only") is not None:
        return
    element = "guardrails" if "guardrails" in w.model_fields_set else "workload"
    yield Hit(element, {"vpc_functions": attached, "guardrails": [g.control for g in w.guardrails]})


@rule("IAM-011")
def shared_execution_role(ctx: RuleContext) -> Iterator[Hit]:
    for role, users in ctx.role_users.items():
        if len(users) > 1:
            yield Hit(f"roles.{role}", {"functions": users}, functions=users)


@rule("IAM-012")
def role_adds_integrations(ctx: RuleContext) -> Iterator[Hit]:
    # Every role, deployment roles included: whoever holds these decides who may invoke.
    w = ctx.workload
    by_role: dict[str, dict[str, list[str]]] = {}
    for fn in w.functions:  # model order of functions within each role
        for role, actions in ctx.graph.integrators.get(fn, {}).items():
            by_role.setdefault(role, {})[fn] = actions
    for role in w.roles:
        found = by_role.get(role)
        if found:
            yield Hit(f"roles.{role}", {"kind": w.roles[role].kind, "functions": found}, functions=list(found))


@rule("IAM-013")
def deployment_role_passes_any_role(ctx: RuleContext) -> Iterator[Hit]:
    for role in ctx.workload.roles:  # a name in deployment.roles is validated to be one of them
        rp = ctx.policy(role)
        if role not in ctx.deployment_roles or rp is None:
            continue
        grant = rp.pass_any_role_grant()
        if grant is not None:
            # A condition such as iam:PassedToService=lambda still lets it pass every role to Lambda.
            yield Hit(
                f"roles.{role}",
                {
                    "action": "iam:PassRole",
                    "resource": ", ".join(grant.resources),
                    "granted_by": grant.source,
                    "conditional": grant.conditional,
                },
                functions=ctx.role_users.get(role, []),
            )


@rule("IAM-014")
def cross_account_without_guardrail(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    if w.guardrail("deny-cross-account-invoke") is not None:
        return
    for name, fn in w.functions.items():
        base = f"functions.{name}"
        for j, p in enumerate(fn.permissions):
            external = ctx.permission_external_account(p)
            if external:
                yield Hit(
                    f"{base}.permissions[{j}]",
                    {"principal": p.principal, "action": p.action, "external_account": external},
                )
        for j, t in enumerate(fn.triggers):
            account = ctx.trigger_account(t)
            if ctx.is_external_account(account):
                yield Hit(f"{base}.triggers[{j}]", {"trigger": t.type, "source": t.source, "account": account})
        # A function of an external account that calls this one invokes it across the boundary
        # (its resource policy must grant that account, even when the model lists no permission).
        calls = [
            (f"functions.{caller}.calls[{j}]", w.account_of(w.functions[caller]))
            for caller, j in ctx.callers.get(name, [])
            if ctx.is_external_account(w.account_of(w.functions[caller]))
        ]
        if calls:
            yield Hit(
                base,
                {"calls": [c for c, _ in calls], "external_accounts": list(dict.fromkeys(a for _, a in calls))},
            )


@rule("IAM-015")
def permission_beyond_invoke(ctx: RuleContext) -> Iterator[Hit]:
    for name, _fn, j, p in _permissions(ctx):
        # IAM action names are case-insensitive.
        if p.action.lower() not in INVOKE_ACTIONS:
            yield Hit(f"functions.{name}.permissions[{j}]", {"principal": p.principal, "action": p.action})


def _log_targets(rp: RolePolicy, function: str) -> list[str]:
    """Log-stream ARNs of the function's default log group, one per region and account that the
    role's statements name (a statement scoped to one region must still match)."""
    regions, accounts = {"us-east-1"}, {rp.account_id or "111111111111"}
    for g in rp.allows:
        for r in g.resources:
            parts = r.split(":", 5)
            if r.startswith("arn:") and len(parts) == 6 and parts[2] == "logs":
                if parts[3] and "*" not in parts[3] and "?" not in parts[3]:
                    regions.add(parts[3])
                if _ACCOUNT_ID.match(parts[4]) and not rp.account_id:
                    accounts.add(parts[4])
    return [
        f"arn:aws:logs:{region}:{acct}:log-group:/aws/lambda/{function}:log-stream:2026/01/01/[$LATEST]0"
        for region in sorted(regions)
        for acct in sorted(accounts)
    ]


@rule("IAM-016")
def role_cannot_log(ctx: RuleContext) -> Iterator[Hit]:
    for role, rp, users in _execution_roles(ctx):
        # An unknown managed policy may grant the log actions: nothing can be concluded.
        if rp.unknown_policies:
            continue
        silent: dict[str, list[str]] = {}
        for fname in users:
            targets = _log_targets(rp, fname)
            missing = [a for a in LOG_ACTIONS if not any(rp.can(a, t) for t in targets)]
            if missing:
                silent[fname] = missing
        if silent:
            yield Hit(f"roles.{role}", {"missing": silent}, functions=list(silent))


@rule("IAM-017")
def model_contradicts_vpc_guardrail(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    guardrails = [(i, g) for i, g in enumerate(w.guardrails) if g.control == "lambda-vpc-only"]
    if not guardrails:
        return  # IAM-010's case, when the model has VPC functions
    for name, fn in w.functions.items():
        if fn.vpc is None:
            # Every lambda-vpc-only guardrail denies a function without a VPC.
            element = f"functions.{name}"
        elif any(not g.vpcs or fn.vpc.vpc in g.vpcs for _, g in guardrails):
            # Guardrails with different lists may cover different parts of the organisation:
            # the model contradicts them only when none admits the function's VPC.
            continue
        else:
            element = f"functions.{name}.vpc"
        yield Hit(
            element,
            {
                "vpc": fn.vpc.vpc if fn.vpc else None,
                "guardrails": {f"guardrails[{i}]": list(g.vpcs) if g.vpcs else "any VPC" for i, g in guardrails},
            },
        )


def _other_account_sources(ctx: RuleContext, name: str, fn: Function) -> list[dict[str, str]]:
    """Permissions and triggers through which another account, of the organisation or not,
    invokes the function: its principal, source_account or source_arn names another account,
    or the trigger's events come from one."""
    w = ctx.workload
    home = w.account_of(fn)
    base = f"functions.{name}"
    out: list[dict[str, str]] = []
    for j, p in enumerate(fn.permissions):
        refs = [p.principal] if ctx.principal_is_account(p.principal) else []
        if condition_narrows(p.source_account):
            refs.append(p.source_account)  # type: ignore[arg-type]
        if p.source_arn and p.source_arn.startswith("arn:"):
            parts = p.source_arn.split(":", 5)
            if len(parts) == 6 and _ACCOUNT_ID.match(parts[4]):
                refs.append(parts[4])
        others = [a for a in dict.fromkeys(_account_name(ctx, r) for r in refs) if a != home]
        if others:
            out.append({"via": f"permission for account {others[0]}", "element": f"{base}.permissions[{j}]"})
    for j, t in enumerate(fn.triggers):
        src = w.resources.get(t.source) if t.source else None
        ref = t.account or (w.account_of(src) if src is not None else None)
        if ref and _account_name(ctx, ref) != home:
            out.append(
                {"via": f"{t.type} trigger from account {_account_name(ctx, ref)}", "element": f"{base}.triggers[{j}]"}
            )
    for caller, j in ctx.callers.get(name, []):
        account = w.account_of(w.functions[caller])
        if account != home:
            out.append(
                {
                    "via": f"call from function {caller} of account {account}",
                    "element": f"functions.{caller}.calls[{j}]",
                }
            )
    return out


@rule("IAM-018")
def outside_invocations_not_logged(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    for name, fn in w.functions.items():
        account = w.account_of(fn)
        acct = w.accounts.get(account)
        if acct is not None and acct.lambda_data_events:
            continue
        sources = list(ctx.untrusted[name])
        seen = {s["element"] for s in sources}
        sources += [s for s in _other_account_sources(ctx, name, fn) if s["element"] not in seen]
        if sources:
            yield Hit(
                f"functions.{name}",
                {
                    "account": account,
                    "lambda_data_events": False,
                    "sources": [f"{s['via']} ({s['element']})" for s in sources],
                },
            )
