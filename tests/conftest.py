"""Shared fixtures: the default content, a private copy of the default pack that a test may
damage, window settings in a temporary file and the main window on them; and the Hypothesis profiles."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.mesh_pack import MANIFEST_NAME, default_pack_dir, load_pack

# Property tests draw the same examples on every run ("ci", the default), so a red CI run can be
# reproduced and a green one means the same thing each time. HYPOTHESIS_PROFILE=long draws fresh
# random examples, twenty times as many, for a local hunt (README, Development). HYPOTHESIS_PROFILE=mutation
# draws the CI examples but a tenth as many, so that mutation testing can afford the property tests.
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("long", derandomize=False, deadline=None, print_blob=True)
hypothesis_settings.register_profile("mutation", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def examples(count: int) -> int:
    """A property test's number of examples in this profile: ``count`` in CI, twenty times that in the
    long run, a tenth (at least 5) under mutation testing."""
    if HYPOTHESIS_PROFILE == "long":
        return count * 20
    return max(5, count // 10) if HYPOTHESIS_PROFILE == "mutation" else count


@pytest.fixture(scope="module")
def pack():
    """The default pack, loaded once per test module."""
    return load_pack()


@pytest.fixture(scope="module")
def annotations():
    """The shipped annotations, loaded once per test module."""
    return load_annotations()


@pytest.fixture(scope="module")
def content(pack, annotations):
    """The default pack and annotations, loaded once per test module."""
    return pack, annotations


@pytest.fixture
def win(qtbot, content, settings):
    """The main window on the default content, shown, made active (Xvfb has no window manager to
    do it, and shortcuts need an active window) and in the anterior view."""
    from PyQt5.QtWidgets import QApplication

    from viewer.app.main_window import MainWindow

    window = MainWindow(content[0], content[1], settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    QApplication.setActiveWindow(window)
    window.show_view("anterior")
    return window


@pytest.fixture
def settings(tmp_path: Path):
    """Window settings in a file of this test's own, so tests never share or keep them."""
    from PyQt5.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A writable copy of the default anatomy pack."""
    target = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), target)
    return target


def edit_manifest(pack: Path, change) -> dict:
    """Apply ``change`` to the manifest dict of ``pack`` and write it back."""
    path = pack / MANIFEST_NAME
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2))
    return manifest


def bone_entry(manifest: dict, bone_id: str) -> dict:
    return next(entry for entry in manifest["bones"] if entry["id"] == bone_id)
