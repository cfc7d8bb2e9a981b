"""A model full of hostile strings builds into files where each string is escaped for its target."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

from tmgen.render import diagram

RAW = ("<script", "<img", "`x`", "{y}")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_html_has_no_injected_markup(hostile_build):
    html = hostile_build.files["index.html"].decode()
    parser = _Tags()
    parser.feed(html)
    assert parser.tags.count("script") == 1  # the page's own filter script
    assert "img" not in parser.tags and parser.handlers == []
    assert "javascript:" not in html


def test_svg_has_no_injected_markup(hostile_build):
    for name in ("architecture.svg", "responsibility.svg"):
        if name in hostile_build.files:
            svg = hostile_build.files[name].decode()
            assert "<script" not in svg and "<img" not in svg, name


def test_dot_labels_are_quoted(hostile):
    dot = diagram.architecture_dot(hostile) + diagram.responsibility_dot(hostile)
    for line in dot.splitlines():
        # every quoted string closes on its line: no raw newline or stray quote escaped a label
        stripped = re.sub(r'"(?:[^"\\]|\\.)*"', "", line)
        assert '"' not in stripped, line
    for line in dot.splitlines():
        if "label=<" in line:  # HTML-like labels are entity-escaped
            assert "<script" not in line and "<img" not in line, line


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_tables_and_text(hostile_build):
    md = hostile_build.files["threat-model.md"].decode()
    for raw in RAW:
        assert raw not in md, raw
    table: list[str] = []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            counts = {_unescaped_pipes(row) for row in table}
            assert len(counts) == 1, table
            table = []


def test_mermaid_labels(hostile_build):
    mmd = hostile_build.files["architecture.mmd"].decode()
    for raw in (*RAW, "|pipe", '"><'):
        assert raw not in mmd, raw
    for line in mmd.splitlines():
        assert line.count('"') in (0, 2), line


def test_csv_has_no_formulas(hostile_build):
    for name in ("findings.csv", "matrix.csv"):
        for row in csv.reader(io.StringIO(hostile_build.files[name].decode())):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)


def test_json_round_trips(hostile_build, hostile):
    for name in ("findings.json", "findings.sarif", "graph.json", "matrix.json"):
        json.loads(hostile_build.files[name])
    data = json.loads(hostile_build.files["findings.json"])
    assert {f["element"] for f in data["findings"]} == {f.element for f in hostile.findings}
