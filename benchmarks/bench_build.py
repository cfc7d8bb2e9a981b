"""Prints how long `tmgen build` takes (analysis, every output, diagrams included) for synthetic
workloads of 100, 1,000 and 10,000 functions made by benchmarks/synth.py."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tmgen.analysis import analyze  # noqa: E402
from tmgen.output import write_directory  # noqa: E402
from tmgen.render.build import build_outputs  # noqa: E402

BUDGET_1000 = 30.0  # seconds on 2 cores (issue 5)


def bench(n: int, work: Path) -> tuple[float, float, int, list[str]]:
    model = work / f"synth-{n}.yaml"
    subprocess.run([sys.executable, str(HERE / "synth.py"), str(n), "-o", str(model)], check=True)
    start = time.perf_counter()
    analysis = analyze(model)
    analysed = time.perf_counter()
    result = build_outputs(analysis)
    write_directory(work / f"out-{n}", result.files)
    done = time.perf_counter()
    return analysed - start, done - start, len(result.files), result.messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="tmgen-bench-") as tmp:
        print(f"{'functions':>10} {'analyse s':>10} {'build s':>10} {'files':>6}")
        for n in args.sizes:
            analyse_s, total_s, files, messages = bench(n, Path(tmp))
            print(f"{n:>10,} {analyse_s:>10.2f} {total_s:>10.2f} {files:>6}", flush=True)
            for m in messages:
                print(f"{'':>10} note: {m}")
            if n == 1000 and total_s > BUDGET_1000:
                print(f"{'':>10} over the {BUDGET_1000:.0f} s budget for 1,000 functions")
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
