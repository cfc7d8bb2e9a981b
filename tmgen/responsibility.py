"""Workload + graph -> Matrix: who owns each component of each function, why, and the
duties the customer holds, with the team that holds each."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tmgen.graph import TrustGraph
from tmgen.iam import RolePolicy, permission_is_public
from tmgen.knowledge import Knowledge
from tmgen.lifecycle import UNKNOWN, RuntimeStatus, runtime_status
from tmgen.schema import COMPONENT_IDS, EnvSecret, Function, Workload
from tmgen.services import ASYNC_TRIGGER_TYPES, AWS_SERVICE_TYPES, endpoint_service, services_reached

OWNER_ORDER = {"AWS": 0, "Shared": 1, "Customer": 2}
INVOKE_ACTION = "lambda:InvokeFunction"
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "ACCESS_KEY")


# Names that say the value points at a secret rather than holding one.
REFERENCE_SUFFIXES = (
    "_ARN",
    "_NAME",
    "_URL",
    "_URI",
    "_ID",
    "_PATH",
    "_ENDPOINT",
    "_HOST",
    "_REGION",
    "_TTL",
    "_FILE",
    "_ENABLED",
    "_LENGTH",
    "_EXPIRY",
    "_HEADER",
)
CREDENTIALS_IN_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
AWS_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")


def secret_variables(fn: Function) -> list[str]:
    """Environment variables that hold a secret: marked `{secret: true}`; a literal string
    under a secret-looking name (not a reference such as an ARN, a URL or a *_ARN / *_NAME
    name); or a value that is a credential whatever its name (a URL with a password, an
    AWS access key id)."""
    out = []
    for name, value in fn.environment.items():
        if isinstance(value, EnvSecret):
            if value.secret:
                out.append(name)
            continue
        if not isinstance(value, str) or not value:
            continue  # numbers and booleans are settings, not secrets
        if CREDENTIALS_IN_URL.match(value) or AWS_ACCESS_KEY_ID.search(value):
            out.append(name)
            continue
        upper = name.upper()
        if not any(word in upper for word in SECRET_WORDS) or upper.endswith(REFERENCE_SUFFIXES):
            continue
        if value.startswith("arn:") or "://" in value:
            continue  # points at the secret (or at a service), the safe pattern
        out.append(name)
    return out


def creates_enis_anywhere(rp: RolePolicy) -> bool:
    """The role may create network interfaces in any subnet (the reading of IAM-006)."""
    return rp.eni_anywhere_grant() is not None


def invoke_callers(name: str, fn: Function, calling: list[tuple[str, int]]) -> tuple[list[str], list[str]]:
    """Who may invoke a function, as labels, and the model elements that say so: the
    principals of its resource policy, its function URL, its triggers and the functions of
    the model that call it (`calling`: caller and index of its `calls` entry)."""
    labels: list[str] = []
    elements: list[str] = []
    for caller, j in calling:
        labels.append(f"function {caller}")
        elements.append(f"functions.{caller}.calls[{j}]")
    base = f"functions.{name}"
    for j, p in enumerate(fn.permissions):
        labels.append(p.principal)
        elements.append(f"{base}.permissions[{j}]")
    if fn.url is not None:
        labels.append(f"function URL (auth {fn.url.auth})")
        elements.append(f"{base}.url")
    for j, t in enumerate(fn.triggers):
        labels.append(f"{t.type} {t.source}" if t.source else t.type)
        elements.append(f"{base}.triggers[{j}]")
    return list(dict.fromkeys(labels)), elements


@dataclass
class _WorkloadFacts:
    """What the duties of one function need to know about the rest of the workload."""

    async_targets: set[str]
    integrators: dict[str, list[str]]  # function -> roles that may add integrations to it
    calling: dict[str, list[tuple[str, int]]]  # function -> (caller, index of its calls entry)

    @classmethod
    def of(cls, w: Workload, tg: TrustGraph) -> _WorkloadFacts:
        calling: dict[str, list[tuple[str, int]]] = {}
        async_targets: set[str] = set()
        for caller, f in w.functions.items():
            for j, c in enumerate(f.calls):
                if c.function:
                    calling.setdefault(c.function, []).append((caller, j))
                    if c.mode == "async":
                        async_targets.add(c.function)
        return cls(async_targets, {fn: list(roles) for fn, roles in tg.integrators.items()}, calling)


@dataclass
class Duty:
    text: str
    elements: list[str]
    team: str | None
    component: str
    function: str

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "elements": list(self.elements), "team": self.team}


@dataclass
class Cell:
    owner: str
    reasons: list[str] = field(default_factory=list)
    shifts: list[str] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    decisive: list[str] = field(default_factory=list)  # the shifts that gave the owner

    @property
    def team(self) -> str | None:
        teams = list(dict.fromkeys(d.team for d in self.duties if d.team))
        return ", ".join(teams) if teams else None


@dataclass
class Matrix:
    components: list[str]
    cells: dict[str, dict[str, Cell]]
    runtime: dict[str, RuntimeStatus]

    def duties(self) -> list[Duty]:
        return [d for comps in self.cells.values() for c in comps.values() for d in c.duties]

    def unassigned(self) -> list[Duty]:
        return [d for d in self.duties() if d.team is None]

    def by_team(self) -> dict[str | None, list[Duty]]:
        """Team -> duties, the unassigned (None) first, then teams by name."""
        groups: dict[str | None, list[Duty]] = {}
        for d in self.duties():
            groups.setdefault(d.team, []).append(d)
        ordered: dict[str | None, list[Duty]] = {}
        if None in groups:
            ordered[None] = groups.pop(None)
        for team in sorted(groups, key=str):
            ordered[team] = groups[team]
        return ordered

    def aggregate(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Component -> owner -> {count, reasons: {shift-id: count}}."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for comp in self.components:
            owners: dict[str, dict[str, Any]] = {}
            for fn in self.cells:
                cell = self.cells[fn][comp]
                entry = owners.setdefault(cell.owner, {"count": 0, "reasons": Counter(), "functions": []})
                entry["count"] += 1
                entry["functions"].append(fn)
                for s in cell.decisive:
                    entry["reasons"][s] += 1
            out[comp] = {o: owners[o] for o in sorted(owners, key=OWNER_ORDER.__getitem__)}
        return out

    def profiles(self) -> list[tuple[tuple[tuple[str, str, tuple[str, ...]], ...], list[str]]]:
        """Distinct ownership profiles (owner and shifts per component) and their functions."""
        groups: dict[Any, list[str]] = {}
        for fn, comps in self.cells.items():
            key = tuple((c, comps[c].owner, tuple(comps[c].shifts)) for c in self.components)
            groups.setdefault(key, []).append(fn)
        return list(groups.items())

    def as_json(self) -> dict[str, Any]:
        return {
            "components": list(self.components),
            "functions": {
                fn: {
                    comp: {
                        "owner": cell.owner,
                        "reasons": list(cell.reasons),
                        "duties": [d.as_json() for d in cell.duties],
                    }
                    for comp, cell in comps.items()
                }
                for fn, comps in self.cells.items()
            },
            "unassigned": [
                {"function": d.function, "component": d.component, "duty": d.text} for d in self.unassigned()
            ],
        }


class _CellBuilder:
    def __init__(
        self, kb: Knowledge, w: Workload, name: str, fn: Function, status: RuntimeStatus, as_of: dt.date
    ) -> None:
        self.kb, self.w, self.name, self.fn, self.status, self.as_of = kb, w, name, fn, status, as_of
        self.cells: dict[str, Cell] = {}
        rt = status.runtime
        blocks = ""
        if rt and rt.block_create:
            blocks += f"; create blocked {rt.block_create}"
        if rt and rt.block_update:
            blocks += f"; update blocked {rt.block_update}"
        self.fields: dict[str, Any] = {
            "function": name,
            "runtime": fn.runtime or "container image",
            "as_of": as_of.isoformat(),
            "deprecation": rt.deprecation if rt and rt.deprecation else "not scheduled",
            "blocks": blocks,
            "vpc": fn.vpc.vpc if fn.vpc else "",
        }

    def shift(self, shift_id: str, **extra: Any) -> None:
        s = self.kb.ownership.shifts[shift_id]
        cell = self.cells.setdefault(s.component, Cell(owner=s.owner))
        if OWNER_ORDER[s.owner] > OWNER_ORDER[cell.owner]:
            cell.owner = s.owner
            cell.decisive = []
        if s.owner == cell.owner:
            cell.decisive.append(shift_id)
        cell.reasons.append(s.reason.format(**{**self.fields, **extra}))
        cell.shifts.append(shift_id)

    def duty(self, component: str, duty_id: str, elements: list[str], **extra: Any) -> None:
        text = self.kb.ownership.duties[duty_id].format(**{**self.fields, **extra})
        team = self.fn.owners.get(component) or self.w.responsibilities.get(component)  # type: ignore[call-overload]
        self.cells[component].duties.append(Duty(text, elements, team, component, self.name))


def _function_cells(
    kb: Knowledge,
    w: Workload,
    tg: TrustGraph,
    name: str,
    fn: Function,
    status: RuntimeStatus,
    as_of: dt.date,
    facts: _WorkloadFacts,
) -> dict[str, Cell]:
    b = _CellBuilder(kb, w, name, fn, status, as_of)
    base = f"functions.{name}"
    b.shift("infrastructure")

    # execution environment
    if fn.package == "image":
        b.shift("container-image")
    else:
        b.shift("zip-package")
    if fn.tmp.use == "cache":
        b.shift("tmp-cache")

    # runtime
    rt = status.runtime
    if fn.package == "image":
        b.shift("image-custom-base" if fn.image_base == "custom" else "image-aws-base")
    elif status.custom:
        b.shift("custom-runtime")
        if status.past_deprecation:
            b.shift("custom-runtime-deprecated")
    elif status.status == UNKNOWN:
        b.shift("runtime-unknown")
    elif status.past_deprecation:
        b.shift("runtime-deprecated")
    elif rt and rt.deprecation and status.days_to_deprecation is not None and status.days_to_deprecation <= 180:
        b.shift("managed-runtime-ending")
    else:
        b.shift("managed-runtime")

    # networking
    b.shift("vpc-attached" if fn.vpc else "no-vpc")
    for comp in ("configuration", "code", "iam"):
        b.shift(comp)

    # duties, per component, for Shared and Customer cells
    if b.cells["execution-environment"].owner != "AWS":
        if fn.package == "image":
            b.duty("execution-environment", "image-os", [f"{base}.package"])
            b.duty("execution-environment", "image-rebuild", [f"{base}.package"])
        if fn.tmp.use == "cache":
            b.duty("execution-environment", "tmp-cache", [f"{base}.tmp"])
        if fn.tmp.sensitive:
            b.duty("execution-environment", "tmp-sensitive", [f"{base}.tmp"])
    if b.cells["runtime"].owner != "AWS":
        if fn.package == "image":
            if fn.image_base == "custom":
                b.duty("runtime", "image-runtime", [f"{base}.image"])
            else:
                b.duty("runtime", "image-base-runtime", [f"{base}.image" if fn.image else f"{base}.package"])
        elif status.custom:
            b.duty("runtime", "custom-runtime", [f"{base}.runtime"])
            if status.past_deprecation:
                b.duty("runtime", "custom-runtime-move", [f"{base}.runtime"])
        elif status.status == UNKNOWN:
            b.duty("runtime", "runtime-unknown", [f"{base}.runtime"])
        elif status.past_deprecation:
            b.duty("runtime", "runtime-upgrade", [f"{base}.runtime"])
    if fn.vpc is not None:
        vpc = w.vpcs[fn.vpc.vpc]
        vbase = f"vpcs.{fn.vpc.vpc}"
        subnets = ", ".join(fn.vpc.subnets)
        groups = ", ".join(sorted(set(fn.vpc.security_groups)))
        b.duty(
            "networking",
            "subnet-sizing",
            [f"{vbase}.subnets.{s}" for s in fn.vpc.subnets] + list(tg.function_enis.get(name, [])),
            subnets=subnets,
            groups=groups,
        )
        for g in dict.fromkeys(fn.vpc.security_groups):
            b.duty("networking", "sg-egress", [f"{vbase}.security_groups.{g}"], group=g)
        routed = [s for s in fn.vpc.subnets if vpc.subnets[s].route != "isolated"]
        if routed:
            b.duty("networking", "routes", [f"{vbase}.subnets.{s}" for s in routed], subnets=", ".join(routed))
        used = services_reached(fn, w)
        have = {endpoint_service(k) for k in vpc.endpoints}
        services = sorted({s for s in used if s in AWS_SERVICE_TYPES} - have)
        if services:
            b.duty("networking", "endpoints", [f"{vbase}.endpoints"], services=", ".join(services), vpc=fn.vpc.vpc)
        for key, ep in vpc.endpoints.items():
            if ep.policy == "full" and endpoint_service(key) in used:
                b.duty("networking", "endpoint-policy", [f"{vbase}.endpoints.{key}"], endpoint=key, vpc=fn.vpc.vpc)
        if not vpc.flow_logs:
            b.duty("networking", "flow-logs", [vbase], vpc=fn.vpc.vpc)

    b.duty(
        "configuration",
        "config-limits",
        [base],
        memory=fn.memory,
        timeout=fn.timeout,
        concurrency=fn.reserved_concurrency if fn.reserved_concurrency is not None else "unreserved",
    )
    secrets = secret_variables(fn)
    for var in secrets:
        b.duty("configuration", "env-secret", [f"{base}.environment.{var}"], variable=var)
    if secrets and fn.kms_key == "aws-managed":
        b.duty("configuration", "env-kms", [f"{base}.kms_key"])
    for j, ref in enumerate(fn.secrets):
        b.duty("configuration", "secret-fetch", [f"{base}.secrets[{j}]"], secret=ref.name, store=ref.store)
    if fn.async_ is None or not fn.async_.on_failure:
        if any(t.type in ASYNC_TRIGGER_TYPES for t in fn.triggers) or name in facts.async_targets:
            b.duty("configuration", "async-failure", [base])

    b.duty("code", "code-scan", [base])
    for j, lname in enumerate(fn.layers):
        b.duty(
            "code",
            "layer-review",
            [f"{base}.layers[{j}]", f"layers.{lname}"],
            layer=lname,
            publisher=w.layers[lname].publisher,
        )
    if fn.package == "zip" and (fn.code_signing is None or fn.code_signing.policy != "enforce"):
        b.duty("code", "code-signing", [f"{base}.code_signing" if fn.code_signing else base])

    b.duty("iam", "resource-policy", [f"{base}.permissions" if fn.permissions else base])
    callers, caller_elements = invoke_callers(name, fn, facts.calling.get(name, []))
    if callers:
        b.duty("iam", "invokers", caller_elements, callers=", ".join(callers))
    if name in facts.integrators:
        roles = facts.integrators[name]
        b.duty("iam", "integrations", [f"roles.{r}" for r in roles], roles=", ".join(roles))
    for j, perm in enumerate(fn.permissions):
        if permission_is_public(perm):
            b.duty("iam", "permission", [f"{base}.permissions[{j}]"], index=j, principal=perm.principal)
    if fn.url is not None:
        b.duty("iam", "url-auth", [f"{base}.url"], auth=fn.url.auth)
    if fn.role:
        role_elements = [f"{base}.role", f"roles.{fn.role}"]
        b.duty("iam", "exec-role", role_elements, role=fn.role)
        rp = tg.role_policies.get(fn.role)
        if rp is not None and rp.grant_for(INVOKE_ACTION, "*") is not None:
            b.duty("iam", "invoke-scope", role_elements, role=fn.role)
        if (
            fn.vpc is not None
            and rp is not None
            and w.guardrail("lambda-subnets-only") is None
            and creates_enis_anywhere(rp)
        ):
            b.duty(
                "iam",
                "eni-scope",
                [*role_elements, f"{base}.vpc"],
                role=fn.role,
                subnets=", ".join(fn.vpc.subnets),
                groups=", ".join(dict.fromkeys(fn.vpc.security_groups)),
            )
    else:
        b.duty("iam", "no-role", [base])
    if fn.vpc is not None and not any(
        g.control == "lambda-vpc-only" and (not g.vpcs or fn.vpc.vpc in g.vpcs) for g in w.guardrails
    ):
        elements = [f"{base}.vpc"] + (["guardrails"] if w.guardrails else [])
        b.duty("iam", "vpc-guardrail", elements, vpc=fn.vpc.vpc)
    if w.deployment:
        for r in w.deployment.roles:
            b.duty("iam", "deploy-role", [f"roles.{r}"], role=r)
    return {c: b.cells[c] for c in COMPONENT_IDS}


def build_matrix(kb: Knowledge, w: Workload, tg: TrustGraph, as_of: dt.date) -> Matrix:
    cells: dict[str, dict[str, Cell]] = {}
    statuses: dict[str, RuntimeStatus] = {}
    facts = _WorkloadFacts.of(w, tg)
    for name, fn in w.functions.items():
        status = runtime_status(fn.runtime if fn.package == "zip" else None, kb.runtimes, as_of)
        statuses[name] = status
        cells[name] = _function_cells(kb, w, tg, name, fn, status, as_of, facts)
    return Matrix(list(COMPONENT_IDS), cells, statuses)
