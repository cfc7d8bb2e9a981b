"""Escaping for text targets: Markdown table cells and running text, CSV cells, and the
characters that every human-facing output shows instead of obeying."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

# Control characters (other than tab, line feed and carriage return) and the Unicode controls
# that reorder the text around them (bidirectional embeddings, overrides, isolates and marks):
# a reviewer must see that a name holds one, not read a name the characters disguise.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(value: object) -> str:
    """The text with every control or bidirectional-override character spelled out as [U+XXXX]."""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", "" if value is None else str(value))


def shorten(value: object, limit: int = 60) -> str:
    """One line of at most `limit` characters (an ellipsis marks a cut), for diagram labels."""
    text = " ".join(visible(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_MD_SPECIAL = str.maketrans(
    {
        "|": "\\|",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "~": "\\~",
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
# At the start of a line these open a list or draw a rule.
_MD_BLOCK_START = re.compile(r"\A(?:[-+](?=\s|\Z)|-(?=-)|\d+(?=[.)](?:\s|\Z)))")


def md_cell(value: object) -> str:
    """A value made safe for one Markdown table cell (no pipes, markup or line breaks)."""
    text = visible(value)
    text = text.replace("&", "&amp;").translate(_MD_SPECIAL)
    text = " ".join(text.split())
    return _MD_BLOCK_START.sub(lambda m: "\\" + m.group(0) if not m.group(0).isdigit() else m.group(0) + "\\", text)


def md_text(value: object) -> str:
    """A value made safe for running Markdown text (no markup, one line)."""
    return md_cell(value)


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not evaluate as a formula."""
    text = "" if value is None else str(value)
    if text.lstrip(" \n\u00a0")[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue()
