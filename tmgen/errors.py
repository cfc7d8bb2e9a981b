"""Input problems with their source location, collected so a file reports all of them at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple


class Location(NamedTuple):
    """A 1-based position in a source file (a tuple: cheap to make by the million)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ModelError:
    """One problem of a model, located in its source file.

    `severity` is "error" (the model cannot be used) or "warning" (it can, with a caveat).
    """

    location: Location | None
    message: str
    hint: str = ""
    path: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = str(self.location) if self.location else "<input>"
        text = f"{where}: {self.severity + ': ' if self.severity != 'error' else ''}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ModelInvalid(Exception):
    """Raised when a model has errors; carries every one of them."""

    def __init__(self, errors: list[ModelError], warnings: list[ModelError] | None = None) -> None:
        self.errors = errors
        self.warnings = warnings or []
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Problems:
    """Collects errors and warnings while a stage runs."""

    items: list[ModelError] = field(default_factory=list)

    def error(self, location: Location | None, message: str, hint: str = "", path: str = "") -> None:
        self.items.append(ModelError(location, message, hint, path, "error"))

    def warn(self, location: Location | None, message: str, hint: str = "", path: str = "") -> None:
        self.items.append(ModelError(location, message, hint, path, "warning"))

    @property
    def errors(self) -> list[ModelError]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[ModelError]:
        return [p for p in self.items if p.severity == "warning"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean X?' hint naming the closest choice, or '' when nothing is close."""
    candidates = [c for c in choices if isinstance(c, str)]
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [lowered[w] for w in difflib.get_close_matches(word.lower(), list(lowered), n=1)]
    return f"did you mean '{close[0]}'?" if close else ""
