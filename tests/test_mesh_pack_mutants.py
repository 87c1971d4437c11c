"""Reading a pack's files (``viewer.anatomy.mesh_pack``) case by case: each refusal of a mesh or a
manifest entry with its exact words, our own PLY reader against the layout it accepts, paths that
leave the pack. Written to kill the mutants mutmut found surviving; the default pack is not loaded."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from viewer.anatomy import mesh_pack
from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import Bone, BoneProblem, MeshPack, read_manifest, read_mesh, resolve_inside

TETRA_V = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]], float)
TETRA_F = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])


def ply(vertices, faces, counts=None, comment=False, extra=b""):
    """A binary little-endian PLY in the pack builder's layout."""
    header = b"ply\nformat binary_little_endian 1.0\n" + (b"comment made here\n" if comment else b"")
    header += f"element vertex {len(vertices)}\n".encode() + b"property float x\nproperty float y\nproperty float z\n"
    header += f"element face {len(faces)}\n".encode() + b"property list uchar int vertex_indices\n" + extra + b"end_header\n"
    face_type = np.dtype([("count", "u1"), ("index", "<i4", (3,))])
    records = np.zeros(len(faces), face_type)
    records["count"] = 3 if counts is None else counts
    records["index"] = faces
    return header + np.asarray(vertices, "<f4").tobytes() + records.tobytes()


def test_our_ply_reader_reads_the_builders_layout_exactly():
    vertices, faces = mesh_pack._read_simple_ply(ply(TETRA_V + 0.5, TETRA_F, comment=True))
    np.testing.assert_array_equal(vertices, TETRA_V + 0.5)
    np.testing.assert_array_equal(faces, TETRA_F)
    assert vertices.dtype == np.float64 and faces.dtype == np.int64 and vertices.shape == (4, 3)


def test_any_other_ply_is_left_to_trimesh():
    data = ply(TETRA_V, TETRA_F)
    assert mesh_pack._read_simple_ply(data.replace(b"binary_little_endian", b"binary_big_endian")) is None
    assert mesh_pack._read_simple_ply(data.replace(b"end_header\n", b"end_headr\n")) is None
    assert mesh_pack._read_simple_ply(data.replace(b"property float z\n", b"property double z\n")) is None
    assert mesh_pack._read_simple_ply(ply(TETRA_V, TETRA_F, extra=b"property uchar red\n")) is None
    assert mesh_pack._read_simple_ply(data.replace(b"element face 4", b"element face four")) is None
    assert mesh_pack._read_simple_ply(data.replace(b"element face 4\n", b"")) is None
    assert mesh_pack._read_simple_ply(data.replace(b"element vertex 4", b"element vertex")) is None
    assert mesh_pack._read_simple_ply(ply(TETRA_V, TETRA_F, counts=[3, 3, 4, 3])) is None
    assert mesh_pack._read_simple_ply(b"ply\nformat ascii 1.0\nend_header\n") is None


def test_a_ply_body_of_the_wrong_length_is_refused():
    data = ply(TETRA_V, TETRA_F)
    with pytest.raises(ValueError, match=r"^PLY body is 99 bytes, its header promises 100 \(file truncated\?\)$"):
        mesh_pack._read_simple_ply(data[:-1])
    with pytest.raises(ValueError, match=r"^PLY body is 101 bytes, its header promises 100"):
        mesh_pack._read_simple_ply(data + b"\0")


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_read_mesh_checks_what_the_manifest_promises(tmp_path):
    data = ply(TETRA_V, TETRA_F)
    path = write(tmp_path, "a.PLY", data)
    digest = hashlib.sha256(data).hexdigest()
    vertices, faces = read_mesh(path, digest, 4)
    np.testing.assert_array_equal(vertices, TETRA_V)
    np.testing.assert_array_equal(faces, TETRA_F)
    assert read_mesh(path)[1].shape == (4, 3)
    wrong = "0" * 64
    with pytest.raises(ValueError) as caught:
        read_mesh(path, wrong)
    assert str(caught.value) == f"checksum mismatch: sha256 is {digest[:12]}\u2026, the manifest says 000000000000\u2026"
    with pytest.raises(ValueError) as caught:
        read_mesh(path, digest, 5)
    assert str(caught.value) == "has 4 triangles, the manifest says 5 (file truncated?)"


