"""Rules on the runtime and the execution environment (RT-*, EE-*)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from tmgen.lifecycle import UPDATE_BLOCKED, RuntimeStatus
from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext

# RT-002 warns this many days ahead: long enough to plan an upgrade with its dependency
# changes before AWS stops patching the runtime.
DEPRECATION_NOTICE_DAYS = 180


def _date(value: object) -> str | None:
    return str(value) if value else None


def _deprecated(st: RuntimeStatus, as_of: dt.date) -> bool:
    """On or after the runtime's deprecation date. A few old runtimes had creation blocked
    before their deprecation date (nodejs8.10): that alone does not make them deprecated."""
    return st.runtime is not None and st.runtime.deprecation is not None and as_of >= st.runtime.deprecation


@rule("RT-001")
def runtime_past_deprecation(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        st = ctx.status(name)
        if fn.package != "zip" or not _deprecated(st, ctx.as_of) or st.runtime is None:
            continue
        rt = st.runtime
        yield Hit(
            f"functions.{name}.runtime",
            {
                "runtime": st.identifier,
                "deprecation": str(rt.deprecation),
                "status": st.status,
                "block_create": _date(rt.block_create),
                "block_update": _date(rt.block_update),
                "as_of": str(ctx.as_of),
            },
            severity="critical" if st.status == UPDATE_BLOCKED else None,
        )


@rule("RT-002")
def runtime_deprecation_soon(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        st = ctx.status(name)
        if fn.package != "zip" or st.runtime is None or _deprecated(st, ctx.as_of):
            continue
        days = st.days_to_deprecation
        # On the deprecation day itself the runtime is already deprecated (RT-001's case).
        if days is None or not 0 < days <= DEPRECATION_NOTICE_DAYS:
            continue
        rt = st.runtime
        yield Hit(
            f"functions.{name}.runtime",
            {
                "runtime": st.identifier,
                "deprecation": str(rt.deprecation),
                "days_left": days,
                "block_create": _date(rt.block_create),
                "block_update": _date(rt.block_update),
                "as_of": str(ctx.as_of),
            },
        )


@rule("RT-003")
def custom_runtime(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if not fn.is_custom_runtime():
            continue
        st = ctx.status(name)
        yield Hit(
            f"functions.{name}.runtime",
            {"runtime": fn.runtime, "os": st.runtime.os if st.runtime else None},
        )


@rule("RT-004")
def container_image(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.package == "image":
            yield Hit(f"functions.{name}.package", {"package": "image", "image_base": fn.image_base})


@rule("RT-005")
def unknown_runtime(ctx: RuleContext) -> Iterator[Hit]:
    known = ctx.knowledge.runtimes
    for name, fn in ctx.workload.functions.items():
        if fn.package != "zip" or not fn.runtime:
            continue
        if fn.runtime not in known:
            yield Hit(f"functions.{name}.runtime", {"runtime": fn.runtime})


@rule("EE-001")
def sensitive_tmp(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.tmp.sensitive:
            yield Hit(
                f"functions.{name}.tmp",
                {"tmp.sensitive": True, "tmp.use": fn.tmp.use, "ephemeral_storage_mb": fn.ephemeral_storage},
            )


@rule("EE-002")
def tmp_cache_untrusted(ctx: RuleContext) -> Iterator[Hit]:
    for name, fn in ctx.workload.functions.items():
        if fn.tmp.use == "cache" and ctx.reachable_from_untrusted(name):
            yield Hit(
                f"functions.{name}.tmp",
                {"tmp.use": "cache", "untrusted_sources": ctx.untrusted[name]},
            )
