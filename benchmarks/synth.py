"""Writes a synthetic, valid and realistic tmgen workload model with N functions."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import ipaddress
import random
import sys
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter when available
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_SCALARS = (str, int, float, bool, type(None), dt.date)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """The safe dumper with a fast path for the plain dicts, lists and strings of a model
    (no alias tracking; SafeRepresenter for everything else). Small mappings and lists of
    scalars are written in flow style, as a person would write them."""

    def represent_data(self, data: Any) -> Any:
        t = type(data)
        if t is str:
            return ScalarNode(_STR, data)
        if t is dict:
            pairs = [
                (ScalarNode(_STR, k) if type(k) is str else self.represent_data(k), self.represent_data(v))
                for k, v in data.items()
            ]
            leaf = 0 < len(data) <= 5 and all(type(v) in _SCALARS for v in data.values())
            return MappingNode(_MAP, pairs, flow_style=leaf)
        if t is list:
            leaf = all(type(v) in _SCALARS for v in data)
            return SequenceNode(_SEQ, [self.represent_data(v) for v in data], flow_style=leaf)
        return super().represent_data(data)


REGION = "eu-west-1"
AZS = ("a", "b", "c")
ORG_ID = "o-s7nth3t1c0"
PARTNER_ID = "999988887777"
THIRD_PARTY_LAYERS = (  # (name, publishing account): vendor extensions
    ("datadog-extension", "464622532012"),
    ("lumigo-tracer", "114300393969"),
)

DOMAINS = (
    "orders",
    "payments",
    "billing",
    "catalog",
    "inventory",
    "shipping",
    "users",
    "search",
    "reviews",
    "notifications",
    "reports",
    "fraud",
    "loyalty",
    "pricing",
    "media",
    "identity",
    "checkout",
    "returns",
    "ledger",
    "analytics",
)
ROLES_OF_FUNCTIONS = (
    "api",
    "worker",
    "sync",
    "export",
    "import",
    "processor",
    "handler",
    "scheduler",
    "indexer",
    "notifier",
    "resizer",
    "validator",
    "aggregator",
    "webhook",
    "enricher",
    "cleaner",
)
# (runtime, weight): mostly current runtimes, a tail of deprecated ones.
RUNTIMES = (
    ("python3.12", 20),
    ("python3.13", 14),
    ("nodejs22.x", 14),
    ("nodejs20.x", 8),
    ("java21", 8),
    ("python3.11", 6),
    ("nodejs24.x", 5),
    ("dotnet8", 3),
    ("ruby3.3", 2),
    ("provided.al2023", 4),
    ("python3.9", 3),
    ("nodejs18.x", 3),
    ("python3.8", 2),
    ("nodejs16.x", 1),
    ("go1.x", 1),
    ("provided.al2", 1),
    ("java17", 2),
)
CLASSES = (("public", 1), ("internal", 5), ("confidential", 3), ("restricted", 1))
# Resource types per account and how many of each per 100 functions of the account.
RESOURCE_MIX = (
    ("dynamodb", "table", 8),
    ("s3", "bucket", 5),
    ("sqs", "queue", 6),
    ("sns", "topic", 3),
    ("eventbridge", "bus", 1),
    ("secretsmanager", "secret", 3),
    ("api_gateway", "api", 2),
    ("http", "ext", 2),
    ("kinesis", "stream", 1),
    ("ssm", "param", 1),
)
REF_PREFIX = {
    "dynamodb": "table",
    "s3": "bucket",
    "sqs": "queue",
    "sns": "topic",
    "secretsmanager": "secret",
    "kinesis": "stream",
}
ACTIONS = {  # resource type -> (read actions, write actions)
    "dynamodb": (["dynamodb:GetItem", "dynamodb:Query"], ["dynamodb:PutItem", "dynamodb:UpdateItem"]),
    "s3": (["s3:GetObject"], ["s3:PutObject"]),
    "sqs": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], ["sqs:SendMessage"]),
    "sns": (["sns:GetTopicAttributes"], ["sns:Publish"]),
    "eventbridge": (["events:DescribeEventBus"], ["events:PutEvents"]),
    "secretsmanager": (["secretsmanager:GetSecretValue"], ["secretsmanager:GetSecretValue"]),
    "kinesis": (["kinesis:GetRecords", "kinesis:GetShardIterator"], ["kinesis:PutRecord"]),
    "ssm": (["ssm:GetParameter"], ["ssm:PutParameter"]),
    "rds": (["rds-db:connect"], ["rds-db:connect"]),
}
ENDPOINT_SERVICES = ("dynamodb", "s3", "sqs", "secretsmanager", "sns", "kms")


def _cidr_blocks() -> list[str]:
    """Distinct /16 blocks: 10.0-255, then 172.16-31, then 100.64-127 (336 in all)."""
    return (
        [f"10.{i}.0.0/16" for i in range(256)]
        + [f"172.{i}.0.0/16" for i in range(16, 32)]
        + [f"100.{i}.0.0/16" for i in range(64, 128)]
    )


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> list[str]:
    """A flat list to draw from with rng.choice (fast and deterministic)."""
    return [item for item, weight in table for _ in range(weight)]


class Synth:
    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.runtime_pool = _weighted(self.rng, RUNTIMES)
        self.class_pool = _weighted(self.rng, CLASSES)
        self.model: dict[str, Any] = {}

    # -- helpers --------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- sections -------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        n, rng = self.n, self.rng
        n_accounts = n // 500 + 1
        n_vpcs = n // 200 + 1
        n_teams = n // 250 + 2

        teams: dict[str, Any] = {
            "platform-team": {"description": "Landing zone, networks and IAM guardrails", "contact": "#platform"},
            "security-team": {"description": "Security engineering", "contact": "#security"},
        }
        self.product_teams = [
            f"{DOMAINS[i % len(DOMAINS)]}-team{'' if i < len(DOMAINS) else '-' + str(i // len(DOMAINS))}"
            for i in range(n_teams)
        ]
        for t in self.product_teams:
            teams[t] = {"description": f"Product team ({t.split('-')[0]})"}

        accounts: dict[str, Any] = {}
        self.account_names = []
        self.account_ids: dict[str, str] = {}
        for i in range(n_accounts):
            name = f"workloads-{i:02d}"
            aid = f"{210000000000 + i * 1013:012d}"
            accounts[name] = {"id": aid, "description": f"Workload account {i}"}
            self.account_names.append(name)
            self.account_ids[name] = aid
        accounts["partner"] = {"id": PARTNER_ID, "external": True, "description": "A partner outside the organisation"}

        # VPCs, round robin over the accounts; CIDR blocks never collide within an account.
        blocks = _cidr_blocks()
        vpcs: dict[str, Any] = {}
        self.vpc_info: list[dict[str, Any]] = []
        per_account: dict[str, int] = {a: 0 for a in self.account_names}
        for v in range(n_vpcs):
            acct = self.account_names[v % n_accounts]
            k = v if n_vpcs <= len(blocks) else per_account[acct]
            if k >= len(blocks):
                raise SystemExit(f"synth: more than {len(blocks)} VPCs in account {acct}; use fewer functions")
            per_account[acct] += 1
            net = ipaddress.ip_network(blocks[k])
            a, b = str(net.network_address).split(".")[:2]
            name = f"vpc-{v:03d}"
            n_az = 2 if v % 3 == 0 else 3
            isolated = v % 5 == 4  # a fifth of the VPCs has no NAT: endpoints only
            subnets: dict[str, Any] = {}
            app_subnets = []
            for z in range(n_az):
                sname = f"app-{AZS[z]}"
                subnets[sname] = {
                    "az": f"{REGION}{AZS[z]}",
                    "cidr": f"{a}.{b}.{16 * z}.0/20",
                    "route": "isolated" if isolated else "nat",
                }
                app_subnets.append(sname)
            for z in range(2):
                subnets[f"data-{AZS[z]}"] = {
                    "az": f"{REGION}{AZS[z]}",
                    "cidr": f"{a}.{b}.{128 + 16 * z}.0/20",
                    "route": "isolated",
                }
            sgs: dict[str, Any] = {
                "lambda-https": {"description": "HTTPS out", "egress": [{"to": "0.0.0.0/0", "ports": "443"}]},
                "lambda-db": {
                    "description": "Database clients",
                    "egress": [{"to": "sg:db", "ports": "5432"}, {"to": f"{a}.{b}.0.0/16", "ports": "443"}],
                },
                "lambda-internal": {
                    "description": "Inside the VPC only",
                    "egress": [{"to": f"{a}.{b}.0.0/16", "ports": "all"}],
                },
                "lambda-legacy": {"description": "Default egress never narrowed"},
                "db": {"ingress": [{"from": "sg:lambda-db", "ports": "5432"}], "egress": []},
            }
            endpoints: dict[str, Any] = {}
            for svc in ENDPOINT_SERVICES:
                if isolated or self.chance(0.5):
                    endpoints[svc] = {
                        "type": "gateway" if svc in ("s3", "dynamodb") else "interface",
                        "policy": "restricted" if self.chance(0.6) else "full",
                    }
            vpcs[name] = {
                "account": acct,
                "cidr": str(net),
                "flow_logs": self.chance(0.8),
                "subnets": subnets,
                "security_groups": sgs,
            }
            if endpoints:
                vpcs[name]["endpoints"] = endpoints
            # ENI profiles: the (subnets, security groups) combinations functions use.
            profiles = []
            lambda_sgs = ["lambda-https", "lambda-db", "lambda-internal", "lambda-legacy"]
            for _ in range(6 + v % 7):
                k_sub = 2 if n_az == 2 or self.chance(0.4) else 3
                start = rng.randrange(n_az - k_sub + 1)
                sg_set = rng.sample(lambda_sgs, 2 if self.chance(0.25) else 1)
                profiles.append((app_subnets[start : start + k_sub], sg_set))
            self.vpc_info.append({"name": name, "account": acct, "profiles": profiles, "isolated": isolated, "rds": []})

        # Resources per account (plus RDS instances inside VPCs).
        resources: dict[str, Any] = {}
        self.res_by_account: dict[str, dict[str, list[str]]] = {a: {} for a in self.account_names}
        self.res_type: dict[str, str] = {}
        fn_per_account = n / n_accounts
        for acct in self.account_names:
            idx = self.account_names.index(acct)
            for rtype, short, per100 in RESOURCE_MIX:
                count = max(1, round(fn_per_account * per100 / 100))
                names = []
                for r in range(count):
                    name = f"{DOMAINS[(r + idx) % len(DOMAINS)]}-{short}-{idx:02d}-{r:03d}"
                    entry: dict[str, Any] = {"type": rtype, "account": acct, "data": rng.choice(self.class_pool)}
                    if rtype == "api_gateway":
                        entry["exposure"] = "public" if self.chance(0.7) else "private"
                    elif rtype == "s3":
                        entry["public"] = False
                    elif rtype == "http":
                        entry["url"] = f"https://api.{name}.example"
                    resources[name] = entry
                    names.append(name)
                    self.res_type[name] = rtype
                self.res_by_account[acct][rtype] = names
            dlq = f"failures-{idx:02d}"
            resources[dlq] = {
                "type": "sqs",
                "account": acct,
                "data": "internal",
                "description": "On-failure destination of the account's asynchronous functions",
            }
            self.res_type[dlq] = "sqs"
            self.res_by_account[acct]["dlq"] = [dlq]
        for info in self.vpc_info:
            name = f"db-{info['name']}"
            resources[name] = {
                "type": "rds",
                "account": info["account"],
                "vpc": info["name"],
                "subnets": ["data-a", "data-b"],
                "security_groups": ["db"],
                "data": "confidential" if self.chance(0.7) else "restricted",
            }
            self.res_type[name] = "rds"
            info["rds"].append(name)
        partner_topic, partner_bucket = "partner-events", "partner-drop"
        resources[partner_topic] = {"type": "sns", "account": "partner", "description": "Partner status events"}
        resources[partner_bucket] = {"type": "s3", "account": "partner", "description": "Partner file drop"}
        self.res_type[partner_topic], self.res_type[partner_bucket] = "sns", "s3"

        # Layers: a few internal per account (some shared with the organisation), two vendors.
        layers: dict[str, Any] = {}
        self.layers_by_account: dict[str, list[str]] = {}
        org_layers: list[str] = []
        for idx, acct in enumerate(self.account_names):
            own = []
            for j, base in enumerate(("common-utils", "observability", "db-drivers")):
                name = f"{base}-{idx:02d}"
                shared: list[str] = []
                if j == 1:
                    shared = ["org"]
                    org_layers.append(name)
                elif j == 2 and idx % 4 == 3:
                    shared = ["*"]  # a layer someone made public (CODE-002)
                elif j == 0 and idx % 5 == 2:
                    shared = ["partner"]  # shared outside the organisation (CODE-003)
                layers[name] = {"account": acct, "publisher": "self", "shared_with": shared}
                own.append(name)
            self.layers_by_account[acct] = own
        for name, aid in THIRD_PARTY_LAYERS:
            layers[name] = {"publisher": "third-party", "account_id": aid}
        self.org_layers = org_layers

        # Functions.
        roles: dict[str, Any] = {}
        self.role_calls: dict[str, list[tuple[str, str]]] = {}
        self.role_fns: dict[str, int] = {}
        open_role: dict[tuple[str, str], tuple[str, int]] = {}
        functions: dict[str, Any] = {}
        fn_names_by_account: dict[str, list[str]] = {a: [] for a in self.account_names}
        vpcs_by_account: dict[str, list[dict[str, Any]]] = {a: [] for a in self.account_names}
        for info in self.vpc_info:
            vpcs_by_account[info["account"]].append(info)
        accepted: list[dict[str, Any]] = []

        for i in range(n):
            acct = self.account_names[i * n_accounts // n]
            team = self.product_teams[(i * len(self.product_teams)) // n]
            domain = team.split("-")[0]
            verb = rng.choice(ROLES_OF_FUNCTIONS)
            fname = f"{domain}-{verb}-{i:05d}"
            fn: dict[str, Any] = {"account": acct, "description": f"The {verb} of the {domain} service"}
            fn["owners"] = {"code": team, "configuration": team}
            image = self.chance(0.06)
            if image:
                fn["package"] = "image"
                fn["image"] = {"base": "custom" if self.chance(0.3) else "aws"}
            else:
                fn["runtime"] = rng.choice(self.runtime_pool)
            if self.chance(0.3):
                fn["architecture"] = "arm64"
            fn["memory"] = rng.choice((128, 256, 512, 512, 1024, 1024, 2048, 3008))
            fn["timeout"] = rng.choice((3, 6, 10, 30, 30, 60, 120, 300, 900))
            data = rng.choice(self.class_pool)
            fn["data"] = data

            vpc_candidates = vpcs_by_account[acct]
            in_vpc = bool(vpc_candidates) and not self.chance(0.15)
            vinfo = None
            if in_vpc:
                vinfo = rng.choice(vpc_candidates)
                subnets, sg_set = rng.choice(vinfo["profiles"])
                fn["vpc"] = {"vpc": vinfo["name"], "subnets": list(subnets), "security_groups": list(sg_set)}
            tmp_use = rng.choice(("scratch", "scratch", "none", "cache")) if self.chance(0.3) else None
            if tmp_use:
                fn["tmp"] = {"use": tmp_use, "sensitive": tmp_use != "none" and self.chance(0.1)}
                if tmp_use == "cache":
                    fn["ephemeral_storage"] = rng.choice((1024, 2048, 4096))

            # Role: shared by a group of functions of the same account and network placement.
            key = (acct, vinfo["name"] if vinfo else "-")
            role_name, left = open_role.get(key, ("", 0))
            if left <= 0:
                role_name = f"{domain}-exec-{i:05d}"
                left = rng.choice((1, 1, 2, 3, 4, 6, 8))
                policies = ["AWSLambdaVPCAccessExecutionRole" if vinfo else "AWSLambdaBasicExecutionRole"]
                if self.chance(0.02):
                    policies.append("AWSLambdaRole")  # invoke-anything (IAM-005)
                roles[role_name] = {"account": acct, "kind": "execution", "managed_policies": policies}
                self.role_calls[role_name] = []
                self.role_fns[role_name] = 0
            open_role[key] = (role_name, left - 1)
            fn["role"] = role_name
            self.role_fns[role_name] += 1

            env: dict[str, Any] = {"LOG_LEVEL": rng.choice(("INFO", "WARN", "DEBUG")), "SERVICE": domain}
            if self.chance(0.02):
                env["API_TOKEN"] = {"secret": True}
            if self.chance(0.005):
                env["DB_PASSWORD"] = "changeme"
            fn["environment"] = env
            if self.chance(0.3):
                fn["kms_key"] = "customer-managed"

            # Calls: 1-3 resources of the account, sometimes the VPC's database or another function.
            calls: list[dict[str, Any]] = []
            pool = self.res_by_account[acct]
            for _ in range(rng.randint(1, 3)):
                rtype = rng.choice(
                    (
                        "dynamodb",
                        "dynamodb",
                        "s3",
                        "sqs",
                        "sns",
                        "secretsmanager",
                        "eventbridge",
                        "http",
                        "kinesis",
                        "ssm",
                    )
                )
                target = rng.choice(pool[rtype])
                if any(c.get("resource") == target for c in calls):
                    continue
                access = (
                    "read" if rtype in ("secretsmanager", "ssm", "http") else rng.choice(("read", "write", "write"))
                )
                calls.append({"resource": target, "access": access})
            if vinfo and "lambda-db" in fn["vpc"]["security_groups"]:
                calls.append({"resource": vinfo["rds"][0], "access": "write"})
            elif not vinfo and self.chance(0.01) and vpc_candidates:
                calls.append({"resource": vpc_candidates[0]["rds"][0], "access": "read"})  # NET-002
            siblings = fn_names_by_account[acct]
            if siblings and self.chance(0.15):
                callee = siblings[rng.randrange(max(0, len(siblings) - 50), len(siblings))]
                mode = "async" if self.chance(0.5) else "sync"
                calls.append({"function": callee, "mode": mode})
            fn["calls"] = calls
            for c in calls:
                self.role_calls[role_name].append(
                    (c.get("resource") or "function:" + c["function"], c.get("access", "write"))
                )

            # Triggers and the resource-based permissions they need.
            triggers: list[dict[str, Any]] = []
            permissions: list[dict[str, Any]] = []
            aid = self.account_ids[acct]
            kind = rng.choice(
                ("api_gateway", "api_gateway", "sqs", "sqs", "s3", "schedule", "sns", "eventbridge", "none", "none")
            )
            sloppy = self.chance(0.02)
            if kind == "api_gateway":
                api = rng.choice(pool["api_gateway"])
                triggers.append(
                    {
                        "type": "api_gateway",
                        "source": api,
                        "auth": rng.choice(("cognito", "cognito", "iam", "jwt", "lambda", "none")),
                    }
                )
                perm = {"principal": "apigateway.amazonaws.com"}
                if not sloppy:
                    perm["source_arn"] = f"arn:aws:execute-api:{REGION}:{aid}:{api[:10].replace('-', '')}/*/*/{domain}"
                permissions.append(perm)
            elif kind == "sqs":
                q = rng.choice(pool["sqs"])
                triggers.append({"type": "sqs", "source": q})
                self.role_calls[role_name].append((q, "read"))
            elif kind == "s3":
                bucket = rng.choice(pool["s3"])
                triggers.append({"type": "s3", "source": bucket})
                perm = {"principal": "s3.amazonaws.com", "source_arn": f"arn:aws:s3:::{bucket}"}
                if not sloppy:
                    perm["source_account"] = aid
                permissions.append(perm)
            elif kind == "schedule":
                triggers.append(
                    {
                        "type": "schedule",
                        "description": rng.choice(("rate(5 minutes)", "rate(1 hour)", "cron(0 3 * * ? *)")),
                    }
                )
                permissions.append(
                    {
                        "principal": "events.amazonaws.com",
                        "source_arn": f"arn:aws:events:{REGION}:{aid}:rule/{fname}-schedule",
                    }
                )
            elif kind == "sns":
                topic = rng.choice(pool["sns"])
                triggers.append({"type": "sns", "source": topic})
                permissions.append(
                    {"principal": "sns.amazonaws.com", "source_arn": f"arn:aws:sns:{REGION}:{aid}:{topic}"}
                )
            elif kind == "eventbridge":
                bus = rng.choice(pool["eventbridge"])
                triggers.append({"type": "eventbridge", "source": bus})
                permissions.append(
                    {
                        "principal": "events.amazonaws.com",
                        "source_arn": f"arn:aws:events:{REGION}:{aid}:rule/{bus}/{fname}",
                    }
                )
            if self.chance(0.01):  # a partner integration across accounts
                if self.chance(0.5):
                    triggers.append({"type": "sns", "source": partner_topic})
                    permissions.append(
                        {
                            "principal": "sns.amazonaws.com",
                            "source_arn": f"arn:aws:sns:{REGION}:{PARTNER_ID}:{partner_topic}",
                        }
                    )
                else:
                    permissions.append({"principal": "partner"})
            if self.chance(0.03):  # a sibling account of the organisation
                permissions.append({"principal": "*", "org_id": ORG_ID})
            if self.chance(0.002):
                permissions.append({"principal": "*"})  # public invoke (IAM-001)
            if self.chance(0.02):
                fn["url"] = {"auth": "AWS_IAM"} if self.chance(0.7) else {"auth": "NONE", "cors_origins": ["*"]}
            if triggers:
                fn["triggers"] = triggers
            if permissions:
                fn["permissions"] = permissions
            is_async = any(t["type"] in ("s3", "schedule", "sns", "eventbridge") for t in triggers)
            if is_async and self.chance(0.8):
                fn["async"] = {"on_failure": pool["dlq"][0]}
                self.role_calls[role_name].append((pool["dlq"][0], "write"))

            if not image:
                n_layers = rng.choice((0, 0, 1, 1, 2))
                choices = self.layers_by_account[acct] + self.org_layers[:3] + [THIRD_PARTY_LAYERS[0][0]]
                chosen: list[str] = []
                for _ in range(n_layers):
                    layer = rng.choice(choices)
                    if layer not in chosen:
                        chosen.append(layer)
                if chosen:
                    fn["layers"] = chosen
                if self.chance(0.7):
                    fn["code_signing"] = {"policy": "enforce" if self.chance(0.9) else "warn"}
            if self.chance(0.3):
                fn["reserved_concurrency"] = rng.choice((1, 5, 10, 50, 100))
            fn["tracing"] = self.chance(0.6)
            if self.chance(0.5):
                fn["supply_chain"] = {
                    "dependency_scanning": True,
                    "sbom": self.chance(0.4),
                    "pinned_dependencies": self.chance(0.7),
                }
            functions[fname] = fn
            fn_names_by_account[acct].append(fname)

            if not vinfo and self.chance(0.1):
                accepted.append(
                    {
                        "rule": "NET-001",
                        "element": f"functions.{fname}",
                        "justification": "Calls public AWS APIs only; reviewed in the quarterly network review",
                        "owner": team,
                        "expires": rng.choice((dt.date(2026, 6, 30), dt.date(2027, 3, 31), dt.date(2027, 9, 30))),
                    }
                )

        # Execution role statements, from what the functions of each role call.
        for role_name, used in self.role_calls.items():
            by_actions: dict[tuple[str, ...], list[str]] = {}
            for target, access in used:
                if target.startswith("function:"):
                    acts: tuple[str, ...] = ("lambda:InvokeFunction",)
                    ref = target
                else:
                    rtype = self.res_type[target]
                    if rtype == "http":
                        continue
                    read, write = ACTIONS[rtype]
                    acts = tuple(read if access == "read" else write)
                    if rtype == "rds":
                        ref = (
                            f"arn:aws:rds-db:{REGION}:{self.account_ids[roles[role_name]['account']]}:dbuser:*/{target}"
                        )
                    else:
                        ref = f"{REF_PREFIX.get(rtype, 'resource')}:{target}"
                refs = by_actions.setdefault(acts, [])
                if ref not in refs:
                    refs.append(ref)
            statements = [{"effect": "Allow", "actions": list(a), "resources": r} for a, r in by_actions.items()]
            if self.chance(0.01):
                statements.append({"effect": "Allow", "actions": ["dynamodb:*"], "resources": ["*"]})  # IAM-007
            if statements:
                roles[role_name]["statements"] = statements
            if self.role_fns[role_name] > 1:
                role = roles[role_name]
                roles[role_name] = {
                    "account": role.pop("account"),
                    "kind": role.pop("kind"),
                    "description": f"Shared by {self.role_fns[role_name]} functions",
                    **role,
                }

        # Deployment roles: one per account; PassRole limited to the account's execution roles.
        deploy_roles = []
        for acct in self.account_names:
            aid = self.account_ids[acct]
            name = f"deployer-{acct}"
            roles[name] = {
                "account": acct,
                "kind": "deployment",
                "statements": [
                    {
                        "effect": "Allow",
                        "actions": ["lambda:*"],
                        "resources": [
                            f"arn:aws:lambda:{REGION}:{aid}:function:*",
                            f"arn:aws:lambda:{REGION}:{aid}:layer:*",
                        ],
                    },
                    {
                        "effect": "Allow",
                        "actions": ["iam:PassRole"],
                        "resources": [f"arn:aws:iam::{aid}:role/lambda/*"],
                        "conditions": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
                    },
                    {
                        "effect": "Allow",
                        "actions": ["cloudformation:*", "s3:PutObject", "s3:GetObject"],
                        "resources": [
                            f"arn:aws:cloudformation:{REGION}:{aid}:stack/*",
                            f"arn:aws:s3:::deploy-artifacts-{aid}/*",
                        ],
                    },
                ],
            }
            deploy_roles.append(name)

        accepted.extend(
            [
                {
                    "rule": "CODE-004",
                    "justification": "Vendor extensions reviewed and pinned by security engineering",
                    "owner": "security-team",
                    "expires": dt.date(2027, 6, 30),
                },
                {
                    "rule": "IAM-011",
                    "justification": "Roles are shared per service by design; reviewed yearly",
                    "owner": "platform-team",
                    "expires": dt.date(2026, 10, 31),
                },
            ]
        )

        areas = ("networking", "iam", "configuration", "code", "runtime", "execution-environment")
        responsibilities = {
            a: ("platform-team" if a in ("networking", "iam") else self.product_teams[0]) for a in areas
        }

        self.model = {
            "version": 1,
            "workload": {
                "name": f"synthetic-{n}",
                "description": f"Synthetic workload with {n} functions (benchmarks/synth.py)",
                "owner": "platform-team",
                "data_classification": "confidential",
                "as_of": dt.date(2026, 11, 30),
            },
            "teams": teams,
            "responsibilities": responsibilities,
            "accounts": accounts,
            "vpcs": vpcs,
            "guardrails": [
                {"control": "lambda-vpc-only", "via": "scp", "vpcs": list(vpcs)},
                {"control": "lambda-subnets-only", "via": "permission_boundary"},
                {"control": "layers-allowlist", "via": "scp"},
            ],
            "roles": roles,
            "layers": layers,
            "resources": resources,
            "functions": functions,
            "deployment": {
                "tool": "terraform",
                "roles": deploy_roles,
                "pipeline": {"dependency_scanning": True, "sast": True, "code_signing": False},
            },
            "accepted_risks": accepted,
        }
        return self.model


def _dump(model: dict[str, Any]) -> str:
    # The representer allocates one node per value; the cyclic GC adds nothing but time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return yaml.dump(model, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
    finally:
        if enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a synthetic tmgen workload model with N functions spread over accounts, "
        "VPCs, security groups, roles, layers, resources and triggers.",
        epilog="example: python3 benchmarks/synth.py 1000 -o /tmp/synth-1000.yaml --seed 7",
    )
    parser.add_argument("n", type=int, metavar="N", help="number of functions (>= 1)")
    parser.add_argument("-o", "--output", metavar="FILE", help="where to write the model (default: stdout)")
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed; the same seed gives the same file (default: 1)"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    text = "# Generated by benchmarks/synth.py; do not edit.\n" + _dump(Synth(args.n, args.seed).build())
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
