"""Memory readings shared by the benchmarks (Linux /proc)."""

from __future__ import annotations


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process in MB (0.0 where /proc has no such process)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
