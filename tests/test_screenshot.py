"""The headless screenshot command: a real process, no display, a PNG of the anatomy."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import bone_entry, edit_manifest


def run_cli(*args: str, display: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if display and "DISPLAY" in os.environ:
        env["DISPLAY"] = os.environ["DISPLAY"]
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args], capture_output=True, text=True, env=env, timeout=300
    )


def bone_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels of the warm ivory bone colour (the background is a cool blue-grey)."""
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    return (r > 90) & (r - b > 12) & (g - b > 4)


@pytest.fixture(scope="module")
def anterior_png(tmp_path_factory):
    out = tmp_path_factory.mktemp("shots") / "anterior.png"
    result = run_cli("screenshot", str(out), "--size", "640x480")
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    return out


def test_screenshot_has_requested_size_and_is_not_blank(anterior_png):
    image = Image.open(anterior_png)
    assert image.size == (640, 480)
    pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 10


def test_bone_pixels_fill_the_middle_of_the_picture(anterior_png):
    mask = bone_mask(np.asarray(Image.open(anterior_png).convert("RGB")))
    height, width = mask.shape
    assert mask.mean() > 0.05, "too few bone-coloured pixels"
    rows, cols = np.nonzero(mask)
    # framed to fill the height, centred left to right
    assert rows.min() < 0.12 * height and rows.max() > 0.88 * height
    assert abs(cols.mean() - width / 2) < 0.05 * width
    # both femurs: bone in the left and right thirds of the lower half
    lower = mask[height // 2 :]
    assert lower[:, : width // 2].sum() > 200 and lower[:, width // 2 :].sum() > 200
    # the corners stay background
    assert not mask[:10, :10].any() and not mask[-10:, -10:].any()


def muscle_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels of the red-brown muscle colours."""
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    return (r > 110) & (r - g > 50) & (r - b > 50)


def test_muscles_are_drawn_in_front_of_the_spine(anterior_png):
    pixels = np.asarray(Image.open(anterior_png).convert("RGB"))
    mask = muscle_mask(pixels)
    height, width = mask.shape
    assert mask.sum() > 1000
    rows, cols = np.nonzero(mask)
    # both sides, in the upper half (lumbar spine to the hips)
    assert (cols < width / 2).sum() > 300 and (cols > width / 2).sum() > 300
    assert np.median(rows) < 0.55 * height


def test_named_pose_changes_the_picture(tmp_path):
    out = tmp_path / "sitting.png"
    result = run_cli("screenshot", str(out), "--pose", "sitting", "--view", "right", "--size", "320x240")
    assert result.returncode == 0, result.stderr
    assert "sitting" in result.stdout
    mask = bone_mask(np.asarray(Image.open(out).convert("RGB")))
    rows, cols = np.nonzero(mask)
    # seen from the side, sitting thighs point forward: the anatomy is wider than tall
    assert cols.max() - cols.min() > rows.max() - rows.min()


def test_unknown_pose_is_refused(tmp_path):
    result = run_cli("screenshot", str(tmp_path / "x.png"), "--pose", "handstand")
    assert result.returncode == 2
    assert "no pose named 'handstand'" in result.stderr and "sitting" in result.stderr


def test_views_differ_and_lateral_view_is_narrow(tmp_path):
    out = tmp_path / "left.png"
    assert run_cli("screenshot", str(out), "--view", "left", "--size", "320x240").returncode == 0
    mask = bone_mask(np.asarray(Image.open(out).convert("RGB")))
    cols = np.nonzero(mask)[1]
    # seen from the side the two femurs overlap: the anatomy spans a narrow band
    assert cols.max() - cols.min() < 0.5 * mask.shape[1]


def test_missing_bone_still_renders_and_says_which(pack_copy, tmp_path):
    (pack_copy / "femur_r.ply").unlink()
    out = tmp_path / "partial.png"
    result = run_cli("--pack", str(pack_copy), "screenshot", str(out), "--size", "320x240")
    assert result.returncode == 0
    assert "femur_r" in result.stderr and "file not found" in result.stderr
    assert Image.open(out).size == (320, 240)


def test_broken_manifest_entry_leaves_out_its_bone_in_one_clear_line(pack_copy, tmp_path):
    edit_manifest(pack_copy, lambda m: bone_entry(m, "l1").update(file=7))
    out = tmp_path / "partial.png"
    result = run_cli("--pack", str(pack_copy), "screenshot", str(out), "--size", "320x240")
    assert result.returncode == 0
    assert "warning: l1 (" in result.stderr and "manifest.json): at $.bones[1].file: 7 is not of type 'string'" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.exists()


def test_broken_manifest_is_one_clear_line(pack_copy, tmp_path):
    edit_manifest(pack_copy, lambda m: m.update(bones={}))
    out = tmp_path / "never.png"
    result = run_cli("--pack", str(pack_copy), "screenshot", str(out))
    assert result.returncode == 2
    assert "manifest.json at $.bones" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("size", ["big", "10x10", "9000x100"])
def test_bad_size_is_refused(tmp_path, size):
    result = run_cli("screenshot", str(tmp_path / "x.png"), "--size", size)
    assert result.returncode == 2
    assert "--size" in result.stderr and "Traceback" not in result.stderr


def test_window_without_display_says_so_in_one_line():
    result = run_cli()
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no display" in lines[0] and "psoas-viewer screenshot" in lines[0]


def test_broken_annotations_file_is_named_with_its_line(tmp_path):
    broken = tmp_path / "mine.json"
    broken.write_text('{"format_version": 1,\n "bones": [}\n')
    before = broken.read_bytes()
    result = run_cli("--annotations", str(broken), "screenshot", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert str(broken) in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr
    assert broken.read_bytes() == before  # the user's file is left as it was


def test_an_annotations_layer_adds_a_pose_for_the_command_line(tmp_path):
    layer = tmp_path / "mine.json"
    layer.write_text('{"format_version": 1, "poses": [{"id": "my_lunge", "name": "My lunge", "angles": {"hip_flexion_r": -20}}]}\n')
    result = run_cli("--annotations", str(layer), "screenshot", str(tmp_path / "x.png"), "--pose", "my_lunge", "--size", "320x200",
                     "--view", "right")
    assert result.returncode == 0, result.stderr
    standing = run_cli("screenshot", str(tmp_path / "standing.png"), "--size", "320x200", "--view", "right")
    assert standing.returncode == 0, standing.stderr
    lunge, still = (bone_mask(np.asarray(Image.open(tmp_path / name).convert("RGB"))) for name in ("x.png", "standing.png"))
    # seen from the right (front to the right of the picture) the right thigh swung back: below the
    # hips the bone moved to the left; with the layer's pose ignored the pictures would be equal
    assert (lunge[120:] != still[120:]).sum() > 300
    columns = np.arange(lunge.shape[1])
    assert (lunge[120:] * columns).sum() / lunge[120:].sum() < (still[120:] * columns).sum() / still[120:].sum() - 5
