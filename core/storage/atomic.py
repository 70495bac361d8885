"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder and ``os.replace``.

    With ``fsync`` the data (and the folder entry, where the OS allows) reach the disk
    before this returns, so a crash or power loss leaves either version intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if fsync:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every OS (Windows)
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def remove_stale_temp_files(
    folder: Path, *, pattern: str = ".*.tmp", min_age_s: float = 0.0
) -> int:
    """Delete ``.NAME.*.tmp`` leftovers of writes interrupted by a crash; returns how many.

    ``pattern`` narrows the files considered (default: every temp file of
    :func:`atomic_write_bytes`). With ``min_age_s`` only files not modified for that many
    seconds are removed, so a write still under way in another process is left alone.
    """
    count = 0
    if not folder.is_dir():
        return 0
    cutoff = time.time() - min_age_s
    for tmp in folder.glob(pattern):
        with contextlib.suppress(OSError):
            if min_age_s > 0 and tmp.stat().st_mtime > cutoff:
                continue
            tmp.unlink()
            count += 1
    return count
