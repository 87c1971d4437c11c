"""The atlas bones' placement (``viewer.anatomy.atlas_bones``) and the shape model's arrays
(``viewer.anatomy.shape_model_build``) against the shipped pack, which the build made from them;
and the small surface helpers on boxes. Written to kill the mutants mutmut found surviving; the
atlas is placed once per module (under a second), nothing is rebuilt."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
import trimesh

pytest.importorskip("musculoskeletal.models", reason="musculoskeletal-models is not installed (pip install '.[build]')")

from viewer.anatomy import atlas_bones, shape_model_build  # noqa: E402
from viewer.anatomy.atlas_bones import Surface, component_masks, components  # noqa: E402
from viewer.anatomy.body_shape import SHAPE_MODEL_NAME, vertex_normals  # noqa: E402
from viewer.anatomy.lagrange_mesh import LagrangeMesh  # noqa: E402

MIRROR = np.diag([-1.0, 1.0, 1.0, 1.0])


@pytest.fixture
def placement():
    return atlas_bones.place()


def _surface(bone) -> Surface:
    return Surface(bone.vertices, bone.faces)


def _box(size, at=(0.0, 0.0, 0.0)) -> Surface:
    box = trimesh.creation.box(size)
    box.apply_translation(at)
    return Surface(np.asarray(box.vertices), np.asarray(box.faces))


def test_a_surface_moves_keeps_its_faces_outward_and_measures_its_volume():
    box = _box((2.0, 4.0, 6.0), (10.0, 0.0, 0.0))
    assert box.volume() == pytest.approx(48.0)
    np.testing.assert_allclose(box.normals(), vertex_normals(box.vertices, box.faces), atol=1e-12)
    turn = np.eye(4)
    turn[:3, :3] = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    turn[:3, 3] = [1.0, 2.0, 3.0]
    moved = box.moved(turn)
    assert moved.faces is box.faces and moved.volume() == pytest.approx(48.0)
    np.testing.assert_allclose(moved.vertices, box.vertices @ turn[:3, :3].T + [1.0, 2.0, 3.0])
    mirrored = box.moved(MIRROR)
    np.testing.assert_array_equal(mirrored.faces, box.faces[:, ::-1])
    assert mirrored.volume() == pytest.approx(48.0)
    np.testing.assert_allclose(mirrored.vertices[:, 0], -box.vertices[:, 0])
    lone = Surface(np.r_[box.vertices, [[50.0, 50.0, 50.0]]], box.faces)
    assert (lone.normals()[-1] == 0).all()
    tiny = Surface(box.vertices * 1e-3, box.faces)  # square micrometres: still unit normals
    np.testing.assert_allclose(np.linalg.norm(tiny.normals(), axis=1), 1.0)


def test_pieces_of_a_surface_are_split_and_ordered_by_mean_x():
    right, middle, left = _box((2.0, 2.0, 2.0), (30.0, 0.0, 0.0)), _box((3.0, 3.0, 3.0)), _box((4.0, 4.0, 4.0), (-30.0, 0.0, 0.0))
    parts = [right, left, middle]
    offsets = np.cumsum([0] + [len(p.vertices) for p in parts])
    whole = Surface(np.vstack([p.vertices for p in parts]), np.vstack([p.faces + o for p, o in zip(parts, offsets)]))
    masks = component_masks(whole)
    assert len(masks) == 3 and all(mask.sum() == 8 for mask in masks)
    assert [whole.vertices[mask, 0].mean() for mask in masks] == pytest.approx([-30.0, 0.0, 30.0])
    pieces = components(whole)
    for piece, expected in zip(pieces, (left, middle, right)):
        np.testing.assert_allclose(piece.vertices, expected.vertices)
        np.testing.assert_array_equal(piece.faces, expected.faces)


def test_the_placed_atlas_is_the_shipped_pack(placement, pack):
    assert placement.sockets["r"] == pytest.approx(pack.bones["femur_r"].joint_centre, abs=1e-3)
    assert placement.sockets["l"] == pytest.approx(pack.bones["femur_l"].joint_centre, abs=1e-3)
    np.testing.assert_allclose(placement.sockets["l"], placement.sockets["r"] * [-1, 1, 1])
    assert placement.sockets["r"][1:] == pytest.approx([0.0, 0.0], abs=1e-9) and placement.sockets["r"][0] > 70
    assert placement.socket_radii["l"] == placement.socket_radii["r"] == pytest.approx(23.938, abs=1e-3)
    assert placement.head_radius == pytest.approx(22.797, abs=1e-3)
    m = placement.matrices
    assert set(m) == {"sacrum", "hip_bone_r", "hip_bone_l", "femur_r", "femur_l", "tibia_r", "tibia_l", "patella_r", "patella_l"}
    assert m["sacrum"] is m["hip_bone_r"]
    np.testing.assert_array_equal(m["hip_bone_l"], MIRROR @ m["hip_bone_r"])
    for stem in ("femur", "tibia", "patella"):
        np.testing.assert_array_equal(m[f"{stem}_r"], MIRROR @ m[f"{stem}_l"])
        assert m[f"{stem}_l"] is m["femur_l"]
    for steps, level in ((atlas_bones.STEPS["full"], "full"), (atlas_bones.STEPS["light"], "light")):
        femur = atlas_bones.read_surface("femur_l", steps).moved(m["femur_r"])
        shipped = pack.bones["femur_r"].vertices if level == "full" else pack.bones["femur_r"].light[0]
        assert np.abs(femur.vertices - shipped).max() < 1e-3
    assert atlas_bones.STEPS == {"full": 10, "light": 5}


def test_the_shipped_bones_give_back_their_fitted_centres(pack):
    femur_r, femur_l = _surface(pack.bones["femur_r"]), _surface(pack.bones["femur_l"])
    centre, radius = atlas_bones.head_centre(femur_r, "r")
    assert centre == pytest.approx(pack.bones["femur_r"].joint_centre, abs=1e-3) and radius == pytest.approx(22.797, abs=1e-3)
    assert atlas_bones.head_centre(femur_l, "l")[0] == pytest.approx(pack.bones["femur_l"].joint_centre, abs=1e-3)
    socket, radius = atlas_bones.socket_centre(_surface(pack.bones["hip_bone_r"]), pack.bones["femur_r"].joint_centre + [3.0, 2.0, 1.0])
    assert socket == pytest.approx(pack.bones["femur_r"].joint_centre, abs=1e-3) and radius == pytest.approx(23.938, abs=1e-3)
    assert atlas_bones.knee_centre(femur_l) == pytest.approx(pack.bones["tibia_l"].joint_centre, abs=1e-3)
    (medial, r_medial, part_medial), (lateral, r_lateral, part_lateral) = atlas_bones.condyle_spheres(femur_l)
    assert medial[0] < lateral[0] and 15 < r_medial < 30 and 15 < r_lateral < 30
    assert len(part_medial) > 20 and len(part_lateral) > 20 and not set(part_medial) & set(part_lateral)
    assert (femur_l.vertices[part_medial, 2] < femur_l.vertices[:, 2].min() + 45).all()
    # the placed pelvis stands with its anterior pelvic plane upright: a fraction of a degree at most
    standing = atlas_bones.standing_rotation(_surface(pack.bones["hip_bone_r"]), _surface(pack.bones["hip_bone_l"]))
    np.testing.assert_allclose(standing, np.eye(3), atol=2e-3)
    asis_r, asis_l, pubis = atlas_bones.anterior_pelvic_plane(_surface(pack.bones["hip_bone_r"]), _surface(pack.bones["hip_bone_l"]))
    np.testing.assert_allclose(asis_l, asis_r * [-1, 1, 1], atol=1e-3)
    assert asis_r[0] > 100 and asis_r[2] > 0 and pubis[2] < 0 and abs(pubis[0]) < 1e-3
    assert (asis_r - pubis)[1] == pytest.approx(0.0, abs=0.5)  # the plane is vertical


def test_atlas_surfaces_are_read_in_ras_facing_outwards():
    folder = atlas_bones.atlas_dir()
    assert folder.is_dir() and folder.name == "atlas_meshes"
    nodes, elements = atlas_bones._FILES["patella_l"]
    raw, _ = LagrangeMesh.read(folder / f"{nodes}.geof", folder / f"{elements}.mesh", folder / f"{elements}.ens").surface(5)
    surface = atlas_bones.read_surface("patella_l", 5, folder)
    np.testing.assert_allclose(surface.vertices, raw * [-1.0, -1.0, 1.0])
    assert surface.volume() > 1000.0
    assert atlas_bones.ATLAS_PACKAGE == "musculoskeletal-models" and atlas_bones.ATLAS_VERSION == "0.2.4"


def test_the_shape_model_arrays_are_the_shipped_ones(placement, pack):
    arrays = shape_model_build.shape_arrays(placement)
    with np.load(pack.directory / SHAPE_MODEL_NAME) as shipped:
        assert set(shipped.files) == {name for name in arrays if not name.startswith("mean/")}
        for name in shipped.files:
            assert arrays[name].dtype == shipped[name].dtype, name
            np.testing.assert_array_equal(arrays[name], shipped[name], err_msg=name)
    assert arrays["mean/hip_bone_l/light"].dtype == np.float32
    assert np.abs(arrays["mean/hip_bone_l/light"] - pack.bones["hip_bone_l"].light[0]).max() < 1e-3
    assert np.abs(arrays["mean/sacrum/full"] - pack.bones["sacrum"].vertices).max() < 1e-3


def test_the_shape_model_file_is_written_byte_for_byte_the_same(tmp_path, pack):
    figures = shape_model_build.build_shape_model(tmp_path)
    written = tmp_path / SHAPE_MODEL_NAME
    assert written.read_bytes() == (pack.directory / SHAPE_MODEL_NAME).read_bytes()
    with np.load(written) as data:
        assert figures == {"vertebral scale per SD of body size (%)": pytest.approx(100 * float(data["spine_scale_per_sd"][0]))}
    with zipfile.ZipFile(written) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) and i.compress_type == zipfile.ZIP_STORED for i in infos)


def test_write_npz_writes_contiguous_arrays_in_name_order(tmp_path):
    path = tmp_path / "a.npz"
    shape_model_build.write_npz({"b": np.arange(6.0).reshape(2, 3).T, "a": np.array([1], np.int16)}, path)
    with np.load(path, allow_pickle=False) as data:
        assert data.files == ["a", "b"]
        np.testing.assert_array_equal(data["b"], np.arange(6.0).reshape(2, 3).T)
        assert data["a"].dtype == np.int16
    first = path.read_bytes()
    shape_model_build.write_npz({"a": np.array([1], np.int16), "b": np.arange(6.0).reshape(2, 3).T}, path)
    assert path.read_bytes() == first


def test_a_model_of_another_size_is_refused(tmp_path):
    path = tmp_path / "model.pc"
    path.write_bytes(pickle.dumps({"mean": np.zeros(5), "modes": np.zeros((5, 2)), "weights": np.ones(2),
                                   "projectedWeights": np.zeros((2, 2))}, protocol=4))
    model = shape_model_build.read_model(path)
    assert set(model) == {"mean", "modes", "variances", "scores"}
    np.testing.assert_array_equal(model["variances"], [1.0, 1.0])
    assert model["scores"].shape == (2, 2) and model["modes"].shape == (5, 2)
    with pytest.raises(ValueError, match=r"^LLP26_rigid.pc: 5 numbers in the mean, the atlas meshes have \d+ nodes$"):
        shape_model_build.shape_arrays(None, model_path=path)
    assert shape_model_build.read_model()["mean"].shape[0] % 3 == 0
    assert shape_model_build.shape_model_dir().name == "shape_models"


def test_a_lone_vertex_is_a_piece_of_its_own():
    box = _box((2.0, 2.0, 2.0))
    lone = Surface(np.r_[box.vertices, [[50.0, 0.0, 0.0]]], box.faces)
    masks = component_masks(lone)
    assert [int(mask.sum()) for mask in masks] == [8, 1]


def test_a_surface_read_inside_out_is_turned_outwards(monkeypatch):
    box = _box((2.0, 4.0, 6.0))
    inverted = box.faces[:, ::-1]

    class Stub:
        @staticmethod
        def read(*_):
            return Stub()

        def surface(self, steps):
            assert steps == 3
            return box.vertices * [-1.0, -1.0, 1.0], inverted  # as in the CT frame

    monkeypatch.setattr(atlas_bones, "LagrangeMesh", Stub)
    surface = atlas_bones.read_surface("patella_l", 3, atlas_bones.atlas_dir())
    np.testing.assert_allclose(surface.vertices, box.vertices)
    np.testing.assert_array_equal(surface.faces, box.faces)
    assert surface.volume() == pytest.approx(48.0)
    # a small surface already facing outwards is left as it is
    box, inverted = _box((0.5, 0.5, 0.5)), box.faces
    surface = atlas_bones.read_surface("patella_l", 3, atlas_bones.atlas_dir())
    np.testing.assert_array_equal(surface.faces, box.faces)
    assert surface.volume() == pytest.approx(0.125)


def test_a_flattening_transform_turns_the_faces_round_as_a_mirror_does():
    box = _box((2.0, 4.0, 6.0))
    flat = box.moved(np.diag([1.0, 1.0, 0.0, 1.0]))  # no handedness left: treated as not keeping it
    np.testing.assert_array_equal(flat.faces, box.faces[:, ::-1])
    np.testing.assert_allclose(flat.vertices[:, 2], 0.0)


def _hips(pubis_forward):
    """Made-up hip bones of two points each: an ASIS high up, a pubic tubercle low down, the
    tubercles ``pubis_forward`` mm in front of the ASISs."""
    faces = np.zeros((0, 3), int)
    right = Surface(np.array([[60.0, 10.0, 50.0], [15.0, 10.0 + pubis_forward, -50.0]]), faces)
    left = Surface(right.vertices * [-1.0, 1.0, 1.0], faces)
    return right, left


def test_the_standing_rotation_makes_the_anterior_pelvic_plane_vertical_and_frontal():
    np.testing.assert_allclose(atlas_bones.standing_rotation(*_hips(0.0)), np.eye(3), atol=1e-12)
    right, left = _hips(20.0)  # tilted forward at the bottom
    rotation = atlas_bones.standing_rotation(right, left)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    asis_r, pubis = rotation @ right.vertices[0], rotation @ right.vertices[1]
    asis_l = rotation @ left.vertices[0]
    assert asis_r[1] == pytest.approx(pubis[1]) and asis_l[1] == pytest.approx(pubis[1])  # vertical: one depth
    np.testing.assert_allclose(asis_r - asis_l, [120.0, 0.0, 0.0], atol=1e-9)  # the ASIS line along x
    tilt = np.arctan2(20.0, 100.0)  # a turn about x, the bottom going back
    expected = np.array([[1.0, 0, 0], [0, np.cos(tilt), np.sin(tilt)], [0, -np.sin(tilt), np.cos(tilt)]])
    np.testing.assert_allclose(rotation, expected, atol=1e-12)


def test_the_anterior_pelvic_plane_takes_the_most_forward_points_above_and_below_the_middle_band():
    """Heights -50..50 (middle 0): an ASIS is the most forward point above 10 mm, a pubic
    tubercle the most forward below -30 mm; points on those bounds, further forward, do not count."""
    right = Surface(np.array([[60.0, 10.0, 50.0],  # the top
                              [61.0, 40.0, 10.0],  # on the upper bound: not above it
                              [62.0, 30.0, 10.5],  # just above it: the ASIS
                              [63.0, 90.0, 0.0],  # the middle band
                              [16.0, 40.0, -30.0],  # on the lower bound
                              [17.0, 30.0, -30.5],  # just below it: the tubercle
                              [15.0, 10.0, -50.0]]), np.zeros((0, 3), int))  # the bottom
    left = Surface(right.vertices * [-1.0, 1.0, 1.0], right.faces)
    asis_r, asis_l, pubis = atlas_bones.anterior_pelvic_plane(right, left)
    np.testing.assert_array_equal(asis_r, [62.0, 30.0, 10.5])
    np.testing.assert_array_equal(asis_l, [-62.0, 30.0, 10.5])
    np.testing.assert_array_equal(pubis, [0.0, 30.0, -30.5])


def test_a_flat_surface_read_is_left_as_it_is(monkeypatch):
    square = np.array([[0.0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]])
    faces = np.array([[0, 1, 2], [0, 2, 3], [0, 2, 1], [0, 3, 2]])

    class Stub:
        @staticmethod
        def read(*_):
            return Stub()

        def surface(self, steps):
            return square, faces

    monkeypatch.setattr(atlas_bones, "LagrangeMesh", Stub)
    surface = atlas_bones.read_surface("patella_l", 3, atlas_bones.atlas_dir())
    assert surface.volume() == 0.0
    np.testing.assert_array_equal(surface.faces, faces)  # only a surface facing inwards is turned


@pytest.mark.parametrize("side", ["x", "L", None])
def test_a_femoral_head_on_no_known_side_is_refused(side):
    with pytest.raises(ValueError, match=r"^head_centre: side must be 'r' or 'l', not "):
        atlas_bones.head_centre(_box((10.0, 10.0, 10.0)), side)
