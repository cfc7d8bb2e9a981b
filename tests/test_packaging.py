"""A plain (non-editable) wheel carries the package, model/, templates/ and examples/."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_install_finds_its_data(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("tmgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "tmgen/cli.py",
        "tmgen/model/components.yaml",
        "tmgen/model/runtimes.yaml",
        "tmgen/model/policies/AWSLambdaRole.json",
        "tmgen/model/rules/IAM-001.yaml",
        "tmgen/templates/starter.yaml",
        "tmgen/examples/seed-vpc-pattern.yaml",
    ):
        assert expected in names, expected
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = tmp_path / "elsewhere"
    run.mkdir()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tmgen, sys; from tmgen.cli import main; print(tmgen.__file__); main()",
            "init",
            "-o",
            "w.yaml",
        ],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(str(target))
    res = subprocess.run(
        [sys.executable, "-m", "tmgen.cli", "validate", "w.yaml"], cwd=run, env=env, capture_output=True, text=True
    )
    assert res.returncode == 0 and res.stdout.startswith("OK my-service"), res.stderr
