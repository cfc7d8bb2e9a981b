"""Escaping for text targets: Markdown table cells and CSV cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

_MD_SPECIAL = str.maketrans(
    {
        "|": "\\|",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "<": "&lt;",
        ">": "&gt;",
        "#": "\\#",
        "\\": "\\\\",
        "{": "\\{",
        "}": "\\}",
    }
)


def md_cell(value: object) -> str:
    """A value made safe for one Markdown table cell (no pipes, markup or line breaks)."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").translate(_MD_SPECIAL)
    return " ".join(text.split())


def md_text(value: object) -> str:
    """A value made safe for running Markdown text (no markup, one line)."""
    return md_cell(value)


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not evaluate as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()
