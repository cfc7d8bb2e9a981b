"""Rules on networking: VPC placement, security groups, subnets and Hyperplane ENIs (NET-*)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from tmgen.graph import HyperplaneEni
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext
from tmgen.schema import CUSTOMER_AREAS, Function, SecurityGroup
from tmgen.services import AWS_SERVICE_TYPES, SECRET_STORE_SERVICES, endpoint_service, services_reached

# Lambda's default quota of network interfaces per VPC (Service Quotas code L-9FEE3D26),
# shared with other services such as EFS.
DEFAULT_ENIS_PER_VPC = 250
ENI_QUOTA_CODE = "L-9FEE3D26"
# AWS reserves the first four addresses and the last one of every subnet.
RESERVED_SUBNET_ADDRESSES = 5
# NET-005 headroom: at least this many free addresses, or this share of the subnet.
MIN_FREE_HEADROOM = 20
HEADROOM_PERCENT = 10
ANYWHERE = ("0.0.0.0/0", "::/0")


def _vpc_functions(ctx: RuleContext) -> Iterator[tuple[str, Function]]:
    for name, fn in ctx.workload.functions.items():
        if fn.vpc is not None:
            yield name, fn


def _subnet_addresses(cidr: str) -> int:
    return ipaddress.ip_network(cidr).num_addresses


@rule("NET-001")
def outside_vpc(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.vpc is None:
            yield Hit(f"functions.{name}", {"vpc": None, "egress": "open, from the Lambda service VPC"})


@rule("NET-002")
def vpc_resource_from_outside(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    for name, fn in w.functions.items():
        if fn.vpc is not None:
            continue
        for j, call in enumerate(fn.calls):
            res = w.resources.get(call.resource) if call.resource else None
            if res is not None and res.vpc:
                yield Hit(
                    f"functions.{name}.calls[{j}]",
                    {"resource": call.resource, "type": res.type, "resource_vpc": res.vpc, "function_vpc": None},
                )


def _open_egress(sg: SecurityGroup) -> list[dict[str, Any]]:
    """Egress rules to anywhere on every port. ICMP has no ports, so an ICMP rule is not
    an all-ports rule; protocol `all` (-1) covers every port whatever `ports` says."""
    out = []
    for j, r in enumerate(sg.effective_egress()):
        if r.to in ANYWHERE and (r.all_ports() or r.protocol == "all") and r.protocol != "icmp":
            where = "default egress (no egress key)" if sg.egress is None else f"egress[{j}]"
            out.append({"rule": where, "to": r.to, "ports": r.ports, "protocol": r.protocol})
    return out


@rule("NET-003")
def sg_open_egress(ctx: RuleContext) -> Iterator[Hit]:
    users: dict[tuple[str, str], list[str]] = {}
    for name, fn in _vpc_functions(ctx):
        assert fn.vpc is not None
        for group in dict.fromkeys(fn.vpc.security_groups):
            users.setdefault((fn.vpc.vpc, group), []).append(name)
    for (vname, gname), fns in users.items():
        sg = ctx.workload.vpcs[vname].security_groups[gname]
        rules = _open_egress(sg)
        if rules:
            yield Hit(
                f"vpcs.{vname}.security_groups.{gname}",
                {"egress": rules, "default_egress": sg.egress is None, "functions": fns},
                functions=fns,
            )


@rule("NET-004")
def single_az(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in _vpc_functions(ctx):
        assert fn.vpc is not None
        subnets = ctx.workload.vpcs[fn.vpc.vpc].subnets
        azs = {subnets[s].az for s in fn.vpc.subnets}
        # "unknown" is what an importer writes when a template does not say: no conclusion.
        if len(azs) == 1 and "unknown" not in azs:
            yield Hit(
                f"functions.{name}.vpc.subnets",
                {"availability_zone": azs.pop(), "subnets": list(fn.vpc.subnets)},
            )


@rule("NET-005")
def subnet_out_of_addresses(ctx: RuleContext) -> Iterator[Hit]:
    placed: dict[tuple[str, str], list[HyperplaneEni]] = {}
    for eni in ctx.graph.enis.values():
        placed.setdefault((eni.vpc, eni.subnet), []).append(eni)
    for (vname, sname), enis in placed.items():
        sub = ctx.workload.vpcs[vname].subnets[sname]
        addresses = _subnet_addresses(sub.cidr)
        given = sub.free_ips is not None
        free = sub.free_ips if sub.free_ips is not None else max(addresses - RESERVED_SUBNET_ADDRESSES, 0)
        # Rounded up: with whole addresses, free < n + 25.6 is the same test as free < n + 26.
        headroom = max(MIN_FREE_HEADROOM, -(-addresses * HEADROOM_PERCENT // 100))
        required = len(enis) + headroom
        if free < required:
            fns = sorted({f for eni in enis for f in eni.functions})
            yield Hit(
                f"vpcs.{vname}.subnets.{sname}",
                {
                    "free_ips": free,
                    "free_ips_from": "free_ips" if given else "CIDR size minus 5",
                    "cidr": sub.cidr,
                    "addresses": addresses,
                    "hyperplane_enis": len(enis),
                    "enis": [eni.id for eni in enis],
                    "headroom": headroom,
                    "required": required,
                    "functions": fns,
                },
                functions=fns,
            )


@rule("NET-006")
def no_vpc_endpoint(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    # One finding per missing endpoint (VPC, service): one endpoint fixes every call.
    missing: dict[tuple[str, str], dict[str, list[str]]] = {}
    for name, fn in _vpc_functions(ctx):
        assert fn.vpc is not None
        have = {endpoint_service(k) for k in w.vpcs[fn.vpc.vpc].endpoints}
        for j, call in enumerate(fn.calls):
            res = w.resources.get(call.resource) if call.resource else None
            if res is None or res.type not in AWS_SERVICE_TYPES or res.type in have:
                continue
            entry = missing.setdefault((fn.vpc.vpc, res.type), {"functions": [], "calls": [], "resources": []})
            if name not in entry["functions"]:
                entry["functions"].append(name)
            entry["calls"].append(f"functions.{name}.calls[{j}]")
            if call.resource not in entry["resources"]:
                entry["resources"].append(call.resource)  # type: ignore[arg-type]
        # Secrets fetched at run time are calls to Secrets Manager or SSM too.
        for j, secret in enumerate(fn.secrets):
            if secret.store not in SECRET_STORE_SERVICES or secret.store in have:
                continue
            entry = missing.setdefault((fn.vpc.vpc, secret.store), {"functions": [], "calls": [], "resources": []})
            if name not in entry["functions"]:
                entry["functions"].append(name)
            entry["calls"].append(f"functions.{name}.secrets[{j}]")
    for (vname, service), entry in missing.items():
        yield Hit(
            f"vpcs.{vname}.endpoints.{service}",
            {"vpc": vname, "service": service, "endpoint": None, **entry},
            functions=entry["functions"],
        )


@rule("NET-007")
def endpoint_full_policy(ctx: RuleContext) -> Iterator[Hit]:
    users: dict[tuple[str, str], list[str]] = {}
    for name, fn in _vpc_functions(ctx):
        assert fn.vpc is not None
        for service in services_reached(fn, ctx.workload):
            users.setdefault((fn.vpc.vpc, service), []).append(name)
    for vname, vpc in ctx.workload.vpcs.items():
        for key, ep in vpc.endpoints.items():
            fns = users.get((vname, endpoint_service(key)))
            if ep.policy == "full" and fns:
                yield Hit(
                    f"vpcs.{vname}.endpoints.{key}",
                    {"service": endpoint_service(key), "type": ep.type, "policy": "full", "functions": fns},
                    functions=fns,
                )


@rule("NET-008")
def internet_without_nat(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    for name, fn in _vpc_functions(ctx):
        assert fn.vpc is not None
        subnets = w.vpcs[fn.vpc.vpc].subnets
        if any(subnets[s].route == "nat" for s in fn.vpc.subnets):
            continue
        calls = [
            f"functions.{name}.calls[{j}]"
            for j, c in enumerate(fn.calls)
            if c.resource and w.resources[c.resource].type == "http"
        ]
        if calls:
            yield Hit(
                f"functions.{name}.vpc.subnets",
                {"internet_calls": calls, "subnet_routes": {s: subnets[s].route for s in fn.vpc.subnets}},
            )


@rule("NET-009")
def subnet_with_igw(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in _vpc_functions(ctx):
        assert fn.vpc is not None
        subnets = ctx.workload.vpcs[fn.vpc.vpc].subnets
        for i, sname in enumerate(fn.vpc.subnets):
            if subnets[sname].route == "igw":
                yield Hit(
                    f"functions.{name}.vpc.subnets[{i}]",
                    {"subnet": sname, "route": "igw", "public_ip": False},
                )


def _function_owners(ctx: RuleContext, fn: str) -> tuple[str | None, ...]:
    # The teams that own a function: for each customer area its `owners` entry, else the
    # model's `responsibilities` entry (workload.md). Functions whose owners differ in any
    # area are owned by different teams.
    return tuple(ctx.team(fn, area) for area in CUSTOMER_AREAS)


@rule("NET-010")
def shared_eni_mixed(ctx: RuleContext) -> Iterator[Hit]:
    # Grouped by subnet so that two mixed ENIs of one subnet (different security-group
    # sets) make one finding instead of colliding on the same element.
    mixed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for eni in ctx.graph.enis.values():
        teams = {f: _function_owners(ctx, f) for f in eni.functions}
        data = {f: ctx.data_level.get(f) for f in eni.functions}
        if len(set(teams.values())) > 1 or len(set(data.values())) > 1:
            # Only the areas whose team differs between the functions, for the evidence.
            differing = [i for i, _ in enumerate(CUSTOMER_AREAS) if len({t[i] for t in teams.values()}) > 1]
            entry: dict[str, Any] = {
                "eni": eni.id,
                "security_groups": list(eni.security_groups),
                "functions": list(eni.functions),
            }
            if differing:
                entry["owners"] = {f: {CUSTOMER_AREAS[i]: t[i] for i in differing} for f, t in teams.items()}
            entry["data"] = data
            mixed.setdefault((eni.vpc, eni.subnet), []).append(entry)
    for (vname, sname), enis in mixed.items():
        fns = list(dict.fromkeys(f for e in enis for f in e["functions"]))
        yield Hit(f"vpcs.{vname}.subnets.{sname}", {"enis": enis}, functions=fns)


@rule("NET-011")
def eni_quota(ctx: RuleContext) -> Iterator[Hit]:
    per_vpc: dict[str, list[HyperplaneEni]] = {}
    for eni in ctx.graph.enis.values():
        per_vpc.setdefault(eni.vpc, []).append(eni)
    for vname, enis in per_vpc.items():
        if len(enis) > DEFAULT_ENIS_PER_VPC:
            yield Hit(
                f"vpcs.{vname}",
                {"hyperplane_enis": len(enis), "quota": DEFAULT_ENIS_PER_VPC, "quota_code": ENI_QUOTA_CODE},
            )
