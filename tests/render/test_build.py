"""`build_outputs`: every file of cli.md, identical bytes on every run, and life without dot."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from tmgen.output import write_directory
from tmgen.render import diagram
from tmgen.render.build import build_outputs

CLI_FILES = {
    "index.html",
    "threat-model.md",
    "responsibility.md",
    "architecture.svg",
    "responsibility.svg",
    "architecture.mmd",
    "findings.json",
    "findings.sarif",
    "findings.csv",
    "matrix.json",
    "matrix.csv",
    "graph.json",
}
REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = REPO.parent / "shared" / "spec" / "facts" / "sarif-schema-2.1.0.json"


@pytest.mark.skipif(not diagram.dot_available(), reason="Graphviz `dot` is not installed")
def test_every_file_and_deterministic(examples, example_builds, tmp_path):
    for name, result in example_builds.items():
        assert set(result.files) == CLI_FILES, name
        assert result.messages == []
        again = build_outputs(examples[name])
        assert again.files == result.files, f"{name}: two builds differ"
    write_directory(tmp_path / "out", example_builds["naive-public-api"].files)
    assert {p.name for p in (tmp_path / "out").iterdir()} == CLI_FILES


def test_date_only_when_given(examples):
    a = examples["seed-vpc-pattern"]
    plain = build_outputs(a).files["threat-model.md"].decode()
    dated = build_outputs(a, date="2026-12-01").files["threat-model.md"].decode()
    assert "Generated" not in plain and "| Generated | 2026-12-01 |" in dated


def test_without_dot(examples, monkeypatch):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    result = build_outputs(examples["seed-vpc-pattern"])
    assert "architecture.dot" in result.files and "architecture.svg" not in result.files
    assert set(result.files) >= CLI_FILES - {"architecture.svg", "responsibility.svg"}
    assert len(result.messages) == 1 and "apt-get install graphviz" in result.messages[0]
    assert "brew install graphviz" in result.messages[0]


def test_findings_csv_rows(example_builds, examples):
    rows = list(csv.reader(io.StringIO(example_builds["multi-account-platform"].files["findings.csv"].decode())))
    assert rows[0] == [
        "id",
        "rule",
        "title",
        "severity",
        "component",
        "owner",
        "team",
        "element",
        "file:line",
        "accepted",
        "expires",
    ]
    assert len(rows) == len(examples["multi-account-platform"].findings) + 1
    accepted = [r for r in rows[1:] if r[9]]
    assert all(r[10] for r in accepted)


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason=f"SARIF schema not found at {SARIF_SCHEMA}")
def test_sarif_is_valid(example_builds, hostile_build):
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    for result in [*example_builds.values(), hostile_build]:
        doc = json.loads(result.files["findings.sarif"])
        jsonschema.validate(doc, schema)
        run = doc["runs"][0]
        rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
        assert len(rules) == len(set(rules))
        for r in run["tool"]["driver"]["rules"]:
            assert r["help"]["text"] and r["helpUri"].startswith("https://")
        for res in run["results"]:
            assert rules[res["ruleIndex"]] == res["ruleId"]
            region = res["locations"][0]["physicalLocation"]["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_sarif_points_into_the_model(examples, example_builds):
    doc = json.loads(example_builds["naive-public-api"].files["findings.sarif"])
    res = doc["runs"][0]["results"][0]
    loc = res["locations"][0]["physicalLocation"]
    f = examples["naive-public-api"].findings[0]
    assert loc["artifactLocation"]["uri"] == "examples/naive-public-api.yaml"
    assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == (f.location.line, f.location.column)


def test_threat_shown_once_with_its_elements(example_builds, examples):
    md = example_builds["naive-public-api"].files["threat-model.md"].decode()
    rules = {f.rule for f in examples["naive-public-api"].findings if f.active}
    for rule in rules:
        assert md.count(f"#### {rule}:") == 1
    assert md.index("### Unassigned") < md.index("## Duties per team") + 40 or "### Unassigned" not in md


def test_boundary_rows_say_what_crosses(example_builds):
    md = example_builds["naive-public-api"].files["threat-model.md"].decode()
    # the service VPC is crossed by exactly what crosses the service account: one row for both
    assert "| AWS Lambda service account / Lambda service VPC |" in md
    assert "\n| Lambda service VPC |" not in md
    assert "× invokes (or runs in): quote-api → quote-api (sandbox)" in md


def test_rule_texts_keep_code_spans(example_builds):
    md = example_builds["naive-public-api"].files["threat-model.md"].decode()
    html = example_builds["naive-public-api"].files["index.html"].decode()
    assert "\\`" not in md and "`AWS_IAM` auth" in md
    assert "<code>AWS_IAM</code> auth" in html


def test_mermaid_too_large_for_github_is_linked_not_embedded(examples):
    from tmgen.render import markdown_report

    a = examples["naive-public-api"]
    big = "flowchart LR\n" + "  n0 --> n1\n" * 5_000
    md = markdown_report.render(a, big)
    assert "```mermaid" not in md and "[architecture.mmd](architecture.mmd)" in md
    assert "```mermaid" in markdown_report.render(a)
