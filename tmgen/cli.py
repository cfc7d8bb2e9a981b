"""The `tmgen` command line: parses arguments, calls analyze(), hands the result to a renderer."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tempfile
import traceback
from pathlib import Path

import click

from tmgen import __version__
from tmgen.analysis import Analysis, LoadedModel, analyze, load_workload
from tmgen.errors import ModelError, ModelInvalid
from tmgen.output import OutputError, write_file

EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class InputProblem(Exception):
    """Bad input found by the CLI itself (arguments, unreadable files)."""


def printable(text: object) -> str:
    """Text safe for a terminal: control characters (escape sequences among them) and the
    invisible ones that reorder text are spelled out as U+XXXX."""
    return "".join(ch if ch.isprintable() or ch == "\n" else f"[U+{ord(ch):04X}]" for ch in str(text))


def _print_problems(errors: list[ModelError]) -> None:
    for e in errors:
        click.echo(printable(e), err=True)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date of the form YYYY-MM-DD") from None


as_of_option = click.option(
    "--as-of",
    "as_of",
    callback=_parse_date,
    metavar="DATE",
    help="Date for runtime lifecycle and risk expiry (default: the model's workload.as_of, else today).",
)
model_argument = click.argument("model", type=click.Path(dir_okay=True, path_type=Path))
from_option = click.option(
    "--from",
    "source_format",
    type=click.Choice(["workload", "sam", "cloudformation", "serverless", "terraform"]),
    default=None,
    help="Input format (default: detected from the content).",
)


def load_model(path: Path, source_format: str | None = None) -> LoadedModel:
    """A workload model, or an infrastructure template imported on the fly."""
    _INPUTS.append(path)
    if source_format == "workload":
        return load_workload(path)
    from tmgen.analysis import load_imported

    try:
        from tmgen.importers import detect
    except ImportError:  # importers not installed: plain workload models only
        return load_workload(path)
    fmt = source_format or detect(path)
    if fmt and fmt != "workload":
        return load_imported(path, fmt)
    return load_workload(path)


def run_analysis(path: Path, as_of: dt.date | None, source_format: str | None = None) -> Analysis:
    """Loads and analyses a model, printing every warning (the model's and the analysis's,
    such as an accepted risk that matches nothing)."""
    model = load_model(path, source_format)
    analysis = analyze(model, as_of)
    _print_problems(analysis.warnings)
    return analysis


_INPUTS: list[Path] = []  # the models this invocation reads: never an output


def _guard_output(output: Path) -> None:
    target = output.resolve()
    if any(source.exists() and source.resolve() == target for source in _INPUTS):
        raise InputProblem(f"{output} is the model being read; write the output somewhere else")


def emit(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
    else:
        _guard_output(output)
        write_file(output, text)
        click.echo(f"wrote {output}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tmgen")
def cli() -> None:
    """tmgen: threat models and shared-responsibility matrices for AWS Lambda workloads.

    \b
    Examples:
      tmgen validate examples/*.yaml
      tmgen build examples/naive-public-api.yaml -o out/
      tmgen threats payments.yaml --min-severity high
    """


@cli.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@from_option
def validate(models: tuple[Path, ...], source_format: str | None) -> None:
    """Check models; print a summary per valid model or every error as FILE:LINE:COLUMN.

    \b
    Example:
      tmgen validate examples/seed-vpc-pattern.yaml examples/naive-public-api.yaml
      OK seed-vpc-pattern: 1 functions, 2 ENIs, 7 boundaries
    """
    failed = False
    for path in models:
        try:
            model = load_model(path, source_format)
        except ModelInvalid as exc:
            _print_problems(exc.errors)
            failed = True
            continue
        a = analyze(model)
        _print_problems(a.warnings)
        click.echo(
            f"OK {printable(a.name)}: {len(a.workload.functions)} functions, {len(a.graph.enis)} ENIs, "
            f"{len(a.graph.boundaries)} boundaries"
        )
    if failed:
        sys.exit(EXIT_INPUT)


@cli.command()
@model_argument
@click.option("--format", "fmt", type=click.Choice(["json", "dot"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
@as_of_option
@from_option
def graph(model: Path, fmt: str, output: Path | None, as_of: dt.date | None, source_format: str | None) -> None:
    """The trust-boundary graph as node-link JSON or DOT.

    \b
    Examples:
      tmgen graph examples/multi-account-platform.yaml > graph.json
      tmgen graph examples/seed-vpc-pattern.yaml --format dot | dot -Tsvg > graph.svg
    """
    a = run_analysis(model, as_of, source_format)
    if fmt == "json":
        from tmgen.render import graph_json

        emit(graph_json.render(a.graph), output)
    else:
        from tmgen.render import graph_dot

        emit(graph_dot.render(a.graph), output)


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of the workload model, for editors.

    \b
    Example:
      tmgen schema -o workload.schema.json
      # then, on line 1 of a model:
      # yaml-language-server: $schema=workload.schema.json
    """
    from tmgen.schema import json_schema

    emit(json.dumps(json_schema(), indent=2, sort_keys=False) + "\n", output)


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("workload.yaml"),
    show_default=True,
    help="Where to write the model ('-' for stdout).",
)
@click.option("--example", metavar="NAME", help="Start from a bundled example instead (see --list).")
@click.option("--list", "list_examples", is_flag=True, help="List the bundled examples.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(output: Path, example: str | None, list_examples: bool, force: bool) -> None:
    """Write a commented starter model that validates.

    \b
    Examples:
      tmgen init                      # writes workload.yaml and workload.schema.json
      tmgen init --example seed-vpc-pattern -o payments.yaml
      tmgen init --list
    """
    from tmgen.knowledge import data_dir

    if list_examples:
        for p in sorted(data_dir("examples").glob("*.yaml")):
            click.echo(p.stem)
        return
    if example:
        path = data_dir("examples") / f"{example.removesuffix('.yaml')}.yaml"
        if not path.is_file():
            names = sorted(p.stem for p in data_dir("examples").glob("*.yaml"))
            raise click.BadParameter(f"no example '{example}'; examples: {', '.join(names)}", param_hint="--example")
        text = path.read_text(encoding="utf-8")
    else:
        text = (data_dir("templates") / "starter.yaml").read_text(encoding="utf-8")
    if str(output) != "-" and output.exists() and not force:
        raise click.UsageError(f"{output} exists; use --force to overwrite it")
    # The model's first line points editors at a schema file beside it: write that too.
    text = re.sub(
        r"^# yaml-language-server: \$schema=\S+", "# yaml-language-server: $schema=workload.schema.json", text
    )
    emit(text, output)
    if str(output) != "-":
        schema_file = output.parent / "workload.schema.json"
        if not schema_file.exists() or force:
            from tmgen.schema import json_schema

            emit(json.dumps(json_schema(), indent=2) + "\n", schema_file)


SEVERITY_CHOICE = click.Choice(["critical", "high", "medium", "low", "info"], case_sensitive=False)


def _fail_on(analysis: Analysis, threshold: str | None) -> None:
    """Exit 1 when an active finding reaches the --fail-on threshold."""
    if threshold is None:
        return
    from tmgen.findings import at_least

    hits = [f for f in analysis.findings if f.active and at_least(f.severity, threshold.lower())]
    if hits:
        click.echo(f"{len(hits)} finding(s) at or above {threshold.lower()}", err=True)
        sys.exit(EXIT_FINDINGS)


fail_on_option = click.option(
    "--fail-on",
    type=SEVERITY_CHOICE,
    default=None,
    metavar="SEVERITY",
    help="Exit 1 when an unaccepted finding is at or above SEVERITY (for CI).",
)


@cli.command()
@model_argument
@click.option(
    "--by",
    type=click.Choice(["function", "component", "team"]),
    default="function",
    show_default=True,
    help="Per function, aggregated per component, or duties per team.",
)
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
@as_of_option
@from_option
def matrix(
    model: Path, by: str, fmt: str, output: Path | None, as_of: dt.date | None, source_format: str | None
) -> None:
    """The shared-responsibility matrix: who owns each component, why, and which team.

    \b
    Examples:
      tmgen matrix examples/multi-account-platform.yaml --by team
      tmgen matrix payments.yaml --format json -o matrix.json
      tmgen matrix payments.yaml --by component --as-of 2027-06-01
    """
    from tmgen.render import matrix_views

    a = run_analysis(model, as_of, source_format)
    emit(matrix_views.render(a, by, fmt), output)


@cli.command()
@model_argument
@click.option("--format", "fmt", type=click.Choice(["md", "json", "sarif", "csv"]), default="md", show_default=True)
@click.option(
    "--min-severity",
    type=SEVERITY_CHOICE,
    default="info",
    show_default=True,
    help="Leave out findings below this severity.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
@fail_on_option
@as_of_option
@from_option
def threats(
    model: Path,
    fmt: str,
    min_severity: str,
    output: Path | None,
    fail_on: str | None,
    as_of: dt.date | None,
    source_format: str | None,
) -> None:
    """The threats that apply to the workload, with the team that must act.

    \b
    Examples:
      tmgen threats examples/naive-public-api.yaml
      tmgen threats payments.yaml --format json --min-severity high
      tmgen threats payments.yaml --format sarif -o findings.sarif --fail-on high
    """
    from tmgen.render import findings_json, threats_text

    a = run_analysis(model, as_of, source_format)
    level = min_severity.lower()
    if fmt == "json":
        text = findings_json.render(a, level)
    elif fmt == "md":
        text = threats_text.markdown(a, level)
    elif fmt == "csv":
        from tmgen.render import findings_csv

        text = findings_csv.render(a)
    else:
        from tmgen.render import sarif

        text = sarif.render(a)
    emit(text, output)
    _fail_on(a, fail_on)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
def rules(fmt: str, output: Path | None) -> None:
    """The rule catalogue.

    \b
    Examples:
      tmgen rules
      tmgen rules --format json | jq '.[].id'
    """
    from tmgen.render import catalogue

    emit(catalogue.render(fmt), output)


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """One rule: what it detects, why it matters, how to fix it, references.

    \b
    Example:
      tmgen explain IAM-009
    """
    from tmgen.errors import did_you_mean
    from tmgen.knowledge import knowledge
    from tmgen.render import catalogue

    kb = knowledge()
    key = rule_id.strip().upper()
    if key not in kb.rules:
        hint = did_you_mean(key, kb.rules)
        raise click.BadParameter(
            f"no rule '{rule_id}'{'; ' + hint if hint else ''} (see `tmgen rules`)", param_hint="RULE_ID"
        )
    click.echo(catalogue.explain(kb.rules[key]), nl=False)


@cli.command()
@model_argument
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path),
    required=True,
    help="The diagram file; the format follows the suffix: .svg .png .pdf .dot .mmd",
)
@click.option(
    "--view",
    default="architecture",
    show_default=True,
    metavar="VIEW",
    help="architecture | responsibility | account=NAME | vpc=NAME",
)
@as_of_option
@from_option
def diagram(model: Path, output: Path, view: str, as_of: dt.date | None, source_format: str | None) -> None:
    """Draw one diagram.

    \b
    Examples:
      tmgen diagram examples/seed-vpc-pattern.yaml -o arch.svg
      tmgen diagram payments.yaml -o cake.png --view responsibility
      tmgen diagram platform.yaml -o core.svg --view vpc=core
      tmgen diagram platform.yaml -o arch.mmd
    """
    from tmgen.render import diagram as diagram_mod

    suffix = output.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf", ".dot", ".mmd"):
        raise click.BadParameter(
            f"unknown diagram format '{suffix or output.name}'; use .svg .png .pdf .dot or .mmd", param_hint="-o"
        )
    a = run_analysis(model, as_of, source_format)
    kind = "responsibility" if view == "responsibility" else "architecture"
    part = None if view in ("architecture", "responsibility") else view
    if part is not None and not (part.startswith("account=") or part.startswith("vpc=")):
        raise click.BadParameter(
            f"'{view}' is not a view; use architecture, responsibility, account=NAME or vpc=NAME", param_hint="--view"
        )
    try:
        data = diagram_mod.render_file(a, output, part, kind)
    except (ValueError, diagram_mod.DiagramError) as exc:
        raise InputProblem(str(exc)) from None
    write_file(output, data)
    click.echo(f"wrote {output}", err=True)


@cli.command()
@model_argument
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The directory to write (replaced atomically).",
)
@click.option(
    "--date",
    "stamp",
    callback=_parse_date,
    metavar="DATE",
    help="A date to print in the reports (default: none, so builds are byte-identical).",
)
@fail_on_option
@as_of_option
@from_option
def build(
    model: Path,
    output: Path,
    stamp: dt.date | None,
    fail_on: str | None,
    as_of: dt.date | None,
    source_format: str | None,
) -> None:
    """Everything: the HTML page, the threat-model document, diagrams, matrix and findings.

    \b
    Examples:
      tmgen build examples/multi-account-platform.yaml -o out/
      tmgen build template.yaml -o docs/security --fail-on high
    """
    from tmgen.output import write_directory
    from tmgen.render.build import OUTPUT_NAMES, build_outputs

    a = run_analysis(model, as_of, source_format)
    click.echo(
        f"analysed {printable(a.name)}: {len(a.workload.functions)} functions, {len(a.findings)} findings", err=True
    )
    result = build_outputs(a, stamp, progress=lambda stage: click.echo(f"{stage}…", err=True))
    for message in result.messages:
        click.echo(message, err=True)
    write_directory(output, result.files, replaces=OUTPUT_NAMES)
    click.echo(f"wrote {len(result.files)} files to {output}", err=True)
    _fail_on(a, fail_on)


@cli.command(name="import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "source_format",
    type=click.Choice(["sam", "cloudformation", "serverless", "terraform"]),
    default=None,
    help="Input format (default: detected from the content).",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="Where to write the model (default: stdout)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing model file.")
def import_(source: Path, source_format: str | None, output: Path | None, force: bool) -> None:
    """Turn a SAM/CloudFormation template, a serverless.yml or Terraform into a workload model.

    \b
    Examples:
      tmgen import template.yaml -o model.yaml
      tmgen import infra/ --from terraform -o model.yaml
      tmgen import serverless.yml | tmgen validate /dev/stdin
    """
    from tmgen.importers import detect, import_path, to_yaml

    if not source.exists():
        raise InputProblem(f"{source}: no such file or directory")
    fmt = source_format or detect(source)
    if fmt is None or fmt == "workload":
        what = "already a tmgen model" if fmt == "workload" else "not a format tmgen can import"
        raise InputProblem(f"{source}: {what} (use --from sam|cloudformation|serverless|terraform)")
    if output is not None and str(output) != "-" and output.exists() and not force:
        raise InputProblem(f"{output} exists; use --force to overwrite it")
    _INPUTS.append(source)
    result = import_path(source, fmt)
    _print_problems(result.warnings)
    emit(to_yaml(result), output)


def main(argv: list[str] | None = None) -> None:
    """Entry point: maps input problems to exit 2 and internal errors to exit 3."""
    _INPUTS.clear()
    try:
        cli.main(args=argv, prog_name="tmgen", standalone_mode=False)
    except ModelInvalid as exc:
        _print_problems(exc.errors)
        sys.exit(EXIT_INPUT)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INPUT)
    except (InputProblem, OutputError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(EXIT_INPUT if isinstance(sys.exc_info()[1], KeyboardInterrupt) else 0)
    except SystemExit:
        raise
    except Exception:  # noqa: BLE001 - the last line of defence
        fd, log = tempfile.mkstemp(prefix="tmgen-crash-", suffix=".txt")
        with open(fd, "w", encoding="utf-8") as fh:
            traceback.print_exc(file=fh)
        click.echo(
            f"tmgen: internal error: {sys.exc_info()[1]!s:.200}\n"
            f"This is a bug in tmgen; please report it with the traceback written to {log}",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
