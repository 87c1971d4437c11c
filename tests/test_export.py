"""Figures, saved views, built-in views and glTF export."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zlib

import numpy as np
import pytest
import trimesh
from PIL import Image

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.json_input import InputError
from viewer.anatomy.view_file import builtin_views, dumps, load_view, normalised
from viewer.scene.export import export_figure, offscreen_scene
from viewer.scene.gltf_export import RAS_MM_TO_GLTF, export_glb
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
    label, caption = "Lesser trochanter (right)", "Anterior view"
    if suffix == ".svg":
        # <text> elements, not outlines (matplotlib names outlined text in a comment, so a bare search would pass)
        texts = [re.sub("<[^>]+>", "", t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", data.decode(), re.S)]
        assert label in texts and caption in texts
    else:
        # TrueType text (pdf.fonttype 42), the font embedded: a PDF editor can change it; drawn
        # outlines would leave no text in the page's content
        texts = pdf_texts(data)
        assert label in texts and caption in texts
        assert b"/FontFile2" in data


def pdf_texts(data: bytes) -> list[str]:
    """The text of each BT ... ET block in a PDF's compressed content streams (UTF-16 strings, kerned)."""
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def unescape(match):
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else escapes.get(code, code)

    texts = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:  # not a compressed content stream (an image, a font)
            continue
        for block in re.findall(rb"BT(.*?)ET", content, re.S):
            strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", block, re.S)
            raw = b"".join(re.sub(rb"\\([0-7]{1,3}|.)", unescape, string, flags=re.S) for string in strings)
            texts.append(raw.decode("utf-16-be", errors="replace"))
    return texts


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
        (lambda v: v["panels"][0].update(hidden=["fibula_r"]), "$.panels[0]"),
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
    np.testing.assert_allclose(transform, RAS_MM_TO_GLTF @ femur_in_pose, atol=1e-8)


def test_glb_stands_upright_in_metres_facing_plus_z(tmp_path, content):
    """glTF is metres, +Y up, the front facing +Z: loaded back, the scene is human-sized and upright."""
    out = tmp_path / "scene.glb"
    panel = {"camera": {"preset": "anterior"}, "pose": "standing", "opacity": {}, "selection": None, "labels": "none", "strain": False}
    with offscreen_scene(*content, panel, (64, 64)) as scene:
        export_glb(scene, out)
    loaded = trimesh.load(out)

    def centre(node):
        transform, geometry = loaded.graph[node]
        return trimesh.transform_points(loaded.geometry[geometry].vertices, transform).mean(axis=0)

    width, height, depth = loaded.extents
    assert 0.5 < height < 1.2 and height > width > depth  # T12 to the knees, in metres, tallest along Y
    assert centre("l3")[1] > centre("sacrum")[1] > centre("femur_r")[1]  # the spine is above the thighs
    assert centre("femur_r")[0] < 0 < centre("femur_l")[0]  # right side at -X, seen from the front (+Z)
    assert centre("femur_r")[2] > centre("sacrum")[2]  # the thighs are in front of the sacrum



def test_glb_holds_one_line_node_per_fascicle(tmp_path, content):
    out = tmp_path / "scene.glb"
    panel = {"camera": {"preset": "anterior"}, "pose": "sitting", "opacity": {}, "selection": None, "labels": "none", "strain": False}
    with offscreen_scene(*content, panel, (64, 64)) as scene:
        export_glb(scene, out)
        expected = scene.muscle_states["psoas_major_r"].fascicle_paths[0]
    loaded = trimesh.load(out)
    lines = {name for name in loaded.graph.nodes_geometry if "." in name}
    assert {f"psoas_major_r.{f}" for f in ("t12_vb", "l3_tp", "l5_vb")} | {"iliacus_l.fan_1"} <= lines
    assert len([n for n in lines if n.startswith("psoas_major_r.")]) == 12
    assert not any(n.startswith("psoas_minor_r.") for n in lines)  # hidden muscle, hidden lines
    line = loaded.geometry[loaded.graph["psoas_major_r.t12_vb"][1]]
    assert isinstance(line, trimesh.path.Path3D)
    np.testing.assert_allclose(line.vertices[[0, -1]], expected[[0, -1]], atol=1e-3)


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
    from viewer.scene.export import legend_entries, shows_strain

    annotations = content[1]
    coloured = normalised({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "sitting", "strain": True}]})
    assert legend_entries(annotations, coloured) == [] and shows_strain(annotations, coloured)  # the strain legend instead
    mixed = normalised({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "sitting", "strain": True},
                                                        {"camera": {"preset": "anterior"}, "pose": "standing"}]})
    assert "Psoas major" in [name for name, _ in legend_entries(annotations, mixed)] and shows_strain(annotations, mixed)
    plain = normalised({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "sitting"}]})
    assert not shows_strain(annotations, plain)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.update(pose="handstand"), "no pose named 'handstand'"),
        (lambda p: p.update(pose={"hip_flexion_r": 170}), "hip_flexion_r 170 degrees is outside -30 to 120"),
        (lambda p: p.update(hidden=["fibula_r"]), "unknown structure 'fibula_r'"),
        (lambda p: p.update(opacity={"fibula_l": 0.5}), "unknown structure 'fibula_l'"),
        (lambda p: p.update(selection="kneecap"), "unknown structure 'kneecap'"),
        (lambda p: p.update(labels=["asis_r", "nose"]), "unknown structure 'nose'"),
    ],
)
def test_a_bad_view_says_what_is_wrong(tmp_path, content, change, message):
    view = simple_view()
    change(view["panels"][0])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(view))
    with pytest.raises(InputError) as caught:
        load_view(path, content[1])
    assert caught.value.detail == message


