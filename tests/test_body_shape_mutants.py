"""Bodies of other shapes (``viewer.anatomy.body_shape``): the shape text, the model file's checks,
the normals, and one shaped body fitted again to check each placement step the module notes
promise. Written to kill the mutants mutmut found surviving; one body is shaped, no muscle is
drawn (the pack loads once per module)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from viewer.anatomy import body_shape
from viewer.anatomy.body_shape import (
    MODES,
    BodyShape,
    BodyShaper,
    Region,
    ShapeError,
    ShapeModel,
    SurfaceNormals,
    _apply,
    _turn_onto,
    vertex_normals,
)
from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Skeleton
from viewer.anatomy.spine_placement import sagittal_tilt

SCORES = (2.0, 1.0, -1.0)
MIRROR = np.diag([-1.0, 1.0, 1.0])


@pytest.fixture
def shaper(pack):
    return BodyShaper(pack, ShapeModel.load(pack))


@pytest.fixture
def body(shaper):
    return shaper.body(BodyShape(SCORES))


@pytest.fixture
def refit(shaper, body):
    """The placed body's own features, fitted again as the mean body's were."""
    return shaper._fits({b: body.vertices[b]["full"] for b in shaper.atlas})


def test_a_shape_is_three_finite_scores_within_the_sliders():
    assert BodyShape().scores == (0.0, 0.0, 0.0) and BodyShape().is_mean
    assert BodyShape((3.0, -3.0, 3.0 + 1e-9)).scores[2] == 3.0 + 1e-9  # the limit itself, give or take rounding
    for scores, message in (((1.0, 2.0), "a body shape has 3 scores, not 2"),
                            ((0.0, 0.0, 0.0, 0.0), "a body shape has 3 scores, not 4"),
                            ((0.0, math.nan, 0.0), "pelvis is nan, not a number of standard deviations"),
                            ((math.inf, 0.0, 0.0), "size is inf, not a number of standard deviations"),
                            ((0.0, 0.0, -3.01), "bone robustness -3.01 SD is outside the model's range of -3 to +3 SD "
                                                "(the 26 people measured lie within about 2.1 SD of the mean)")):
        with pytest.raises(ShapeError) as caught:
            BodyShape(scores)
        assert str(caught.value) == message
    assert issubclass(ShapeError, ValueError)


def test_a_shape_is_read_from_key_value_pairs():
    assert BodyShape.parse("") == BodyShape() and BodyShape.parse("  mean ") == BodyShape()
    assert BodyShape.parse("robustness=-1.5").scores == (0.0, 0.0, -1.5)
    assert BodyShape.parse(" size = 2 ,pelvis=+.5").scores == (2.0, 0.5, 0.0)
    for text, message in (("size", "'size': write a shape as key=SD pairs, for example size=+2,pelvis=-1"),
                          ("size=1, Pelvis=1", "'Pelvis=1': write a shape as key=SD pairs, for example size=+2,pelvis=-1"),
                          ("weight=1", "'weight' is not a mode; the modes are size, pelvis, robustness"),
                          ("size=1.2.3", "'1.2.3' is not a number of standard deviations"),
                          ("size=9", "body size +9 SD is outside the model's range of -3 to +3 SD "
                                     "(the 26 people measured lie within about 2.1 SD of the mean)")):
        with pytest.raises(ShapeError) as caught:
            BodyShape.parse(text)
        assert str(caught.value) == message


def test_a_shape_describes_its_nonzero_scores():
    assert BodyShape().describe() == "mean body"
    assert not BodyShape((0.0, 0.1, 0.0)).is_mean
    assert BodyShape((2.0, 0.0, -0.25)).describe() == "body size +2.0 SD, bone robustness -0.2 SD"
    assert [m.key for m in MODES] == ["size", "pelvis", "robustness"]
    assert [m.sign for m in MODES] == [-1.0, 1.0, 1.0]


def _arrays(pack, **changes):
    with np.load(pack.directory / body_shape.SHAPE_MODEL_NAME) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(changes)
    return arrays


def test_the_model_file_is_checked_against_its_pack(pack, tmp_path):
    path = tmp_path / "shape_model.npz"
    model = ShapeModel(path, _arrays(pack), pack)
    assert model.path == path and model.spine_scale_per_sd == pytest.approx(0.0261, abs=1e-4)
    assert sorted(model.basis) == sorted(b for b in pack.bones if not b.startswith(("t12", "l", "disc")))
    assert model.basis["femur_l"]["full"].shape == (3, 3 * len(pack.bones["femur_l"].vertices))
    assert model.basis["femur_l"]["light"].shape == (3, 3 * len(pack.bones["femur_l"].light[0]))
    assert model.basis["sacrum"]["full"].dtype == np.float64
    low, high = model.data_range(0)
    assert low == model.people[:, 0].min() and high == model.people[:, 0].max() and low < -1.5 < 2 < high
    assert model.data_range(2) == (model.people[:, 2].min(), model.people[:, 2].max())
    person = model.person(4)
    assert person.scores == tuple(round(float(v), 1) for v in model.people[4])
    assert person.scores != model.person(5).scores
    # an extra bone the pack does not have, or an array that is no basis, is passed over
    extra = ShapeModel(path, {"basis/skull/full": np.zeros((3, 5, 3)), "notes": np.zeros(1), **_arrays(pack)}, pack)
    assert "skull" not in extra.basis and sorted(extra.basis) == sorted(model.basis)
    assert ShapeModel.load(pack).path == pack.directory / body_shape.SHAPE_MODEL_NAME
    # a bone drawn at one resolution only cannot take a light basis
    import dataclasses

    one_level = dataclasses.replace(pack, bones={**pack.bones, "femur_l": dataclasses.replace(pack.bones["femur_l"], light=None)})
    with pytest.raises(InputError) as caught:
        ShapeModel(path, _arrays(pack), one_level)
    assert str(caught.value) == f"{path} at basis/femur_l/light: femur_l (light) has (1027,) vertices of shape, the pack's surface -1"
    for changes, message in (({"people": np.zeros((26, 2))}, "at people: expected scores of 3 modes"),
                             ({"people": np.zeros(26)}, "expected scores of 3 modes"),
                             ({"variance_share": np.zeros(2)}, "expected scores of 3 modes"),
                             ({"basis/femur_l/full": np.zeros((3, 10, 3))}, "at basis/femur_l/full: femur_l (full) has (10,) vertices of shape, the pack's surface 4102"),
                             ({"basis/femur_l/light": np.zeros((3, 10, 3))}, "femur_l (light) has (10,) vertices of shape, the pack's surface 1027"),
                             ({"basis/femur_l/full": np.full((3, 4102, 3), np.nan)}, "femur_l (full) has (4102,) vertices"),
                             ({"basis/femur_l/full": np.zeros((2, 4102, 3))}, "femur_l (full)"),
                             ({"basis/femur_l/full": np.zeros((3, 4102, 2))}, "femur_l (full)")):
        with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            ShapeModel(path, _arrays(pack, **changes), pack)


def test_the_model_file_that_cannot_be_read_is_named(pack, tmp_path):
    import dataclasses
    import shutil

    copy = tmp_path / "pack"
    shutil.copytree(pack.directory, copy)
    other = dataclasses.replace(pack, directory=copy)
    target = copy / body_shape.SHAPE_MODEL_NAME
    arrays = _arrays(pack)
    del arrays["variance_share"], arrays["people"]
    np.savez(target, **arrays)
    with pytest.raises(InputError, match="lacks people, variance_share$"):
        ShapeModel.load(other)
    target.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(InputError, match="not a readable shape model"):
        ShapeModel.load(other)
    target.unlink()
    target.mkdir()  # a folder of that name is no model
    assert ShapeModel.load(other) is None


def test_vertex_normals_are_the_area_weighted_unit_normals():
    box = trimesh.creation.box((2.0, 4.0, 6.0))
    normals = vertex_normals(box.vertices, box.faces)
    # each corner of a box: the sum of its three faces' normals, weighted by the triangles' areas there
    expected = np.zeros_like(box.vertices)
    for face in box.faces:
        a, b, c = box.vertices[face]
        expected[face] += np.cross(b - a, c - a)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(normals, expected, atol=1e-12)
    assert len(np.unique(np.round(np.abs(normals), 6), axis=0)) > 1  # not all the same direction
    sphere = trimesh.creation.icosphere(2, radius=5.0)
    sphere.apply_translation([1.0, 2.0, 3.0])
    radial = (sphere.vertices - [1.0, 2.0, 3.0]) / 5.0
    assert (np.einsum("ij,ij->i", vertex_normals(sphere.vertices, sphere.faces), radial) > 0.99).all()
    summed = SurfaceNormals(sphere.faces, len(sphere.vertices))
    np.testing.assert_allclose(summed(sphere.vertices), vertex_normals(sphere.vertices, sphere.faces), atol=1e-12)
    np.testing.assert_allclose(SurfaceNormals(box.faces, len(box.vertices))(box.vertices), expected, atol=1e-12)
    # a vertex on no triangle keeps a zero normal, not NaN
    tiny = box.vertices * 1e-3  # triangles of square micrometres: still unit normals
    np.testing.assert_allclose(np.linalg.norm(vertex_normals(tiny, box.faces), axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(SurfaceNormals(box.faces, len(box.vertices))(tiny), axis=1), 1.0)
    lone = vertex_normals(np.r_[box.vertices, [[9.0, 9.0, 9.0]]], box.faces)
    assert (lone[-1] == 0).all()
    assert (SurfaceNormals(box.faces, len(box.vertices) + 1)(np.r_[box.vertices, [[9.0, 9.0, 9.0]]])[-1] == 0).all()


def test_turn_onto_is_the_smallest_rotation_between_two_directions():
    rng = np.random.default_rng(4)
    for _ in range(20):
        a, b = rng.normal(size=3) * 3, rng.normal(size=3) * 0.5
        turn = _turn_onto(a, b)
        np.testing.assert_allclose(turn @ turn.T, np.eye(3), atol=1e-9)
        assert np.linalg.det(turn) == pytest.approx(1.0)
        np.testing.assert_allclose(turn @ (a / np.linalg.norm(a)), b / np.linalg.norm(b), atol=1e-9)
        axis = np.cross(a, b)
        np.testing.assert_allclose(turn @ axis, axis, atol=1e-9)  # about the axis square to both


def test_a_region_keeps_the_triangles_within_it_renumbered(pack):
    bone = pack.bones["patella_l"]
    keep = bone.vertices[:, 2] > np.median(bone.vertices[:, 2])
    region = Region.where(bone, keep)
    assert region.bone == "patella_l"
    np.testing.assert_array_equal(region.indices, np.flatnonzero(keep))
    inside = keep[bone.faces].all(axis=1)
    np.testing.assert_array_equal(region.indices[region.faces], bone.faces[inside])
    surface = region.surface({"patella_l": bone.vertices + 1.0})
    np.testing.assert_array_equal(surface.vertices, bone.vertices[keep] + 1.0)


def test_the_shaper_needs_the_pelvis_and_femurs(pack, tmp_path):
    model = ShapeModel(tmp_path / "m.npz", {k: v for k, v in _arrays(pack).items() if "femur_r" not in k}, pack)
    with pytest.raises(InputError, match="the shape model needs femur_r in the pack"):
        BodyShaper(pack, model)


def test_the_placed_body_keeps_the_pelvis_standing_and_the_hips_centred(shaper, body, refit):
    mean = shaper.mean_fits
    np.testing.assert_allclose(refit.standing, mean.standing, atol=1e-9)
    # the sockets stay at the mean's height and depth, at this body's width
    np.testing.assert_allclose(refit.socket_r[1:], mean.socket_r[1:], atol=1e-6)
    (mean_r, socket_r), (mean_l, socket_l) = body.centres[:2]
    assert socket_r[0] - mean_r[0] == pytest.approx(refit.socket_r[0] - mean.socket_r[0], abs=1e-6)
    assert refit.socket_r[0] > mean.socket_r[0] + 1.0  # a bigger, wider body
    np.testing.assert_allclose(socket_l, MIRROR @ socket_r, atol=1e-9)
    # the femoral head sits in its socket
    np.testing.assert_allclose(refit.head_l - mean.head_l, socket_l - mean_l, atol=1e-6)
    assert body.radii == pytest.approx(refit.radii, abs=1e-9) and 20 < body.radii["head"] < body.radii["socket"] < 30


def test_the_placed_femur_keeps_the_mean_mechanical_axis_and_the_knee_its_gaps(shaper, body, refit):
    mean = shaper.mean_fits
    axis, mean_axis = refit.knee_l - refit.head_l, mean.knee_l - mean.head_l
    np.testing.assert_allclose(axis / np.linalg.norm(axis), mean_axis / np.linalg.norm(mean_axis), atol=1e-9)
    assert np.linalg.norm(axis) > np.linalg.norm(mean_axis) + 5.0  # a longer thigh
    knees = {tuple(np.round(before, 3)): after - before for before, after in body.centres[2:4]}
    np.testing.assert_allclose(knees[tuple(np.round(shaper.pack.bones["tibia_l"].joint_centre, 3))], refit.knee_l - mean.knee_l, atol=1e-9)
    np.testing.assert_allclose(knees[tuple(np.round(shaper.pack.bones["tibia_r"].joint_centre, 3))], MIRROR @ (refit.knee_l - mean.knee_l), atol=1e-9)
    full = {b: body.vertices[b]["full"] for b in body.vertices}
    for stem, (own, femoral) in shaper._knee_pairs.items():
        gap = full[f"{stem}_l"][own].mean(axis=0) - full["femur_l"][femoral].mean(axis=0)
        np.testing.assert_allclose(gap, shaper._mean_gaps[stem], atol=1e-9)
    assert set(shaper._knee_pairs) == {"tibia", "patella"}


def test_the_placed_bones_are_moved_rigidly_and_the_right_side_mirrors_the_left(shaper, body):
    pack = shaper.pack
    assert set(body.carriers) == set(pack.bones)
    for bone_id in shaper.atlas:
        turn = body.carriers[bone_id][:3, :3]
        np.testing.assert_allclose(turn @ turn.T, np.eye(3), atol=1e-9)
        assert np.linalg.det(turn) == pytest.approx(1.0)
    for stem in ("hip_bone", "femur", "tibia", "patella"):
        right, left = body.carriers[f"{stem}_r"], body.carriers[f"{stem}_l"]
        np.testing.assert_allclose(right[:3, :3], MIRROR @ left[:3, :3] @ MIRROR, atol=1e-12)
        np.testing.assert_allclose(right[:3, 3], MIRROR @ left[:3, 3], atol=1e-9)
    assert not np.allclose(body.carriers["tibia_l"], body.carriers["femur_l"])
    np.testing.assert_array_equal(body.carriers["hip_bone_r"], body.carriers["sacrum"])  # the pelvis moves as one
    scores = np.asarray(SCORES)
    for bone_id, bone in pack.bones.items():
        carrier = body.carriers[bone_id]
        levels = {"full": bone.vertices, "light": bone.light[0]} if bone.light is not None else {"full": bone.vertices}
        assert set(body.vertices[bone_id]) == set(levels), bone_id
        for level, base in levels.items():
            if bone_id in shaper.atlas:
                base = base + (scores @ shaper.model.basis[bone_id][level]).reshape(-1, 3)
            np.testing.assert_allclose(body.vertices[bone_id][level], _apply(carrier, base), atol=1e-9, err_msg=f"{bone_id} {level}")


def test_the_spine_grows_with_the_size_mode_and_keeps_its_lordosis(shaper, body):
    pack = shaper.pack
    assert body.spine_scale == pytest.approx(1.0 + shaper.model.spine_scale_per_sd * SCORES[0], abs=1e-12)
    assert body.shape == BodyShape(SCORES)
    skeleton = Skeleton.from_manifest(pack.manifest)
    lumbar = ["l5", "l4", "l3", "l2", "l1"]
    tilts = [sagittal_tilt(np.r_[np.c_[body.carriers[b][:3, :3] / body.spine_scale, np.zeros(3)], [[0, 0, 0, 1]]]) for b in lumbar]
    for bone_id in ("t12", *lumbar, "disc_l5_s1", "disc_t12_l1"):
        assert np.linalg.det(body.carriers[bone_id][:3, :3]) == pytest.approx(body.spine_scale ** 3), bone_id
    # each lumbar joint turns back an equal share of the sacral slope's change: L1 stands as in the mean body
    assert tilts[-1] == pytest.approx(0.0, abs=1e-9) and abs(tilts[0]) > 1.0
    steps = np.diff(tilts)
    np.testing.assert_allclose(steps, steps[0], atol=1e-9)
    np.testing.assert_allclose(body.carriers["t12"], body.carriers["l1"], atol=1e-9)
    # the joints stay joined: a joint centre goes to one place with the bone above and the bone below
    below = {"l5": "disc_l5_s1", "l4": "l5", "l3": "l4", "l2": "l3", "l1": "l2"}
    for bone_id, under in below.items():
        centre = skeleton.joint_centres[bone_id]
        np.testing.assert_allclose(_apply(body.carriers[bone_id], centre), _apply(body.carriers[under], centre), atol=1e-9)
    # the sacral frame origin goes where S1 now is, on the midline
    sacral, moved = body.centres[-1]
    np.testing.assert_allclose(sacral, pack.bones["sacrum"].frame_origin)
    assert moved[0] == 0.0 and np.linalg.norm(moved - sacral) > 5.0
    np.testing.assert_allclose(_apply(body.carriers["disc_l5_s1"], sacral), moved, atol=1e-9)


def test_a_point_is_a_fitted_centre_or_carried_with_its_bone(shaper, body):
    pack = shaper.pack
    hip = pack.bones["femur_r"].joint_centre
    assert shaper.point(body, "femur_r", hip) is body.centres[0][1]
    assert shaper.point(body, "femur_r", hip + 5e-7) is body.centres[0][1]
    off = hip + [0.0, 2e-6, 0.0]
    np.testing.assert_allclose(shaper.point(body, "femur_r", off), _apply(body.carriers["femur_r"], off))


def test_the_shaped_pack_writes_this_bodys_points_into_its_manifest(shaper, body):
    pack = shaper.pack
    shaped = shaper.shaped_pack(body)
    assert shaped.directory == pack.directory and set(shaped.bones) == set(pack.bones)
    entries = {entry["id"]: entry for entry in shaped.manifest["bones"]}
    assert [e["id"] for e in shaped.manifest["bones"]] == [e["id"] for e in pack.manifest["bones"]]
    for bone_id, bone in shaped.bones.items():
        mean = pack.bones[bone_id]
        assert bone.vertices is body.vertices[bone_id]["full"]
        assert bone.faces is mean.faces
        if mean.light is not None:
            assert bone.light[0] is body.vertices[bone_id]["light"] and bone.light[1] is mean.light[1]
        for key, value in (("joint_centre", bone.joint_centre), ("origin", bone.origin)):
            before = getattr(mean, key)
            assert (value is None) == (before is None)
            if before is not None:
                np.testing.assert_allclose(value, shaper.point(body, bone_id, before))
                if key in entries[bone_id]:
                    assert entries[bone_id][key] == [float(c) for c in value]
                    assert all(type(c) is float for c in entries[bone_id][key])
    assert entries["femur_r"]["joint_centre"] == [float(c) for c in body.centres[0][1]]
    disc = shaped.bones["disc_l3_l4"].disc
    mean_disc = pack.bones["disc_l3_l4"].disc
    assert disc.upper_bone == "l3"
    upper, lower = body.carriers["l3"], body.carriers["disc_l3_l4"]
    np.testing.assert_allclose(disc.upper.centre, _apply(upper, mean_disc.upper.centre))
    np.testing.assert_allclose(disc.lower.centre, _apply(lower, mean_disc.lower.centre))
    for plane, carrier, before in ((disc.upper, upper, mean_disc.upper), (disc.lower, lower, mean_disc.lower)):
        assert np.linalg.norm(plane.normal) == pytest.approx(1.0)
        np.testing.assert_allclose(plane.normal, carrier[:3, :3] @ before.normal / np.linalg.norm(carrier[:3, :3] @ before.normal))
    written = entries["disc_l3_l4"]["disc"]
    assert written["upper_endplate"] == [float(c) for c in disc.upper.centre]
    assert written["lower_normal"] == [float(c) for c in disc.lower.normal]
    assert written["upper_normal"] == [float(c) for c in disc.upper.normal]
    assert written["lower_endplate"] == [float(c) for c in disc.lower.centre]
    assert set(written) >= set(pack.manifest["bones"][[e["id"] for e in pack.manifest["bones"]].index("disc_l3_l4")]["disc"])


def test_the_mean_bodys_fits_are_the_builds(shaper, pack):
    """Fitted on the regions and patches chosen on the mean body, the features are those the build
    fitted on whole surfaces (to the manifest's micrometre), the knee within half a millimetre."""
    mean = shaper.mean_fits
    np.testing.assert_allclose(mean.socket_r, pack.bones["femur_r"].joint_centre, atol=1e-3)
    np.testing.assert_allclose(mean.head_l, pack.bones["femur_l"].joint_centre, atol=1e-3)
    np.testing.assert_allclose(mean.s1[:3, 3], pack.bones["sacrum"].frame_origin, atol=1e-3)
    assert np.linalg.norm(mean.knee_l - pack.bones["tibia_l"].joint_centre) < 0.5
    assert mean.radii == pytest.approx({"socket": 23.938, "head": 22.797}, abs=1e-3)
    np.testing.assert_allclose(mean.standing, np.eye(3), atol=2e-3)
    assert mean.s1[0, 3] == 0.0 and mean.s1[:3, 0] == pytest.approx([1.0, 0.0, 0.0])
    assert sagittal_tilt(mean.s1) == pytest.approx(37.76, abs=0.01)
    regions = shaper._regions
    assert {name: region.bone for name, region in regions.items()} == {
        "socket": "hip_bone_r", "head": "femur_l", "knee": "femur_l", "sacrum": "sacrum", "front_r": "hip_bone_r", "front_l": "hip_bone_l"}
    femur = pack.bones["femur_l"].vertices
    assert femur[regions["knee"].indices, 2].max() < femur[:, 2].min() + 70.0
    assert np.abs(pack.bones["sacrum"].vertices[regions["sacrum"].indices, 0]).max() < 25.0
    socket = pack.bones["hip_bone_r"].vertices[regions["socket"].indices]
    assert np.linalg.norm(socket - pack.bones["femur_r"].joint_centre, axis=1).max() < 45.0


def test_the_mean_shape_places_every_bone_where_the_pack_has_it(shaper, pack):
    body = shaper.body(BodyShape())
    for bone_id, bone in pack.bones.items():
        np.testing.assert_allclose(body.vertices[bone_id]["full"], bone.vertices, atol=1e-9, err_msg=bone_id)
        np.testing.assert_allclose(body.carriers[bone_id], np.eye(4), atol=1e-9, err_msg=bone_id)
    for before, after in body.centres:
        np.testing.assert_allclose(after, before, atol=1e-3)
    assert body.spine_scale == 1.0


def test_the_knee_gaps_are_the_mean_packs(shaper, pack, body):
    """The tibial plateau (within 8 mm of the tibia's top) against the condyles (within 8 mm of the
    femur's bottom), and the patella against the femur within 30 mm of it, as in the mean pack."""
    femur, tibia, patella = (pack.bones[b].vertices for b in ("femur_l", "tibia_l", "patella_l"))
    plateau = tibia[tibia[:, 2] > tibia[:, 2].max() - 8.0].mean(axis=0)
    condyles = femur[femur[:, 2] < femur[:, 2].min() + 8.0].mean(axis=0)
    groove = femur[np.linalg.norm(femur - patella.mean(axis=0), axis=1) < 30.0].mean(axis=0)
    expected = {"tibia": plateau - condyles, "patella": patella.mean(axis=0) - groove}
    for stem, gap in expected.items():
        np.testing.assert_allclose(shaper._mean_gaps[stem], gap, atol=1e-9)
        own, femoral = shaper._knee_pairs[stem]
        placed = body.vertices[f"{stem}_l"]["full"][own].mean(axis=0) - body.vertices["femur_l"]["full"][femoral].mean(axis=0)
        np.testing.assert_allclose(placed, gap, atol=1e-9)
    assert len(shaper._knee_pairs["tibia"][0]) > 50 and len(shaper._knee_pairs["patella"][1]) > 50


def test_a_bone_the_pack_lacks_keeps_its_manifest_entry(pack):
    import dataclasses

    partial = dataclasses.replace(pack, bones={b: bone for b, bone in pack.bones.items() if b != "disc_t12_l1"})
    shaper = BodyShaper(partial, ShapeModel.load(partial))
    shaped = shaper.shaped_pack(shaper.body(BodyShape(SCORES)))
    entries = shaped.manifest["bones"]
    assert [e["id"] for e in entries] == [e["id"] for e in pack.manifest["bones"]]
    k = [e["id"] for e in entries].index("disc_t12_l1")
    assert entries[k] is pack.manifest["bones"][k] and "disc_t12_l1" not in shaped.bones
    assert entries[k + 1]["origin"] != pack.manifest["bones"][k + 1]["origin"]  # the bones after it are still written


def test_the_sacrum_keeps_the_midline(pack, body):
    """The right hip bone keeps the model's place beside the sacrum; the sacrum's own sideways drift
    in the model is taken out, so its mean x stays the mean body's."""
    assert body.vertices["sacrum"]["full"][:, 0].mean() == pytest.approx(pack.bones["sacrum"].vertices[:, 0].mean(), abs=1e-9)


def test_the_shaper_needs_exactly_the_pelvis_and_femurs(pack, tmp_path):
    core = {"sacrum", "hip_bone_r", "hip_bone_l", "femur_r", "femur_l"}
    arrays = {k: v for k, v in _arrays(pack).items() if not k.startswith("basis/") or k.split("/")[1] in core}
    shaper = BodyShaper(pack, ShapeModel(tmp_path / "m.npz", arrays, pack))
    assert set(shaper.atlas) == core and shaper._knee_pairs == {}
    without = {k: v for k, v in arrays.items() if "femur" not in k}
    with pytest.raises(InputError) as caught:
        BodyShaper(pack, ShapeModel(tmp_path / "m.npz", without, pack))
    assert str(caught.value) == f"{tmp_path / 'm.npz'}: the shape model needs femur_l, femur_r in the pack"


def test_a_disc_whose_upper_vertebra_did_not_load_is_carried_with_its_own_bone(pack):
    """A pack whose T12 failed to load (its file missing) keeps the T12/L1 disc; shaping it used to
    raise KeyError 't12'. The disc's upper endplate then goes with the disc itself (with L1)."""
    import dataclasses

    partial = dataclasses.replace(pack, bones={b: bone for b, bone in pack.bones.items() if b != "t12"})
    shaper = BodyShaper(partial, ShapeModel.load(partial))
    body = shaper.body(BodyShape(SCORES))
    disc = shaper.shaped_pack(body).bones["disc_t12_l1"].disc
    mean = pack.bones["disc_t12_l1"].disc
    assert disc.upper_bone == "t12"
    np.testing.assert_allclose(disc.upper.centre, _apply(body.carriers["disc_t12_l1"], mean.upper.centre))
    np.testing.assert_allclose(disc.lower.centre, _apply(body.carriers["disc_t12_l1"], mean.lower.centre))
