"""Turns a located document into a Workload: structure errors from the schema, then the
checks that need the whole model (references, CIDRs), all located and collected."""

from __future__ import annotations

import ipaddress
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from tmgen.errors import ModelError, ModelInvalid, Problems, did_you_mean
from tmgen.load import Document, PathT, format_path
from tmgen.schema import REF_PREFIXES, Workload

SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")
ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


def validate(
    doc: Document, known_policies: Iterable[str] = (), known_runtimes: Iterable[str] = ()
) -> tuple[Workload, list[ModelError]]:
    """Validates a document; returns the workload and its warnings, or raises ModelInvalid."""
    problems = Problems()
    if not isinstance(doc.data, dict):
        problems.error(doc.locate(()), "a workload model is a mapping with 'version', 'workload' and 'functions'")
        raise ModelInvalid(problems.errors)
    try:
        workload = Workload.model_validate(doc.data)
    except ValidationError as exc:
        _schema_errors(doc, exc, problems)
        raise ModelInvalid(_sorted(problems.errors)) from None
    _References(doc, workload, problems, set(known_policies)).check()
    _likely_typos(doc, workload, problems, list(known_runtimes))
    if problems.errors:
        raise ModelInvalid(_sorted(problems.errors), problems.warnings)
    return workload, problems.warnings


def _sorted(errors: list[ModelError]) -> list[ModelError]:
    return sorted(errors, key=lambda e: (e.location.line, e.location.column) if e.location else (0, 0))


# -- schema errors ------------------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _known_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(path: PathT) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at `path`."""
    tp: Any = Workload
    for seg in path:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            tp = _field_by_key(tp, str(seg))
        elif origin in (dict, list):
            tp = typing.get_args(tp)[-1]
        else:
            return None
        if tp is None:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _clean_loc(data: Any, loc: tuple[Any, ...]) -> tuple[PathT, str | None]:
    """Follows a pydantic error location through the data, dropping the union-branch
    segments pydantic adds; returns the path that exists and a missing key, if any."""
    path: list[str | int] = []
    current = data
    for i, seg in enumerate(loc):
        if isinstance(current, dict) and isinstance(seg, str) and seg in current:
            path.append(seg)
            current = current[seg]
        elif isinstance(current, list) and isinstance(seg, int) and 0 <= seg < len(current):
            path.append(seg)
            current = current[seg]
        elif i == len(loc) - 1 and isinstance(current, dict) and isinstance(seg, str):
            return tuple(path), seg
    return tuple(path), None


