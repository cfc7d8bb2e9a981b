"""Regenerates tests/golden/: the DOT, Mermaid and Markdown of every example in examples/.
Run it after an intended change to a renderer, the rules or an example, and review the diff."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tmgen.analysis import Analysis, analyze, load_workload  # noqa: E402
from tmgen.render import diagram, markdown_report, mermaid  # noqa: E402

GOLDEN = REPO / "tests" / "golden"


def golden_files(analysis: Analysis) -> dict[str, str]:
    """Suffix -> text, exactly as the golden test compares them."""
    return {
        ".architecture.dot": diagram.architecture_dot(analysis),
        ".responsibility.dot": diagram.responsibility_dot(analysis),
        ".mmd": mermaid.render(analysis),
        ".md": markdown_report.render(analysis),
    }


def example_analysis(path: Path) -> Analysis:
    return analyze(load_workload(path, display=f"examples/{path.name}"))


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO / "examples").glob("*.yaml")):
        for suffix, text in golden_files(example_analysis(path)).items():
            target = GOLDEN / f"{path.stem}{suffix}"
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
