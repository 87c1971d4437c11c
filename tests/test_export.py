"""Figures, saved views, built-in views and glTF export."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from PIL import Image

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.json_input import InputError
from viewer.anatomy.view_file import builtin_views, dumps, load_view, normalised
from viewer.scene.export import export_figure, offscreen_scene
from viewer.scene.gltf_export import export_glb
from viewer.scene.label_layout import overlaps


def muscle_pixels(image: np.ndarray) -> int:
    r, g, b = (image[..., i].astype(int) for i in range(3))
    return int(((r > 110) & (r - g > 50) & (r - b > 50)).sum())


LABELS = ["lesser_trochanter_r", "greater_trochanter_r", "asis_r", "aiis_r", "iliac_crest_r", "l3_body", "l4_tp_r", "sacral_promontory"]


def simple_view(**changes) -> dict:
    view = {"format_version": 1, "title": "Hip flexors", "caption": "Anterior view",
            "panels": [{"camera": {"preset": "anterior"}, "pose": "standing", "labels": LABELS}]}
    view.update(changes)
    return view


def test_png_has_the_size_colours_and_a_clean_label_layout(tmp_path, content):
    out = tmp_path / "figure.png"
    layout = export_figure(*content, simple_view(), out, (1600, 1000))
    image = np.asarray(Image.open(out).convert("RGB"))
    assert image.shape[:2] == (1000, 1600)
    assert muscle_pixels(image) > 2000
    names = [name for name, _ in layout.label_boxes]
    assert len(names) >= 6 and "Greater trochanter (right)" in names
    # seen from the front the lesser trochanter is on the back of the femur: its label says so
    assert "Lesser trochanter (right)\nfar side" in names
    boxes = [box for _, box in layout.label_boxes]
    assert not overlaps(boxes)
    assert all(0 <= x0 and 0 <= y0 and x1 <= 1600 and y1 <= 1000 for x0, y0, x1, y1 in boxes)
    assert layout.legend == [("Psoas major", "#b8433a"), ("Iliacus", "#c7684f")]
    assert layout.scale_bars_mm and layout.scale_bars_mm[0] in (50, 100, 200)


def test_4k_export_and_transparent_background(tmp_path, content):
    out = tmp_path / "big.png"
    export_figure(*content, simple_view(background="transparent"), out, (3840, 2160))
    image = Image.open(out)
    assert image.size == (3840, 2160) and image.mode == "RGBA"
    alpha = np.asarray(image)[..., 3]
    assert alpha[5, 5] == 0 and alpha.max() == 255  # corners see through, the anatomy does not


@pytest.mark.parametrize("suffix, marker", [(".svg", b"<svg"), (".pdf", b"%PDF")])
def test_vector_output_keeps_labels_as_text(tmp_path, content, suffix, marker):
    out = tmp_path / f"figure{suffix}"
    export_figure(*content, simple_view(), out, (1280, 800))
    data = out.read_bytes()
    assert data.startswith(marker) or marker in data[:200]
    if suffix == ".svg":
        assert b"Lesser trochanter (right)" in data  # text, not outlines


def test_two_panel_view_side_by_side(tmp_path, content):
    views = builtin_views(content[1])
    layout = export_figure(*content, views["sitting_versus_standing"], tmp_path / "pair.png", (1600, 800))
    (left, right) = layout.panels
    assert left[2] <= right[0] and len(layout.scale_bars_mm) == 2


def test_view_file_round_trips_exactly(tmp_path, content):
    view = simple_view(panels=[{"camera": {"position": [1.5, 600.25, 80.0], "focal_point": [0.0, 0.0, 50.0], "up": [0.0, 0.0, 1.0],
                                           "view_angle": 30.0}, "pose": {"hip_flexion_r": 42.5}, "hidden": ["femur_l"],
                                "opacity": {"psoas_major_r": 0.4}, "selection": "asis_r", "labels": ["asis_r"], "strain": True}])
    path = tmp_path / "view.json"
    path.write_text(dumps(view))
    loaded = load_view(path, content[1])
    assert loaded == normalised(view)
    assert dumps(loaded) == path.read_text()


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda v: v["panels"][0].update(pose="handstand"), "$.panels[0].pose"),
        (lambda v: v["panels"][0].update(pose={"hip_flexion_r": 170}), "$.panels[0]"),
        (lambda v: v["panels"][0].update(hidden=["tibia_r"]), "$.panels[0]"),
        (lambda v: v["panels"][0]["camera"].update(preset="sideways"), "$.panels[0].camera"),
        (lambda v: v.update(panels=[]), "$.panels"),
        (lambda v: v.update(format_version=2), "$.format_version"),
    ],
)
def test_bad_view_files_are_named_and_placed(tmp_path, content, change, where):
    view = simple_view()
    change(view)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(view))
    with pytest.raises(InputError) as caught:
        load_view(path, content[1])
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_glb_loads_back_with_named_nodes(tmp_path, content):
    out = tmp_path / "scene.glb"
    panel = {"camera": {"preset": "anterior"}, "pose": "sitting", "opacity": {}, "selection": None, "labels": "none", "strain": False}
    with offscreen_scene(*content, panel, (64, 64)) as scene:
        export_glb(scene, out)
        femur_in_pose = scene.transforms["femur_r"]
    loaded = trimesh.load(out)
    nodes = set(loaded.graph.nodes_geometry)
    assert {"femur_r", "hip_bone_l", "l3", "psoas_major_r", "iliacus_l"} <= nodes
    assert "psoas_minor_r" not in nodes  # hidden by default, so not exported
    transform, _ = loaded.graph["femur_r"]
    np.testing.assert_allclose(transform, femur_in_pose, atol=1e-5)


def test_all_views_command_writes_every_builtin_view(tmp_path):
    result = subprocess.run([sys.executable, "-m", "viewer", "export", "--all-views", str(tmp_path), "--size", "640x400"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    written = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert written == sorted(builtin_views(load_annotations()))
    assert "5/5" in result.stderr  # the progress bar reached the end


def test_export_command_with_options(tmp_path):
    out = tmp_path / "fig.png"
    result = subprocess.run([sys.executable, "-m", "viewer", "export", "--view", "anterior", "--pose", "sitting",
                             "--labels", "lesser_trochanter_r,iliopubic_eminence_r", "--size", "800x600", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert Image.open(out).size == (800, 600)
    bad = subprocess.run([sys.executable, "-m", "viewer", "export", "--labels", "not_a_landmark", "--out", str(tmp_path / "x.png")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "unknown structure 'not_a_landmark'" in bad.stderr
    assert not (tmp_path / "x.png").exists()


def test_legend_explains_strain_colours_when_muscles_are_coloured_by_length(content):
    from viewer.anatomy.view_file import normalised
    from viewer.scene.export import legend_entries

    annotations = content[1]
    coloured = normalised({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "sitting", "strain": True}]})
    names = [name for name, _ in legend_entries(annotations, coloured)]
    assert names[0].startswith("Muscle longer than standing") and "Psoas major" not in names
    mixed = normalised({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "sitting", "strain": True},
                                                        {"camera": {"preset": "anterior"}, "pose": "standing"}]})
    assert "Psoas major" in [name for name, _ in legend_entries(annotations, mixed)]
