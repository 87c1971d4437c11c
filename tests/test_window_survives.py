"""The window never aborts and never drops an edit: failing slots report and return, autosave failures
are announced and retried, bad settings are ignored, hostile files are refused by name, user text is plain.

PyQt5 aborts the process when an exception escapes a slot; pytest-qt turns such an exception into a
test failure, so each test here also checks that nothing escaped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

if not os.environ.get("DISPLAY"):
    pytest.fail("GUI tests need an X display: install xvfb and xauth (see .ci/run)", pytrace=False)

from PyQt5.QtCore import Qt  # noqa: E402
from PyQt5.QtWidgets import QApplication, QMessageBox  # noqa: E402

from viewer import cli  # noqa: E402
from viewer.anatomy import annotation_layer as edits  # noqa: E402
from viewer.anatomy.annotations import load_annotations  # noqa: E402
from viewer.app import guard, launch  # noqa: E402
from viewer.app.annotation_session import AUTOSAVE_RETRY_MS  # noqa: E402

HTML_NAME = 'Trochanter <img src="/etc/hostname"> <b>bold</b> $\\invalidcommand$'
LANDMARK = {"id": "my_point", "name": HTML_NAME, "bone": "femur_r", "position": [-6.66, 16.64, -13.31], "kind": "landmark"}
HOSTILE = {
    "lone surrogate": '{"format_version": 1, "landmarks": [{"id": "p", "name": "Bad \\udc80 name", "bone": "femur_r",'
                      ' "position": [0, 0, 0], "kind": "landmark"}]}',
    "5000 digits": '{"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": {"hip_flexion_r": '
                   + "1" * 5000 + "}}], \"landmarks\": []}",
    "500 nested arrays": '{"format_version": 1, "views": [{"id": "v", "title": "T", "panels": [{"camera": '
                         + "[" * 500 + "]" * 500 + "}]}]}",
    "not JSON": "{\"format_version\": 1,",
}


@pytest.fixture
def dialogs(monkeypatch):
    """Warnings the window shows, captured (they do not block, but are easier to read here)."""
    shown = []
    monkeypatch.setattr(guard, "warn", lambda parent, title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def window(qtbot, content, settings):
    from viewer.app.main_window import MainWindow

    def open_window(annotations=None):
        win = MainWindow(content[0], annotations or content[1], settings)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        QApplication.setActiveWindow(win)
        return win

    return open_window


def test_a_failing_slot_reports_in_the_window_and_returns(window, monkeypatch):
    win = window()

    def broken(x, y):
        raise RuntimeError("picker broke")

    monkeypatch.setattr(win.scene.picker, "pick", broken)
    assert win._clicked(10, 10) is None
    assert win.statusBar().currentMessage() == "Picking failed: unexpected RuntimeError: picker broke"
    win._hovered(10, 10)  # the next event is handled as usual
    assert "Naming what is under the mouse failed" in win.statusBar().currentMessage()


def test_autosave_failure_is_announced_retried_and_the_edit_kept(window, dialogs, tmp_path):
    win = window()
    win.session.recovery_path = tmp_path / "recovery.json"
    win.session.recovery_path.mkdir()  # a folder where the file should go: every write fails
    win.session.edit("femoral_head_r", name="Edited head")
    assert win.session.write_recovery() is False  # the autosave timer's slot
    message = win.statusBar().currentMessage()
    assert message.startswith(f"Autosave failed: {win.session.recovery_path}: is a folder") and "kept in the window" in message
    assert win.session.autosave.isActive() and win.session.autosave.interval() == AUTOSAVE_RETRY_MS
    assert win.scene.annotations.landmarks["femoral_head_r"].name == "Edited head"

    win.close()  # the edits cannot be kept on disk: the window stays open once and says so
    assert win.isVisible() and dialogs[-1][0] == "Unsaved edits not kept"
    win.session.recovery_path.rmdir()
    win.session.autosave.timeout.emit()  # the retry succeeds once the path is free
    layer, _, _ = edits.read_recovery(win.session.recovery_path)
    assert [entry["name"] for entry in layer["landmarks"]] == ["Edited head"]


def test_bad_settings_values_are_ignored_with_a_message(window, settings):
    settings.setValue("window/geometry", "hello")
    settings.setValue("window/state", "hello")
    settings.setValue("view/labels", "hello")
    settings.sync()
    win = window()
    message = win.statusBar().currentMessage()
    assert "window/geometry" in message and "window/state" in message and "view/labels" in message
    assert win.actions_by_name["labels"].isChecked()  # the default
    win.close()
    assert settings.value("view/labels") in (True, "true")  # closing wrote good values back


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_through_open_view_and_recovery_are_refused_by_name(window, dialogs, monkeypatch, tmp_path, kind):
    win = window()
    shown = dict(win.scene.annotations.landmarks)
    path = tmp_path / "hostile.json"
    path.write_text(HOSTILE[kind], encoding="utf-8")
    assert not win.open_annotations(path)
    assert str(path) in dialogs[-1][1]
    monkeypatch.setattr("viewer.app.main_window.QFileDialog.getOpenFileName", lambda *a: (str(path), ""))
    win._open_view_dialog()
    assert dialogs[-1][0] == "Opening the view failed" and str(path) in dialogs[-1][1]

    record = {"kind": edits.RECOVERY_KIND, "format_version": 1, "saved_at": "<b>now</b>", "layer_path": None, "layer": {}}
    text = json.dumps(record).replace('"layer": {}', '"layer": ' + HOSTILE[kind])
    win.session.recovery_path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(guard, "ask", lambda *args: True)
    win.offer_recovery()
    assert str(win.session.recovery_path) in (dialogs[-1][1] + win.statusBar().currentMessage())
    assert win.session.recovery_path.read_text(encoding="utf-8") == text  # kept for another try
    assert win.scene.annotations.landmarks.keys() == shown.keys()


def test_markup_in_names_and_descriptions_is_shown_as_text(window, dialogs, tmp_path, monkeypatch):
    path = tmp_path / "mine.json"
    pose = {"id": "odd", "name": "Odd & <i>pose</i>", "angles": {}, "description": "<b>bold</b> & $x$"}
    path.write_text(json.dumps({"format_version": 1, "landmarks": [LANDMARK], "poses": [pose]}))
    win = window(load_annotations(layer=path))
    monkeypatch.setattr(win.scene.picker, "pick", lambda x, y: "my_point")
    win._hovered(5, 5)
    assert win.hover_label.text() == HTML_NAME and win.hover_label.textFormat() == Qt.PlainText
    assert "&lt;img" in win.plotter.interactor.toolTip() and "<img" not in win.plotter.interactor.toolTip()
    button = win.pose_panel.pose_buttons["odd"]
    assert button.text() == "Odd && <i>pose</i>" and "&lt;b&gt;bold&lt;/b&gt;" in button.toolTip()
    dialog = win.show_export_dialog()  # the preview draws the name with $ and markup, literally
    dialog.labels.setCurrentText("As shown")
    win.state.select("my_point")
    dialog.update_preview()
    assert not dialog.preview.pixmap().isNull() and dialogs == []
    dialog.close()


def test_message_boxes_and_questions_are_plain_text(qtbot, monkeypatch):
    box = guard.warn(None, "Title", "<b>not bold</b>")
    assert box.textFormat() == Qt.PlainText and box.text() == "<b>not bold</b>"
    box.close()
    asked = []
    monkeypatch.setattr(QMessageBox, "exec_", lambda self: asked.append((self.textFormat(), self.text())) or QMessageBox.Yes)
    assert guard.ask(None, "Restore?", "Edits to <img src=x> from <b>now</b>")
    assert asked == [(Qt.PlainText, "Edits to <img src=x> from <b>now</b>")]


def test_bad_annotations_at_start_fall_back_to_the_built_in_ones_and_are_shown(monkeypatch, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(HOSTILE["lone surrogate"], encoding="utf-8")
    opened = []
    monkeypatch.setattr(launch, "display_problem", lambda: None)
    monkeypatch.setattr(launch, "run_window", lambda pack, annotations, problems=None: opened.append((annotations, problems)) or 0)
    assert cli.main(["--annotations", str(bad)]) == 0
    (annotations, problems), = opened
    assert annotations.layer is None and Path(annotations.path).name == "annotations.json"
    assert str(bad) in problems and "lone surrogate" in problems


def test_the_excepthook_net_reports_in_the_active_window(window, monkeypatch, capsys):
    """Whatever still escapes a slot goes to the installed hook (PyQt5 then does not abort): it is shown."""
    import sys

    win = window()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    guard.install_excepthook()
    try:
        raise KeyError("femur_r")
    except KeyError as exc:
        sys.excepthook(KeyError, exc, exc.__traceback__)
    assert win.statusBar().currentMessage() == "An action failed: unexpected KeyError: 'femur_r'"
    assert "KeyError" in capsys.readouterr().err  # the traceback is kept on stderr for a bug report


def test_a_reframing_due_after_the_window_closed_is_dropped(window, qtbot):
    """Presentation mode asks for a reframing a moment after its resize; a window closed before then
    must not raise from that timer (PyQt aborts on an exception escaping a slot)."""
    from viewer.app.main_window import FRAME_AFTER_RESIZE_MS

    win = window()
    win.set_presentation(True)
    win.close()
    win.plotter.close()
    qtbot.wait(FRAME_AFTER_RESIZE_MS + 300)  # pytest-qt fails the test on an exception in the event loop
    win.frame_anatomy(force=True)
