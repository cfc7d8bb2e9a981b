"""The rule registry: each rule is a small function registered by id with @rule.

Families live in their own modules (runtime, networking, configuration, code, iam,
ownership); `all_rules()` imports them explicitly, so the registry is the same whatever
was imported before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tmgen.rules.context import RuleContext


@dataclass
class Hit:
    """What a rule reports: the element (a model path), the evidence, and optionally a
    severity that replaces the base one, the functions concerned (for the team and the
    data-classification escalation), and a component (OWN-001 takes its duty's)."""

    element: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None
    functions: list[str] | None = None
    component: str | None = None
    team: str | None = None


RuleFn = Callable[["RuleContext"], Iterable[Hit]]
_REGISTRY: dict[str, RuleFn] = {}


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in _REGISTRY and _REGISTRY[rule_id] is not fn:
            raise ValueError(f"rule {rule_id} is registered twice")
        _REGISTRY[rule_id] = fn
        return fn

    return register


def all_rules() -> dict[str, RuleFn]:
    from tmgen.rules import code, configuration, iam, networking, ownership, runtime  # noqa: F401

    return dict(_REGISTRY)


def iter_hits(ctx: RuleContext, only: Iterable[str] | None = None) -> Iterator[tuple[str, Hit]]:
    rules = all_rules()
    for rule_id in only or rules:
        for hit in rules[rule_id](ctx):
            yield rule_id, hit
