"""Importers: turn SAM / CloudFormation templates, Serverless Framework files and Terraform into
a workload model, and write that model as commented YAML."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tmgen.errors import Location, ModelError, ModelInvalid
from tmgen.importers.draft import ImportResult
from tmgen.load import MAX_BYTES, format_path, read_text

__all__ = ["FORMATS", "ImportResult", "detect", "import_path", "to_yaml"]

FORMATS = ("sam", "cloudformation", "serverless", "terraform")
_SNIFF_BYTES = 256 * 1024
# Serverless Framework services written as code, which tmgen never runs
CODE_SERVICE_FILES = ("serverless.ts", "serverless.js", "serverless.mjs", "serverless.cjs")


def _head(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(_SNIFF_BYTES).decode("utf-8-sig", errors="replace")  # a BOM is not content
    except OSError:
        return ""


def _top_keys(text: str) -> set[str]:
    """Top-level keys of a YAML or JSON document, found without parsing the whole of it."""
    keys = set(re.findall(r"^[\"']?([A-Za-z_][\w-]*)[\"']?\s*:", text, re.MULTILINE))
    # JSON written on one line or indented: the keys of the outermost object
    if text.lstrip().startswith("{"):
        keys |= set(re.findall(r"\"([A-Za-z_][\w-]*)\"\s*:", text[:8192]))
    return keys


def detect(path: str | Path) -> str | None:
    """The format of a file or directory, from its content: "sam", "cloudformation",
    "serverless", "terraform", "workload", or None when it is none of these."""
    p = Path(path)
    if p.is_dir():
        if any(c.suffix == ".tf" for c in p.iterdir() if c.is_file()):
            return "terraform"
        for name in (
            "serverless.yml",
            "serverless.yaml",
            "serverless.json",
            "template.yaml",
            "template.yml",
            "template.json",
            *CODE_SERVICE_FILES,
        ):
            if (p / name).is_file():
                return detect(p / name)
        return None
    if p.suffix == ".tf":
        return "terraform"
    if p.name in CODE_SERVICE_FILES:
        return "serverless"  # a service written as code: import_serverless says it cannot run it
    text = _head(p)
    if not text:
        return None
    keys = _top_keys(text)
    if re.search(r"AWS::Serverless-20\d\d-\d\d-\d\d", text) and "Transform" in keys:
        return "sam"
    if "format_version" in keys and keys & {"values", "planned_values", "resource_changes", "terraform_version"}:
        return "terraform"
    if "version" in keys and "workload" in keys:
        return "workload"
    if "AWSTemplateFormatVersion" in keys or (
        "Resources" in keys and re.search(r"[\"']?Type[\"']?\s*:\s*[\"']?AWS::", text)
    ):
        return "cloudformation"
    if "service" in keys and "provider" in keys:
        return "serverless"
    if "resource" in keys and p.suffix == ".json" and re.search(r"\"aws_[a-z0-9_]+\"", text):
        return "terraform"  # Terraform JSON syntax (.tf.json)
    return None


def import_path(path: str | Path, fmt: str | None = None) -> ImportResult:
    """Imports a template, Serverless file, Terraform directory/file or `terraform show -json`
    output. Raises ModelInvalid (located) when the input cannot be read at all."""
    p = Path(path)
    if not p.exists():
        read_text(p)  # raises the loader's located "no such file"
    fmt = fmt or detect(p)
    if fmt is None:
        raise ModelInvalid(
            [
                ModelError(
                    Location(str(path), 1, 1),
                    "cannot tell what this is",
                    "expected a SAM or CloudFormation template, a serverless.yml, Terraform, or a tmgen model; "
                    "name the format with --from",
                )
            ]
        )
    if fmt in ("sam", "cloudformation"):
        from tmgen.importers.cloudformation import import_template

        if p.is_dir():  # a SAM project: its template.yaml (or .yml, .json)
            p = next((p / n for n in ("template.yaml", "template.yml", "template.json") if (p / n).is_file()), p)
        return import_template(p, fmt)
    if fmt == "serverless":
        from tmgen.importers.serverless import import_serverless

        return import_serverless(p)
    if fmt == "terraform":
        from tmgen.importers.terraform import import_terraform

        return import_terraform(p)
    raise ModelInvalid(
        [
            ModelError(
                Location(str(path), 1, 1),
                f"unknown import format {fmt!r}",
                f"use one of: {', '.join(FORMATS)}",
            )
        ]
    )


# -- writing ----------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if isinstance(value, str) and ("\n" in value or not value.isprintable()):
        return json.dumps(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000)
    text = text.rstrip("\n")
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    return text.rstrip("\n")


def _comment(note: str | None) -> str:
    return f"  # {note}" if note else ""


def to_yaml(result: ImportResult) -> str:
    """The imported model as YAML, with a comment beside every value the importer assumed or
    could not resolve. Same input, same bytes."""
    lines = [
        f"# Workload model imported by tmgen from {result.source or 'the source'} ({result.source_format}).",
        "# Values marked with a comment were assumed or could not be resolved: review them.",
    ]
    _emit(result.data, (), 0, lines, result.notes)
    return "\n".join(lines) + "\n"


def _emit(value: Any, path: tuple[Any, ...], indent: int, lines: list[str], notes: dict[str, str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            sub = path + (key,)
            note = _comment(notes.get(format_path(sub)))
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, dict) and item:
                lines.append(head + note)
                _emit(item, sub, indent + 2, lines, notes)
            elif isinstance(item, list) and item:
                lines.append(head + note)
                _emit(item, sub, indent + 2, lines, notes)
            else:
                lines.append(f"{head} {_scalar(item)}{note}")
        return
    for i, item in enumerate(value):
        sub = path + (i,)
        note = _comment(notes.get(format_path(sub)))
        if isinstance(item, dict) and item:
            first = True
            for key, inner in item.items():
                isub = sub + (key,)
                inote = _comment(notes.get(format_path(isub)))
                prefix = f"{pad}- " if first else f"{pad}  "
                head = f"{prefix}{_scalar(str(key))}:"
                if isinstance(inner, (dict, list)) and inner:
                    lines.append(head + (note if first else "") + inote)
                    _emit(inner, isub, indent + 4, lines, notes)
                else:
                    lines.append(f"{head} {_scalar(inner)}{note if first else ''}{inote}")
                first = False
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-{note}")
            _emit(item, sub, indent + 2, lines, notes)
        else:
            lines.append(f"{pad}- {_scalar(item)}{note}")


def load_source(path: Path) -> tuple[str, str]:
    """Reads an input file with the loader's limits (size, binary, encoding)."""
    name, text = read_text(path)
    if len(text) > MAX_BYTES:  # pragma: no cover - read_text already refuses these
        raise ModelInvalid([ModelError(Location(name, 1, 1), "file is too large")])
    return name, text
