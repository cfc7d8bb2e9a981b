"""Reads the knowledge base in model/: components, rule metadata, runtime lifecycle and
managed policies, each validated at load."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tmgen.schema import COMPONENT_IDS


def data_dir(name: str) -> Path:
    """model/ or templates/: inside the installed package, else beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tmgen's {name}/ directory is missing from the installation")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reference(_Data):
    title: str
    url: str


class Equivalent(_Data):
    tool: str
    id: str


Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")


class RuleMeta(_Data):
    id: str = Field(pattern=r"^(RT|EE|NET|CFG|CODE|IAM|OWN)-\d{3}$")
    title: str = Field(min_length=3)
    component: Literal[
        "infrastructure", "execution-environment", "runtime", "networking", "configuration", "code", "iam", "any"
    ]
    stride: list[Literal["S", "T", "R", "I", "D", "E"]] = Field(min_length=1)
    severity: Severity
    severity_note: str = ""
    escalates: bool = False
    owner: Literal["Customer", "Shared"]
    fires_when: str
    description: str
    rationale: str
    mitigations: list[str] = Field(min_length=1)
    references: list[Reference] = Field(default_factory=list)
    equivalents: list[Equivalent] = Field(default_factory=list)


class Component(_Data):
    id: str
    name: str
    side: Literal["aws", "shared", "customer"]
    default_owner: Literal["AWS", "Shared", "Customer"]
    covers: str
    aws_does: str = ""
    customer_does: str = ""


class Shift(_Data):
    component: str
    owner: Literal["AWS", "Shared", "Customer"]
    reason: str


class ComponentsFile(_Data):
    source: str
    as_of: dt.date
    components: list[Component]
    shifts: dict[str, Shift]
    duties: dict[str, str]


class Runtime(_Data):
    language: str
    version: str
    os: str | None = None
    deprecation: dt.date | None = None
    block_create: dt.date | None = None
    block_update: dt.date | None = None
    source: str = ""


class RuntimesFile(_Data):
    source: str
    as_of: dt.date
    notes: list[str] = Field(default_factory=list)
    runtimes: dict[str, Runtime]


class PolicyInfo(_Data):
    exact: bool = True
    version: str | None = None
    source: str = ""
    as_of: dt.date | None = None


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


class Knowledge:
    """Everything tmgen knows about Lambda, loaded once."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir("model")
        comps = ComponentsFile.model_validate(_read_yaml(self.root / "components.yaml"))
        ids = [c.id for c in comps.components]
        if tuple(ids) != COMPONENT_IDS:
            raise ValueError(f"model/components.yaml must list {COMPONENT_IDS}, has {ids}")
        self.components: dict[str, Component] = {c.id: c for c in comps.components}
        self.components_source = comps
        self.ownership = comps  # the shifts and duties live beside the components they move
        for sid, shift in comps.shifts.items():
            if shift.component not in COMPONENT_IDS:
                raise ValueError(f"model/components.yaml: shift {sid} names unknown component {shift.component}")
        self.runtimes_file = RuntimesFile.model_validate(_read_yaml(self.root / "runtimes.yaml"))
        self.runtimes: dict[str, Runtime] = self.runtimes_file.runtimes
        self.rules: dict[str, RuleMeta] = {}
        for path in sorted((self.root / "rules").glob("*.yaml")):
            meta = RuleMeta.model_validate(_read_yaml(path))
            if meta.id != path.stem:
                raise ValueError(f"{path}: id {meta.id} does not match the file name")
            self.rules[meta.id] = meta
        self.rules = dict(sorted(self.rules.items(), key=lambda kv: rule_sort_key(kv[0])))
        self.policies: dict[str, dict[str, Any]] = {}
        for path in sorted((self.root / "policies").glob("*.json")):
            self.policies[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        index = self.root / "policies" / "index.yaml"
        raw_index = _read_yaml(index) if index.exists() else {}
        entries = raw_index.get("policies", raw_index) if isinstance(raw_index, dict) else {}
        self.policy_info: dict[str, PolicyInfo] = {}
        if isinstance(entries, dict):
            for name, info in entries.items():
                if isinstance(info, dict):
                    self.policy_info[name] = PolicyInfo.model_validate(
                        {k: v for k, v in info.items() if k in PolicyInfo.model_fields}
                    )


FAMILY_ORDER = ("RT", "EE", "NET", "CFG", "CODE", "IAM", "OWN")


def rule_sort_key(rule_id: str) -> tuple[int, int]:
    family, _, number = rule_id.partition("-")
    order = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    return order, int(number) if number.isdigit() else 0


@cache
def knowledge() -> Knowledge:
    return Knowledge()
