"""Editing annotations in the window: add by click, drag along the bone, edit, delete, undo and redo,
opening a broken file, saving, and restoring unsaved edits after a crash."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import trimesh

if not os.environ.get("DISPLAY"):
    pytest.fail("GUI tests need an X display: install xvfb and xauth (see .ci/run)", pytrace=False)

from PyQt5.QtCore import QEvent, QPoint, Qt  # noqa: E402
from PyQt5.QtGui import QMouseEvent  # noqa: E402
from PyQt5.QtWidgets import QApplication  # noqa: E402

from viewer.app import guard  # noqa: E402
from viewer.scene.projection import world_to_display  # noqa: E402


@pytest.fixture
def dialogs(monkeypatch):
    """Warnings the window would show, captured instead of blocking."""
    shown = []
    monkeypatch.setattr(guard, "warn", lambda parent, title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def editing_window(qtbot, content, settings):
    from viewer.app.main_window import MainWindow

    def open_window():
        win = MainWindow(*content, settings)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        QApplication.setActiveWindow(win)
        for muscle_id in win.scene.muscle_actors.actors:
            win.state.set_visible(muscle_id, False)
        win.actions_by_name["edit_landmarks"].setChecked(True)
        return win

    return open_window


def display(win, point) -> QPoint:
    win.plotter.render_window.Render()
    (x, y), = world_to_display(win.plotter.renderer, np.asarray(point)[None])[0]
    ratio = win.plotter.interactor.devicePixelRatioF()
    return QPoint(int(round(x / ratio)), int(round(win.plotter.interactor.height() - 1 - y / ratio)))


def face_femur_shaft(win) -> np.ndarray:
    """Point the camera at the front of the right femur's shaft, where no landmark is; return that point."""
    femur = win.scene.pack.bones["femur_r"].mesh
    middle = np.abs(femur.vertices[:, 2] - np.median(femur.vertices[:, 2])) < 15
    point = femur.vertices[middle][np.argmax(femur.vertices[middle][:, 1])]
    camera = win.plotter.camera
    camera.focal_point, camera.position, camera.up = point, point + [0, 400, 0], (0, 0, 1)
    win.plotter.reset_camera_clipping_range()
    return point


def distance_to_femur(win, landmark_id) -> float:
    landmarks = win.scene.landmark_actors
    _, distance, _ = trimesh.proximity.closest_point(win.scene.pack.bones["femur_r"].mesh,
                                                     landmarks.neutral[[landmarks.index[landmark_id]]])
    return float(distance[0])


def send_mouse(widget, kind, pos, buttons):
    button = Qt.LeftButton if kind != QEvent.MouseMove else Qt.NoButton
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, button, buttons, Qt.NoModifier))


def add_on_femur(win, qtbot) -> str:
    point = face_femur_shaft(win)
    before = set(win.scene.annotations.landmarks)
    qtbot.mouseClick(win.plotter.interactor, Qt.LeftButton, pos=display(win, point))
    (added,) = set(win.scene.annotations.landmarks) - before
    return added


