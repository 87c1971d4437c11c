"""Outputs never overwrite inputs or land in odd places; saves keep links, permissions and earlier copies;
the command line answers every bad output or argument with one line and a non-zero status."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from viewer import cli
from viewer.anatomy import annotation_layer as edits
from viewer.anatomy import atomic_file
from viewer.anatomy.atomic_file import OutputError, numbered, write_text_atomic
from viewer.anatomy.json_input import read_json
from viewer.anatomy.output_file import check_output

LAYER = {"format_version": 1, "landmarks": [
    {"id": "my_point", "name": "My point", "bone": "femur_r", "position": [0, 0, 0], "kind": "landmark"}]}


def run_cli(*args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "viewer", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_outputs_go_only_to_image_files_in_existing_folders(tmp_path):
    assert check_output(tmp_path / "a.png", {".png"}) == tmp_path / "a.png"
    (tmp_path / "folder.png").mkdir()
    refusals = {
        tmp_path / "a.json": "unknown format '.json'",
        tmp_path / "noext": "unknown format '(no suffix)'",
        tmp_path / "folder.png": "is a folder",
        tmp_path / "missing" / "a.png": "does not exist",
    }
    for path, reason in refusals.items():
        with pytest.raises(OutputError) as caught:
            check_output(path, {".png"})
        assert str(caught.value).startswith(f"{path}: ") and reason in str(caught.value)
    assert check_output(tmp_path / "missing" / "a.png", {".png"}, make_folders=True)
    with pytest.raises(OutputError, match="not a regular file"):
        check_output(_device_with_suffix(tmp_path), {".png"})


def _device_with_suffix(tmp_path: Path) -> Path:
    """A link named .png that points at a device: the device is what would be written."""
    link = tmp_path / "device.png"
    link.symlink_to("/dev/null")
    return link


def test_an_output_never_replaces_a_file_read_as_input_or_a_pack_file(tmp_path, pack_copy):
    looks_like_png = tmp_path / "annotations.png"
    looks_like_png.write_text(json.dumps(LAYER))
    read_json(looks_like_png)
    with pytest.raises(OutputError, match="read as input"):
        check_output(looks_like_png, {".png"})
    with pytest.raises(OutputError, match="inside the anatomy pack"):
        check_output(pack_copy / "picture.png", {".png"}, [pack_copy])
    assert json.loads(looks_like_png.read_text()) == LAYER


def test_a_save_writes_through_a_symlink_and_keeps_permissions(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_text_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_read_only_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(LAYER))
    path.chmod(0o444)
    with pytest.raises(OutputError, match="read-only") as caught:
        edits.save_layer(path, {**LAYER, "landmarks": []})
    assert str(path) in str(caught.value)
    assert json.loads(path.read_text()) == LAYER


def test_dead_writers_partial_files_are_cleaned_live_ones_kept(tmp_path):
    path = tmp_path / "mine.json"
    dead = tmp_path / ".mine.json.abc.partial"
    dead.write_text("half")
    old = time.time() - 3600
    os.utime(dead, (old, old))
    live = tmp_path / ".mine.json.def.partial"
    live.write_text("half")
    os.utime(live, (old, old))
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a writer still at work holds its lock
        write_text_atomic(path, "whole")
        assert sorted(p.name for p in tmp_path.iterdir()) == [".mine.json.def.partial", "mine.json"]


def test_earlier_backups_and_set_aside_recoveries_are_kept_numbered(tmp_path):
    path = tmp_path / "mine.json"
    versions = [{**LAYER, "landmarks": LAYER["landmarks"][:0]}, LAYER,
                {**LAYER, "landmarks": [{**LAYER["landmarks"][0], "name": "Renamed"}]}]
    for version in versions:
        edits.save_layer(path, version)
    assert json.loads(path.read_text()) == versions[2]
    assert json.loads(edits.backup_path(path).read_text()) == versions[0]
    assert json.loads((tmp_path / "mine.json.2.bak").read_text()) == versions[1]
    recovery = tmp_path / "unsaved.recovery.json"
    for name in ("first", "second"):
        edits.write_recovery(recovery, {**LAYER, "landmarks": [{**LAYER["landmarks"][0], "name": name}]}, None)
        edits.set_aside(recovery)
    kept = [edits.read_recovery(p)[0]["landmarks"][0]["name"]
            for p in (tmp_path / "unsaved.recovery.previous.json", tmp_path / "unsaved.recovery.previous.2.json")]
    assert kept == ["first", "second"]
    assert numbered(tmp_path / "free.json") == tmp_path / "free.json"


@pytest.mark.parametrize("args, status, words", [
    (["export", "--scale", "inf", "--out", "{tmp}/a.png"], 2, "scale 'inf'"),
    (["export", "--scale", "nan", "--out", "{tmp}/a.png"], 2, "scale 'nan'"),
    (["lengths", "--muscle", "psoas_major_r", "--hip-flexion", "nan:nan:1"], 2, "must be finite"),
    (["screenshot", "{tmp}"], 1, "unknown format"),
    (["screenshot", "{tmp}/folder.png"], 1, "is a folder"),
    (["screenshot", "{tmp}/missing/a.png"], 1, "does not exist"),
    (["export", "--all-views", "{tmp}/file.txt"], 1, "is not a folder"),
    (["export", "--out", "{tmp}/read-only.png"], 1, "read-only"),
    (["--annotations", "{tmp}/layer.png", "screenshot", "{tmp}/layer.png"], 1, "read as input"),
])
def test_bad_outputs_and_arguments_give_one_line(tmp_path, args, status, words):
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "file.txt").write_text("mine")
    (tmp_path / "read-only.png").write_bytes(b"mine")
    (tmp_path / "read-only.png").chmod(0o444)
    (tmp_path / "layer.png").write_text(json.dumps(LAYER))
    result = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == status and words in one_line(result)
    assert (tmp_path / "file.txt").read_text() == "mine" and (tmp_path / "read-only.png").read_bytes() == b"mine"
    assert json.loads((tmp_path / "layer.png").read_text()) == LAYER


def test_a_full_disk_gives_one_line_and_leaves_the_old_picture(tmp_path, monkeypatch, capsys):
    out = tmp_path / "shot.png"
    out.write_bytes(b"earlier picture")

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic_file.os, "fsync", full)
    assert cli.main(["screenshot", str(out), "--size", "64x64"]) == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"psoas-viewer: {out}: not written (No space left on device)") and "\n" not in line
    assert out.read_bytes() == b"earlier picture" and sorted(p.name for p in tmp_path.iterdir()) == ["shot.png"]


def test_screenshot_makes_folders_only_when_asked(tmp_path):
    out = tmp_path / "new" / "shot.png"
    assert run_cli("screenshot", str(out), "--size", "64x64").returncode == 1 and not out.parent.exists()
    result = run_cli("screenshot", str(out), "--size", "64x64", "--mkdir")
    assert result.returncode == 0 and out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("env, words", [
    ({"DISPLAY": ":77"}, "cannot connect to the X display ':77'"),
    ({"DISPLAY": "", "WAYLAND_DISPLAY": "wayland-0"}, "only a Wayland display"),
    ({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, "no display available"),
])
def test_no_usable_display_is_one_line_with_the_way_to_a_picture(env, words):
    result = run_cli(**env, QT_QPA_PLATFORM="")
    line = one_line(result)
    assert result.returncode == 2 and words in line and "psoas-viewer screenshot" in line
