"""Effective permissions of a role: its managed policies, statements, Deny statements and
permission boundary, with IAM wildcard matching of actions and resources."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tmgen.schema import Permission, Role, Statement

# Actions that change what a function runs or who may run it (IAM-008, can_modify edges).
FUNCTION_MODIFY_ACTIONS = (
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:AddPermission",
    "lambda:PutFunctionConcurrency",
    "lambda:DeleteFunction",
)
# Further actions that hand over control of a function's code or its integrations.
FUNCTION_CONTROL_ACTIONS = FUNCTION_MODIFY_ACTIONS + (
    "lambda:CreateEventSourceMapping",
    "lambda:PutFunctionCodeSigningConfig",
    "lambda:DeleteFunctionCodeSigningConfig",
    "lambda:CreateFunctionUrlConfig",
    "lambda:UpdateFunctionUrlConfig",
)
CODE_CHANGE_ACTIONS = ("lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration")
# Whoever holds these decides who may invoke a function (IAM-012).
INTEGRATION_ACTIONS = ("lambda:AddPermission", "lambda:CreateEventSourceMapping")
ENI_ACTION = "ec2:CreateNetworkInterface"
LAYER_MODIFY_ACTIONS = ("lambda:PublishLayerVersion", "lambda:AddLayerVersionPermission")


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards (`lambda:Update*`)."""
    return _glob(pattern).fullmatch(action) is not None


def pattern_covers(general: str, specific: str) -> bool:
    """Whether every action named by `specific` (itself possibly a pattern) is named by
    `general`: `s3:*` covers `s3:Get*`; `s3:Get*` does not cover `s3:*`."""
    return _glob(general).fullmatch(specific) is not None


def _arn_parts(arn: str) -> list[str]:
    return arn.split(":", 5)


def resource_is_unbounded(pattern: str) -> bool:
    """A resource pattern that matches every resource of its kind in every account:
    `*`, `arn:aws:lambda:*:*:function:*`, `arn:aws:lambda:*:*:*`."""
    if pattern == "*":
        return True
    if pattern.endswith(":*") and pattern.count(":") == 1:  # function:*, layer:*
        return True
    if not pattern.startswith("arn:"):
        return False
    parts = _arn_parts(pattern)
    if len(parts) < 6:
        return False
    account, res = parts[4], parts[5]
    if account not in ("*", ""):
        return False
    return all(piece in ("*", "") or piece.isalpha() for piece in re.split(r"[:/]", res)) and "*" in res


def _ref_name(target: str) -> tuple[str, str]:
    kind, _, name = target.partition(":")
    return kind, name


def action_service(action: str) -> str | None:
    """`lambda:InvokeFunction` -> `lambda`; None for `*`, whose actions span every service."""
    service, sep, _ = action.partition(":")
    return service.lower() if sep and "*" not in service else None


ALL_SERVICES = "*all*"  # the service of the action `*`: only resource `*` covers all of it


def _other_service(pattern: str, service: str | None) -> bool:
    """An ARN pattern of another service than the action's cannot cover its resources."""
    if service is None or not pattern.startswith("arn:"):
        return False
    parts = _arn_parts(pattern)
    return len(parts) > 2 and parts[2] not in ("", "*") and not _glob(parts[2]).fullmatch(service)


def resource_matches(pattern: str, target: str, account_id: str | None = None, service: str | None = None) -> bool:
    """Whether a statement's resource pattern covers `target`.

    `target` is `*` (the question "on every resource"), a model reference such as
    `function:charge`, or an ARN; `service` is the action's service, when known, so that
    `arn:aws:s3:::*` is not mistaken for every Lambda function.
    """
    if pattern == "*":
        return True
    if _other_service(pattern, service):
        return False
    if target == "*":
        return resource_is_unbounded(pattern)
    if target.startswith("arn:"):
        return _glob(pattern).fullmatch(target) is not None
    kind, name = _ref_name(target)
    if not pattern.startswith("arn:"):
        pkind, _, pname = pattern.partition(":")
        return pkind == kind and _glob(pname).fullmatch(name) is not None
    parts = _arn_parts(pattern)
    if len(parts) < 6:
        return False
    if account_id and parts[4] not in ("", "*") and not _glob(parts[4]).fullmatch(account_id):
        return False
    res = parts[5]
    if kind == "function":
        m = re.match(r"function:([^:]+)", res)
        return bool(m) and _glob(m.group(1)).fullmatch(name) is not None if m else res == "*"
    if kind == "layer":
        m = re.match(r"layer:([^:]+)", res)
        return bool(m) and _glob(m.group(1)).fullmatch(name) is not None if m else res == "*"
    # Other services: the resource name is the last path element of the ARN.
    last = re.split(r"[:/]", res)[-1]
    return _glob(last).fullmatch(name) is not None or res == "*"


