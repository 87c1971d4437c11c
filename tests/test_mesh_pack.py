"""Loading anatomy packs: the default pack, and every way a bone file can be broken."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import trimesh

from conftest import bone_entry, edit_manifest
from viewer.anatomy.json_input import InputError
from viewer.anatomy.mesh_pack import MANIFEST_NAME, default_pack_dir, load_manifest, load_pack

DISCS = {"disc_t12_l1", "disc_l1_l2", "disc_l2_l3", "disc_l3_l4", "disc_l4_l5", "disc_l5_s1"}
ALL_BONES = {"t12", "l1", "l2", "l3", "l4", "l5", "sacrum", "hip_bone_r", "hip_bone_l", "femur_r", "femur_l", "tibia_r", "tibia_l", "patella_r", "patella_l"} | DISCS


@pytest.fixture(scope="module")
def default_pack():
    return load_pack()


def test_default_pack_loads_every_bone(default_pack):
    assert set(default_pack.bones) == ALL_BONES
    assert default_pack.problems == []
    assert default_pack.warnings == []  # and passes the plausibility checks a user's pack gets


def test_manifest_checksums_and_counts_match_the_files():
    directory = default_pack_dir()
    manifest = load_manifest(directory)
    for entry in manifest["bones"]:
        data = (directory / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        mesh = trimesh.load(directory / entry["file"])
        assert len(mesh.faces) == entry["triangles"]
    assert manifest["units"] == "mm"
    assert manifest["frame"]["name"] == "RAS"
    assert set(manifest["source"]) == {"myo-sim", "musculoskeletal-models", "psoas-viewer"}
    notice = (directory / "NOTICE").read_text()
    assert "Apache" in notice and "Mozilla Public License 2.0" in notice
    assert "Mozilla Public License" in (directory / "LICENSE-MPL-2.0").read_text()


def test_every_bone_is_a_closed_outward_surface(default_pack):
    for bone in default_pack.bones.values():
        assert bone.mesh.is_watertight, bone.id
        assert bone.mesh.volume > 0, bone.id
        if bone.disc is not None:  # flat on its endplates, sharp-rimmed where the bone hides it (tests/test_discs.py)
            continue
        assert len(bone.mesh.faces) >= 1500, f"{bone.id} is too coarse to render smoothly"
        # smooth: all but the sharpest 1% of neighbouring faces meet at under 45 degrees
        assert np.percentile(np.degrees(bone.mesh.face_adjacency_angles), 99) < 45, bone.id


def test_bones_sit_in_the_documented_frame(default_pack):
    centre = {bone_id: bone.mesh.centroid for bone_id, bone in default_pack.bones.items()}
    # x to the subject's right
    assert centre["femur_r"][0] > 50 and centre["femur_l"][0] < -50
    assert centre["hip_bone_r"][0] > 30 and centre["hip_bone_l"][0] < -30
    # z superior: the spine stacks upwards, the femurs hang below
    heights = [centre[b][2] for b in ("sacrum", "l5", "l4", "l3", "l2", "l1", "t12")]
    assert heights == sorted(heights)
    assert centre["femur_r"][2] < centre["sacrum"][2] - 150
    # y anterior: the pubic symphysis (front of the hip bones) lies ahead of the sacrum
    assert default_pack.bones["hip_bone_r"].mesh.bounds[1][1] > default_pack.bones["sacrum"].mesh.bounds[1][1] + 40
    # the femoral joint centres are the hip centres, symmetric about the origin
    right = default_pack.bones["femur_r"].joint_centre
    left = default_pack.bones["femur_l"].joint_centre
    np.testing.assert_allclose(right, left * np.array([-1, 1, 1]), atol=0.5)
    np.testing.assert_allclose((right + left) / 2, 0, atol=0.5)
    # and each lies inside the hip bone's socket region, not in the femoral shaft
    assert 60 < right[0] < 95


def _damage(pack, bone_id, damage):
    manifest = json.loads((pack / MANIFEST_NAME).read_text())
    damage(pack / bone_entry(manifest, bone_id)["file"])


def _assert_only_missing(loaded, bone_id, *fragments):
    assert loaded.missing == [bone_id]
    assert set(loaded.bones) == ALL_BONES - {bone_id}
    message = str(loaded.problems[0])
    assert f"{bone_id}.ply" in message
    for fragment in fragments:
        assert fragment in message


def test_checksum_mismatch_names_the_file(pack_copy):
    def flip_a_byte(path):
        data = bytearray(path.read_bytes())
        data[-5] ^= 0xFF
        path.write_bytes(bytes(data))

    _damage(pack_copy, "l3", flip_a_byte)
    _assert_only_missing(load_pack(pack_copy), "l3", "checksum mismatch")


def test_missing_file_names_the_file(pack_copy):
    _damage(pack_copy, "femur_l", lambda path: path.unlink())
    _assert_only_missing(load_pack(pack_copy), "femur_l", "file not found")


def test_empty_file_names_the_file(pack_copy):
    _damage(pack_copy, "sacrum", lambda path: path.write_bytes(b""))
    _assert_only_missing(load_pack(pack_copy), "sacrum", "empty")


@pytest.mark.parametrize("keep_checksum", [True, False])
def test_truncated_mesh_is_refused(pack_copy, keep_checksum):
    _damage(pack_copy, "hip_bone_r", lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]))
    if not keep_checksum:
        edit_manifest(pack_copy, lambda m: bone_entry(m, "hip_bone_r").pop("sha256"))
    expected = "checksum mismatch" if keep_checksum else "hip_bone_r.ply"
    _assert_only_missing(load_pack(pack_copy), "hip_bone_r", expected)


def test_truncated_mesh_without_any_manifest_check_is_refused(pack_copy):
    def strip_checks(manifest):
        bone_entry(manifest, "l1").pop("sha256")
        bone_entry(manifest, "l1").pop("triangles")

    edit_manifest(pack_copy, strip_checks)
    _damage(pack_copy, "l1", lambda path: path.write_bytes(path.read_bytes()[:4000]))
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["l1"]


def test_nan_vertices_are_refused(pack_copy):
    def poison(path):
        mesh = trimesh.load(path)
        vertices = mesh.vertices.copy()
        vertices[7] = np.nan
        path.write_bytes(trimesh.Trimesh(vertices, mesh.faces, process=False).export(file_type="ply"))

    _damage(pack_copy, "l2", poison)
    edit_manifest(pack_copy, lambda m: bone_entry(m, "l2").pop("sha256"))
    _assert_only_missing(load_pack(pack_copy), "l2", "NaN")


@pytest.mark.parametrize("escape", ["../outside.ply", "/etc/outside.ply", "sub/../../outside.ply"])
def test_paths_leaving_the_pack_are_refused(pack_copy, escape):
    outside = pack_copy.parent / "outside.ply"
    outside.write_bytes((pack_copy / "l4.ply").read_bytes())
    edit_manifest(pack_copy, lambda m: bone_entry(m, "l4").update(file=escape))
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["l4"]
    assert "l4" not in loaded.bones and "l5" in loaded.bones
    message = str(loaded.problems[0])
    assert escape in message
    assert "leaves the pack folder" in message or "absolute path" in message


def test_symlink_out_of_the_pack_is_refused(pack_copy):
    outside = pack_copy.parent / "elsewhere.ply"
    outside.write_bytes((pack_copy / "l4.ply").read_bytes())
    (pack_copy / "l4.ply").unlink()
    (pack_copy / "l4.ply").symlink_to(outside)
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["l4"]
    assert "leaves the pack folder" in str(loaded.problems[0])


def test_broken_manifest_json_names_line_and_column(pack_copy):
    (pack_copy / MANIFEST_NAME).write_text('{\n  "format_version": 1,\n  "units": "mm",,\n}')
    with pytest.raises(InputError) as caught:
        load_pack(pack_copy)
    assert str(pack_copy / MANIFEST_NAME) in str(caught.value)
    assert "line 3, column" in str(caught.value)


def test_schema_violation_in_one_bone_entry_leaves_out_that_bone(pack_copy):
    edit_manifest(pack_copy, lambda m: m["bones"][2].update(triangles="many"))
    loaded = load_pack(pack_copy)
    # l2 is left out; l1 and t12 above it lose their place in the chain with it, and say so,
    # as do the discs that hang from them (T12/L1, L1/L2) or join l2 to the bone below (L2/L3)
    assert loaded.missing[:3] == ["l2", "t12", "l1"]
    assert set(loaded.missing[3:]) == {"disc_t12_l1", "disc_l1_l2", "disc_l2_l3"}
    assert "$.bones[2].triangles" in str(loaded.problems[0]) and str(pack_copy / MANIFEST_NAME) in str(loaded.problems[0])
    assert "needs 'l2', which was left out" in str(loaded.problems[1])
    assert set(loaded.bones) == ALL_BONES - {"l2", "l1", "t12", "disc_t12_l1", "disc_l1_l2", "disc_l2_l3"}


def test_schema_violation_of_the_whole_pack_names_the_json_path(pack_copy):
    edit_manifest(pack_copy, lambda m: m.update(units="furlongs"))
    with pytest.raises(InputError, match=r"\$\.units"):
        load_pack(pack_copy)


def test_unknown_parent_and_duplicate_ids_leave_out_the_bone(pack_copy):
    edit_manifest(pack_copy, lambda m: bone_entry(m, "femur_r").update(parent="fibula_r"))
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["femur_r", "tibia_r", "patella_r"]  # the lower leg hangs from the femur
    assert "femur_r.ply" in str(loaded.problems[0])
    assert "femur_r -> fibula_r needs 'fibula_r', which is not a bone of this pack" in str(loaded.problems[0])
    edit_manifest(pack_copy, lambda m: (bone_entry(m, "femur_r").update(parent="hip_bone_r"), m["bones"][1].update(id="t12")))
    loaded = load_pack(pack_copy)
    assert "$.bones[1].id" in str(loaded.problems[0]) and "used twice" in str(loaded.problems[0])
    # the second "t12" (the old l1) is left out, and the real t12, hanging from l1, with it
    assert loaded.missing == ["t12", "t12", "disc_t12_l1", "disc_l1_l2"]  # and the discs joined to l1
    assert "needs 'l1', which is not a bone of this pack" in str(loaded.problems[1])
    assert set(loaded.bones) == ALL_BONES - {"t12", "l1", "disc_t12_l1", "disc_l1_l2"}


def test_missing_manifest_is_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_pack(tmp_path)


def test_pack_in_metres_is_scaled_to_millimetres(pack_copy):
    def to_metres(manifest):
        manifest["units"] = "m"
        for other in manifest["bones"]:  # every point of the manifest in metres; only the femur's file is rescaled
            for point in ("joint_centre", "origin"):
                if other.get(point) is not None:
                    other[point] = [c / 1000 for c in other[point]]
        bone_entry(manifest, "femur_r").pop("sha256")

    mesh = trimesh.load(pack_copy / "femur_r.ply")
    mesh.apply_scale(0.001)
    (pack_copy / "femur_r.ply").write_bytes(mesh.export(file_type="ply"))
    edit_manifest(pack_copy, to_metres)
    loaded = load_pack(pack_copy)
    reference = load_pack()
    np.testing.assert_allclose(loaded.bones["femur_r"].mesh.bounds, reference.bones["femur_r"].mesh.bounds, atol=0.01)
    np.testing.assert_allclose(loaded.bones["femur_r"].joint_centre, reference.bones["femur_r"].joint_centre, atol=0.01)
    # the skeleton is built from the loaded manifest, in millimetres too
    assert loaded.manifest["units"] == "mm"
    np.testing.assert_allclose(bone_entry(loaded.manifest, "femur_r")["joint_centre"], reference.bones["femur_r"].joint_centre, atol=0.01)


def test_every_bone_has_a_lighter_surface_for_interaction(default_pack):
    for bone in default_pack.bones.values():
        if bone.disc is not None:  # 864 triangles: light already, drawn as it is
            assert bone.light_mesh is None and len(bone.mesh.faces) < 1000
            continue
        assert bone.light_mesh is not None and bone.light_mesh.is_watertight
        assert len(bone.light_mesh.faces) * 3 < len(bone.mesh.faces)
        # the same bone: bounding boxes agree to a few millimetres
        np.testing.assert_allclose(bone.light_mesh.bounds, bone.mesh.bounds, atol=6.0)


def test_damaged_light_mesh_keeps_the_bone(pack_copy):
    (pack_copy / "femur_r.light.ply").write_bytes(b"")
    loaded = load_pack(pack_copy)
    assert "femur_r" in loaded.bones and loaded.problems == []
    assert loaded.bones["femur_r"].light_mesh is None
    assert "femur_r.light.ply" in str(loaded.warnings[0]) and "full mesh" in str(loaded.warnings[0])


def test_numpy_ply_reader_matches_trimesh_and_other_files_fall_back(tmp_path):
    from viewer.anatomy.mesh_pack import read_mesh

    directory = default_pack_dir()
    for entry in load_manifest(directory)["bones"]:
        for name in (entry["file"], *([entry["light"]["file"]] if "light" in entry else [])):
            vertices, faces = read_mesh(directory / name)
            reference = trimesh.load(directory / name, process=False)
            np.testing.assert_array_equal(vertices, reference.vertices)
            np.testing.assert_array_equal(faces, reference.faces)
    ascii_file = tmp_path / "tetra.ply"
    trimesh.creation.box().export(ascii_file, encoding="ascii")  # not the simple binary layout
    vertices, faces = read_mesh(ascii_file)
    assert vertices.shape == (8, 3) and faces.shape == (12, 3)


def test_loading_the_pack_and_drawing_a_frame_do_not_import_trimesh(tmp_path):
    import subprocess
    import sys

    script = ("import sys\nfrom viewer.cli import main\n"
              f"assert main(['screenshot', r'{tmp_path / 'first.png'}', '--size', '320x200']) == 0\n"
              "print('trimesh' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # start-up spares trimesh's import (0.5 s); scipy it needs, to fit and push the muscle surfaces
    assert result.stdout.split()[-1:] == ["False"]


def test_triangle_count_other_than_the_manifest_says_is_refused(pack_copy):
    manifest = edit_manifest(pack_copy, lambda m: bone_entry(m, "l5").update(triangles=bone_entry(m, "l5")["triangles"] + 1))
    promised = bone_entry(manifest, "l5")["triangles"]
    _assert_only_missing(load_pack(pack_copy), "l5", f"has {promised - 1} triangles, the manifest says {promised}")


@pytest.mark.parametrize("bad_index", ["count", -1])
def test_faces_naming_vertices_that_do_not_exist_are_refused(pack_copy, bad_index):
    """A well-formed binary PLY whose first face names vertex n (one past the end) or -1."""

    def point_past_the_end(path):
        data = bytearray(path.read_bytes())
        end = data.index(b"end_header\n") + len(b"end_header\n")
        n_vertices = int(next(line for line in data[:end].split(b"\n") if line.startswith(b"element vertex")).split()[2])
        first_face = end + 12 * n_vertices + 1  # after the face's vertex count byte
        data[first_face:first_face + 4] = np.int32(n_vertices if bad_index == "count" else bad_index).tobytes()
        path.write_bytes(bytes(data))

    _damage(pack_copy, "l2", point_past_the_end)
    edit_manifest(pack_copy, lambda m: bone_entry(m, "l2").pop("sha256"))
    _assert_only_missing(load_pack(pack_copy), "l2", "faces refer to vertices that do not exist")
