"""Rules on ownership: customer-side duties of the responsibility matrix with no team (OWN-*)."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.responsibility import Duty
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext


@rule("OWN-001")
def unassigned_duty(ctx: RuleContext) -> Iterator[Hit]:
    # One finding per function and component: the fix (an `owners` entry or a
    # `responsibilities` entry) assigns all of that component's duties at once.
    groups: dict[tuple[str, str], list[Duty]] = {}
    for duty in ctx.matrix.unassigned():
        groups.setdefault((duty.function, duty.component), []).append(duty)
    for (function, component), duties in groups.items():
        yield Hit(
            f"functions.{function}.owners.{component}",
            {
                "duties": [d.text for d in duties],
                "elements": list(dict.fromkeys(e for d in duties for e in d.elements)),
            },
            functions=[function],
            component=component,
        )
