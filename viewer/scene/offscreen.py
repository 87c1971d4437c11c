"""Rendering without a display."""

from __future__ import annotations

import os


def use_offscreen_backend() -> None:
    """Render through EGL when there is no display, instead of VTK trying X first and warning."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
