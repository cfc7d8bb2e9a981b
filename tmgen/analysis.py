"""analyze(): the pipeline from a model file to the finished Analysis every renderer reads."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tmgen.errors import ModelError
from tmgen.findings import Finding
from tmgen.graph import TrustGraph, build_graph
from tmgen.knowledge import Knowledge, knowledge
from tmgen.load import Document, load_file, parse_path
from tmgen.responsibility import Matrix, build_matrix
from tmgen.rules.context import RuleContext
from tmgen.rules.engine import evaluate
from tmgen.schema import Workload
from tmgen.validate import validate


@dataclass
class LoadedModel:
    document: Document
    workload: Workload
    warnings: list[ModelError] = field(default_factory=list)
    source_format: str = "workload"


@dataclass
class Analysis:
    """Everything tmgen knows about one workload; renderers only read it."""

    workload: Workload
    document: Document
    as_of: dt.date
    knowledge: Knowledge
    graph: TrustGraph
    matrix: Matrix
    findings: list[Finding]
    warnings: list[ModelError] = field(default_factory=list)
    source_format: str = "workload"

    @property
    def name(self) -> str:
        return self.workload.workload.name


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pauses the cyclic garbage collector: the analysis allocates many long-lived objects
    and repeated full collections would make its cost grow faster than the model."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_workload(path: str | Path, source_format: str | None = None, display: str | None = None) -> LoadedModel:
    """Reads and validates a model (raises ModelInvalid with located errors)."""
    kb = knowledge()
    with _no_cyclic_gc():
        doc = load_file(path, display)
        workload, warnings = validate(doc, kb.policies, kb.runtimes)
    return LoadedModel(doc, workload, warnings, source_format or "workload")


def load_imported(path: str | Path, source_format: str) -> LoadedModel:
    """Imports an infrastructure template (SAM, CloudFormation, Serverless, Terraform) as a
    workload model whose locations point into the template."""
    from tmgen.importers import import_path

    result = import_path(path, source_format)
    doc = Document(str(path), result.data)
    for text, loc in result.locations.items():
        doc.keys[parse_path(text)] = loc
    workload, warnings = validate(doc, knowledge().policies, knowledge().runtimes)
    return LoadedModel(doc, workload, list(result.warnings) + warnings, source_format)


def resolve_as_of(workload: Workload, as_of: dt.date | None) -> dt.date:
    return as_of or workload.workload.as_of or dt.date.today()


def analyze(source: str | Path | LoadedModel, as_of: dt.date | None = None) -> Analysis:
    """Loads (if needed) and analyses a workload model."""
    model = source if isinstance(source, LoadedModel) else load_workload(source)
    kb = knowledge()
    w = model.workload
    when = resolve_as_of(w, as_of)
    with _no_cyclic_gc():
        graph = build_graph(w, kb.policies)
        matrix = build_matrix(kb, w, graph, when)
        ctx = RuleContext(w, graph, matrix, kb, when)
        findings, rule_warnings = evaluate(ctx, model.document)
    return Analysis(
        workload=w,
        document=model.document,
        as_of=when,
        knowledge=kb,
        graph=graph,
        matrix=matrix,
        findings=findings,
        warnings=list(model.warnings) + rule_warnings,
        source_format=model.source_format,
    )
