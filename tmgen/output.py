"""Atomic writes: a file or a whole directory either appears complete or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def write_file(path: str | Path, content: str | bytes) -> None:
    """Writes `content` to `path` through a temporary file in the same directory."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_directory(path: str | Path, files: Mapping[str, str | bytes], replaces: Iterable[str] = ()) -> None:
    """Replaces the files of directory `path` with `files` (name -> content) in one step:
    everything is written to a sibling directory first, which then takes the place of
    the old one. Files named in `replaces` but not in `files` are removed; any other file
    already in `path` is kept."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        if target.exists():
            if not target.is_dir():
                raise NotADirectoryError(f"{target} exists and is not a directory")
            shutil.copytree(target, staging, dirs_exist_ok=True)
        for name in replaces:
            if name not in files:
                (staging / name).unlink(missing_ok=True)
        for name, content in files.items():
            dest = staging / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