def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_errors(doc: Document, exc: ValidationError, problems: Problems) -> None:
    seen: set[tuple[PathT, str | None, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        etype = err["type"]
        path, missing = _clean_loc(doc.data, loc)
        if etype == "missing" and missing is None and loc:
            missing = str(loc[-1])
        key = (path, missing, etype if etype in ("missing", "extra_forbidden") else "value")
        if key in seen:
            continue
        seen.add(key)
        where = format_path(path)
        if etype == "extra_forbidden":
            parent = _model_at(path[:-1])
            hint = did_you_mean(str(path[-1]), _known_keys(parent)) if parent else ""
            if not hint and parent:
                hint = "known keys: " + ", ".join(_known_keys(parent))
            problems.error(
                doc.locate(path), f"unknown key '{path[-1]}' in {format_path(path[:-1]) or 'the model'}", hint, where
            )
        elif etype == "missing":
            parent_name = where or "the model"
            problems.error(doc.value_location(path), f"missing required key '{missing}' in {parent_name}", path=where)
        elif etype == "literal_error":
            expected = re.findall(r"'([^']*)'|(\d+)", err.get("ctx", {}).get("expected", ""))
            choices = [a or b for a, b in expected]
            value = err.get("input")
            hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
            problems.error(
                doc.value_location(path),
                f"{where}: {_describe(value)} is not one of: {', '.join(choices)}",
                hint,
                where,
            )
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            if etype == "string_pattern_mismatch" and "\\d{12}" in str(err.get("ctx", {}).get("pattern", "")):
                msg = f"{_describe(err.get('input'))} is not a 12-digit AWS account id"
                problems.error(doc.value_location(path), f"{where}: {msg}", 'quote it, e.g. "111122223333"', where)
                continue
            if etype.endswith("_type") or etype in ("model_type", "model_attributes_type", "dict_type", "list_type"):
                msg = f"{msg}, got {_describe(err.get('input'))}"
            problems.error(doc.value_location(path), f"{where or 'model'}: {msg}", path=where)


# -- warnings for values that are valid but probably not what was meant ----------------

AVAILABILITY_ZONE = re.compile(r"^([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+[a-z]|[a-z]{3,4}\d+-az\d+|unknown)$")


def _likely_typos(doc: Document, w: Workload, problems: Problems, runtimes: list[str]) -> None:
    for name, fn in w.functions.items():
        if runtimes and fn.package == "zip" and fn.runtime and fn.runtime not in runtimes:
            hint = did_you_mean(fn.runtime, runtimes)
            if hint:  # an identifier close to a known one is a typo; a new one is RT-005's business
                path = ("functions", name, "runtime")
                problems.warn(
                    doc.value_location(path),
                    f"functions.{name}.runtime: unknown runtime '{fn.runtime}'",
                    hint,
                    format_path(path),
                )
    for vname, vpc in w.vpcs.items():
        for sname, sub in vpc.subnets.items():
            if not AVAILABILITY_ZONE.match(sub.az):
                az_path: PathT = ("vpcs", vname, "subnets", sname, "az")
                problems.warn(
                    doc.value_location(az_path),
                    f"{format_path(az_path)}: '{sub.az}' does not look like an availability zone",
                    "a zone is a region plus a letter (eu-west-1a) or a zone id (euw1-az1)",
                    format_path(az_path),
                )


# -- whole-model checks ---------------------------------------------------------------


class _References:
    def __init__(self, doc: Document, w: Workload, problems: Problems, policies: set[str]) -> None:
        self.doc, self.w, self.p, self.policies = doc, w, problems, policies

    def ref(self, path: PathT, name: str | None, choices: Iterable[str], what: str) -> bool:
        if name is None:
            return True
        if name in (choices if isinstance(choices, (dict, set, list, tuple)) else set(choices)):
            return True
        names = list(choices)
        hint = did_you_mean(name, names) or (
            f"known: {', '.join(names[:20])}{' …' if len(names) > 20 else ''}" if names else "none is defined"
        )
        self.p.error(
            self.doc.value_location(path), f"{format_path(path)}: unknown {what} '{name}'", hint, format_path(path)
        )
        return False

    def team(self, path: PathT, name: str | None) -> None:
        # Teams may be named without a `teams` section; once it exists, names must match it.
        if self.w.teams and name is not None:
            self.ref(path, name, self.w.teams, "team")

    def account(self, path: PathT, name: str | None) -> None:
        if name is not None and not self.w.accounts:
            self.p.error(
                self.doc.value_location(path),
                f"{format_path(path)}: account '{name}' is named but the model has no 'accounts'",
                path=format_path(path),
            )
            return
        self.ref(path, name, self.w.accounts, "account")

    def check(self) -> None:
        w = self.w
        self.team(("workload", "owner"), w.workload.owner)
        for area, team in w.responsibilities.items():
            self.team(("responsibilities", area), team)
        self._accounts()
        self._vpcs()
        for i, g in enumerate(w.guardrails):
            for j, v in enumerate(g.vpcs or []):
                self.ref(("guardrails", i, "vpcs", j), v, w.vpcs, "VPC")
        self._roles()
        for name, layer in w.layers.items():
            self.account(("layers", name, "account"), layer.account)
            for j, target in enumerate(layer.shared_with):
                if target in ("*", "org") or re.fullmatch(r"\d{12}", target) or target.startswith("o-"):
                    continue
                self.account(("layers", name, "shared_with", j), target)
        for name, res in w.resources.items():
            base = ("resources", name)
            self.account(base + ("account",), res.account)
            if self.ref(base + ("vpc",), res.vpc, w.vpcs, "VPC") and res.vpc:
                vpc = w.vpcs[res.vpc]
                for j, s in enumerate(res.subnets):
                    self.ref(base + ("subnets", j), s, vpc.subnets, f"subnet of VPC '{res.vpc}'")
                for j, sg in enumerate(res.security_groups):
                    self.ref(
                        base + ("security_groups", j), sg, vpc.security_groups, f"security group of VPC '{res.vpc}'"
                    )
            elif res.vpc is None and (res.subnets or res.security_groups):
                self.p.error(
                    self.doc.locate(base),
                    f"resources.{name}: subnets and security_groups need 'vpc'",
                    path=format_path(base),
                )
        for name, fn in w.functions.items():
            self._function(name, fn)
        if w.deployment:
            for j, r in enumerate(w.deployment.roles):
                self.ref(("deployment", "roles", j), r, w.roles, "role")
        for i, risk in enumerate(w.accepted_risks):
            self.team(("accepted_risks", i, "owner"), risk.owner)

    def _accounts(self) -> None:
        seen: dict[str, str] = {}
        for name, acct in self.w.accounts.items():
            if acct.id and acct.id in seen:
                self.p.error(
                    self.doc.value_location(("accounts", name, "id")),
                    f"accounts.{name}: id {acct.id} is also the id of account '{seen[acct.id]}'",
                    path=f"accounts.{name}.id",
                )
            elif acct.id:
                seen[acct.id] = name

    def _vpcs(self) -> None:
        by_account: dict[str, list[tuple[str, Any]]] = {}
        for name, vpc in self.w.vpcs.items():
            base = ("vpcs", name)
            self.account(base + ("account",), vpc.account)
            net = ipaddress.ip_network(vpc.cidr)
            acct = self.w.account_of(vpc)
            for other, onet in by_account.get(acct, []):
                if net.version == onet.version and net.overlaps(onet):
                    self.p.warn(
                        self.doc.value_location(base + ("cidr",)),
                        f"vpcs.{name}: CIDR {vpc.cidr} overlaps VPC '{other}' ({onet}) in the same account",
                        "they can never be peered or routed to each other",
                        f"vpcs.{name}.cidr",
                    )
            by_account.setdefault(acct, []).append((name, net))
            seen: list[tuple[str, Any]] = []
            for sname, sub in vpc.subnets.items():
                spath = base + ("subnets", sname)
                snet = ipaddress.ip_network(sub.cidr)
                if snet.version != net.version or not snet.subnet_of(net):  # type: ignore[arg-type]
                    self.p.error(
                        self.doc.value_location(spath + ("cidr",)),
                        f"{format_path(spath)}: CIDR {sub.cidr} is outside its VPC's CIDR {vpc.cidr}",
                        path=format_path(spath),
                    )
                for oname, onet in seen:
                    if snet.version == onet.version and snet.overlaps(onet):
                        self.p.error(
                            self.doc.value_location(spath + ("cidr",)),
                            f"{format_path(spath)}: CIDR {sub.cidr} overlaps subnet '{oname}' ({onet})",
                            path=format_path(spath),
                        )
                seen.append((sname, snet))
                if sub.free_ips is not None and sub.free_ips > max(snet.num_addresses - 5, 0):
                    self.p.error(
                        self.doc.value_location(spath + ("free_ips",)),
                        f"{format_path(spath)}: free_ips {sub.free_ips} exceeds the "
                        f"{max(snet.num_addresses - 5, 0)} usable addresses of {sub.cidr}",
                        path=format_path(spath),
                    )
            for gname, sg in vpc.security_groups.items():
                for direction in ("ingress", "egress"):
                    for j, rule in enumerate(getattr(sg, direction) or []):
                        if rule.peer.startswith("sg:"):
                            rpath = base + (
                                "security_groups",
                                gname,
                                direction,
                                j,
                                "to" if direction == "egress" else "from",
                            )
                            self.ref(rpath, rule.peer[3:], vpc.security_groups, f"security group of VPC '{name}'")

    def _roles(self) -> None:
        for name, role in self.w.roles.items():
            base = ("roles", name)
            self.account(base + ("account",), role.account)
            for j, pol in enumerate(role.managed_policies):
                short = pol.rsplit("/", 1)[-1]
                if self.policies and short not in self.policies:
                    self.p.warn(
                        self.doc.value_location(base + ("managed_policies", j)),
                        f"roles.{name}: managed policy '{pol}' is not in tmgen's knowledge base; "
                        "its actions count as unknown",
                        did_you_mean(short, self.policies),
                        f"roles.{name}.managed_policies[{j}]",
                    )
            for j, st in enumerate(role.statements):
                for k, res in enumerate(st.resources):
                    self._resource_ref(base + ("statements", j, "resources", k), res)
            if role.permission_boundary and role.permission_boundary.statements:
                for j, st in enumerate(role.permission_boundary.statements):
                    for k, res in enumerate(st.resources):
                        self._resource_ref(base + ("permission_boundary", "statements", j, "resources", k), res)

    def _resource_ref(self, path: PathT, res: str) -> None:
        if res == "*" or res.startswith("arn:") or ":" not in res:
            return
        prefix, name = res.split(":", 1)
        section = REF_PREFIXES.get(prefix)
        if section is None:
            self.p.error(
                self.doc.value_location(path),
                f"{format_path(path)}: '{res}' is neither an ARN, '*', nor TYPE:NAME",
                "types: " + ", ".join(REF_PREFIXES),
                format_path(path),
            )
            return
        if "*" in name or "?" in name:
            return
        self.ref(path, name, getattr(self.w, section), section[:-1])

    def _function(self, name: str, fn: Any) -> None:
        w = self.w
        base = ("functions", name)
        self.account(base + ("account",), fn.account)
        for area, team in fn.owners.items():
            self.team(base + ("owners", area), team)
        self.ref(base + ("role",), fn.role, w.roles, "role")
        if fn.vpc is not None:
            vbase = base + ("vpc",)
            if self.ref(vbase + ("vpc",), fn.vpc.vpc, w.vpcs, "VPC"):
                vpc = w.vpcs[fn.vpc.vpc]
                for j, s in enumerate(fn.vpc.subnets):
                    self.ref(vbase + ("subnets", j), s, vpc.subnets, f"subnet of VPC '{fn.vpc.vpc}'")
                for j, g in enumerate(fn.vpc.security_groups):
                    self.ref(
                        vbase + ("security_groups", j), g, vpc.security_groups, f"security group of VPC '{fn.vpc.vpc}'"
                    )
        for j, layer in enumerate(fn.layers):
            self.ref(base + ("layers", j), layer, w.layers, "layer")
        for j, perm in enumerate(fn.permissions):
            self._principal(base + ("permissions", j, "principal"), perm.principal)
        for j, trig in enumerate(fn.triggers):
            self.ref(base + ("triggers", j, "source"), trig.source, w.resources, "resource")
            if trig.account and not re.fullmatch(r"\d{12}", trig.account):
                self.account(base + ("triggers", j, "account"), trig.account)
        for j, call in enumerate(fn.calls):
            self.ref(base + ("calls", j, "resource"), call.resource, w.resources, "resource")
            self.ref(base + ("calls", j, "function"), call.function, w.functions, "function")
        if fn.async_:
            for key in ("on_failure", "on_success"):
                target = getattr(fn.async_, key)
                if target is not None and target not in w.resources and target not in w.functions:
                    self.ref(base + ("async", key), target, [*w.resources, *w.functions], "resource or function")

    def _principal(self, path: PathT, principal: str) -> None:
        if principal == "*" or SERVICE_PRINCIPAL.match(principal) or re.fullmatch(r"\d{12}", principal):
            return
        if ARN_ACCOUNT.match(principal):
            return
        self.account(path, principal)
