"""A user's own pack: OpenSim Geometry (.vtp), other units and axes, renamed, missing and broken bones.

Each bad pack must still open, draw and measure what it can, and say in one line which bone or
muscle is left out and why; no command may end in a traceback.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import trimesh

from conftest import bone_entry, edit_manifest
from viewer.anatomy.json_input import InputError
from viewer.anatomy.mesh_pack import MANIFEST_NAME, load_pack
from viewer.anatomy.vtp import read_vtp
from viewer.cli import main

OPENSIM_FILES = Path(__file__).parent / "data" / "opensim_geometry"
# Where Pose2Sim's OpenSim model (Model_Pose2Sim_simple.osim) puts each body in the pelvis frame, metres
HIP_IN_PELVIS = {"r": [-0.0707, -0.0661, 0.0835], "l": [-0.0707, -0.0661, -0.0835]}
SACRUM_IN_PELVIS = [0.01, -0.017, 0.0]


def _at(x: float, y: float, z: float) -> list[list[float]]:
    return [[1, 0, 0, x], [0, 1, 0, y], [0, 0, 1, z], [0, 0, 0, 1]]


def opensim_manifest() -> dict:
    """The manifest a user writes for OpenSim Geometry files, as the README shows it."""
    def femur(side: str) -> dict:
        return {"id": f"femur_{side}", "name": f"{'Right' if side == 'r' else 'Left'} femur", "file": f"femur_{side}.vtp",
                "parent": f"hip_bone_{side}", "transform": _at(*HIP_IN_PELVIS[side]), "joint": f"hip_{side}",
                "joint_centre": HIP_IN_PELVIS[side]}

    return {
        "format_version": 1,
        "units": "m",
        "axes": "ASR",
        # the midpoint of the hip centres, (-70.7, -66.1) mm along OpenSim's anterior and superior axes, to the origin
        "transform": _at(0.0, 70.7, 66.1),
        "bones": [
            {"id": "sacrum", "name": "Sacrum", "file": "sacrum.vtp", "parent": None, "transform": _at(*SACRUM_IN_PELVIS)},
            # each hip bone's own frame starts at the centre of its socket, where its landmarks are measured from
            {"id": "hip_bone_r", "name": "Right hip bone", "file": "r_pelvis.vtp", "parent": "sacrum", "origin": HIP_IN_PELVIS["r"]},
            {"id": "hip_bone_l", "name": "Left hip bone", "file": "l_pelvis.vtp", "parent": "sacrum", "origin": HIP_IN_PELVIS["l"]},
            femur("r"),
            femur("l"),
        ],
    }


@pytest.fixture
def opensim_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "opensim"
    pack.mkdir()
    for path in OPENSIM_FILES.glob("*.vtp"):
        shutil.copy(path, pack)
    (pack / MANIFEST_NAME).write_text(json.dumps(opensim_manifest(), indent=2))
    return pack


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line in this process: an exception escaping it fails the test."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --- OpenSim Geometry -----------------------------------------------------------------------


def test_vtp_reader_matches_vtk_on_opensim_files():
    import pyvista as pv

    for path in sorted(OPENSIM_FILES.glob("*.vtp")):
        vertices, faces = read_vtp(path.read_bytes())
        reference = pv.read(path)
        np.testing.assert_array_equal(vertices, np.asarray(reference.points, dtype=np.float64))
        # each polygon (the sacrum has quads) fanned from its first corner
        fanned = [(cell[0], cell[k], cell[k + 1]) for cell in reference.irregular_faces for k in range(1, len(cell) - 1)]
        np.testing.assert_array_equal(faces, fanned)


@pytest.mark.parametrize("mode", ["ascii", "binary", "appended-raw", "appended-base64"])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("header", ["UInt32", "UInt64"])
def test_vtp_reader_reads_every_layout_vtk_writes(tmp_path, mode, compressed, header):
    import pyvista as pv
    from vtkmodules.vtkIOXML import vtkXMLPolyDataWriter

    surface = pv.Sphere(theta_resolution=9, phi_resolution=7).clean()
    writer = vtkXMLPolyDataWriter()
    writer.SetInputData(surface)
    writer.SetFileName(str(tmp_path / "s.vtp"))
    {"ascii": writer.SetDataModeToAscii, "binary": writer.SetDataModeToBinary}.get(mode, writer.SetDataModeToAppended)()
    writer.SetEncodeAppendedData(mode == "appended-base64")
    writer.SetCompressorTypeToZLib() if compressed else writer.SetCompressorTypeToNone()
    writer.SetHeaderTypeToUInt64() if header == "UInt64" else writer.SetHeaderTypeToUInt32()
    assert writer.Write() == 1
    vertices, faces = read_vtp((tmp_path / "s.vtp").read_bytes())
    np.testing.assert_allclose(vertices, surface.points, atol=1e-6)
    np.testing.assert_array_equal(faces, surface.regular_faces)


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "not a readable VTP file"),
    (lambda data: data.replace(b'type="PolyData"', b'type="UnstructuredGrid"', 1), "not a VTK PolyData file"),
    (lambda data: data.replace(b'NumberOfStrips="0"', b'NumberOfStrips="3"', 1), "strips are not supported"),
])
def test_damaged_vtp_is_refused_with_the_reason(damage, message):
    data = (OPENSIM_FILES / "femur_r.vtp").read_bytes()
    with pytest.raises(ValueError, match=message):
        read_vtp(damage(data))


def test_opensim_pack_loads_in_the_viewer_frame(opensim_pack):
    pack = load_pack(opensim_pack)
    assert set(pack.bones) == {"sacrum", "hip_bone_r", "hip_bone_l", "femur_r", "femur_l"}
    assert pack.problems == [] and pack.warnings == []
    centre = {bone_id: bone.vertices.mean(axis=0) for bone_id, bone in pack.bones.items()}
    assert centre["femur_r"][0] > 50 and centre["femur_l"][0] < -50  # ASR became RAS
    assert centre["femur_r"][2] < centre["hip_bone_r"][2] - 150
    femur = pack.bones["femur_r"]
    np.testing.assert_allclose(femur.joint_centre, [83.5, 0.0, 0.0], atol=1e-9)  # the origin is between the hips
    np.testing.assert_allclose(np.ptp(femur.vertices[:, 2]), 453, atol=5)  # metres became millimetres
    # the femoral head is round about the joint centre: its nearest vertices about 20-25 mm away
    distances = np.sort(np.linalg.norm(femur.vertices - femur.joint_centre, axis=1))
    assert 15 < distances[0] < 30
    assert all(bone.mesh.volume > 0 for bone in pack.bones.values())  # triangles still face out


def test_opensim_pack_draws_and_measures_the_iliacus(opensim_pack, tmp_path, capsys):
    code, out, err = run(capsys, "--pack", str(opensim_pack), "screenshot", str(tmp_path / "shot.png"), "--size", "320x200")
    assert code == 0 and (tmp_path / "shot.png").stat().st_size > 1000
    # psoas major and minor need the lumbar vertebrae (and discs) this pack lacks; each says so, by name
    assert ("muscle psoas_major_r is left out: it attaches to disc_l1_l2, disc_l2_l3, disc_l3_l4, disc_l4_l5, l1, l2, l3, "
            "l4, l5, t12, which the pack lacks") in err
    assert "iliacus" not in err
    code, out, err = run(capsys, "--pack", str(opensim_pack), "lengths", "--muscle", "iliacus_r", "--format", "json",
                         "--hip-flexion", "0:90:15")
    assert code == 0
    rows = json.loads(out)["rows"]
    lengths = [row["length_mm"] for row in rows]
    assert all(a > b for a, b in itertools.pairwise(lengths))  # shortens as the hip flexes
    assert all(10 <= row["moment_arm_mm"] <= 50 for row in rows)  # 1-5 cm, as in the literature
    code, out, err = run(capsys, "--pack", str(opensim_pack), "lengths", "--muscle", "psoas_major_r")
    assert code == 2
    assert "muscle psoas_major_r is left out: it attaches to disc_l1_l2, disc_l2_l3, disc_l3_l4, disc_l4_l5, l1, l2, l3, l4, l5, t12, which the pack lacks" in err


# --- units, axes and transforms -------------------------------------------------------------


def _rewrite_meshes(pack: Path, change) -> None:
    """Move every mesh of a pack by ``change`` (points -> points), dropping the checksums."""
    def each(manifest):
        for entry in manifest["bones"]:
            for item in (entry, *([entry["light"]] if "light" in entry else [])):
                mesh = trimesh.load(pack / item["file"], process=False)
                moved = change(np.asarray(mesh.vertices))
                flip = np.linalg.det(np.linalg.lstsq(mesh.vertices[:50] - mesh.vertices[:50].mean(0),
                                                     moved[:50] - moved[:50].mean(0), rcond=None)[0]) < 0
                faces = mesh.faces[:, ::-1] if flip else mesh.faces
                (pack / item["file"]).write_bytes(trimesh.Trimesh(moved, faces, process=False).export(file_type="ply"))
                item.pop("sha256")
            for point in ("joint_centre", "origin"):
                if entry.get(point) is not None:
                    entry[point] = change(np.array(entry[point])).tolist()
            for plane in ("upper", "lower") if "disc" in entry else ():  # a disc's endplates: centres and normals
                disc = entry["disc"]
                disc[f"{plane}_endplate"] = change(np.array(disc[f"{plane}_endplate"])).tolist()
                disc[f"{plane}_normal"] = (change(np.array(disc[f"{plane}_normal"])) - change(np.zeros(3))).tolist()

    edit_manifest(pack, each)


def test_pack_in_lps_is_turned_into_ras_by_its_axes(pack_copy, content):
    _rewrite_meshes(pack_copy, lambda p: p * [-1, -1, 1])
    scrambled = load_pack(pack_copy)
    # without saying so, the bones are on the wrong sides, and the check says which
    lines = [str(w) for w in scrambled.warnings]
    assert any(line.startswith("femur_r (") and "lies at x = -" in line and "check the axes" in line for line in lines)
    assert any(line.startswith("hip_bone_l (") and "left bone" in line for line in lines)
    edit_manifest(pack_copy, lambda m: m.update(axes="LPS"))
    loaded = load_pack(pack_copy)
    assert loaded.warnings == []
    for bone_id, bone in content[0].bones.items():
        np.testing.assert_allclose(loaded.bones[bone_id].vertices, bone.vertices, atol=1e-3)
        np.testing.assert_allclose(loaded.bones[bone_id].mesh.volume, bone.mesh.volume, rtol=1e-5)  # still facing out
        if bone.joint_centre is not None:
            np.testing.assert_allclose(loaded.bones[bone_id].joint_centre, bone.joint_centre, atol=1e-6)
        if bone.disc is not None:  # each disc vertex keeps its share of the bone above
            np.testing.assert_allclose(loaded.bones[bone_id].disc_weights, bone.disc_weights, atol=1e-4)


def test_pack_transform_moves_and_turns_the_pack_into_place(pack_copy, content, capsys):
    turn = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # 90 degrees about z
    shift = np.array([10.0, -200.0, 1000.0])
    _rewrite_meshes(pack_copy, lambda p: p @ turn.T + shift)
    undo = np.eye(4)
    undo[:3, :3] = turn.T
    undo[:3, 3] = -turn.T @ shift
    edit_manifest(pack_copy, lambda m: m.update(transform=undo.tolist()))
    loaded = load_pack(pack_copy)
    assert loaded.warnings == []
    for bone_id, bone in content[0].bones.items():
        np.testing.assert_allclose(loaded.bones[bone_id].vertices, bone.vertices, atol=1e-3)
    # and the skeleton follows: the same lengths as the default pack
    code, out, _ = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "psoas_major_r", "--format", "csv")
    assert code == 0
    _, reference, _ = run(capsys, "lengths", "--muscle", "psoas_major_r", "--format", "csv")
    moved = np.loadtxt(out.splitlines()[1:], delimiter=",")
    np.testing.assert_allclose(moved, np.loadtxt(reference.splitlines()[1:], delimiter=","), atol=0.02)


@pytest.mark.parametrize("axes, transform, where", [
    ("RRS", None, "$.axes"),
    (None, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], "$.transform"),
    (None, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]], "$.transform"),
])
def test_impossible_axes_or_transform_are_named(pack_copy, axes, transform, where):
    edit_manifest(pack_copy, lambda m: m.update({k: v for k, v in (("axes", axes), ("transform", transform)) if v is not None}))
    with pytest.raises(InputError) as caught:
        load_pack(pack_copy)
    assert where in str(caught.value) and str(pack_copy / MANIFEST_NAME) in str(caught.value)


def test_wrong_units_are_reported_by_size(pack_copy):
    edit_manifest(pack_copy, lambda m: m.update(units="m"))  # millimetre files declared as metres
    loaded = load_pack(pack_copy)
    # bones hundreds of metres long, hundreds of metres away, are refused as beyond any body
    assert loaded.bones == {} and len(loaded.problems) == 21  # 15 bones and 6 discs
    messages = {p.bone_id: p.message for p in loaded.problems}
    assert "beyond the 5000 mm a body spans (check the units" in messages["sacrum"]
    assert "its joint_centre reaches" in messages["femur_r"]
    edit_manifest(pack_copy, lambda m: m.update(units="cm"))
    loaded = load_pack(pack_copy)
    assert {w.bone_id for w in loaded.warnings if "check the units" in w.message} >= {"femur_r", "hip_bone_l", "sacrum"}


def test_femur_above_the_pelvis_is_reported(pack_copy):
    _rewrite_meshes(pack_copy, lambda p: p * [1, -1, -1])  # turned upside down about x: RPI files read as RAS
    lines = [str(w) for w in load_pack(pack_copy).warnings]
    assert any(line.startswith("femur_r (") and "not below the pelvis" in line for line in lines)


# --- renamed, missing and broken bones ------------------------------------------------------


def test_pack_with_other_bone_ids_draws_its_bones_and_names_every_muscle_left_out(pack_copy, tmp_path, capsys):
    def rename(manifest):
        for entry in manifest["bones"]:
            entry["id"] = "my_" + entry["id"]
            entry["parent"] = entry["parent"] and "my_" + entry["parent"]

    edit_manifest(pack_copy, rename)
    code, _, err = run(capsys, "--pack", str(pack_copy), "screenshot", str(tmp_path / "a.png"), "--size", "320x200")
    assert code == 0
    for muscle in ("psoas_major_r", "iliacus_l", "psoas_minor_r"):
        assert f"muscle {muscle} is left out: it attaches to" in err
    assert "the pack's bones my_femur_l, my_femur_r, my_hip_bone_l, my_hip_bone_r, ... are not bones of the annotations" in err
    code, _, err = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "iliacus_r")
    assert code == 2
    assert "muscle iliacus_r is left out: it attaches to femur_r, hip_bone_r, which the pack lacks" in err
    for command in (["stretches"], ["export", "--out", str(tmp_path / "b.glb")], ["export", "--out", str(tmp_path / "c.png"),
                                                                               "--size", "320x200"]):
        code, _, err = run(capsys, "--pack", str(pack_copy), *command)
        assert code == 0 and "muscle psoas_major_l is left out" in err


def test_pack_with_only_the_sacrum_still_draws_and_measures_nothing_it_lacks(pack_copy, tmp_path, capsys):
    edit_manifest(pack_copy, lambda m: m.update(bones=[bone_entry(m, "sacrum")]))
    code, _, err = run(capsys, "--pack", str(pack_copy), "screenshot", str(tmp_path / "a.png"), "--size", "320x200")
    assert code == 0 and "muscle iliacus_r is left out" in err
    code, _, err = run(capsys, "--pack", str(pack_copy), "export", "--out", str(tmp_path / "a.glb"))
    assert code == 0
    code, _, err = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "psoas_major_l")
    assert code == 2 and "psoas_major_l is left out" in err and "femur_l" in err
    code, _, err = run(capsys, "--pack", str(pack_copy), "stretches")
    assert code == 0


def test_pack_without_the_right_femur_measures_the_left_side(pack_copy, capsys):
    edit_manifest(pack_copy, lambda m: m.update(bones=[e for e in m["bones"] if e["id"] != "femur_r"]))
    code, _, err = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "psoas_major_r")
    assert code == 2 and "muscle psoas_major_r is left out: it attaches to femur_r, which the pack lacks" in err
    code, out, _ = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "psoas_major_l", "--format", "json")
    assert code == 0 and len(json.loads(out)["rows"]) == 16


def test_symlink_loop_leaves_out_that_bone(pack_copy):
    (pack_copy / "l3.ply").unlink()
    os.symlink("l3_again.ply", pack_copy / "l3.ply")
    os.symlink("l3.ply", pack_copy / "l3_again.ply")
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["l3"]
    assert "l3.ply" in str(loaded.problems[0]) and "cannot be followed" in str(loaded.problems[0])
    assert "l2" in loaded.bones and "t12" in loaded.bones  # they hang from l3's joint, which still holds


def test_parent_cycle_leaves_out_the_bones_in_and_above_it(pack_copy, tmp_path, capsys):
    edit_manifest(pack_copy, lambda m: bone_entry(m, "l5").update(parent="l4"))
    loaded = load_pack(pack_copy)
    messages = {p.bone_id: str(p) for p in loaded.problems}
    discs = {"disc_t12_l1", "disc_l1_l2", "disc_l2_l3", "disc_l3_l4", "disc_l4_l5", "disc_l5_s1"}
    assert set(messages) == {"t12", "l1", "l2", "l3", "l4", "l5"} | discs
    assert "it joins 'l5' to 'sacrum', and 'l5' is not loaded" in messages["disc_l5_s1"]
    assert "l5.ply): its parent chain loops: l5 -> l4 -> l5" in messages["l5"]
    assert "t12 -> l1 -> l2 -> l3 -> l4 runs into the loop l4 -> l5 -> l4" in messages["t12"]
    assert set(loaded.bones) == {"sacrum", "hip_bone_r", "hip_bone_l", "femur_r", "femur_l", "tibia_r", "tibia_l", "patella_r",
                                 "patella_l"}
    code, _, err = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "iliacus_l", "--format", "json")
    assert code == 0 and "its parent chain loops" in err


def test_coordinates_beyond_any_body_leave_out_that_bone(pack_copy):
    mesh = trimesh.load(pack_copy / "l2.ply", process=False)
    vertices = mesh.vertices.copy()
    vertices[5] = 1e31
    (pack_copy / "l2.ply").write_bytes(trimesh.Trimesh(vertices, mesh.faces, process=False).export(file_type="ply"))
    edit_manifest(pack_copy, lambda m: bone_entry(m, "l2").pop("sha256"))
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["l2"]
    assert "l2.ply): the surface reaches 1e+31 mm from the origin" in str(loaded.problems[0])


@pytest.mark.parametrize("value", ["1e999", "-1e999", "1e31"])
def test_joint_centre_must_be_finite_and_bounded(pack_copy, capsys, value):
    path = pack_copy / MANIFEST_NAME
    manifest = json.loads(path.read_text())
    bone_entry(manifest, "femur_r")["joint_centre"][0] = 424242.5
    path.write_text(json.dumps(manifest).replace("424242.5", value))
    # the JSON gate refuses the manifest whole, naming the file and the place, before any bone is read
    with pytest.raises(InputError, match=r"\$\.bones\[9\]\.joint_centre\[0\]"):
        load_pack(pack_copy)
    code, out, err = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "psoas_major_r")
    assert code == 2 and "nan" not in out and str(path) in err and "joint_centre[0]" in err


def test_joint_centre_beyond_any_body_in_the_packs_units(pack_copy):
    edit_manifest(pack_copy, lambda m: bone_entry(m, "femur_l").update(joint_centre=[90000, 0, 0]))
    loaded = load_pack(pack_copy)
    assert loaded.missing == ["femur_l", "tibia_l", "patella_l"]
    assert "its joint_centre reaches 9e+04 mm from the origin" in str(loaded.problems[0])


def test_femur_without_a_hip_joint_is_reported_not_measured_as_constant(pack_copy, capsys):
    edit_manifest(pack_copy, lambda m: bone_entry(m, "femur_r").update(joint=None, joint_centre=None))
    loaded = load_pack(pack_copy)
    assert [str(w) for w in loaded.warnings] == [
        (f"femur_r ({pack_copy / 'femur_r.ply'}): has no hip joint (joint hip_r or hip_l with a joint_centre), so it does "
         "not move with hip flexion and no hip-crossing muscle length can be measured")]
    code, out, err = run(capsys, "--pack", str(pack_copy), "lengths", "--muscle", "psoas_major_r")
    assert code == 2 and out == ""
    assert "the pack has no bone with a hip_r joint, so hip flexion moves nothing" in err


def test_pack_with_no_usable_bone_says_so(pack_copy, tmp_path, capsys):
    edit_manifest(pack_copy, lambda m: m.update(bones=[bone_entry(m, "femur_r")]))
    edit_manifest(pack_copy, lambda m: m["bones"][0].update(parent="hip_bone_r"))
    code, _, err = run(capsys, "--pack", str(pack_copy), "screenshot", str(tmp_path / "a.png"))
    assert code == 1
    assert "needs 'hip_bone_r', which is not a bone of this pack" in err and "no bone of" in err
    assert not (tmp_path / "a.png").exists()


# --- the window -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["renamed", "only_sacrum", "no_femur_r", "cycle"])
def test_window_opens_on_a_bad_pack_and_says_what_is_left_out(qtbot, settings, content, pack_copy, case):
    from viewer.anatomy.kinematics import Pose
    from viewer.app.main_window import MainWindow

    changes = {
        "renamed": lambda m: [e.update(id="x" + e["id"], parent=e["parent"] and "x" + e["parent"]) for e in m["bones"]],
        "only_sacrum": lambda m: m.update(bones=[bone_entry(m, "sacrum")]),
        "no_femur_r": lambda m: m.update(bones=[e for e in m["bones"] if e["id"] != "femur_r"]),
        "cycle": lambda m: bone_entry(m, "l5").update(parent="l4"),
    }
    edit_manifest(pack_copy, changes[case])
    pack = load_pack(pack_copy)
    win = MainWindow(pack, content[1], settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    expected = {"renamed": "muscle psoas_major_r is left out", "only_sacrum": "muscle psoas_major_r is left out",
                "no_femur_r": "muscle psoas_major_r is left out: it attaches to femur_r",
                "cycle": "Not shown: t12"}[case]
    assert expected in win.missing_label.text() + win.missing_label.toolTip()
    assert set(win.scene.bone_actors) == set(pack.bones)
    assert "Lessons not shown" not in win.statusBar().currentMessage()  # a lesson's figure for a missing muscle says so
    win.state.set_pose(Pose(hip_flexion_l=60.0))  # posing still works on what is there
    assert win.scene.pose.hip_flexion_l == 60.0
    win.close()
