"""Times each stage of the analysis (load + validate, graph, matrix, threats) and its peak
memory for synthetic models of 100, 1,000 and 10,000 functions, then the whole `tmgen build`
(every output, diagrams included) for the same sizes; prints two tables."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r"""
import gc, json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from tmgen.analysis import load_workload, resolve_as_of
from tmgen.graph import build_graph
from tmgen.knowledge import knowledge
from tmgen.responsibility import build_matrix
from tmgen.rules.context import RuleContext
from tmgen.rules.engine import evaluate
kb = knowledge()
t0 = time.perf_counter()
model = load_workload(sys.argv[1])
t1 = time.perf_counter()
gc.disable()  # as analyze() does
graph = build_graph(model.workload, kb.policies)
t2 = time.perf_counter()
as_of = resolve_as_of(model.workload, None)
matrix = build_matrix(kb, model.workload, graph, as_of)
t3 = time.perf_counter()
findings, _ = evaluate(RuleContext(model.workload, graph, matrix, kb, as_of), model.document)
t4 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "graph": t2 - t1, "matrix": t3 - t2, "threats": t4 - t3,
                  "findings": len(findings), "nodes": graph.graph.number_of_nodes(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(n: int, workdir: Path) -> dict[str, float]:
    model = workdir / f"synth-{n}.yaml"
    subprocess.run([sys.executable, str(HERE / "synth.py"), str(n), "-o", str(model)], check=True)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(model), str(ROOT)], check=True, capture_output=True, text=True
    )
    data = json.loads(out.stdout)
    data["bytes"] = model.stat().st_size
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--no-build", action="store_true", help="only the analysis stages")
    args = parser.parse_args()
    print(
        f"{'functions':>9} {'MB file':>8} {'load+validate':>14} {'graph':>7} {'matrix':>7} {'threats':>8} "
        f"{'total':>7} {'us/fn':>7} {'findings':>9} {'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            d = measure(n, Path(tmp))
            total = d["load"] + d["graph"] + d["matrix"] + d["threats"]
            print(
                f"{n:>9} {d['bytes'] / 1e6:>8.1f} {d['load']:>13.2f}s {d['graph']:>6.2f}s {d['matrix']:>6.2f}s "
                f"{d['threats']:>7.2f}s {total:>6.2f}s {total / n * 1e6:>7.0f} {d['findings']:>9} {d['peak_mb']:>8.0f}"
            )

    if not args.no_build:
        print()
        subprocess.run([sys.executable, str(HERE / "bench_build.py"), *map(str, args.sizes)], check=False)


if __name__ == "__main__":
    main()
