"""Workload -> TrustGraph: trust boundaries, derived Hyperplane ENIs and typed edges."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from tmgen.iam import (
    FUNCTION_CONTROL_ACTIONS,
    FUNCTION_MODIFY_ACTIONS,
    INTEGRATION_ACTIONS,
    LAYER_MODIFY_ACTIONS,
    RolePolicy,
    permission_is_scoped,
    role_policy,
)
from tmgen.schema import Workload
from tmgen.validate import ARN_ACCOUNT, SERVICE_PRINCIPAL

NODE_KINDS = (
    "lambda_service",
    "execution_environment",
    "account",
    "external_account",
    "vpc",
    "subnet",
    "security_group",
    "hyperplane_eni",
    "function",
    "role",
    "layer",
    "trigger",
    "resource",
    "internet",
    "vpc_endpoint",
)
EDGE_KINDS = (
    "invokes",
    "triggers",
    "assumes",
    "calls",
    "egress",
    "attaches",
    "includes",
    "can_modify",
    "deploys",
    "shares_with",
)
BOUNDARY_KINDS = ("lambda_service", "account", "external_account", "vpc", "subnet", "internet")

LAMBDA_SERVICE = "aws:lambda-service"
LAMBDA_SERVICE_VPC = "aws:lambda-service-vpc"
AWS_PUBLISHER = "aws:layer-publisher"
INTERNET = "internet"
# Private address space: egress to anything else leaves the network.
_PRIVATE = [
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


@dataclass
class HyperplaneEni:
    """One Hyperplane ENI set: shared by every function of an account that uses the same
    subnet and the same set of security groups."""

    id: str
    account: str
    vpc: str
    subnet: str
    security_groups: tuple[str, ...]
    functions: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.subnet} / {'+'.join(self.security_groups)}"


@dataclass
class TrustGraph:
    graph: nx.MultiDiGraph
    enis: dict[str, HyperplaneEni]
    function_enis: dict[str, list[str]]
    role_policies: dict[str, RolePolicy]
    # function -> role -> the integration actions it holds on that function (IAM-012)
    integrators: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def boundaries(self) -> list[str]:
        return [n for n, d in self.graph.nodes(data=True) if d.get("is_boundary")]

    def edges_of(self, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(u, v, d) for u, v, d in self.graph.edges(data=True) if d["kind"] == kind]

    def chain(self, node: str) -> list[str]:
        """The boundaries around `node`, innermost first (the node itself if it is one)."""
        out = []
        data = self.graph.nodes[node]
        if data.get("is_boundary"):
            out.append(node)
        b = data.get("boundary")
        while b is not None:
            out.append(b)
            b = self.graph.nodes[b].get("boundary")
        return out


def function_node(name: str) -> str:
    return f"function:{name}"


def eni_key(account: str, vpc: str, subnet: str, groups: Iterable[str]) -> str:
    return f"eni:{account}/{vpc}/{subnet}/{'+'.join(sorted(set(groups)))}"


def derive_enis(w: Workload) -> tuple[dict[str, HyperplaneEni], dict[str, list[str]]]:
    """One ENI per distinct (account, VPC, subnet, set of security groups)."""
    enis: dict[str, HyperplaneEni] = {}
    per_function: dict[str, list[str]] = {}
    for name, fn in w.functions.items():
        if fn.vpc is None:
            continue
        account = w.account_of(fn)
        groups = tuple(sorted(set(fn.vpc.security_groups)))
        ids = []
        for subnet in dict.fromkeys(fn.vpc.subnets):
            key = eni_key(account, fn.vpc.vpc, subnet, groups)
            eni = enis.get(key)
            if eni is None:
                eni = enis[key] = HyperplaneEni(key, account, fn.vpc.vpc, subnet, groups)
            eni.functions.append(name)
            ids.append(key)
        per_function[name] = ids
    return enis, per_function


def _is_public_cidr(cidr: str) -> bool:
    if cidr.startswith(("sg:", "pl:")):
        return False
    net = ipaddress.ip_network(cidr)
    return not any(net.version == p.version and net.subnet_of(p) for p in _PRIVATE)  # type: ignore[arg-type]


class _Builder:
    def __init__(self, w: Workload, policies: dict[str, Any]) -> None:
        self.w = w
        self.policies = policies
        self.g = nx.MultiDiGraph(workload=w.workload.name)
        self.account_ids = {a.id: name for name, a in w.accounts.items() if a.id}
        self.integrators: dict[str, dict[str, list[str]]] = {}

    # -- nodes ---------------------------------------------------------------------
    def node(self, nid: str, kind: str, boundary: str | None, label: str, element: str = "", **attrs: Any) -> str:
        if nid not in self.g or "kind" not in self.g.nodes[nid]:
            self.g.add_node(
                nid,
                kind=kind,
                boundary=boundary,
                label=label,
                element=element,
                is_boundary=kind in BOUNDARY_KINDS,
                **attrs,
            )
        return nid

    def account_ref(self, ref: str) -> str:
        """The node of an account named by model name or by 12-digit id."""
        if ref in self.w.accounts:
            return f"account:{ref}"
        if ref in self.account_ids:
            return f"account:{self.account_ids[ref]}"
        return self.node(f"account-id:{ref}", "external_account", None, f"account {ref}", external=True, account_id=ref)

    def layer_account(self, layer: Any) -> str | None:
        """The model account that holds a layer; None when it lives outside the model."""
        if layer.account:
            return str(layer.account)
        if layer.account_id:
            return self.account_ids.get(layer.account_id)
        return None if layer.publisher == "aws" else self.w.default_account()

    def default_account(self) -> str:
        name = self.w.default_account()
        if name not in self.w.accounts:
            self.node(f"account:{name}", "account", None, "workload account", external=False, account_id=None)
        return f"account:{name}"

    def edge(self, u: str, v: str, kind: str, element: str = "", **attrs: Any) -> None:
        self.g.add_edge(u, v, key=f"{kind}:{element}" if element else kind, kind=kind, element=element, **attrs)

    def build(
        self, enis: dict[str, HyperplaneEni], per_fn: dict[str, list[str]], role_policies: dict[str, RolePolicy]
    ) -> nx.MultiDiGraph:
        w, g = self.w, self.g
        self.node(LAMBDA_SERVICE, "lambda_service", None, "AWS Lambda service account", owner="AWS")
        self.node(LAMBDA_SERVICE_VPC, "lambda_service", LAMBDA_SERVICE, "Lambda service VPC", owner="AWS")
        for name, acct in w.accounts.items():
            kind = "external_account" if acct.external else "account"
            self.node(
                f"account:{name}", kind, None, name, f"accounts.{name}", external=acct.external, account_id=acct.id
            )
        self.default_account()
        self.node(INTERNET, "internet", None, "Internet")
        self._vpcs(enis)
        for name, role in w.roles.items():
            self.node(
                f"role:{name}", "role", f"account:{w.account_of(role)}", name, f"roles.{name}", role_kind=role.kind
            )
        self._layers()
        self._resources()
        for name in w.functions:
            self._function(name, per_fn.get(name, []))
        self._modification(role_policies)
        if w.deployment:
            for r in w.deployment.roles:
                for fname in w.functions:
                    self.edge(f"role:{r}", function_node(fname), "deploys", "deployment.roles")
        self._crossings()
        return g

    def _vpcs(self, enis: dict[str, HyperplaneEni]) -> None:
        w = self.w
        for vname, vpc in w.vpcs.items():
            acct = f"account:{w.account_of(vpc)}"
            vid = self.node(f"vpc:{vname}", "vpc", acct, vname, f"vpcs.{vname}", cidr=vpc.cidr, flow_logs=vpc.flow_logs)
            for sname, sub in vpc.subnets.items():
                self.node(
                    f"subnet:{vname}/{sname}",
                    "subnet",
                    vid,
                    sname,
                    f"vpcs.{vname}.subnets.{sname}",
                    cidr=sub.cidr,
                    az=sub.az,
                    route=sub.route,
                )
            for gname in vpc.security_groups:
                self.node(f"sg:{vname}/{gname}", "security_group", vid, gname, f"vpcs.{vname}.security_groups.{gname}")
            for svc, ep in vpc.endpoints.items():
                self.node(
                    f"endpoint:{vname}/{svc}",
                    "vpc_endpoint",
                    vid,
                    f"{svc} endpoint",
                    f"vpcs.{vname}.endpoints.{svc}",
                    service=svc,
                    endpoint_type=ep.type,
                    policy=ep.policy,
                )
            for gname, sg in vpc.security_groups.items():
                for j, rule in enumerate(sg.effective_egress()):
                    if rule.to and rule.to.startswith("sg:"):
                        self.edge(
                            f"sg:{vname}/{gname}",
                            f"sg:{vname}/{rule.to[3:]}",
                            "egress",
                            f"vpcs.{vname}.security_groups.{gname}.egress[{j}]",
                            ports=rule.ports,
                        )
        for eid, eni in enis.items():
            vpc = w.vpcs[eni.vpc]
            sub = vpc.subnets[eni.subnet]
            self.node(
                eid,
                "hyperplane_eni",
                f"subnet:{eni.vpc}/{eni.subnet}",
                f"ENI {eni.label}",
                "",
                vpc=eni.vpc,
                subnet=eni.subnet,
                account=eni.account,
                security_groups=list(eni.security_groups),
                functions=list(eni.functions),
            )
            for gname in eni.security_groups:
                self.edge(eid, f"sg:{eni.vpc}/{gname}", "attaches")
            groups = [vpc.security_groups[gn] for gn in eni.security_groups]
            public = any(r.to and _is_public_cidr(r.to) for sg in groups for r in sg.effective_egress())
            if sub.route == "nat" and public:
                self.edge(eid, INTERNET, "egress", via="nat")
            for svc in vpc.endpoints:
                self.edge(eid, f"endpoint:{eni.vpc}/{svc}", "egress")
            for gname in eni.security_groups:
                for r in vpc.security_groups[gname].effective_egress():
                    if r.to and r.to.startswith("sg:"):
                        self.edge(eid, f"sg:{eni.vpc}/{r.to[3:]}", "egress", ports=r.ports)

    def _layers(self) -> None:
        w = self.w
        for name, layer in w.layers.items():
            if layer.account:
                home = f"account:{layer.account}"
            elif layer.account_id:
                home = self.account_ref(layer.account_id)
            elif layer.publisher == "aws":
                home = self.node(AWS_PUBLISHER, "external_account", None, "AWS-owned layer account", external=True)
            else:
                home = self.default_account()
            self.node(f"layer:{name}", "layer", home, name, f"layers.{name}", publisher=layer.publisher)
            for j, target in enumerate(layer.shared_with):
                element = f"layers.{name}.shared_with[{j}]"
                if target == "*":
                    self.edge(f"layer:{name}", INTERNET, "shares_with", element, scope="*")
                elif target == "org" or target.startswith("o-"):
                    for aname, acct in w.accounts.items():
                        if not acct.external:
                            self.edge(f"layer:{name}", f"account:{aname}", "shares_with", element, scope="org")
                else:
                    self.edge(f"layer:{name}", self.account_ref(target), "shares_with", element)

    def _resources(self) -> None:
        w = self.w
        for name, res in w.resources.items():
            if res.type == "http":
                home = INTERNET
            elif res.vpc:
                home = f"subnet:{res.vpc}/{res.subnets[0]}" if len(res.subnets) == 1 else f"vpc:{res.vpc}"
            else:
                home = f"account:{w.account_of(res)}"
            self.node(
                f"resource:{name}",
                "resource",
                home,
                name,
                f"resources.{name}",
                type=res.type,
                data=res.data,
                exposure=res.exposure,
            )
            if res.exposure == "public" or res.public:
                self.edge(INTERNET, f"resource:{name}", "invokes", f"resources.{name}")

    def _function(self, name: str, eni_ids: list[str]) -> None:
        w = self.w
        fn = w.functions[name]
        base = f"functions.{name}"
        fid = function_node(name)
        acct = f"account:{w.account_of(fn)}"
        self.node(
            fid,
            "function",
            acct,
            name,
            base,
            runtime=fn.runtime,
            package=fn.package,
            vpc=fn.vpc.vpc if fn.vpc else None,
        )
        ee = self.node(f"ee:{name}", "execution_environment", LAMBDA_SERVICE_VPC, f"{name} (sandbox)", base)
        self.edge(fid, ee, "invokes", base, note="runs in")
        if fn.vpc is None:
            self.edge(ee, INTERNET, "egress", base, note="open egress from the Lambda service VPC")
        for eid in eni_ids:
            self.edge(fid, eid, "attaches", f"{base}.vpc")
            # Hyperplane maps the sandbox's traffic onto the ENI: the flow crosses from the
            # Lambda service account into the customer's VPC.
            self.edge(ee, eid, "egress", f"{base}.vpc", via="hyperplane")
        if fn.role:
            self.edge(fid, f"role:{fn.role}", "assumes", f"{base}.role")
        for j, layer in enumerate(fn.layers):
            self.edge(fid, f"layer:{layer}", "includes", f"{base}.layers[{j}]")
        if fn.url is not None and fn.url.auth == "NONE":
            self.edge(INTERNET, fid, "invokes", f"{base}.url", auth="NONE")
        for j, perm in enumerate(fn.permissions):
            element = f"{base}.permissions[{j}]"
            scoped = permission_is_scoped(perm)
            p = perm.principal
            if p == "*":
                self.edge(INTERNET, fid, "invokes", element, action=perm.action, scoped=scoped)
            elif SERVICE_PRINCIPAL.match(p):
                continue  # the service's integration is drawn through the trigger
            else:
                m = ARN_ACCOUNT.match(p)
                self.edge(
                    self.account_ref(m.group(1) if m else p), fid, "invokes", element, action=perm.action, scoped=scoped
                )
        for j, trig in enumerate(fn.triggers):
            element = f"{base}.triggers[{j}]"
            tid = f"trigger:{name}/{j}"
            if trig.account:
                home = self.account_ref(trig.account)
            elif trig.source:
                home = self.g.nodes[f"resource:{trig.source}"]["boundary"]
            else:
                home = acct
            label = f"{trig.type}" + (f" from {trig.source}" if trig.source else "")
            self.node(tid, "trigger", home, label, element, type=trig.type, auth=trig.auth)
            if trig.source:
                self.edge(f"resource:{trig.source}", tid, "triggers", element)
            self.edge(tid, fid, "triggers", element)
        for j, call in enumerate(fn.calls):
            element = f"{base}.calls[{j}]"
            if call.resource:
                self.edge(fid, f"resource:{call.resource}", "calls", element, access=call.access)
            else:
                self.edge(fid, function_node(call.function or ""), "invokes", element, mode=call.mode)

    def _modification(self, role_policies: dict[str, RolePolicy]) -> None:
        w = self.w
        accounts = {fname: w.account_of(fn) for fname, fn in w.functions.items()}
        for rname, rp in role_policies.items():
            # Only roles with some Lambda write grant need the per-function check.
            if not any(rp.names(a) for a in FUNCTION_MODIFY_ACTIONS + LAYER_MODIFY_ACTIONS + INTEGRATION_ACTIONS):
                continue
            racct = w.account_of(w.roles[rname])
            # Actions granted on every function with nothing to take them back need no
            # per-function evaluation (a deployer with lambda:* over 10,000 functions).
            everywhere = [a for a in FUNCTION_CONTROL_ACTIONS if rp.can_everywhere(a)]
            rest = [a for a in FUNCTION_CONTROL_ACTIONS if a not in everywhere and rp.names(a)]
            for fname in w.functions:
                if accounts[fname] != racct:  # another account's role needs the resource policy (IAM-015)
                    continue
                held = everywhere + rp.can_any(rest, function_node(fname)) if rest else everywhere
                acts = [a for a in FUNCTION_MODIFY_ACTIONS if a in held]
                if acts:
                    self.edge(f"role:{rname}", function_node(fname), "can_modify", f"roles.{rname}", actions=acts)
                integrations = [a for a in INTEGRATION_ACTIONS if a in held]
                if integrations:
                    self.integrators.setdefault(fname, {})[rname] = integrations
            for lname, layer in w.layers.items():
                if self.layer_account(layer) != racct:
                    continue  # a role edits the layers of its own account only
                acts = rp.can_any(LAYER_MODIFY_ACTIONS, f"layer:{lname}")
                if acts:
                    self.edge(f"role:{rname}", f"layer:{lname}", "can_modify", f"roles.{rname}", actions=acts)

    def _crossings(self) -> None:
        nodes = self.g.nodes
        chains: dict[str, tuple[str, ...]] = {}

        def chain(n: str) -> tuple[str, ...]:
            if n not in chains:
                data = nodes[n]
                b = data.get("boundary")
                chains[n] = ((n,) if data.get("is_boundary") else ()) + (chain(b) if b is not None else ())
            return chains[n]

        # Crossings depend only on the two chains, which most edges share.
        crossed: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
        for u, v, d in self.g.edges(data=True):
            cu, cv = chain(u), chain(v)
            key = (cu, cv)
            if key not in crossed:
                su, sv = set(cu), set(cv)
                crossed[key] = [b for b in cu if b not in sv] + [b for b in reversed(cv) if b not in su]
            d["crosses"] = list(crossed[key])


def build_graph(w: Workload, policies: dict[str, Any]) -> TrustGraph:
    enis, per_fn = derive_enis(w)
    role_policies = {
        name: role_policy(
            name,
            role,
            policies,
            w.accounts[role.account].id
            if role.account in w.accounts
            else (next(iter(w.accounts.values())).id if w.accounts else None),
        )
        for name, role in w.roles.items()
    }
    builder = _Builder(w, policies)
    g = builder.build(enis, per_fn, role_policies)
    return TrustGraph(g, enis, per_fn, role_policies, builder.integrators)
