"""Rules on the runtime and the execution environment (RT-*, EE-*)."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.lifecycle import UPDATE_BLOCKED
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext


@rule("RT-001")
def runtime_past_deprecation(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        st = ctx.status(name)
        if fn.package != "zip" or not st.past_deprecation or st.runtime is None:
            continue
        rt = st.runtime
        yield Hit(
            f"functions.{name}.runtime",
            {"runtime": st.identifier, "deprecation": str(rt.deprecation), "status": st.status,
             "block_create": str(rt.block_create) if rt.block_create else None,
             "block_update": str(rt.block_update) if rt.block_update else None, "as_of": str(ctx.as_of)},
            severity="critical" if st.status == UPDATE_BLOCKED else None,
        )