def test_a_view_without_hidden_or_selection_loads(tmp_path, content):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(simple_view()))
    panel = load_view(path, content[1])["panels"][0]
    assert "hidden" not in panel and panel["selection"] is None and panel["opacity"] == {}


def test_view_text_is_stable_and_normalising_copies(content):
    view = simple_view()
    text = dumps(view)
    assert text.startswith('{\n  "background": "#2b323d",\n  "caption": "Anterior view",\n') and text.endswith("}\n")
    out = normalised(view)
    out["panels"][0]["camera"]["preset"] = "left"
    assert view["panels"][0]["camera"]["preset"] == "anterior"  # the caller's view is untouched


def test_builtin_views_are_checked_and_placed(tmp_path, content):
    from viewer.anatomy.view_file import panel_pose

    annotations = content[1]
    views = builtin_views(annotations)
    assert sorted(views) == ["insertion_lesser_trochanter", "lunge_stretch", "origins_of_psoas_major", "psoas_minor",
                             "sitting_versus_standing"]
    assert all(panel["strain"] in (True, False) for view in views.values() for panel in view["panels"])  # normalised
    assert panel_pose(views["sitting_versus_standing"]["panels"][0], annotations) in (annotations.poses["sitting"].pose,
                                                                                       annotations.poses["standing"].pose)
    assert panel_pose({"pose": {"hip_flexion_r": 30.0}}, annotations).hip_flexion_r == 30.0
    document = json.loads(annotations.path.read_text())
    document["views"][2]["panels"][0]["pose"] = "handstand"
    broken = tmp_path / "annotations.json"
    broken.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        builtin_views(load_annotations(broken))
    assert caught.value.where == "$.views[2].panels[0].pose" and caught.value.path == broken
    assert caught.value.detail == "no pose named 'handstand'"
    del document["views"]
    broken.write_text(json.dumps(document))
    assert builtin_views(load_annotations(broken)) == {}  # views are optional


@pytest.mark.parametrize("view, pose, size, strain", [
    ("anterior", "standing", (1920, 1080), False),
    ("anterior", "standing", (1280, 800), True),
    ("right", "standing", (1600, 1000), False),
    ("right", "lunge_stretch", (1920, 1080), True),
    ("oblique", "lunge_stretch", (1280, 800), False),
    ("anterior", "sitting", (1000, 1000), False),
])
def test_labels_keep_clear_of_the_readout_scale_bar_and_legends(tmp_path, content, view, pose, size, strain):
    """Footer (pose readout), scale bar, legends and credit are drawn first; no label box overlaps
    them, and every leader starts at its landmark, outside them."""
    panel = {"camera": {"preset": view}, "pose": pose, "labels": "auto", "strain": strain}
    layout = export_figure(*content, {"format_version": 1, "panels": [panel]}, tmp_path / "figure.png", size)
    kinds = [name for name, _ in layout.kept_clear]
    assert {"footer", "scale bar", "credit", "strain legend" if strain else "legend"} <= set(kinds)
    assert len(layout.label_boxes) >= 5
    for name, box in layout.label_boxes:
        for kind, clear in layout.kept_clear:
            assert not overlaps([box, clear]), f"{name!r} over the {kind} in the {view} view, {pose}"