# An action pattern, or ("*", excluded) for a NotAction grant: "every action but these".
ActionItem = tuple[str, tuple[str, ...] | None]


def item_text(item: ActionItem) -> str:
    pattern, excluded = item
    return pattern if excluded is None else "NotAction " + ", ".join(excluded)


@dataclass(frozen=True)
class Grant:
    """One statement, normalised."""

    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...]
    conditional: bool
    source: str

    def names(self, action: str) -> bool:
        if self.not_actions is not None:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def covers_pattern(self, pattern: str) -> bool:
        if self.not_actions is not None:
            return not any(action_matches(p, pattern) or pattern_covers(pattern, p) for p in self.not_actions)
        return any(pattern_covers(p, pattern) for p in self.actions)

    def on(self, target: str, account_id: str | None = None, service: str | None = None) -> bool:
        return any(resource_matches(r, target, account_id, service) for r in self.resources)

    def covers_item(self, item: ActionItem) -> bool:
        """Whether this grant names every action of `item` (see RolePolicy.items)."""
        pattern, excluded = item
        if excluded is None:
            return self.covers_pattern(pattern)
        if self.not_actions is None:
            return any(a == "*" for a in self.actions)
        # "everything but N" covers "everything but E" when it excludes no more than E does
        return all(any(pattern_covers(e, n) for e in excluded) for n in self.not_actions)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def grants_from_document(doc: Mapping[str, Any], source: str) -> list[Grant]:
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    out = []
    for i, st in enumerate(statements):
        not_actions = st.get("NotAction")
        resources = _as_list(st.get("Resource")) or (["*"] if "NotResource" in st else ["*"])
        if "NotResource" in st:
            resources = ["*"]  # NotResource grants almost everything; treat as unbounded
        out.append(
            Grant(
                effect=st.get("Effect", "Allow"),
                actions=tuple(_as_list(st.get("Action"))),
                not_actions=tuple(_as_list(not_actions)) if not_actions is not None else None,
                resources=tuple(resources),
                conditional=bool(st.get("Condition")),
                source=f"{source} statement {st.get('Sid') or i}",
            )
        )
    return out


def grants_from_statements(statements: Iterable[Statement], source: str) -> list[Grant]:
    return [
        Grant(
            effect=st.effect,
            actions=tuple(st.actions),
            not_actions=tuple(st.not_actions) if st.not_actions is not None else None,
            resources=tuple(st.resources),
            conditional=bool(st.conditions),
            source=f"{source}[{i}]",
        )
        for i, st in enumerate(statements)
    ]


