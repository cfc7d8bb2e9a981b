"""index.html: the report as one self-contained page (inline CSS, SVG and script; no network)."""

from __future__ import annotations

import re
from typing import Any

import jinja2
from markupsafe import Markup, escape

from tmgen.knowledge import data_dir
from tmgen.render.report_model import evidence_items, report_context, safe_url
from tmgen.render.text import visible

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def inline_svg(svg: bytes | None) -> Markup | None:
    """Graphviz SVG ready to sit inside HTML: no XML prolog, DOCTYPE or comments. Graphviz has
    already escaped every label and tooltip as XML text."""
    if not svg:
        return None
    text = svg.decode("utf-8")
    text = _COMMENT.sub("", _PROLOG.sub("", text, count=1))
    return Markup(text.strip())  # noqa: S704 - produced by dot from escaped DOT


def _finalize(value: object) -> object:
    """Every printed value: our own markup passes; any other text shows its control and
    bidirectional-override characters instead of obeying them (autoescape follows)."""
    return value if isinstance(value, Markup) or not isinstance(value, str) else visible(value)


def rich(value: object) -> Markup:
    """tmgen's own rule texts: `code` spans become <code>, everything else is escaped."""
    parts = visible(value).split("`")
    return Markup("").join(
        Markup("<code>%s</code>") % p if i % 2 and p.strip() else escape(p) for i, p in enumerate(parts)
    )


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        finalize=_finalize,
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(evidence=evidence_items, url=safe_url, rich=rich)
    return env


def render(
    analysis: Any,
    architecture_svg: bytes | None = None,
    responsibility_svg: bytes | None = None,
    diagram_note: str = "",
    context: dict[str, Any] | None = None,
) -> str:
    ctx = dict(context or report_context(analysis))
    css = (data_dir("templates") / "report.css").read_text(encoding="utf-8")
    ctx.update(
        css=Markup(css),  # noqa: S704 - our own stylesheet
        architecture_svg=inline_svg(architecture_svg),
        responsibility_svg=inline_svg(responsibility_svg),
        diagram_note=diagram_note or "Diagram not drawn.",
    )
    return environment().get_template("index.html.j2").render(**ctx)
