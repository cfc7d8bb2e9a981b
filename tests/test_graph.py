"""The trust-boundary graph: node and edge kinds, boundaries, crossings, derived ENIs."""

from __future__ import annotations

from tmgen.analysis import analyze, load_workload
from tmgen.graph import EDGE_KINDS, NODE_KINDS

FULL = """
version: 1
workload: {name: full, as_of: 2026-11-30}
accounts:
  prod: {id: "111122223333"}
  partner: {id: "444455556666", external: true}
vpcs:
  core:
    account: prod
    cidr: 10.0.0.0/16
    subnets:
      a: {az: eu-west-1a, cidr: 10.0.1.0/24, route: nat}
      b: {az: eu-west-1b, cidr: 10.0.2.0/24, route: nat}
    security_groups:
      fn-sg: {egress: [{to: 0.0.0.0/0, ports: "443"}, {to: "sg:db-sg", ports: "5432"}]}
      other-sg: {}
      db-sg: {ingress: [{from: "sg:fn-sg", ports: "5432"}]}
    endpoints:
      dynamodb: {type: gateway, policy: restricted}
roles:
  exec: {managed_policies: [AWSLambdaVPCAccessExecutionRole]}
  deployer:
    kind: deployment
    statements: [{effect: Allow, actions: ["lambda:*"], resources: ["*"]}]
layers:
  utils: {account: prod, shared_with: [partner, "*"]}
  vendor: {publisher: third-party, account_id: "464622532012"}
resources:
  table: {type: dynamodb, data: confidential}
  db: {type: rds, vpc: core, subnets: [a], security_groups: [db-sg]}
  api: {type: api_gateway, exposure: public}
  cards: {type: http, url: https://cards.example}
functions:
  a:
    runtime: python3.12
    role: exec
    vpc: {vpc: core, subnets: [a, b], security_groups: [fn-sg, other-sg]}
    layers: [utils, vendor]
    triggers: [{type: api_gateway, source: api, auth: cognito}]
    calls: [{resource: table, access: write}, {resource: db}, {function: c, mode: async}]
  b:
    runtime: python3.12
    role: exec
    vpc: {vpc: core, subnets: [b, a], security_groups: [other-sg, fn-sg]}
  d:
    runtime: python3.12
    vpc: {vpc: core, subnets: [a], security_groups: [fn-sg]}
  c:
    runtime: python3.12
    url: {auth: NONE}
    permissions: [{principal: partner}]
    calls: [{resource: cards}]
deployment: {roles: [deployer]}
"""


def graph_of(write_model, text: str = FULL):
    return analyze(load_workload(write_model(text))).graph


def test_every_node_and_edge_kind(write_model) -> None:
    tg = graph_of(write_model)
    g = tg.graph
    assert {d["kind"] for _, d in g.nodes(data=True)} == set(NODE_KINDS)
    assert {d["kind"] for _, _, d in g.edges(data=True)} == set(EDGE_KINDS)
    for n, d in g.nodes(data=True):
        assert d["kind"] in NODE_KINDS and "boundary" in d, n
        if d["boundary"] is not None:
            assert g.nodes[d["boundary"]]["is_boundary"], n


def test_enis_are_shared_by_subnet_and_group_set_regardless_of_order(write_model) -> None:
    tg = graph_of(write_model)
    # a and b: same subnets, same groups in another order -> the same two ENIs
    assert sorted(tg.function_enis["a"]) == sorted(tg.function_enis["b"])
    assert len(tg.function_enis["a"]) == 2
    # d: subnet a with a different group set -> its own ENI
    assert set(tg.function_enis["d"]).isdisjoint(tg.function_enis["a"])
    assert len(tg.enis) == 3
    shared = tg.enis["eni:prod/core/a/fn-sg+other-sg"]
    assert shared.functions == ["a", "b"] and shared.security_groups == ("fn-sg", "other-sg")
    assert "c" not in tg.function_enis


def test_eni_per_account(write_model) -> None:
    text = FULL.replace("  d:\n    runtime: python3.12\n", "  d:\n    account: partner\n    runtime: python3.12\n")
    text = text.replace(
        "vpc: {vpc: core, subnets: [a], security_groups: [fn-sg]}",
        "vpc: {vpc: core, subnets: [a, b], security_groups: [other-sg, fn-sg]}",
    )
    tg = graph_of(write_model, text)
    assert "eni:partner/core/a/fn-sg+other-sg" in tg.enis
    assert len(tg.enis) == 4


def test_boundaries_and_crossings(write_model) -> None:
    tg = graph_of(write_model)
    g = tg.graph
    assert g.nodes["ee:a"]["boundary"] == "aws:lambda-service-vpc"
    assert g.nodes["aws:lambda-service-vpc"]["boundary"] == "aws:lambda-service"
    assert g.nodes["eni:prod/core/a/fn-sg+other-sg"]["boundary"] == "subnet:core/a"
    assert g.nodes["subnet:core/a"]["boundary"] == "vpc:core"
    assert g.nodes["vpc:core"]["boundary"] == "account:prod"
    assert g.nodes["account:partner"]["kind"] == "external_account"
    assert g.nodes["account-id:464622532012"]["kind"] == "external_account"
    assert g.nodes["resource:cards"]["boundary"] == "internet"
    edges = {(u, v, d["kind"]): d for u, v, d in g.edges(data=True)}
    assert edges[("account:partner", "function:c", "invokes")]["crosses"] == ["account:partner", "account:prod"]
    assert edges[("internet", "function:c", "invokes")]["crosses"] == ["internet", "account:prod"]
    assert edges[("ee:c", "internet", "egress")]["crosses"] == [
        "aws:lambda-service-vpc",
        "aws:lambda-service",
        "internet",
    ]
    assert edges[("function:a", "resource:table", "calls")]["crosses"] == []
    assert edges[("function:a", "function:c", "invokes")]["mode"] == "async"
    assert edges[("layer:utils", "internet", "shares_with")]["crosses"] == ["account:prod", "internet"]


def test_can_modify_and_deploys_edges(write_model) -> None:
    g = graph_of(write_model).graph
    modify = {(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "can_modify"}
    assert ("role:deployer", "function:a") in modify and ("role:deployer", "layer:utils") in modify
    assert not any(u == "role:exec" for u, _ in modify)
    deploys = {v for u, v, d in g.edges(data=True) if d["kind"] == "deploys"}
    assert deploys == {"function:a", "function:b", "function:c", "function:d"}


def test_vpc_egress_only_through_nat(write_model) -> None:
    g = graph_of(write_model, FULL.replace("route: nat", "route: isolated")).graph
    assert not any(u.startswith("eni:") and v == "internet" for u, v in g.edges())
    g = graph_of(write_model).graph
    assert ("eni:prod/core/a/fn-sg", "internet") in set(g.edges())
