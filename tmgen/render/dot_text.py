"""Escaping for Graphviz DOT: every user string goes through here."""

from __future__ import annotations


def quote(text: object) -> str:
    """A DOT double-quoted string with backslashes, quotes and line breaks escaped."""
    s = str(text)
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{s}"'


def html_label(text: object) -> str:
    """Text escaped for a DOT HTML-like label."""
    s = str(text)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        s = s.replace(a, b)
    return s.replace("\n", "<br/>")
