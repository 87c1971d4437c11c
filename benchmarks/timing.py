"""Shared by the benchmark scripts: per-call timing and a description of the machine."""

from __future__ import annotations

import platform
import time


def time_calls(function, arguments) -> list[float]:
    """Milliseconds taken by ``function(a)`` for each ``a`` in ``arguments``."""
    times = []
    for argument in arguments:
        start = time.perf_counter()
        function(argument)
        times.append(1000 * (time.perf_counter() - start))
    return times


def machine() -> str:
    return f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
