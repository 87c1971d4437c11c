"""Atomic writes: permissions of the file replaced are kept, a failed write leaves the old file whole."""

from __future__ import annotations

import os
import stat

import pytest

from viewer.anatomy.atomic_file import write_bytes_atomic, write_text_atomic


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("before", [0o644, 0o640, 0o600])
def test_replacing_a_file_keeps_its_permissions(tmp_path, before):
    path = tmp_path / "mine.json"
    path.write_text("old")
    path.chmod(before)
    write_text_atomic(path, "new ü")
    assert path.read_bytes() == "new ü".encode("utf-8")
    assert mode(path) == before


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_new_file_gets_the_usual_permissions(tmp_path, umask):
    old = os.umask(umask)
    try:
        (tmp_path / "new" / "folders").mkdir(parents=True)
        write_bytes_atomic(tmp_path / "new" / "folders" / "new.json", b"{}")
        assert os.umask(umask) == umask  # the process umask is left as it was
    finally:
        os.umask(old)
    assert mode(tmp_path / "new" / "folders" / "new.json") == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_no_partial_file(tmp_path):
    path = tmp_path / "mine.json"
    path.write_bytes(b"precious")
    with pytest.raises(TypeError):
        write_bytes_atomic(path, "not bytes")  # fails after the temporary file was made
    assert path.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json"]


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path, monkeypatch):
    """Beside it, so the rename stays on one file system and is atomic; hidden and marked partial."""
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda source, target: (renames.append((source, target)), real_replace(source, target)))
    path = tmp_path / "mine.json"
    write_text_atomic(path, "{}")
    (source, target), = renames
    assert os.path.dirname(source) == str(tmp_path) and str(target) == str(path)
    assert os.path.basename(source).startswith(".mine.json.") and source.endswith(".partial")
