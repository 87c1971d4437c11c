"""Shared fixtures: the default content, a private copy of the default pack that a test may
damage, and window settings in a temporary file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.mesh_pack import MANIFEST_NAME, default_pack_dir, load_pack


@pytest.fixture(scope="module")
def content():
    """The default pack and annotations, loaded once per test module."""
    return load_pack(), load_annotations()


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
