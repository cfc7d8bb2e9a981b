"""Atomic writes: a file or a whole directory either appears complete or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


class OutputError(Exception):
    """An output could not be written (a bad path, no permission, a full disk)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(path: str | Path, content: str | bytes) -> None:
    """Writes `content` to `path` through a temporary file in the same directory."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a directory")
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None


def write_directory(path: str | Path, files: Mapping[str, str | bytes], replaces: Iterable[str] = ()) -> None:
    """Replaces the files of directory `path` with `files` (name -> content) in one step:
    everything is written to a sibling directory first, which then takes the place of
    the old one. Files named in `replaces` but not in `files` are removed; any other file
    already in `path` is kept."""
    target = Path(path).resolve()  # "." and "out/" need a name to stage beside
    if target.exists() and not target.is_dir():
        raise OutputError(f"cannot write {path}: it exists and is not a directory")
    staging: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        if target.exists():
            shutil.copytree(target, staging, dirs_exist_ok=True)
        else:
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700
        for name in replaces:
            if name not in files:
                (staging / name).unlink(missing_ok=True)
        mode = 0o666 & ~_umask()
        for name, content in files.items():
            dest = staging / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
            os.chmod(dest, mode)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
