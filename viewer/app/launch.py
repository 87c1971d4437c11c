"""Start the Qt application, or explain in one line why no window can open."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def display_problem() -> str | None:
    """Why a window cannot be shown here, or None when it can."""
    if sys.platform.startswith("linux"):
        platform = os.environ.get("QT_QPA_PLATFORM", "")
        if platform.startswith(("offscreen", "minimal", "vnc", "eglfs", "linuxfb")):
            return None
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return "no display available (DISPLAY is not set)"
    return None


def run_window(pack_dir: Path | None = None, annotations_path: Path | None = None) -> int:
    """Open the main window on a pack and run until it is closed; return the exit code."""
    problem = display_problem()
    if problem:
        print(
            f"psoas-viewer: {problem}; to render a picture without a window run: psoas-viewer screenshot out.png",
            file=sys.stderr,
        )
        return 2
    from PyQt5.QtWidgets import QApplication

    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.json_input import InputError
    from viewer.anatomy.mesh_pack import load_pack
    from viewer.app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Psoas viewer")
    app.setOrganizationName("psoas-viewer")
    pack = load_pack(pack_dir)
    for bone_problem in pack.problems:
        print(f"psoas-viewer: warning: {bone_problem}; shown without it", file=sys.stderr)
    try:
        annotations = load_annotations(annotations_path)
    except InputError as exc:
        print(f"psoas-viewer: {exc}; showing the bones without muscles", file=sys.stderr)
        annotations = None
    window = MainWindow(pack, annotations)
    window.show()
    window.show_view("anterior")
    return app.exec_()
