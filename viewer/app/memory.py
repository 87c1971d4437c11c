"""Memory and the window's pauses: give what the process has freed back to the system (glibc's
``malloc_trim``), and keep Python's collector off the objects the window is built from.

A still frame, a figure or a preview frees tens of megabytes of pixels and geometry at once,
but glibc keeps freed blocks inside its heaps, so the window's resident memory climbed by about
50 MB a round of a long class without holding any more data (measured with
``benchmarks/long_class.py``: the same rounds with a trim stayed flat). Trimming takes well under
a millisecond. Where the C library is not glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system, where the C library can."""
    trim = _trim()
    if trim is not None:
        trim(0)


def freeze_what_the_window_holds() -> None:
    """Move every object alive now out of the collector's reach (after collecting what is garbage).

    The built window holds about 225,000 tracked Python objects (VTK and Qt wrappers, arrays,
    records) for as long as it is open, and each of Python's full collections walked them all:
    80 ms on this 2-core machine, landing inside whichever action set it off (the p95 of the
    action benchmark). Frozen, they are still freed by their reference counts; a full collection
    then walks only what was made since.
    """
    gc.collect()
    gc.freeze()