@dataclass
class RolePolicy:
    """What a role may do, after Deny statements and its permission boundary."""

    name: str
    account_id: str | None = None
    allows: list[Grant] = field(default_factory=list)
    denies: list[Grant] = field(default_factory=list)
    boundary: list[Grant] | None = None
    has_boundary: bool = False
    unknown_policies: list[str] = field(default_factory=list)
    _named: dict[str, bool] = field(default_factory=dict, repr=False)
    _grants: dict[tuple[str, str], Grant | None] = field(default_factory=dict, repr=False)

    def _denied(self, action: str, target: str) -> bool:
        # A conditional Deny may not apply, so only unconditional ones count.
        service = action_service(action)
        return any(
            not d.conditional and d.names(action) and d.on(target, self.account_id, service) for d in self.denies
        )

    def _bounded(self, action: str, target: str) -> bool:
        if self.boundary is None:
            return True
        service = action_service(action)
        return any(
            b.effect == "Allow" and b.names(action) and b.on(target, self.account_id, service) for b in self.boundary
        ) and not any(
            b.effect == "Deny" and not b.conditional and b.names(action) and b.on(target, self.account_id, service)
            for b in self.boundary
        )

    def names(self, action: str) -> bool:
        """Whether any Allow statement names `action` at all (cheap; cached)."""
        cache = self._named
        if action not in cache:
            cache[action] = any(g.names(action) for g in self.allows)
        return cache[action]

    def grant_for(self, action: str, target: str = "*") -> Grant | None:
        """The statement that lets the role perform `action` on `target`, if any.

        `target="*"` asks whether it may act on every resource (an unbounded grant)."""
        if not self.names(action):
            return None
        key = (action, target)
        if key in self._grants:
            return self._grants[key]
        found = None
        if not self._denied(action, target) and self._bounded(action, target):
            service = action_service(action)
            found = next((g for g in self.allows if g.names(action) and g.on(target, self.account_id, service)), None)
        self._grants[key] = found
        return found

    def can_everywhere(self, action: str) -> bool:
        """Allowed on every resource, with no Deny or boundary that could take part of it back."""
        if self.grant_for(action, "*") is None:
            return False
        if any(d.names(action) for d in self.denies):
            return False
        return self.boundary is None or all(b.effect == "Allow" or not b.names(action) for b in self.boundary)

    def unconditional_grant_on_any(self, action: str, grants: list[Grant] | None = None) -> Grant | None:
        """An Allow of `action` on every resource with no condition (of `grants`, default the role's)."""
        return next(
            (
                g
                for g in (self.allows if grants is None else grants)
                if g.effect == "Allow" and not g.conditional and g.names(action) and g.on("*")
            ),
            None,
        )

    def eni_anywhere_grant(self) -> Grant | None:
        """The grant that lets the role create network interfaces in any subnet: unconditional
        on `*`, and not narrowed by its permission boundary (a boundary document tmgen cannot
        read is given the benefit of the doubt)."""
        if not self.can(ENI_ACTION, "*"):
            return None
        grant = self.unconditional_grant_on_any(ENI_ACTION)
        if grant is None or (
            self.has_boundary
            and (self.boundary is None or self.unconditional_grant_on_any(ENI_ACTION, self.boundary) is None)
        ):
            return None
        return grant

    def can(self, action: str, target: str = "*") -> bool:
        return self.grant_for(action, target) is not None

    def can_any(self, actions: Iterable[str], target: str = "*") -> list[str]:
        return [a for a in actions if self.can(a, target)]

    def wildcard_grants(self) -> list[tuple[Grant, str]]:
        """Allow statements whose actions include `*` or `service:*`."""
        out = []
        for g in self.allows:
            if g.not_actions is not None:
                out.append((g, "NotAction"))
                continue
            for a in g.actions:
                if a == "*" or a.endswith(":*"):
                    out.append((g, a))
        return out

    def denies_everywhere(self, item: ActionItem) -> bool:
        """An unconditional Deny that takes `item` away on every resource."""
        pattern, excluded = item
        if excluded is not None:
            return False
        service = action_service(pattern) or ALL_SERVICES
        return any(not d.conditional and d.covers_pattern(pattern) and d.on("*", None, service) for d in self.denies)

    def bounded_item(self, item: ActionItem) -> bool:
        return self.boundary is None or any(b.effect == "Allow" and b.covers_item(item) for b in self.boundary)

    def items(self) -> list[ActionItem]:
        """The allowed actions, as patterns (NotAction grants as "everything but"), after the
        boundary and the Denies that apply everywhere: what comparing two roles needs."""
        out: list[ActionItem] = []
        for g in self.allows:
            candidates: list[ActionItem] = (
                [("*", g.not_actions)] if g.not_actions is not None else [(a, None) for a in g.actions]
            )
            for item in candidates:
                if self.bounded_item(item) and not self.denies_everywhere(item) and item not in out:
                    out.append(item)
        return out

    def action_patterns(self) -> list[str]:
        return [item_text(i) for i in self.items()]

    def covers(self, item: ActionItem | str) -> bool:
        """Whether the role holds every action of `item` (its boundary and Denies applied)."""
        if isinstance(item, str):
            item = (item, None)
        return (
            any(g.covers_item(item) for g in self.allows)
            and self.bounded_item(item)
            and not self.denies_everywhere(item)
        )

    def missing_from(self, other: RolePolicy) -> list[str]:
        """Actions that `other` holds and this role does not."""
        return [item_text(i) for i in other.items() if not self.covers(i)]

    def pass_any_role_grant(self) -> Grant | None:
        """iam:PassRole on every role: `*`, or every role of the role's own account
        (`arn:aws:iam::ACCOUNT:role/*`), which is every role that can trust Lambda there."""
        grant = self.grant_for("iam:PassRole", "*")
        if grant is not None:
            return grant
        for g in self.allows:
            if not g.names("iam:PassRole"):
                continue
            for r in g.resources:
                m = re.fullmatch(r"arn:aws[\w-]*:iam::(\d{12}|\*)?:role/\*", r)
                if m and (m.group(1) in (None, "*") or self.account_id in (None, m.group(1))):
                    found = self.grant_for("iam:PassRole", f"arn:aws:iam::{m.group(1) or '*'}:role/*")
                    if found is not None:
                        return found
        return None


