"""Rules: code."""

from __future__ import annotations

from collections.abc import Iterator

from tmgen.rules import Hit, rule
from tmgen.rules.context import RuleContext