@pytest.mark.parametrize("vertices, faces, message", [
    (TETRA_V, TETRA_F[:0], "holds no triangles"),
    (np.r_[TETRA_V[:3], [[np.nan, 0, 0]]], TETRA_F, "1 vertices have NaN or infinite coordinates"),
    (np.r_[TETRA_V[:2], [[np.inf, 0, 0], [0, -np.inf, np.nan]]], TETRA_F, "2 vertices have NaN or infinite coordinates"),
    (TETRA_V, np.r_[TETRA_F[:3], [[1, 2, 4]]], "faces refer to vertices that do not exist (file truncated?)"),
    (TETRA_V, np.r_[TETRA_F[:3], [[1, 2, -1]]], "faces refer to vertices that do not exist (file truncated?)"),
])
def test_read_mesh_refuses_what_no_later_step_can_use(tmp_path, vertices, faces, message):
    with pytest.raises(ValueError) as caught:
        read_mesh(write(tmp_path, "a.ply", ply(vertices, faces)))
    assert str(caught.value) == message


def test_read_mesh_refuses_missing_folders_empty_and_oversize_files(tmp_path, monkeypatch):
    for path, message in [(tmp_path / "none.ply", "file not found"), (tmp_path, "not a regular file"),
                          (write(tmp_path, "empty.ply", b""), "file is empty")]:
        with pytest.raises(ValueError) as caught:
            read_mesh(path)
        assert str(caught.value) == message
    data = ply(TETRA_V, TETRA_F)
    monkeypatch.setattr(mesh_pack, "MAX_MESH_BYTES", len(data))
    with pytest.raises(ValueError) as caught:
        read_mesh(write(tmp_path, "big.ply", data + b"\0"))
    assert str(caught.value) == f"file is {len(data) + 1} bytes, more than the {len(data)} allowed"
    assert len(read_mesh(write(tmp_path, "edge.ply", data))[1]) == 4  # exactly the limit is read


def test_other_formats_go_through_trimesh(tmp_path):
    import trimesh

    stl = trimesh.Trimesh(TETRA_V, TETRA_F).export(file_type="stl")
    vertices, faces = read_mesh(write(tmp_path, "a.stl", stl))
    assert len(faces) == 4 and vertices.dtype == np.float64 and faces.dtype == np.int64
    ascii_ply = trimesh.Trimesh(TETRA_V, TETRA_F).export(file_type="ply", encoding="ascii")
    vertices, faces = read_mesh(write(tmp_path, "b.ply", ascii_ply))
    np.testing.assert_array_equal(faces, TETRA_F)
    with pytest.raises(ValueError, match=r"^not a readable OFF mesh \(ValueError: "):
        read_mesh(write(tmp_path, "c.off", b"OFF\n3 1 0\n1 2 3\n"))
    with pytest.raises(ValueError, match=r"^holds no triangles$"):
        read_mesh(write(tmp_path, "d.stl", b"\0" * 84))


def test_paths_stay_inside_the_pack(tmp_path):
    (tmp_path / "sub").mkdir()
    assert resolve_inside(tmp_path, "sub/a.ply") == (tmp_path / "sub" / "a.ply").resolve()
    assert resolve_inside(tmp_path, "sub/../b.ply") == (tmp_path / "b.ply").resolve()
    with pytest.raises(ValueError) as caught:
        resolve_inside(tmp_path / "sub", "../a.ply")
    assert str(caught.value) == f"path '../a.ply' leaves the pack folder {(tmp_path / 'sub').resolve()}"
    with pytest.raises(ValueError) as caught:
        resolve_inside(tmp_path, "/etc/passwd")
    assert str(caught.value) == f"absolute path '/etc/passwd' is not allowed; name a file inside {tmp_path.resolve()}"
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    with pytest.raises(ValueError, match=r"^path 'loop/a\.ply' cannot be followed \("):
        resolve_inside(tmp_path, "loop/a.ply")
    os.symlink("/", tmp_path / "out")
    with pytest.raises(ValueError, match="leaves the pack folder"):
        resolve_inside(tmp_path, "out/etc")


def manifest(tmp_path, bones, **top):
    document = {"format_version": 1, "units": "mm", "bones": bones, **top}
    (tmp_path / "manifest.json").write_text(json.dumps(document))
    return tmp_path


def bone(id, **fields):
    return {"id": id, "name": id.upper(), "file": f"{id}.ply", "parent": None, **fields}