def test_click_adds_a_snapped_landmark_and_undo_redo(editing_window, qtbot):
    win = editing_window()
    added = add_on_femur(win, qtbot)
    assert win.state.selection == added and added.startswith("femur_r_point_")
    assert distance_to_femur(win, added) < 0.02
    entry = win.session.layer["landmarks"][0]
    centre = win.scene.pack.bones["femur_r"].joint_centre
    assert np.allclose(np.array(entry["position"]) + centre, win.scene.landmark_actors.neutral[win.scene.landmark_actors.index[added]])
    assert win.windowTitle().endswith("*") and "Add landmark" in win.session.undo_stack.undoText()
    qtbot.keyClick(win, Qt.Key_Z, Qt.ControlModifier)
    assert added not in win.scene.annotations.landmarks and added not in win.state.structures
    assert win.structure_panel.items.get(added) is None
    qtbot.keyClick(win, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert added in win.scene.annotations.landmarks and added in win.structure_panel.items


def test_drag_moves_a_landmark_along_its_bone(editing_window, qtbot):
    win = editing_window()
    added = add_on_femur(win, qtbot)
    widget = win.plotter.interactor
    start = win.scene.annotations.landmarks[added].position.copy()
    press = display(win, win.scene.landmark_actors.points[win.scene.landmark_actors.index[added]])
    send_mouse(widget, QEvent.MouseButtonPress, press, Qt.LeftButton)
    camera_before = np.array(win.plotter.camera.position)
    for step in range(1, 6):
        send_mouse(widget, QEvent.MouseMove, press + QPoint(0, 6 * step), Qt.LeftButton)
    send_mouse(widget, QEvent.MouseButtonRelease, press + QPoint(0, 30), Qt.NoButton)
    moved = win.scene.annotations.landmarks[added].position
    assert np.array_equal(win.plotter.camera.position, camera_before)  # the drag moved the point, not the camera
    assert moved[2] < start[2] - 3  # dragged down the screen: down the shaft
    assert distance_to_femur(win, added) < 0.02
    assert win.session.undo_stack.count() == 2
    win.session.undo_stack.undo()
    assert np.allclose(win.scene.annotations.landmarks[added].position, start)
    win.session.undo_stack.redo()
    assert np.allclose(win.scene.annotations.landmarks[added].position, moved)


def test_edit_fields_delete_and_undo(editing_window, qtbot, dialogs):
    win = editing_window()
    added = add_on_femur(win, qtbot)
    editor = win.landmark_editor
    assert editor.isVisible() and editor.landmark_id == added
    markup = '<img src="file:///etc/passwd"><b>bold</b> <a href="https://example.com">link</a>'
    editor.name.setText("Mid-shaft")
    editor.kind.setCurrentText("via")
    editor.description.setPlainText(markup)
    editor.references.setPlainText("Gray's Anatomy\n\nMy lecture notes")
    editor.apply_button.click()
    landmark = win.scene.annotations.landmarks[added]
    assert (landmark.name, landmark.kind, landmark.description) == ("Mid-shaft", "via", markup)
    assert win.session.layer["landmarks"][0]["references"] == ["Gray's Anatomy", "My lecture notes"]
    assert markup in win.info_panel.toPlainText()  # shown as text, not rendered
    assert "<img" not in win.info_panel.toHtml() and "<b>" not in win.info_panel.toHtml()
    editor.name.setText("")
    editor.apply_button.click()
    assert dialogs and "$.landmarks[0].name" in dialogs[-1][1]  # refused, and nothing changed
    assert win.scene.annotations.landmarks[added].name == "Mid-shaft"
    win.session.undo_stack.undo()
    assert win.scene.annotations.landmarks[added].name.startswith("New point")
    win.session.undo_stack.redo()
    qtbot.keyClick(win, Qt.Key_Delete)
    assert added not in win.scene.annotations.landmarks and win.state.selection is None
    qtbot.keyClick(win, Qt.Key_Z, Qt.ControlModifier)
    assert win.scene.annotations.landmarks[added].name == "Mid-shaft" and win.state.selection == added
    win.state.select("asis_r")
    qtbot.keyClick(win, Qt.Key_Delete)
    assert "shipped landmark" in dialogs[-1][1] and "asis_r" in win.scene.annotations.landmarks


def test_open_broken_then_good_file_save_and_recover(editing_window, qtbot, dialogs, tmp_path, monkeypatch):
    win = editing_window()
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1,\n "landmarks": [{"id": "x", "bone": "tibia"}]}\n')
    shown = dict(win.scene.annotations.landmarks)
    assert not win.open_annotations(broken)
    assert "line 2" in dialogs[-1][1] and "tibia" in dialogs[-1][1] and "'name' is a required property" in dialogs[-1][1]
    assert win.scene.annotations.landmarks.keys() == shown.keys()
    added = add_on_femur(win, qtbot)
    win._save_annotations_to(broken)  # a file that failed to load is never written over
    assert "not written over" in dialogs[-1][1] and json.loads(broken.read_text())["landmarks"][0]["id"] == "x"
    mine = tmp_path / "mine.json"
    win._save_annotations_to(mine)
    assert json.loads(mine.read_text())["landmarks"][0]["id"] == added and not win.session.dirty
    assert win.open_annotations(mine) and added in win.scene.annotations.landmarks
    win.session.edit(added, name="Unsaved name")
    win.close()  # closing with unsaved edits leaves them in the recovery file
    assert win.session.recovery_path.exists()
    monkeypatch.setattr(guard, "ask", lambda *args: True)
    again = editing_window()
    again.offer_recovery()
    assert again.scene.annotations.landmarks[added].name == "Unsaved name"
    assert again.session.layer_path == mine and again.session.dirty
    assert not again.session.recovery_path.exists()
