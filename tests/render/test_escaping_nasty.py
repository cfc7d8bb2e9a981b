"""nasty.yaml: strings that end scripts and comments, template syntax, Markdown links, URLs with
schemes that run code, bidirectional overrides, a NUL, an overlong name. Every output escapes
them for its target, dot still draws, and no diagram label is longer than a line."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from tmgen.render import diagram, mermaid
from tmgen.render.dot_text import quote
from tmgen.render.sarif import artifact_uri
from tmgen.render.text import csv_cell, md_cell

HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")
needs_dot = pytest.mark.skipif(not diagram.dot_available(), reason="Graphviz `dot` is not installed")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.bad: list[tuple[str, str, str | None]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src", "xlink:href") and not (value or "").startswith("#")):
                if not (value or "").startswith("https://docs.aws.amazon.com/"):
                    self.bad.append((tag, name, value))

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def test_html_has_one_script_and_no_handlers_or_links(nasty_build):
    html = nasty_build.files["index.html"].decode()
    page = _Page()
    page.feed(html)
    assert page.tags.count("script") == 1 and "alert" not in "".join(page.scripts)
    assert page.bad == []
    assert not {"iframe", "img", "details", "style"} & set(page.tags[page.tags.index("body") :])
    assert not HIDDEN.search(html)
    assert "[U+202E]" in html  # the override is shown, not obeyed


@needs_dot
def test_dot_draws_the_nasty_model(nasty, nasty_build):
    assert "architecture.svg" in nasty_build.files and nasty_build.messages == []
    for name in ("architecture.svg", "responsibility.svg"):
        root = ET.fromstring(nasty_build.files[name])  # well-formed XML: no control characters
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            assert tag not in ("script", "foreignObject", "image"), (name, tag)
            for key in el.attrib:
                local = key.rsplit("}", 1)[-1]
                assert not local.startswith("on") and local != "href", (name, key)


def test_diagram_labels_are_short_and_visible(nasty):
    for dot in (diagram.architecture_dot(nasty), diagram.responsibility_dot(nasty)):
        assert "\x00" not in dot and not HIDDEN.search(dot)
        for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot):
            for line in label.split("\\n"):
                assert len(line) <= 100, line
        for line in dot.splitlines():
            if "label=<" in line:  # text between the tags of an HTML-like label
                assert not re.search(r">[^<>]{101,}<", line), line


def test_dot_strings_stay_within_dots_limit():
    assert len(quote("x" * 50_000).encode()) < 16_384
    assert quote("a\x00b\u202ec") == '"a[U+0000]b[U+202E]c"'


def test_markdown_shows_hidden_characters_and_keeps_tables(nasty_build):
    for name in ("threat-model.md", "responsibility.md"):
        md = nasty_build.files[name].decode()
        assert not HIDDEN.search(md), name
        assert "<script" not in md and "<iframe" not in md and "<details" not in md
        assert "](javascript:" not in md.replace("\\](javascript:", "")
        table: list[str] = []
        for line in md.splitlines() + [""]:
            if line.startswith("|"):
                table.append(line)
                continue
            if table:
                assert len({len(re.findall(r"(?<!\\)\|", row)) for row in table}) == 1, table
                table = []
    md = nasty_build.files["threat-model.md"].decode()
    assert "`models/nasty model\\|x.yaml`" in md  # a pipe in a code span would end the cell


def test_markdown_block_starts():
    assert md_cell("- item") == "\\- item" and md_cell("---") == "\\---" and md_cell("1. x") == "1\\. x"
    assert md_cell("-2+3") == "-2+3" and md_cell("10.0.0.0/16") == "10.0.0.0/16"
    assert md_cell("a~b~") == "a\\~b\\~"


def test_mermaid_spells_out_overrides(nasty):
    mmd = mermaid.render(nasty)
    assert not HIDDEN.search(mmd) and "#8238;" not in mmd and "[U" not in mmd
    assert "#91;U+202E#93;" in mmd


def test_csv_cells_never_start_a_formula(nasty_build):
    for name in ("findings.csv", "matrix.csv"):
        for row in csv.reader(io.StringIO(nasty_build.files[name].decode())):
            for cell in row:
                assert not cell.lstrip(" \n\u00a0").startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    assert csv_cell(" =1+1") == "' =1+1" and csv_cell("\t=1") == "'\t=1"


def test_json_and_sarif_round_trip(nasty_build, nasty):
    for name in ("findings.json", "findings.sarif", "graph.json", "matrix.json"):
        json.loads(nasty_build.files[name])
    sarif = json.loads(nasty_build.files["findings.sarif"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"models/nasty%20model%7Cx.yaml"}
    assert artifact_uri("/abs/a b.yaml") == "file:///abs/a%20b.yaml"
    assert artifact_uri("C:\\m\\a.yaml") == "file:///C:/m/a.yaml"


@needs_dot
def test_dot_shows_entities_as_typed():
    """The label R&D &lt;b&gt; is drawn as typed, not as R&D <b>."""
    svg = diagram.to_bytes(f"digraph {{ a [label={quote('R&D &lt;b&gt;')}, tooltip={quote('&#60;x')}]; }}", "svg")
    text = svg.decode()
    assert ">R&amp;D &amp;lt;b&amp;gt;<" in text and 'xlink:title="&amp;#60;x"' in text