def test_one_bad_entry_costs_only_that_bone(tmp_path):
    disc = {"upper": "a", "upper_endplate": [0, 0, 1], "upper_normal": [0, 0, 1], "lower_endplate": [0, 0, 0], "lower_normal": [0, 0, 1]}
    directory = manifest(tmp_path, [
        bone("a"), bone("b", joint="hip_r"), bone("a"), bone("c", joint="disc", joint_centre=[0, 0, 0]),
        bone("d", disc=disc), bone("e", name=3), bone("e"), bone("f", joint="hip_l", joint_centre=[1, 2, 3]),
        bone("g", joint="disc", joint_centre=[0, 0, 0], disc=disc), bone("e")])
    document, problems = read_manifest(directory)
    assert len(document["bones"]) == 10
    assert problems == {
        1: ("$.bones[1]", "a bone with a hip_r joint needs a joint_centre"),
        2: ("$.bones[2].id", "bone id 'a' is used twice (first at $.bones[0])"),
        3: ("$.bones[3]", "a disc joint and a disc entry (the endplates it joins) go together"),
        4: ("$.bones[4]", "a disc joint and a disc entry (the endplates it joins) go together"),
        5: ("$.bones[5].name", "3 is not of type 'string'"),
        9: ("$.bones[9].id", "bone id 'e' is used twice (first at $.bones[6])"),
    }
    with pytest.raises(InputError) as caught:
        mesh_pack.load_manifest(directory)
    assert caught.value.where == "$.bones[5].name" and caught.value.path == directory / "manifest.json"  # schema problems first
    assert mesh_pack.load_manifest(manifest(tmp_path, [bone("a"), bone("b")]))["bones"][1]["id"] == "b"


def test_a_problem_of_the_whole_manifest_raises(tmp_path):
    for top, where in [({"units": "furlong"}, "$.units"), ({"axes": "XYZ"}, "$.axes"), ({"transform": [[1, 0, 0, 0]] * 4}, "$.transform")]:
        with pytest.raises(InputError) as caught:
            read_manifest(manifest(tmp_path, [bone("a")], **top))
        assert caught.value.where == where and caught.value.path == tmp_path / "manifest.json"
    document, problems = read_manifest(manifest(tmp_path, [bone("a")], axes="LPS", transform=np.eye(4).tolist()))
    assert problems == {}


def test_small_pieces():
    assert str(BoneProblem("femur_r", Path("/p/femur_r.ply"), "file not found")) == "femur_r (/p/femur_r.ply): file not found"
    plain = Bone("a", "A", None, None, None, TETRA_V, TETRA_F, Path("a.ply"))
    np.testing.assert_array_equal(plain.frame_origin, [0, 0, 0])
    jointed = Bone("a", "A", None, "hip_r", np.array([1.0, 2, 3]), TETRA_V, TETRA_F, Path("a.ply"))
    np.testing.assert_array_equal(jointed.frame_origin, [1, 2, 3])
    both = Bone("a", "A", None, "hip_r", np.array([1.0, 2, 3]), TETRA_V, TETRA_F, Path("a.ply"), origin=np.array([7.0, 8, 9]))
    np.testing.assert_array_equal(both.frame_origin, [7, 8, 9])
    assert plain.disc_weights is None and plain.light_mesh is None
    assert plain.mesh.is_watertight and len(plain.mesh.faces) == 4
    assert len(Bone("a", "A", None, None, None, TETRA_V, TETRA_F, Path("a.ply"), light=(TETRA_V, TETRA_F[:2])).light_mesh.faces) == 2
    pack = MeshPack(Path("."), {}, problems=[BoneProblem("x", Path("x"), "m"), BoneProblem("y", Path("y"), "m")])
    assert pack.missing == ["x", "y"] and pack.warnings == [] and pack.bones == {}


def test_a_ply_whose_body_spells_end_header_is_read_up_to_its_first_one():
    body = np.frombuffer(b"end_header\n\0", "<f4").reshape(1, 3).astype(float)  # three finite floats
    vertices = np.r_[body, TETRA_V[1:]]
    read, faces = mesh_pack._read_simple_ply(ply(vertices, TETRA_F))
    np.testing.assert_array_equal(read, vertices.astype("<f4"))
    np.testing.assert_array_equal(faces, TETRA_F)


