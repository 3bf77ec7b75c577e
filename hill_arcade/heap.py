"""Give freed heap memory back to the operating system (glibc only; a no-op elsewhere).

A long-running kiosk trains, resets and reloads models for days. Measured with the soak bench
(`bench/soak.py`, 100 visitor cycles with the lockstep baseline on): live tensors and threads
stay constant, yet RSS grew 14 MB, because glibc keeps freed blocks of the training thread's
heap; after `malloc_trim(0)` the growth was 2.3 MB (the bench's own event list).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_heap() -> bool:
    """Collect cyclic garbage, then return freed heap pages to the OS; True if anything was
    released (tens of ms: call it where a pause is expected, such as loading a model)."""
    libc = _libc()
    if libc is None:
        return False
    gc.collect()
    return bool(libc.malloc_trim(0))
