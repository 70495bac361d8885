"""Starting the real app (``main.py``) as a process for the tests that need one."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def app_env(data_dir: Path, base_url: str) -> dict[str, str]:
    """The environment of an app process: offscreen Qt, its own data folder, one endpoint."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHORUS_DATA_DIR=str(data_dir),
        OPENAI_BASE_URL=base_url,
    )
    env.pop("ANYFAST_API_KEY", None)
    return env


# Runs main.py with every rename of a temp file into the chats folder waiting first, as
# on a slow disk: a write is then under way long enough to kill the app in the middle of
# it, whatever the file system (on tmpfs a whole write takes a few microseconds).
_SLOW_RENAMES = """
import os, runpy, sys, time
_replace = os.replace
_chats = os.path.join(os.environ["CHORUS_DATA_DIR"], "chats")
def _slow_replace(src, dst, *args, **kwargs):
    if os.path.dirname(os.fspath(dst)) == _chats and os.fspath(src).endswith(".tmp"):
        time.sleep({seconds!r})
    return _replace(src, dst, *args, **kwargs)
os.replace = _slow_replace
sys.argv[0] = {main!r}
runpy.run_path({main!r}, run_name="__main__")
"""


def start_app(
    args: list[str], env: dict[str, str], log: Path, *, slow_renames_s: float = 0.0
) -> subprocess.Popen[bytes]:
    """``main.py ARGS``, its output appended to ``log``: a file, not a pipe, so that an
    app logging a lot never blocks on a pipe nobody reads yet.

    ``slow_renames_s``: each write of a file in the chats folder takes this much longer
    (the temp file waits that long before it is renamed over the old file).
    """
    main = str(ROOT / "main.py")
    if slow_renames_s > 0:
        command = ["-c", _SLOW_RENAMES.format(seconds=slow_renames_s, main=main), *args]
    else:
        command = [main, *args]
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, *command],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Wait for ``process`` to end (killing it after ``timeout``); its exit code."""
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def poll(probe: Callable[[], T | None], seconds: float, every: float = 0.05) -> T | None:
    """Call ``probe`` until it returns something other than None, or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(every)
    return None


class FolderWatch:
    """Linux inotify on one folder: the names of the files created in it.

    Unlike polling the folder, this sees a file that exists for a fraction of a
    millisecond (the temp file of an atomic write) and wakes up as soon as it appears.
    """

    _CREATE = 0x100  # IN_CREATE
    _HEADER = struct.Struct("iIII")  # wd, mask, cookie, len

    def __init__(self, folder: Path) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self._fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        if libc.inotify_add_watch(self._fd, os.fsencode(folder), self._CREATE) < 0:
            errno = ctypes.get_errno()
            os.close(self._fd)
            raise OSError(errno, f"inotify_add_watch {folder} failed")

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FolderWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self, seconds: float) -> list[str]:
        """The names of the files created within ``seconds`` (or before, not yet told)."""
        readable, _, _ = select.select([self._fd], [], [], max(seconds, 0.0))
        if not readable:
            return []
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return []
        names: list[str] = []
        offset = 0
        while offset < len(data):
            _, mask, _, length = self._HEADER.unpack_from(data, offset)
            offset += self._HEADER.size
            if mask & self._CREATE:
                names.append(
                    data[offset : offset + length].rstrip(b"\0").decode("utf-8", "replace")
                )
            offset += length
        return names