def policy_name(ref: str) -> str:
    """`arn:aws:iam::aws:policy/service-role/AWSLambdaRole` -> `AWSLambdaRole`."""
    return ref.rsplit("/", 1)[-1]


def role_policy(
    name: str, role: Role, policies: Mapping[str, Mapping[str, Any]], account_id: str | None = None
) -> RolePolicy:
    rp = RolePolicy(name=name, account_id=account_id)
    grants: list[Grant] = []
    for ref in role.managed_policies:
        short = policy_name(ref)
        doc = policies.get(short)
        if doc is None:
            rp.unknown_policies.append(ref)
            continue
        grants.extend(grants_from_document(doc, f"managed policy {short}"))
    grants.extend(grants_from_statements(role.statements, f"roles.{name}.statements"))
    rp.allows = [g for g in grants if g.effect == "Allow"]
    rp.denies = [g for g in grants if g.effect == "Deny"]
    pb = role.permission_boundary
    if pb is not None:
        rp.has_boundary = True
        if pb.statements is not None:
            rp.boundary = grants_from_statements(pb.statements, f"roles.{name}.permission_boundary.statements")
        elif pb.managed_policy and policy_name(pb.managed_policy) in policies:
            short = policy_name(pb.managed_policy)
            rp.boundary = grants_from_document(policies[short], f"boundary {short}")
        # An unknown boundary document caps nothing we can compute.
    return rp


# -- resource-based policies (a function's permissions) ---------------------------------

_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def source_arn_narrows(arn: str | None) -> bool:
    """Whether a source ARN limits who can trigger the grant. `*`, an ARN whose account is a
    wildcard (`arn:aws:sns:eu-west-1:*:alerts`: a topic of that name in any account), or one
    ending in `:*` with no account in it (`arn:aws:s3:::*`) narrows nothing; one that names
    an account still narrows to that account's resources."""
    if not arn or arn == "*":
        return False
    parts = arn.split(":", 5)
    if arn.startswith("arn:") and len(parts) == 6 and _wildcard(parts[4]):
        return False
    if arn.endswith(":*"):
        return len(parts) == 6 and bool(_ACCOUNT_ID.match(parts[4]))
    return True


def condition_narrows(value: str | None) -> bool:
    """A source_account or org_id condition narrows the grant unless it is a wildcard
    (`source_account: "*"` matches every account)."""
    return bool(value) and not _wildcard(value or "")


def permission_is_scoped(p: Permission) -> bool:
    """Whether one of source_arn, source_account, org_id narrows a resource-policy grant;
    a condition that narrows nothing (`*`, `arn:aws:sns:*:*:*`, `source_account: "*"`)
    counts as none."""
    return source_arn_narrows(p.source_arn) or condition_narrows(p.source_account) or condition_narrows(p.org_id)


def permission_is_public(p: Permission) -> bool:
    """Principal `*` and no narrowing condition: anyone who knows the ARN (IAM-001)."""
    return p.principal == "*" and not permission_is_scoped(p)
