"""Memory readings shared by the benchmarks (Linux /proc, glibc's allocator)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process in MB (0.0 where /proc has no such process)."""
    return status_mb(pid).get("VmRSS", 0.0)


def status_mb(pid: int | str = "self") -> dict[str, float]:
    """The memory lines of /proc/<pid>/status (VmRSS, VmHWM, RssAnon, RssFile, RssShmem)
    in MB; empty where /proc has no such process."""
    out: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",  # bytes got from the OS with brk/sbrk (all arenas)
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",  # bytes in mmapped chunks (large allocations)
            "usmblks",
            "fsmblks",
            "uordblks",  # bytes in use (not counting mmapped chunks)
            "fordblks",  # bytes free but kept by the allocator
            "keepcost",
        )
    ]


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name or "libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def heap_mb() -> dict[str, float] | None:
    """glibc's view of the C heap (mallinfo2, every arena), in MB: ``in_use`` (live
    malloc'd bytes, mmapped chunks included), ``free`` (freed but kept by the
    allocator), ``system`` (got from the OS). None without glibc ≥ 2.33."""
    fn = getattr(_LIBC, "mallinfo2", None) if _LIBC is not None else None
    if fn is None:
        return None
    fn.restype = _Mallinfo2
    info = fn()
    mb = 1024 * 1024
    return {
        "in_use": (info.uordblks + info.hblkhd) / mb,
        "free": info.fordblks / mb,
        "system": (info.arena + info.hblkhd) / mb,
    }


def malloc_trim() -> bool:
    """Give the C allocator's free pages back to the OS (glibc ``malloc_trim(0)``)."""
    fn = getattr(_LIBC, "malloc_trim", None) if _LIBC is not None else None
    if fn is None:
        return False
    fn(0)
    return True
