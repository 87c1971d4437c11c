"""Start the Qt application, or explain in one line why no window can open."""

from __future__ import annotations

import os
import sys


def display_problem() -> str | None:
    """Why a window cannot be shown here, or None when it can."""
    if sys.platform.startswith("linux"):
        platform = os.environ.get("QT_QPA_PLATFORM", "")
        if platform.startswith(("offscreen", "minimal", "vnc", "eglfs", "linuxfb")):
            return None
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return "no display available (DISPLAY is not set)"
    return None


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
