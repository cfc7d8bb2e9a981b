"""Runtime lifecycle on a given date: supported, deprecated, create blocked, update blocked, unknown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tmgen.knowledge import Runtime

SUPPORTED = "supported"
DEPRECATED = "deprecated"
CREATE_BLOCKED = "create blocked"
UPDATE_BLOCKED = "update blocked"
UNKNOWN = "unknown"
NOT_APPLICABLE = "not applicable"  # container images carry no runtime identifier


@dataclass(frozen=True)
class RuntimeStatus:
    identifier: str | None
    status: str
    runtime: Runtime | None = None
    days_to_deprecation: int | None = None

    @property
    def past_deprecation(self) -> bool:
        return self.status in (DEPRECATED, CREATE_BLOCKED, UPDATE_BLOCKED)

    @property
    def custom(self) -> bool:
        return bool(self.identifier) and self.identifier.startswith("provided")  # type: ignore[union-attr]

    def describe(self) -> str:
        rt = self.runtime
        if rt is None:
            return f"{self.identifier} ({self.status})"
        if rt.deprecation is None:
            return f"{self.identifier} (supported; no deprecation date announced)"
        parts = [f"deprecated {rt.deprecation}" if self.past_deprecation else f"deprecation {rt.deprecation}"]
        if rt.block_create:
            parts.append(f"create blocked {rt.block_create}")
        if rt.block_update:
            parts.append(f"update blocked {rt.block_update}")
        return f"{self.identifier} ({', '.join(parts)})"


def runtime_status(identifier: str | None, runtimes: dict[str, Runtime], as_of: dt.date) -> RuntimeStatus:
    if not identifier:
        return RuntimeStatus(None, NOT_APPLICABLE)
    rt = runtimes.get(identifier)
    if rt is None:
        return RuntimeStatus(identifier, UNKNOWN)
    days = (rt.deprecation - as_of).days if rt.deprecation else None
    if rt.block_update and as_of >= rt.block_update:
        status = UPDATE_BLOCKED
    elif rt.block_create and as_of >= rt.block_create:
        status = CREATE_BLOCKED
    elif rt.deprecation and as_of >= rt.deprecation:
        status = DEPRECATED
    else:
        status = SUPPORTED
    return RuntimeStatus(identifier, status, rt, days)
