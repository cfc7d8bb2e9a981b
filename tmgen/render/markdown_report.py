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


def _rich(value: object) -> str:
    """tmgen's own rule texts: `code` spans stay code, everything else is escaped."""

    def text(part: str) -> str:
        lead = " " if part[:1].isspace() else ""
        trail = " " if part[-1:].isspace() and part.strip() else ""
        return lead + md_cell(part) + trail

    parts = str(value).split("`")
    return "".join(f"`{_code(p)}`" if i % 2 and p.strip() else text(p) for i, p in enumerate(parts))


MAX_EVIDENCE = 240
# Mermaid's default maxTextSize: a longer diagram is not drawn, on GitHub either.
MERMAID_MAX = 50_000


def _evidence(evidence: dict[str, Any]) -> str:
    """Evidence in one cell; a long value is cut (findings.json has all of it)."""
    out = []
    for k, v in evidence_items(evidence):
        text = " ".join(str(v).split())
        if len(text) > MAX_EVIDENCE:
            text = text[: MAX_EVIDENCE - 1] + "…"
        out.append(f"{md_cell(k)}: {md_cell(text)}")
    return "; ".join(out)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=False,  # Markdown: every user string goes through the `md` filter instead
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=md_cell, rich=_rich, code=_code, code_cell=_code_cell, evidence=_evidence, url=safe_url)
    return env


def render(analysis: Any, mermaid_text: str | None = None, context: dict[str, Any] | None = None) -> str:
    ctx = dict(context or report_context(analysis))
    ctx["mermaid"] = mermaid_text if mermaid_text is not None else mermaid.render(analysis)
    ctx["mermaid_max"] = MERMAID_MAX
    return environment().get_template("threat-model.md.j2").render(**ctx)
