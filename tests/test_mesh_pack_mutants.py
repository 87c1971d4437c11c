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
