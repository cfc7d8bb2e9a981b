"""Rules on function code and libraries: dependency scanning, static analysis, layers, code
signing and event-data injection (CODE-*)."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.iam import LAYER_MODIFY_ACTIONS
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext


@rule("CODE-001")
def no_dependency_scanning(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    pipeline = w.deployment.pipeline if w.deployment else None
    # Scanning in the pipeline covers every function it builds.
    if pipeline is not None and pipeline.dependency_scanning:
        return
    for name, fn in w.functions.items():
        if fn.supply_chain is not None and fn.supply_chain.dependency_scanning:
            continue
        yield Hit(
            f"functions.{name}",
            {
                "supply_chain.dependency_scanning": bool(fn.supply_chain and fn.supply_chain.dependency_scanning),
                "deployment.pipeline.dependency_scanning": bool(pipeline and pipeline.dependency_scanning),
            },
        )


def _layer_users(ctx: RuleContext, layer: str) -> list[str]:
    return [name for name, fn in ctx.workload.functions.items() if layer in fn.layers]


@rule("CODE-002")
def layer_shared_with_everyone(ctx: RuleContext) -> Iterator[Hit]:
    for name, layer in ctx.workload.layers.items():
        for j, target in enumerate(layer.shared_with):
            if target == "*":
                yield Hit(f"layers.{name}.shared_with[{j}]", {"shared_with": "*"}, functions=_layer_users(ctx, name))


@rule("CODE-003")
def layer_shared_outside_org(ctx: RuleContext) -> Iterator[Hit]:
    for name, layer in ctx.workload.layers.items():
        for j, target in enumerate(layer.shared_with):
            # `*` is CODE-002's; `org` and an organisation id stay inside the organisation.
            if target in ("*", "org") or target.startswith("o-"):
                continue
            if ctx.is_external_account(target):
                yield Hit(f"layers.{name}.shared_with[{j}]", {"shared_with": target}, functions=_layer_users(ctx, name))


@rule("CODE-004")
def foreign_layer(ctx: RuleContext) -> Iterator[Hit]:
    w = ctx.workload
    for name, fn in w.functions.items():
        for j, lname in enumerate(fn.layers):
            layer = w.layers[lname]
            reasons: dict[str, str] = {}
            if layer.publisher == "third-party":
                reasons["publisher"] = "third-party"
            # Any publisher's layer held in an account outside the model (an AWS-owned one
            # included) runs inside the function with its role, and its versions change
            # outside our control.
            elif layer.account_id and ctx.is_external_account(layer.account_id):
                reasons["account_id"] = layer.account_id
                reasons["publisher"] = layer.publisher
            elif layer.account and ctx.is_external_account(layer.account):
                reasons["account"] = layer.account
            if reasons:
                yield Hit(f"functions.{name}.layers[{j}]", {"layer": lname, **reasons})


@rule("CODE-005")
def code_signing_not_enforced(ctx: RuleContext) -> Iterator[Hit]:
    guardrail = ctx.workload.guardrail("code-signing-required")
    for name, fn in ctx.workload.functions.items():
        if fn.code_signing is not None and fn.code_signing.policy == "enforce":
            continue
        if fn.package == "image":
            continue  # Lambda code signing covers zip packages only; images are signed in ECR (RT-004)
        evidence: dict[str, object] = {"code_signing": fn.code_signing.policy if fn.code_signing else None}
        if guardrail is not None:
            # The organisation requires signing: an unsigned function contradicts the guardrail.
            evidence["guardrail"] = f"code-signing-required via {guardrail.via}"
        yield Hit(f"functions.{name}", evidence, severity="high" if guardrail is not None else None)


@rule("CODE-006")
def layer_publisher_outside_deployment(ctx: RuleContext) -> Iterator[Hit]:
    for role in ctx.workload.roles:
        if role in ctx.deployment_roles:
            continue
        rp = ctx.policy(role)
        if rp is None:
            continue
        on_any = rp.can_any(LAYER_MODIFY_ACTIONS, "*")
        # A layer the model does not list yet: only wildcard resources reach that name.
        new_layer = rp.can_any(("lambda:PublishLayerVersion",), "layer:\x00new")
        if new_layer and not on_any:
            on_any = new_layer
        layers = {layer: actions for layer, mods in ctx.layer_modifiers.items() for r, actions in mods if r == role}
        if not on_any and not layers:
            continue
        evidence: dict[str, object] = {"kind": ctx.workload.roles[role].kind}
        if on_any:
            evidence["actions_on_any_layer"] = on_any
        if layers:
            evidence["layers"] = layers
        yield Hit(f"roles.{role}", evidence, functions=ctx.role_users.get(role, []))


@rule("CODE-007")
def untrusted_event_input(ctx: RuleContext) -> Iterator[Hit]:
    # `untrusted` already covers external-account triggers and permissions.
    for name in ctx.workload.functions:
        sources = ctx.untrusted[name]
        if sources:
            yield Hit(f"functions.{name}", {"sources": [f"{s['via']} ({s['element']})" for s in sources]})


@rule("CODE-008")
def no_static_analysis(ctx: RuleContext) -> Iterator[Hit]:
    # One finding per model: static analysis runs on the code base, in the pipeline.
    w = ctx.workload
    deployment = w.deployment
    pipeline = deployment.pipeline if deployment is not None else None
    if pipeline is not None and pipeline.sast:
        return
    evidence: dict[str, object]
    if deployment is None:
        evidence = {"deployment": None}
    elif pipeline is None:
        evidence = {"deployment.pipeline": None}
    else:
        evidence = {"deployment.pipeline.sast": False}
    evidence["functions"] = len(w.functions)
    # Not tied to one function: the team is the workload's `code` responsibility.
    yield Hit("deployment.pipeline.sast" if deployment is not None else "workload", evidence)
