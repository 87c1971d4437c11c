"""Shared by the benchmark scripts: per-call timing, child processes and the machine's description."""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
import time


def time_calls(function, arguments) -> list[float]:
    """Milliseconds taken by ``function(a)`` for each ``a`` in ``arguments``."""
    times = []
    for argument in arguments:
        start = time.perf_counter()
        function(argument)
        times.append(1000 * (time.perf_counter() - start))
    return times


def run_child(command: list[str]) -> tuple[float, float, str]:
    """Run a process without a display (off-screen, as in CI): wall seconds, peak RSS in MB, stdout.

    The peak RSS is that child's own (``wait4``), so figures of several children do not mix.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {err.read()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read()


def machine() -> str:
    """CPU model, core count and OpenGL renderer of this machine."""
    model = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {renderer()}, python {platform.python_version()}"


def renderer() -> str:
    """The OpenGL renderer VTK draws with off-screen (on these machines Mesa llvmpipe)."""
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=(16, 16))
    plotter.render_window.Render()
    report = plotter.render_window.ReportCapabilities()
    plotter.close()
    for line in report.splitlines():
        if "renderer string" in line:
            return line.split(":", 1)[1].strip()
    return "unknown renderer"
