"""The command line: outputs, exit codes, help text, schema, init."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

GOOD = """
version: 1
workload: {name: shop, as_of: 2026-11-30}
vpcs:
  core:
    cidr: 10.0.0.0/16
    subnets: {a: {az: eu-west-1a, cidr: 10.0.1.0/24}, b: {az: eu-west-1b, cidr: 10.0.2.0/24}}
    security_groups: {sg: {egress: [{to: 10.0.0.0/16, ports: "443"}]}}
functions:
  one: {runtime: python3.12, vpc: {vpc: core, subnets: [a, b], security_groups: [sg]}}
  two: {runtime: python3.12}
"""


def test_validate_ok_line(write_model, run_cli) -> None:
    res = run_cli("validate", str(write_model(GOOD)))
    assert res.code == 0
    assert res.out == "OK shop: 2 functions, 2 ENIs, 7 boundaries\n"


def test_validate_reports_every_file(write_model, run_cli) -> None:
    good = write_model(GOOD, "good.yaml")
    bad = write_model("version: 1\nworkload: {name: x}\nfunctions: {f: {runtime: python3.12, timout: 3}}\n", "bad.yaml")
    res = run_cli("validate", str(good), str(bad))
    assert res.code == 2
    assert res.out.startswith("OK shop")
    assert f"{bad}:3:38: unknown key 'timout' in functions.f (did you mean 'timeout'?)" in res.err
    assert "Traceback" not in res.err


def test_bad_arguments_exit_2(write_model, run_cli) -> None:
    path = str(write_model(GOOD))
    assert run_cli("graph", path, "--format", "png").code == 2
    assert run_cli("threats", path, "--as-of", "yesterday").code == 2
    assert run_cli("explain", "NOPE-1").code == 2
    assert run_cli("frobnicate").code == 2


def test_graph_json_is_node_link(write_model, run_cli) -> None:
    res = run_cli("graph", str(write_model(GOOD)), "--format", "json")
    data = json.loads(res.out)
    assert data["directed"] and data["multigraph"]
    assert all({"id", "kind", "boundary"} <= set(n) for n in data["nodes"])
    assert all({"source", "target", "kind", "crosses"} <= set(e) for e in data["links"])


def test_graph_dot_escapes_names(write_model, run_cli) -> None:
    res = run_cli("graph", str(write_model(GOOD.replace("name: shop", 'name: "sh\\"op"'))), "--format", "dot")
    assert res.code == 0 and res.out.startswith('digraph "sh\\"op" {')


def test_outputs_are_deterministic(write_model, run_cli) -> None:
    path = str(write_model(GOOD))
    for args in (("graph", path), ("matrix", path, "--format", "json"), ("threats", path, "--format", "json")):
        assert run_cli(*args).out == run_cli(*args).out


def test_fail_on_threshold(write_model, run_cli) -> None:
    path = str(write_model(GOOD.replace("python3.12}", "python3.12, permissions: [{principal: '*'}]}", 1)))
    assert run_cli("threats", path, "--fail-on", "critical").code == 1
    quiet = str(write_model(GOOD, "quiet.yaml"))
    assert run_cli("threats", quiet, "--fail-on", "critical").code == 0


def test_every_command_has_an_example_in_help(run_cli) -> None:
    from tmgen.cli import cli

    for name in cli.commands:
        res = run_cli(name, "--help")
        assert res.code == 0 and "Example" in res.out, name


def test_schema_is_draft_2020_12_and_accepts_the_examples(run_cli) -> None:
    schema = json.loads(run_cli("schema").out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    examples = sorted((ROOT / "examples").glob("*.yaml")) + [ROOT / "templates" / "starter.yaml"]
    for path in examples:
        # editors see YAML dates as strings, as JSON does
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, (path, errors[:1])
    bad = {"version": 1, "workload": {"name": "x"}, "functions": {"f": {"runtime": "python3.12", "memroy": 1}}}
    assert list(validator.iter_errors(bad))


def test_published_schema_is_current(run_cli) -> None:
    published = ROOT / "docs" / "workload.schema.json"
    assert published.read_text() == run_cli("schema").out, "run `make docs`"


def test_init_writes_a_valid_starter(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "w.yaml"
    assert run_cli("init", "-o", str(out)).code == 0
    assert run_cli("validate", str(out)).code == 0
    # the schema the first line points at is written beside the model
    assert out.read_text().startswith("# yaml-language-server: $schema=workload.schema.json\n")
    assert json.loads((tmp_path / "workload.schema.json").read_text())["$schema"].endswith("2020-12/schema")
    assert run_cli("init", "-o", str(out)).code == 2  # no overwrite without --force
    assert run_cli("init", "-o", str(out), "--force").code == 0


@pytest.mark.parametrize("example", sorted(p.stem for p in (ROOT / "examples").glob("*.yaml")))
def test_init_from_each_example(tmp_path: Path, run_cli, example: str) -> None:
    out = tmp_path / "e.yaml"
    assert run_cli("init", "--example", example, "-o", str(out)).code == 0
    assert run_cli("validate", str(out)).code == 0


def test_examples_validate(run_cli) -> None:
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
    assert len(examples) >= 3
    res = run_cli("validate", *examples)
    assert res.code == 0, res.err
    assert res.out.count("\nOK ") + res.out.startswith("OK ") == len(examples)


def test_rules_doc_is_current(run_cli) -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == run_cli("rules", "--format", "md").out, "run `make docs`"


def test_internal_error_exit_3(monkeypatch, write_model, run_cli) -> None:
    import tmgen.analysis

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(tmgen.analysis, "build_graph", boom)
    res = run_cli("validate", str(write_model(GOOD)))
    assert res.code == 3
    assert "internal error: kaboom" in res.err and "please report it" in res.err


def test_build_writes_the_full_set_atomically(tmp_path: Path, run_cli, monkeypatch) -> None:
    import tmgen.output
    from tmgen.render import diagram

    model = str(ROOT / "examples" / "seed-vpc-pattern.yaml")
    out = tmp_path / "out"
    res = run_cli("build", model, "-o", str(out))
    assert res.code == 0 and "drawing diagrams" in res.err
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
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
        ]
    )
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run_cli("build", model, "-o", str(out)).code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # byte-identical rebuild
    (out / "notes.txt").write_text("mine")

    # a build that fails while writing leaves the directory as it was
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tmgen.output.Path, "write_bytes", broken)
    res = run_cli("build", model, "-o", str(out))
    assert res.code == 2 and "cannot write" in res.err and "disk full" in res.err
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "notes.txt"} == first

    # without Graphviz the SVGs give way to .dot files; unrelated files stay
    def missing(*args, **kwargs):
        raise diagram.GraphvizMissing("Graphviz `dot` was not found")

    monkeypatch.setattr(diagram, "to_bytes", missing)
    res = run_cli("build", model, "-o", str(out))
    assert res.code == 0 and "apt-get install graphviz" in res.err
    names = {p.name for p in out.iterdir()}
    assert {"architecture.dot", "responsibility.dot", "notes.txt", "index.html"} <= names
    assert "architecture.svg" not in names


def test_output_paths_that_cannot_be_written_exit_2(tmp_path: Path, run_cli) -> None:
    model = str(ROOT / "examples" / "seed-vpc-pattern.yaml")
    res = run_cli("matrix", model, "-o", str(tmp_path))
    assert res.code == 2 and "it is a directory" in res.err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run_cli("build", model, "-o", str(blocker / "out"))
    assert res.code == 2 and res.err.count("error: cannot write") == 1


def test_outputs_follow_the_umask(tmp_path: Path, run_cli) -> None:
    import os

    old = os.umask(0o022)
    try:
        model = str(ROOT / "examples" / "seed-vpc-pattern.yaml")
        assert run_cli("matrix", model, "-o", str(tmp_path / "m.md")).code == 0
        assert run_cli("build", model, "-o", str(tmp_path / "out")).code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "m.md").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "index.html").stat().st_mode & 0o777 == 0o644


def test_terminal_output_spells_out_control_characters(write_model, run_cli) -> None:
    path = write_model(GOOD.replace("name: shop", 'name: "shop\\e[2J\\u202e"'))
    res = run_cli("validate", str(path))
    assert res.code == 0 and "\x1b" not in res.out and "\u202e" not in res.out
    assert res.out.startswith("OK shop[U+001B][2J[U+202E]:")


def test_no_command_writes_over_its_model(write_model, run_cli) -> None:
    path = write_model(GOOD)
    before = path.read_text()
    res = run_cli("threats", str(path), "-o", str(path))
    assert res.code == 2 and "is the model being read" in res.err
    assert path.read_text() == before


def test_build_into_the_current_directory(tmp_path: Path, run_cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = run_cli("build", str(ROOT / "examples" / "seed-vpc-pattern.yaml"), "-o", ".")
    assert res.code == 0 and (tmp_path / "index.html").is_file()


def test_import_does_not_overwrite_without_force(tmp_path: Path, run_cli) -> None:
    template = ROOT / "tests" / "importers" / "fixtures" / "sam-payments.yaml"
    out = tmp_path / "model.yaml"
    out.write_text("hand-edited")
    res = run_cli("import", str(template), "-o", str(out))
    assert res.code == 2 and "--force" in res.err and out.read_text() == "hand-edited"
    assert run_cli("import", str(template), "-o", str(out), "--force").code == 0


def test_common_typing_mistakes_get_a_hint(write_model, run_cli) -> None:
    star = write_model(
        "version: 1\nworkload: {name: w}\nfunctions:\n  f: {runtime: python3.12, permissions: [{principal: *}]}\n"
    )
    assert 'quote it, e.g. principal: "*"' in run_cli("validate", str(star)).err
    mixed = write_model(
        "version: 1\nworkload: {name: w, as_of: 2026-02-30}\naccounts: {prod: {id: 011122223333}}\n"
        "functions:\n  f: {runtime: python3.12, roel: x}\n",
        "mixed.yaml",
    )
    err = run_cli("validate", str(mixed)).err
    # a date that is no date is reported with the other errors, at its key
    assert f"{mixed}:2:28: workload.as_of:" in err
    assert "quote account ids" in err and "octal" in err
    assert "did you mean 'role'?" in err


def test_warnings_of_the_analysis_reach_stderr(write_model, run_cli) -> None:
    path = write_model(
        GOOD + "accepted_risks:\n  - {rule: IAM-01, justification: typo}\n"
        "  - {rule: NET-001, element: functions.tow, justification: typo}\n"
    )
    res = run_cli("threats", str(path))
    assert "unknown rule IAM-01" in res.err and "did you mean" in res.err
    assert "matches no finding" in res.err