VTP = """<VTKFile type="PolyData" version="0.1" byte_order="LittleEndian"><PolyData>
<Piece NumberOfPoints="4" NumberOfPolys="4"><Points>
<DataArray type="Float32" NumberOfComponents="3" format="ascii">0 0 0 10 0 0 0 10 0 0 0 10</DataArray></Points>
<Polys><DataArray type="Int32" Name="connectivity" format="ascii">0 2 1 0 1 3 0 3 2 1 2 3</DataArray>
<DataArray type="Int32" Name="offsets" format="ascii">3 6 9 12</DataArray></Polys></Piece></PolyData></VTKFile>"""


def test_read_mesh_reads_opensim_vtp(tmp_path):
    vertices, faces = read_mesh(write(tmp_path, "a.vtp", VTP.encode()))
    np.testing.assert_array_equal(vertices, TETRA_V)
    np.testing.assert_array_equal(faces, TETRA_F)


# A small pack on disk: tetrahedra, each bone's file named after it.
MIRROR_X = [[-1, 0, 0, 5], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
SHIFT = [[1, 0, 0, 100], [0, 1, 0, 200], [0, 0, 1, 300], [0, 0, 0, 1]]


def small_pack(tmp_path, bones, files=None, **top):
    for entry in bones:
        for name in (entry["file"], entry.get("light", {}).get("file")):
            if name and not (tmp_path / name).exists() and name not in (files or {}):
                (tmp_path / name).write_bytes(ply(TETRA_V, TETRA_F))
    for name, data in (files or {}).items():
        (tmp_path / name).write_bytes(data)
    return mesh_pack.load_pack(manifest(tmp_path, bones, **top))


def problems(pack):
    return {p.bone_id: (p.file.name, p.message) for p in pack.problems}


def test_a_pack_is_placed_in_the_viewers_frame(tmp_path):
    """units cm, axes LPS, a pack transform and a bone's own (mirroring) transform, each applied once, in order."""
    pack = small_pack(tmp_path, [
        bone("a", transform=MIRROR_X, origin=[1, 2, 3]),
        bone("b", parent="a", joint="hip_r", joint_centre=[1, 1, 1]),
    ], units="cm", axes="LPS", transform=SHIFT)
    assert list(pack.bones) == ["a", "b"] and pack.problems == []
    a, b = pack.bones["a"], pack.bones["b"]
    file_points = np.c_[5 - TETRA_V[:, 0], TETRA_V[:, 1:]]  # the bone's transform, in pack units and axes
    np.testing.assert_allclose(a.vertices, np.c_[-10 * file_points[:, :2], 10 * file_points[:, 2]] + [100, 200, 300])
    np.testing.assert_array_equal(a.faces, TETRA_F[:, ::-1])  # mirrored, so reversed to face out again
    np.testing.assert_allclose(b.vertices, np.c_[-10 * TETRA_V[:, :2], 10 * TETRA_V[:, 2]] + [100, 200, 300])
    np.testing.assert_array_equal(b.faces, TETRA_F)
    np.testing.assert_allclose(a.origin, [90, 180, 330])
    assert a.joint_centre is None and a.joint is None and a.parent is None
    np.testing.assert_allclose(b.joint_centre, [90, 190, 310])
    assert b.origin is None and b.joint == "hip_r" and b.parent == "a" and b.name == "B"
    assert a.file == (tmp_path / "a.ply").resolve() and a.light is None and a.disc is None
    out = pack.manifest
    assert out["units"] == "mm" and out["axes"] == "RAS" and "transform" not in out and out["format_version"] == 1
    assert [entry["id"] for entry in out["bones"]] == ["a", "b"]
    assert out["bones"][1]["joint_centre"] == pytest.approx([90, 190, 310]) and "transform" not in out["bones"][0]
    assert out["bones"][0]["origin"] == pytest.approx([90, 180, 330])
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk["units"] == "cm" and on_disk["bones"][0]["origin"] == [1, 2, 3]  # the file is left as it was


def test_a_pack_without_placement_keeps_the_files_coordinates(tmp_path):
    pack = small_pack(tmp_path, [bone("a", transform=np.eye(4).tolist())])
    np.testing.assert_array_equal(pack.bones["a"].vertices, TETRA_V)
    np.testing.assert_array_equal(pack.bones["a"].faces, TETRA_F)
    moved = small_pack(tmp_path, [bone("a", transform=SHIFT)])
    np.testing.assert_array_equal(moved.bones["a"].vertices, TETRA_V + [100, 200, 300])
    np.testing.assert_array_equal(moved.bones["a"].faces, TETRA_F)  # not mirrored: faces kept


def test_placed_reverses_triangles_only_for_a_mirror():
    vertices, faces = mesh_pack._placed(np.diag([1.0, -2.0, 1.0, 1.0]), TETRA_V, TETRA_F)
    np.testing.assert_array_equal(vertices, TETRA_V * [1, -2, 1])
    np.testing.assert_array_equal(faces, TETRA_F[:, ::-1])
    vertices, faces = mesh_pack._placed(np.diag([2.0, 2.0, 2.0, 1.0]), TETRA_V, TETRA_F)
    np.testing.assert_array_equal(vertices, TETRA_V * 2)
    np.testing.assert_array_equal(faces, TETRA_F)
    same = mesh_pack._placed(np.eye(4), TETRA_V, TETRA_F)
    assert same[0] is TETRA_V and same[1] is TETRA_F


DISC = {"upper": "up", "upper_endplate": [0, 0, 10], "upper_normal": [0, 0, 2], "lower_endplate": [0, 0, 0], "lower_normal": [0, 3, 3]}


def test_a_disc_is_loaded_with_its_endplates_in_the_viewers_frame(tmp_path):
    pack = small_pack(tmp_path, [
        bone("low"), bone("up", parent="low", joint="lumbar", joint_centre=[0, 0, 1]),
        bone("d", parent="low", joint="disc", joint_centre=[0, 0, 0.5], disc=DISC),
    ], units="cm", axes="LPS", transform=SHIFT)
    assert pack.problems == [] and list(pack.bones) == ["low", "up", "d"]
    join = pack.bones["d"].disc
    assert join.upper_bone == "up"
    np.testing.assert_allclose(join.upper.centre, [100, 200, 400])
    np.testing.assert_allclose(join.upper.normal, [0, 0, 1])
    np.testing.assert_allclose(join.lower.centre, [100, 200, 300])
    np.testing.assert_allclose(join.lower.normal, [0, -np.sqrt(0.5), np.sqrt(0.5)])
    entry = pack.manifest["bones"][2]["disc"]
    assert entry["upper"] == "up" and entry["upper_endplate"] == pytest.approx([100, 200, 400])
    assert entry["lower_normal"] == pytest.approx([0, -np.sqrt(0.5), np.sqrt(0.5)])
    assert DISC["upper_normal"] == [0, 0, 2]  # the manifest's own entry is not changed
    assert pack.bones["d"].disc_weights.shape == (4,)


def test_disc_normals_follow_a_shearing_pack_transform():
    shear = np.array([[1.0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])  # x += z
    out = mesh_pack._disc_in_viewer_frame({**DISC, "upper_normal": [1, 0, 0]}, shear)
    np.testing.assert_allclose(out["upper_normal"], [np.sqrt(0.5), 0, -np.sqrt(0.5)])  # (M^-1)^T n, made unit
    np.testing.assert_allclose(out["upper_endplate"], [10, 0, 10])
    with pytest.raises(ValueError) as caught:
        mesh_pack._disc_in_viewer_frame({**DISC, "lower_normal": [0, 0, 0]}, np.eye(4))
    assert str(caught.value) == "its lower endplate normal has no length"
    with pytest.raises(ValueError) as caught:
        mesh_pack._disc_in_viewer_frame({**DISC, "upper_endplate": [0, 0, 6000]}, np.eye(4))
    assert str(caught.value).startswith("its upper endplate reaches 6e+03 mm from the origin")
    with pytest.raises(ValueError) as caught:
        mesh_pack._disc_in_viewer_frame({**DISC, "lower_endplate": [0, 0, -6000]}, np.eye(4))
    assert str(caught.value).startswith("its lower endplate reaches 6e+03 mm")


def test_entry_points_are_checked_in_the_viewers_frame():
    with pytest.raises(ValueError) as caught:
        mesh_pack._in_viewer_frame(bone("a", origin=[0, 0, 600]), np.diag([10.0, 10, 10, 1]))
    assert str(caught.value).startswith("its origin reaches 6e+03 mm from the origin")
    with pytest.raises(ValueError) as caught:
        mesh_pack._in_viewer_frame(bone("a", joint_centre=[0, 0, -5001]), np.eye(4))
    assert str(caught.value).startswith("its joint_centre reaches 5e+03 mm")
    with pytest.raises(ValueError, match="singular"):
        mesh_pack._in_viewer_frame(bone("a", transform=np.diag([1.0, 0, 1, 1]).tolist()), np.eye(4))
    out = mesh_pack._in_viewer_frame(bone("a", joint_centre=None, origin=[1, 2, 3], transform=SHIFT), np.diag([2.0, 2, 2, 1]))
    assert out == {"id": "a", "name": "A", "file": "a.ply", "parent": None, "joint_centre": None, "origin": [2, 4, 6]}


def test_a_pack_keeps_what_loads_and_says_why_the_rest_did_not(tmp_path):
    pack = small_pack(tmp_path, [
        bone("root"),
        bone("lost", parent="root", file="lost.ply"),       # its file is broken: it keeps its place
        bone("below_lost", parent="lost"),                  # so this one still loads
        bone("bad", name=""),                               # its entry is unusable: left out ...
        bone("below_bad", parent="bad"),                    # ... with what hangs from it
        bone("stranger", parent="nobody"),
        bone("far", origin=[0, 0, 9000]),
        bone("loop_a", parent="loop_b"), bone("loop_b", parent="loop_a"),
        bone("into_loop", parent="loop_a"), bone("self", parent="self"),
    ], files={"lost.ply": b"ply\n"})
    assert list(pack.bones) == ["root", "below_lost"]
    found = problems(pack)
    assert found["lost"] == ("lost.ply", "not a readable PLY mesh (" + found["lost"][1].split("(", 1)[1])
    assert found["bad"] == ("manifest.json", "at $.bones[3].name: '' should be non-empty")
    assert found["below_bad"] == ("below_bad.ply", "its parent chain below_bad -> bad needs 'bad', which was left out")
    assert found["stranger"] == ("stranger.ply", "its parent chain stranger -> nobody needs 'nobody', which is not a bone of this pack")
    assert found["far"][0] == "manifest.json" and found["far"][1].startswith("at $.bones[6]: its origin reaches 9e+03 mm")
    assert found["loop_a"] == ("loop_a.ply", "its parent chain loops: loop_a -> loop_b -> loop_a")
    assert found["loop_b"] == ("loop_b.ply", "its parent chain loops: loop_b -> loop_a -> loop_b")
    assert found["into_loop"] == ("into_loop.ply", "its parent chain into_loop -> loop_a runs into the loop loop_a -> loop_b -> loop_a")
    assert found["self"] == ("self.ply", "its parent chain loops: self -> self")
    assert len(pack.problems) == 9 and pack.missing[:2] == ["bad", "far"]  # entries first, then chains, then files
    assert all(p.file.parent == tmp_path for p in pack.problems)
    assert [entry["id"] for entry in pack.manifest["bones"]] == ["root", "lost", "below_lost"]


def test_an_entry_without_a_usable_id_is_named_by_its_place(tmp_path):
    pack = small_pack(tmp_path, [bone("a"), {"name": "X", "file": "x.ply", "parent": None}, {**bone("b"), "id": 7}, bone("c", parent=3)])
    assert list(pack.bones) == ["a"]
    assert [p.bone_id for p in pack.problems] == ["bones[1]", "bones[2]", "c"]
    assert pack.problems[0].message.startswith("at $.bones[1]: 'id' is a required property")


def test_a_disc_needs_its_upper_bone_loaded_and_not_below_it(tmp_path):
    pack = small_pack(tmp_path, [
        bone("low"),
        bone("d", parent="low", joint="disc", joint_centre=[0, 0, 0], disc={**DISC, "upper": "gone"}),
        bone("d2", parent="low", joint="disc", joint_centre=[0, 0, 0], disc={**DISC, "upper": "up"}),
        bone("up", parent="d2", joint="lumbar", joint_centre=[0, 0, 1]),
        bone("top", parent="up", joint="lumbar", joint_centre=[0, 0, 2]),
        bone("d3", parent="low", joint="disc", joint_centre=[0, 0, 0], disc={**DISC, "upper": "top"}),
    ])
    found = problems(pack)
    assert found["d"] == ("d.ply", "it joins 'gone' to 'low', and 'gone' is not loaded")
    assert found["d2"] == ("d2.ply", "it joins 'up' to 'low', and 'up' hangs from the disc (up -> d2)")
    assert found["up"] == ("up.ply", "its parent chain up -> d2 needs 'd2', which was left out")  # gone with its disc
    assert found["top"] == ("top.ply", "its parent chain top -> up -> d2 needs 'd2', which was left out")
    assert found["d3"] == ("d3.ply", "it joins 'top' to 'low', and 'top' is not loaded")  # and with it this disc
    assert list(pack.bones) == ["low"] and list(found) == ["d", "d2", "up", "top", "d3"]
    assert [entry["id"] for entry in pack.manifest["bones"]] == ["low"]
    assert list(bone_transforms(Pose(), Skeleton.from_manifest(pack.manifest))) == ["low"]
    fine = small_pack(tmp_path, [bone("low"), bone("up", parent="low", joint="lumbar", joint_centre=[0, 0, 1]),
                                 bone("top", parent="up", joint="lumbar", joint_centre=[0, 0, 2]),
                                 bone("d", parent="low", joint="disc", joint_centre=[0, 0, 0], disc={**DISC, "upper": "top"})])
    assert fine.problems == [] and fine.bones["d"].disc.upper_bone == "top"


def test_lighter_surfaces_are_placed_like_the_full_one_or_left_with_a_warning(tmp_path):
    light = {"file": "a_light.ply", "triangles": 2}
    pack = small_pack(tmp_path, [
        bone("a", transform=MIRROR_X, light={"file": "a_light.ply"}),
        bone("b", light=light), bone("c", light={"file": "far_light.ply"}), bone("d", light={"file": "../x.ply"}),
    ], files={"far_light.ply": ply(TETRA_V * 1000, TETRA_F)})
    vertices, faces = pack.bones["a"].light
    np.testing.assert_array_equal(vertices, pack.bones["a"].vertices)
    np.testing.assert_array_equal(faces, TETRA_F[:, ::-1])
    assert list(pack.bones) == ["a", "b", "c", "d"] and pack.problems == []
    assert pack.bones["b"].light is None and pack.bones["c"].light is None
    found = [(w.bone_id, w.file.name, w.message) for w in pack.warnings]
    assert found[0] == ("b", "a_light.ply", "has 4 triangles, the manifest says 2 (file truncated?); the full mesh is drawn instead")
    assert found[1][:2] == ("c", "far_light.ply") and found[1][2].startswith("the lighter surface reaches 1e+04 mm")
    assert found[2][:2] == ("d", "x.ply") and "leaves the pack folder" in found[2][2]
    assert len(found) == 3


def test_a_bone_beyond_any_body_or_unreadable_is_a_problem_and_implausible_ones_a_warning(tmp_path):
    pack = small_pack(tmp_path, [bone("a"), bone("far"), bone("femur_r", parent="a")],
                      files={"far.ply": ply(TETRA_V * 600, TETRA_F), "femur_r.ply": ply(TETRA_V + [-50, 0, 0], TETRA_F)})
    assert list(pack.bones) == ["a", "femur_r"]
    assert problems(pack)["far"][1].startswith("the surface reaches 6e+03 mm from the origin")
    assert [(w.bone_id, w.file) for w in pack.warnings] == [("femur_r", (tmp_path / "femur_r.ply").resolve())] * 3
    assert pack.warnings[0].message.startswith("is 10 mm across")


def test_the_default_pack_folder_is_the_source_trees_meshes():
    assert mesh_pack.default_pack_dir() == Path(mesh_pack.__file__).resolve().parents[2] / "meshes"
    assert (mesh_pack.default_pack_dir() / "manifest.json").is_file()


def test_a_bones_promised_counts_and_checksums_are_held_to(tmp_path):
    pack = small_pack(tmp_path, [bone("a", triangles=5), bone("b", light={"file": "b_light.ply", "sha256": "0" * 64})])
    assert problems(pack) == {"a": ("a.ply", "has 4 triangles, the manifest says 5 (file truncated?)")}
    assert pack.bones["b"].light is None
    assert pack.warnings[0].message.startswith("checksum mismatch: sha256 is ")


def test_axes_that_pass_the_schema_but_name_a_direction_twice_are_refused(tmp_path):
    with pytest.raises(InputError) as caught:
        read_manifest(manifest(tmp_path, [bone("a")], axes="RRS"))
    assert caught.value.where == "$.axes" and "axes 'RRS' must name each direction once" in str(caught.value)


def test_our_ply_reader_serves_ply_files_of_any_case(tmp_path):
    data = ply(TETRA_V, TETRA_F)[:-1]
    with pytest.raises(ValueError, match=r"^PLY body is 99 bytes, its header promises 100"):
        read_mesh(write(tmp_path, "a.ply", data))
