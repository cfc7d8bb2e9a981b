"""threat-model.md: the design-review document, rendered from templates/threat-model.md.j2."""

from __future__ import annotations

from typing import Any

import jinja2

from tmgen.knowledge import data_dir
from tmgen.render import mermaid
from tmgen.render.report_model import evidence_items, report_context, safe_url
from tmgen.render.text import md_cell, visible


def _code(value: object) -> str:
    """Text for inline code: no backticks or line breaks to end the span."""
    return " ".join(visible(value).replace("`", "'").split())


def _code_cell(value: object) -> str:
    """Inline code inside a table cell: a pipe would end the cell even there (GFM)."""
    return _code(value).replace("|", "\\|")


def _evidence(evidence: dict[str, Any]) -> str:
    return "; ".join(f"{md_cell(k)}: {md_cell(v)}" for k, v in evidence_items(evidence))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=False,  # Markdown: every user string goes through the `md` filter instead
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=md_cell, code=_code, code_cell=_code_cell, evidence=_evidence, url=safe_url)
    return env


def render(analysis: Any, mermaid_text: str | None = None, context: dict[str, Any] | None = None) -> str:
    ctx = dict(context or report_context(analysis))
    ctx["mermaid"] = mermaid_text if mermaid_text is not None else mermaid.render(analysis)
    return environment().get_template("threat-model.md.j2").render(**ctx)
