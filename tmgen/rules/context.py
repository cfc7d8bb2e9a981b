"""Facts that several rules need, computed once per analysis from the model and the graph:
reachability from untrusted sources, reachable data, who can modify what, escalation paths."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from tmgen.findings import CLASSIFICATION_RANK
from tmgen.graph import TrustGraph
from tmgen.iam import (  # noqa: F401 - re-exported for the rules
    CODE_CHANGE_ACTIONS,
    RolePolicy,
    condition_narrows,
    permission_is_public,
    source_arn_narrows,
)
from tmgen.knowledge import Knowledge
from tmgen.lifecycle import RuntimeStatus
from tmgen.responsibility import Matrix
from tmgen.schema import Function, Permission, Trigger, Workload
from tmgen.validate import ARN_ACCOUNT, SERVICE_PRINCIPAL

ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass
class Escalation:
    """A role that can take over a function whose execution role holds more than it does."""

    role: str
    function: str
    target_role: str | None
    actions: list[str]
    gained: list[str]
    path: list[str] = field(default_factory=list)


class RuleContext:
    def __init__(self, w: Workload, tg: TrustGraph, matrix: Matrix, kb: Knowledge, as_of: dt.date) -> None:
        self.workload = w
        self.graph = tg
        self.matrix = matrix
        self.knowledge = kb
        self.as_of = as_of
        self.our_account_ids = {a.id for a in w.accounts.values() if a.id and not a.external}
        self.deployment_roles = {name for name, r in w.roles.items() if r.kind == "deployment"} | set(
            w.deployment.roles if w.deployment else []
        )
        self.role_users: dict[str, list[str]] = {}
        for name, fn in w.functions.items():
            if fn.role:
                self.role_users.setdefault(fn.role, []).append(name)
        # Function -> (calling function, index of the call): a call is an invocation too.
        self.callers: dict[str, list[tuple[str, int]]] = {}
        for name, fn in w.functions.items():
            for j, call in enumerate(fn.calls):
                if call.function:
                    self.callers.setdefault(call.function, []).append((name, j))
        self.untrusted: dict[str, list[dict[str, Any]]] = {n: self._untrusted(n, f) for n, f in w.functions.items()}
        self.data_level: dict[str, str | None] = {n: self._data_level(f) for n, f in w.functions.items()}
        self.modifiers: dict[str, list[tuple[str, list[str]]]] = {}
        self.layer_modifiers: dict[str, list[tuple[str, list[str]]]] = {}
        for u, v, d in tg.edges_of("can_modify"):
            role = u.split(":", 1)[1]
            kind, _, name = v.partition(":")
            target = self.modifiers if kind == "function" else self.layer_modifiers
            target.setdefault(name, []).append((role, list(d.get("actions", []))))
        self.escalations = self._escalations()

    # -- accounts ----------------------------------------------------------------
    def is_external_account(self, ref: str | None) -> bool:
        """An account outside the organisation: marked external, or an id not in the model."""
        if not ref:
            return False
        if ref in self.workload.accounts:
            return self.workload.accounts[ref].external
        m = ARN_ACCOUNT.match(ref)
        if m:
            ref = m.group(1)
        if ACCOUNT_ID.match(ref):
            for acct in self.workload.accounts.values():
                if acct.id == ref:
                    return acct.external
            return True
        return False

    def principal_is_account(self, principal: str) -> bool:
        return principal != "*" and not SERVICE_PRINCIPAL.match(principal)

    def permission_external_account(self, p: Permission) -> str | None:
        """The external account a permission lets in: its principal, or the account its
        source_account or source_arn scopes it to (a service acting for that account)."""
        if self.principal_is_account(p.principal) and self.is_external_account(p.principal):
            return p.principal
        if p.source_account and self.is_external_account(p.source_account):
            return p.source_account
        if p.source_arn and p.source_arn.startswith("arn:"):
            parts = p.source_arn.split(":", 5)
            if len(parts) == 6 and ACCOUNT_ID.match(parts[4]) and self.is_external_account(parts[4]):
                return parts[4]
        return None

    # -- per function ------------------------------------------------------------
    def status(self, fn: str) -> RuntimeStatus:
        return self.matrix.runtime[fn]

    def policy(self, role: str | None) -> RolePolicy | None:
        return self.graph.role_policies.get(role) if role else None

    def team(self, fn: str | None, component: str) -> str | None:
        w = self.workload
        if fn and fn in w.functions:
            owners = w.functions[fn].owners
            if component in owners:
                return owners[component]  # type: ignore[index]
        return w.responsibilities.get(component)  # type: ignore[call-overload]

    def reachable_from_untrusted(self, fn: str) -> bool:
        return bool(self.untrusted[fn])

    def _untrusted(self, name: str, fn: Function) -> list[dict[str, Any]]:
        w = self.workload
        base = f"functions.{name}"
        out: list[dict[str, Any]] = []
        if fn.url is not None and fn.url.auth == "NONE":
            out.append({"via": "function URL with auth NONE", "element": f"{base}.url"})
        for j, p in enumerate(fn.permissions):
            if permission_is_public(p):
                out.append({"via": "permission with principal *", "element": f"{base}.permissions[{j}]"})
            elif self.permission_external_account(p):
                out.append(
                    {
                        "via": f"permission for external account {self.permission_external_account(p)}",
                        "element": f"{base}.permissions[{j}]",
                    }
                )
        for j, t in enumerate(fn.triggers):
            el = f"{base}.triggers[{j}]"
            src = w.resources.get(t.source) if t.source else None
            if t.auth == "none":
                out.append({"via": f"{t.type} trigger with auth none", "element": el})
            elif (
                src is not None
                and (src.exposure == "public" or src.public)
                and t.auth is None
                and t.type in ("api_gateway", "http_api", "alb", "function_url")
            ):
                out.append({"via": f"{t.type} trigger from public {t.source} with no auth", "element": el})
            elif self.is_external_account(self.trigger_account(t)):
                out.append({"via": f"{t.type} trigger from an external account", "element": el})
        for caller, j in self.callers.get(name, []):
            account = w.account_of(w.functions[caller])
            if self.is_external_account(account):
                out.append(
                    {
                        "via": f"call from function {caller} of external account {account}",
                        "element": f"functions.{caller}.calls[{j}]",
                    }
                )
        return out

    def trigger_account(self, t: Trigger) -> str | None:
        """The account a trigger's events come from: its `account`, else its source's (as
        written; None when neither names one)."""
        if t.account:
            return t.account
        src = self.workload.resources.get(t.source) if t.source else None
        return src.account if src is not None else None

    def _data_level(self, fn: Function) -> str | None:
        levels = [self.workload.workload.data_classification, fn.data]
        for c in fn.calls:
            if c.resource:
                levels.append(self.workload.resources[c.resource].data)
        known = [lvl for lvl in levels if lvl]
        return max(known, key=CLASSIFICATION_RANK.__getitem__) if known else None

    def sensitive_data(self, fn: str) -> bool:
        level = self.data_level.get(fn)
        return level in ("confidential", "restricted")

    # -- escalation (IAM-009) ------------------------------------------------------
    def _escalations(self) -> list[Escalation]:
        w = self.workload
        out: list[Escalation] = []
        for fname, mods in self.modifiers.items():
            fn = w.functions[fname]
            target = self.policy(fn.role)
            for role, actions in mods:
                if role in self.deployment_roles or role == fn.role:
                    continue  # a role gains nothing by running code as itself
                changing = [a for a in actions if a in CODE_CHANGE_ACTIONS]
                if not changing or target is None:
                    continue
                gained = self.graph.role_policies[role].missing_from(target)
                if gained:
                    out.append(
                        Escalation(
                            role,
                            fname,
                            fn.role,
                            changing,
                            gained,
                            [
                                f"role {role}",
                                f"-can_modify-> function {fname}",
                                f"-assumes-> role {fn.role}",
                                f"holding {', '.join(gained[:5])}",
                            ],
                        )
                    )
        return out

    # -- escalation by creating a function (IAM-009, second half) ---------------------
    def create_function_escalations(self) -> dict[str, list[str]]:
        """Non-deployment roles holding iam:PassRole on `*` together with lambda:CreateFunction,
        each with the path as evidence."""
        out: dict[str, list[str]] = {}
        create = "lambda:CreateFunction"
        for role, rp in self.graph.role_policies.items():
            if role in self.deployment_roles:
                continue
            pass_grant = rp.pass_any_role_grant()
            # The new function's name is the caller's choice, so CreateFunction on any resource
            # (even one account's functions only) is enough; only unconditional Denies and the
            # boundary take it away.
            create_grant = next((g for g in rp.allows if g.names(create)), None)
            denied = any(not d.conditional and d.names(create) and d.on("*") for d in rp.denies)
            capped = rp.boundary is not None and not any(b.effect == "Allow" and b.names(create) for b in rp.boundary)
            if pass_grant is None or create_grant is None or denied or capped:
                continue
            out[role] = [
                f"role {role}",
                f"holding iam:PassRole on * ({pass_grant.source})",
                f"and {create} ({create_grant.source})",
                "-creates-> function -assumes-> any role that trusts Lambda",
            ]
        return out
