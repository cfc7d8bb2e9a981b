"""Escaping for Graphviz DOT: every user string goes through here."""

from __future__ import annotations

from tmgen.render.text import visible

# dot 2.43 rejects a quoted string longer than 16,384 bytes ("longer than 16384?"): tooltips
# that list many long names are cut well before that.
MAX_QUOTED = 2000


def quote(text: object) -> str:
    """A DOT double-quoted string with backslashes, quotes and line breaks escaped, control and
    bidirectional-override characters spelled out (a NUL ends dot's string early) and the
    length capped."""
    s = visible(text)
    if len(s) > MAX_QUOTED:
        s = s[: MAX_QUOTED - 1] + "…"
    # dot reads entities in labels and tooltips ("&lt;" would show as "<"): "&" stays itself.
    s = s.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{s}"'


def html_label(text: object) -> str:
    """Text escaped for a DOT HTML-like label."""
    s = visible(text)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        s = s.replace(a, b)
    return s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br/>")
