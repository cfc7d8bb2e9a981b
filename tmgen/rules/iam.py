"""Rules on identity and access: resource policies, URLs, roles and escalation (IAM-*)."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext, permission_is_public


@rule("IAM-001")
def public_permission(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        for j, p in enumerate(fn.permissions):
            if permission_is_public(p):
                yield Hit(f"functions.{name}.permissions[{j}]", {"principal": "*", "action": p.action})
