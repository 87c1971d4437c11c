"""Fuzz: hostile variations of every JSON input, through the command line and the window's open and
restore paths. Nothing may raise past the entry point, print a traceback or abort the window.

Each document starts from a valid one; hypothesis replaces values anywhere in it with hostile ones
(lone surrogates, 5000-digit numbers, 1e999, deep nesting, markup and mathtext, wrong types) or cuts
the text short. Fixed seed (``derandomize``) and a bounded number of examples keep CI to about a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viewer import cli
from viewer.anatomy.annotation_layer import RECOVERY_KIND
from viewer.anatomy.annotations import shipped_content_path

FUZZ = settings(derandomize=True, deadline=None, database=None, max_examples=20,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

RAW = {  # placeholders replaced by text no JSON encoder would write
    "@digits@": "9" * 5000,
    "@huge@": "1e999",
    "@nan@": "NaN",
    "@deep@": "[" * 500 + "]" * 500,
    "@surrogate@": '"Bad \\udc80 name"',
}
HOSTILE = st.sampled_from([
    *RAW, None, True, -1, 0, 1e308, -180, 1e-300, "", "x" * 3000, "Trochanter $\\invalidcommand$",
    '<img src="/etc/hostname"> <b>bold</b>', "$" + "{" * 200 + "$", [], {}, [[]], {"id": "x"},
    "femur_r", "standing", "psoas_major_r", "asis_r", 120, [0, 0, 0], [1e200, 0, 0],
])

LAYER = {
    "format_version": 1,
    "landmarks": [{"id": "my_point", "name": "My point", "bone": "femur_r", "position": [-6.66, 16.64, -13.31],
                   "kind": "landmark", "description": "Mine.", "references": ["Me"]}],
    "poses": [{"id": "my_pose", "name": "My pose", "angles": {"hip_flexion_r": 45}, "description": "Mine."}],
    "views": [{"format_version": 1, "id": "my_view", "title": "Mine", "caption": "Mine",
               "panels": [{"camera": {"preset": "anterior"}, "pose": "my_pose", "labels": ["my_point"], "selection": "my_point"}]}],
    "lessons": [{"id": "my_lesson", "title": "Mine", "text": ["Sitting: {change:sitting:psoas_major_r}."],
                 "panel": {"camera": {"preset": "right"}, "pose": "sitting", "hidden": ["femur_l"]}}],
}
VIEW = {"format_version": 1, "title": "Mine", "panels": [
    {"camera": {"position": [520.0, 380.0, 330.0], "focal_point": [20.0, -35.0, 215.0], "up": [0.0, 0.0, 1.0], "view_angle": 30.0},
     "pose": {"hip_flexion_r": 30, "hip_flexion_l": 10}, "hidden": ["femur_l"], "opacity": {"femur_r": 0.5},
     "selection": "asis_r", "labels": ["asis_r"], "strain": True}]}


def paths(value, parts=()):
    """Every place in a document, containers included."""
    yield parts
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, parts + (key,))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from paths(item, parts + (k,))


def replaced(document, place, value):
    if not place:
        return value
    out = json.loads(json.dumps(document))
    container = out
    for part in place[:-1]:
        container = container[part]
    container[place[-1]] = value
    return out


@st.composite
def hostile_text(draw, seed: dict) -> str:
    """A seed document with up to three values replaced by hostile ones, sometimes cut short."""
    document = seed
    for _ in range(draw(st.integers(1, 3))):
        places = list(paths(document))
        document = replaced(document, places[draw(st.integers(0, len(places) - 1))], draw(HOSTILE))
    text = json.dumps(document, indent=2, ensure_ascii=False)
    for token, raw in RAW.items():
        text = text.replace(json.dumps(token), raw)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text


def run_cli(*args: str) -> str:
    """Run the command in this process; it must return a status, not raise, and print no traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(args))
    assert status in (0, 1, 2) and "Traceback" not in err.getvalue()
    return err.getvalue()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def test_fuzzed_annotations_through_validate_and_lengths(tmp_path):
    @FUZZ
    @given(hostile_text(LAYER))
    def check(text):
        path = write(tmp_path / "layer.json", text)
        run_cli("validate", str(path))
        run_cli("--annotations", str(path), "lengths", "--muscle", "psoas_major_r", "--hip-flexion", "0:90:90")

    check()


def test_fuzzed_stretch_libraries(tmp_path):
    seed = json.loads(shipped_content_path("stretches.json").read_text(encoding="utf-8"))
    seed["poses"] = seed["poses"][:2]

    @settings(FUZZ, max_examples=25)
    @given(hostile_text(seed))
    def check(text):
        run_cli("stretches", "--library", str(write(tmp_path / "stretches.json", text)), "--format", "json")

    check()


def test_fuzzed_view_files_through_export(tmp_path):
    @settings(FUZZ, max_examples=12)
    @given(hostile_text(VIEW))
    def check(text):
        path = write(tmp_path / "view.json", text)
        run_cli("export", "--view-file", str(path), "--out", str(tmp_path / "figure.svg"), "--size", "64x64")

    check()


if os.environ.get("DISPLAY"):
    @pytest.fixture
    def window(qtbot, content, settings, monkeypatch):
        from PyQt5.QtWidgets import QApplication

        from viewer.app import guard
        from viewer.app.main_window import MainWindow

        shown = []
        monkeypatch.setattr(guard, "warn", lambda parent, title, text: shown.append((title, text)))
        monkeypatch.setattr(guard, "ask", lambda *args: True)
        win = MainWindow(*content, settings)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        QApplication.setActiveWindow(win)
        win.warnings = shown
        return win

    def test_fuzzed_files_through_the_windows_open_and_restore_paths(window, tmp_path, monkeypatch):
        """File > Open annotations, File > Open view and the start-up recovery, each with hostile files."""
        chosen = tmp_path / "chosen.json"
        monkeypatch.setattr("viewer.app.main_window.QFileDialog.getOpenFileName", lambda *a: (str(chosen), ""))

        @settings(FUZZ, max_examples=15)
        @given(hostile_text(LAYER), hostile_text(VIEW))
        def check(layer_text, view_text):
            write(chosen, layer_text)
            window._open_annotations_dialog()
            write(chosen, view_text)
            window._open_view_dialog()
            record = json.dumps({"kind": RECOVERY_KIND, "format_version": 1, "saved_at": "now", "layer_path": None, "layer": "@"})
            write(window.session.recovery_path, record.replace('"@"', layer_text if layer_text.strip() else "{}"))
            window.offer_recovery()
            assert window.scene.annotations is not None and "asis_r" in window.scene.annotations.landmarks
            unexpected = [text for _, text in window.warnings if text.startswith("unexpected")]
            assert unexpected == [] and "unexpected" not in window.statusBar().currentMessage()
            window.plotter.render()

        check()
