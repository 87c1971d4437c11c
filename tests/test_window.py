"""The main window under Xvfb: it opens, draws the bones, and reports missing ones."""

from __future__ import annotations

import os

import numpy as np
import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.mesh_pack import load_pack

if not os.environ.get("DISPLAY"):
    pytest.fail(
        "GUI tests need an X display: install xvfb and xauth (see .ci/run) so pytest-xvfb can start one",
        pytrace=False,
    )


@pytest.fixture
def window(qtbot):
    from PyQt5.QtWidgets import QApplication

    from viewer.app.main_window import MainWindow

    def open_window(pack, annotations=None):
        win = MainWindow(pack, annotations)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        # Xvfb has no window manager to activate windows, and shortcuts need an active one
        QApplication.setActiveWindow(win)
        win.show_view("anterior")
        return win

    return open_window


def rendered_pixels(win) -> np.ndarray:
    win.plotter.render_window.Render()
    return np.asarray(win.plotter.screenshot(return_img=True))


def test_window_renders_bones_and_muscles(window):
    win = window(load_pack(), load_annotations())
    pixels = rendered_pixels(win)
    height, width = pixels.shape[:2]
    assert width >= 640 and height >= 400
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    bone = (r > 90) & (r - b > 12)
    assert bone.mean() > 0.03
    assert bone[:, width // 3 : 2 * width // 3].sum() > 0.6 * bone.sum()
    assert win.missing_label.text() == "11 bones loaded"
    muscle = (r > 110) & (r - g > 50) & (r - b > 50)
    assert muscle.sum() > 500


def test_view_shortcuts_move_the_camera(window, qtbot):
    from PyQt5.QtCore import Qt

    win = window(load_pack())
    before = np.array(win.plotter.camera.position)
    qtbot.keyClick(win.plotter.interactor, Qt.Key_3)  # third view in the menu: left
    after = np.array(win.plotter.camera.position)
    assert after[0] < before[0] - 100  # the camera moved to the subject's left (-x)


def test_missing_bone_is_named_in_the_status_bar(window, pack_copy):
    (pack_copy / "hip_bone_l.ply").write_bytes(b"ply\nbroken")
    win = window(load_pack(pack_copy))
    assert "hip_bone_l" in win.missing_label.text()
    assert "hip_bone_l" not in win.scene.bone_actors
    assert len(win.scene.bone_actors) == 10
