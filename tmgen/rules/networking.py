"""Rules on networking: VPC placement, security groups, subnets and Hyperplane ENIs (NET-*)."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext


@rule("NET-001")
def outside_vpc(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.vpc is None:
            yield Hit(f"functions.{name}", {"vpc": None, "egress": "open, from the Lambda service VPC"})
