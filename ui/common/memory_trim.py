"""Keep the C heap from holding on to memory the app has freed (glibc only).

glibc's malloc keeps freed memory inside its heaps for reuse and returns it to the OS
only from the very top of a heap. A session of streams leaves a lot of such memory:
every answer's QTextDocuments are laid out and dropped, HTTP buffers and JSON chunks come
and go, the columns of every closed comparison are deleted, chats are saved from worker
threads (each of which gets a malloc arena of its own). That memory is free (tracemalloc
and glibc's own counters show no growth of live objects), but it stays in the process's
resident size: bench/soak.py (8 concurrent streams for 5 minutes) measured RSS still
climbing after the warm-up, about 20 MB of it memory a final ``malloc_trim(0)`` gave back.

Two remedies, both used by other long-running glibc apps:

- :func:`limit_malloc_arenas` (called first thing in ``ui.app.main``): at most 2 arenas,
  so the worker threads do not each keep a heap of freed memory.
- :class:`MemoryTrimmer` (made by ``ui.app.build``): ``malloc_trim(0)`` on the GUI thread
  shortly after a burst of work ends (a stream finished, another chat or comparison
  shown), at most once every ``MIN_INTERVAL_S``. A trim takes about a millisecond.

With both, the soak's RSS stays flat after the warm-up (about 20 MB lower than without).
Elsewhere (macOS, Windows, musl) there are no such calls and this does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, SignalInstance

DELAY_MS = 1000  # after the work that freed the memory ends
MIN_INTERVAL_S = 10.0  # between two trims


M_ARENA_MAX = -8  # mallopt parameter (glibc's malloc.h)
ARENAS = 2


def _glibc_function(name: str) -> Any:
    """A function of glibc, or None (not Linux, or another C library such as musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        # The process's own symbols include the C library's (no library search: that runs
        # ldconfig, milliseconds at every start).
        return getattr(ctypes.CDLL(None), name)
    except (OSError, ValueError, AttributeError):
        return None


def _find_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None."""
    fn = _glibc_function("malloc_trim")
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    trim: Callable[[int], int] = fn
    return trim


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Let glibc's malloc make at most ``arenas`` heaps (``mallopt(M_ARENA_MAX)``, what the
    MALLOC_ARENA_MAX environment variable sets; call before threads start). By default
    every thread that allocates gets its own heap, up to 8 per core; the worker threads
    that save chats each keep one, with freed memory in it (over the soak: 10 to 20 MB of
    RSS more). Chorus's threads allocate little, so sharing the heaps costs no measurable
    time (the soak's round times are the same). True when set."""
    fn = _glibc_function("mallopt")
    if fn is None:
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_int]
    fn.restype = ctypes.c_int
    return bool(fn(M_ARENA_MAX, arenas))


class MemoryTrimmer(QObject):
    """Calls ``malloc_trim(0)`` ``delay_ms`` after :meth:`poke`, rate-limited."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        delay_ms: int = DELAY_MS,
        min_interval_s: float = MIN_INTERVAL_S,
        trim: Callable[[int], int] | None = None,
    ) -> None:
        super().__init__(parent)
        self._trim = trim if trim is not None else _find_trim()
        self.delay_ms = delay_ms
        self.min_interval_s = min_interval_s
        self.trims = 0
        self._last = -float("inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.trim_now)

    @property
    def available(self) -> bool:
        return self._trim is not None

    def watch(self, *signals: SignalInstance) -> None:
        """Poke after each emission of these signals."""
        for signal in signals:
            signal.connect(self.poke)

    def poke(self, *_args: Any) -> None:
        """Work that freed memory just ended: trim soon, unless a trim is already due.
        (A pending trim is not pushed back, so steady work cannot starve it.)"""
        if self._trim is None or self._timer.isActive():
            return
        wait_s = max(self.delay_ms / 1000, self._last + self.min_interval_s - time.monotonic())
        self._timer.start(round(wait_s * 1000))

    def trim_now(self) -> None:
        if self._trim is None:
            return
        started = time.monotonic()
        self._trim(0)
        self._last = time.monotonic()
        self.trims += 1
        import logging  # not before the first paint (ui/launch.py)

        logging.getLogger(__name__).debug(
            "malloc_trim(0) took %.1f ms", (self._last - started) * 1000
        )


def trim_memory_after_work(parent: QObject, *signals: SignalInstance) -> MemoryTrimmer:
    """A trimmer (owned by ``parent``) poked by ``signals``: a stream ended, another chat
    or comparison is shown."""
    trimmer = MemoryTrimmer(parent)
    trimmer.watch(*signals)
    return trimmer
