"""Start the Qt application, or explain in one line why no window can open."""

from __future__ import annotations

import os
import sys


def display_problem() -> str | None:
    """Why a window cannot be shown here, or None when it can.

    Checked before Qt starts: Qt aborts the process (core dump, "Reinstalling the application
    may fix this problem") when its platform plugin finds no display. The 3D view needs X11
    (VTK draws into an X window); a Wayland session serves it through XWayland's DISPLAY.
    """
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal", "vnc", "eglfs", "linuxfb")):
        return None
    display = os.environ.get("DISPLAY")
    if not display:
        if os.environ.get("WAYLAND_DISPLAY"):
            return "only a Wayland display is available and the 3D view needs X11 (start XWayland so that DISPLAY is set)"
        return "no display available (DISPLAY is not set)"
    if not _x_display_answers(display):
        return f"cannot connect to the X display {display!r} (it is not running, or access is refused)"
    return None


def _x_display_answers(display: str) -> bool:
    """Whether Xlib can open ``display``; True when Xlib itself cannot be loaded (Qt then decides)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("X11")
    if name is None:
        return True
    try:
        xlib = ctypes.CDLL(name)
    except OSError:
        return True
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        return False
    xlib.XCloseDisplay(connection)
    return True


def run_window(pack, annotations, problems: str | None = None) -> int:
    """Open the main window on a loaded pack (and annotations, or None) until it is closed;
    ``problems`` (why the user's annotations were not loaded) is shown in the window."""
    from PyQt5.QtWidgets import QApplication

    from viewer.app import guard
    from viewer.app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Psoas viewer")
    app.setOrganizationName("psoas-viewer")
    guard.install_excepthook()
    window = MainWindow(pack, annotations)
    window.show()
    if problems:
        guard.warn(window, "Annotations not loaded", problems)
    window.offer_recovery()
    window.show_view("anterior")
    return app.exec_()
