"""Points that follow their bone into another body (``viewer.anatomy.body_sites``), checked on
bodies made by hand from the mean one: moved, or grown about the origin, every point must go where
its tie says, exactly. Written to kill the mutants mutmut found surviving (the pack loads once
per module; no muscle is drawn)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import trimesh

from viewer.anatomy import body_sites
from viewer.anatomy.body_shape import BodyShape, BodyShaper, ShapeModel
from viewer.anatomy.body_sites import SiteBinding, _nearest_on_surface, _places

SHIFT = np.array([3.0, -2.0, 5.0])


@pytest.fixture
def shaper(pack):
    return BodyShaper(pack, ShapeModel.load(pack))


@pytest.fixture
def binding(shaper, annotations):
    return SiteBinding(shaper, annotations)


def _similar(shaper, scale=1.0, shift=SHIFT, head=None):
    """The mean body grown by ``scale`` about the origin and moved by ``shift``: every vertex,
    carrier and fitted centre alike."""
    mean = shaper.body(BodyShape())
    matrix = np.eye(4)
    matrix[:3, :3] *= scale
    matrix[:3, 3] = shift
    vertices = {b: {level: v * scale + shift for level, v in levels.items()} for b, levels in mean.vertices.items()}
    carriers = {b: matrix @ m for b, m in mean.carriers.items()}
    centres = [(before, after * scale + shift) for before, after in mean.centres]
    radii = {key: value * scale for key, value in mean.radii.items()}
    if head is not None:
        radii["head"] = head
    return dataclasses.replace(mean, vertices=vertices, carriers=carriers, centres=centres, radii=radii)


def test_every_point_of_the_document_is_a_place(annotations):
    places = _places(annotations)
    for (where, bone, local, landmark), (lid, lm) in zip(places, annotations.landmarks.items()):
        assert where == ("landmark", lid) and bone == lm.bone and local is lm.position and landmark is True
    rest = places[len(annotations.landmarks):]
    assert not any(landmark for *_, landmark in rest)
    expected = []
    for mid, muscle in annotations.muscles.items():
        for k, step in enumerate(muscle.get("path", [])):
            expected += [("path", mid, k, key) for key in ("position", "centre", "side") if key in step]
        expected += [("belly", mid, k, "position") for k in range(len(muscle.get("belly", [])))]
        expected += [("lane", mid, k, key) for k in range(len(muscle.get("lane", []))) for key in ("medial", "lateral")]
    assert [where for where, *_ in rest] == expected
    assert any(where[0] == "belly" for where in expected) and any(where[0] == "lane" for where in expected)
    for where, bone, local, _ in rest:
        kind, mid, k, key = where
        item = annotations.muscles[mid]["path" if kind == "path" else kind][k]
        assert bone == item["bone"] and local.dtype == float
        np.testing.assert_array_equal(local, item[key])


def test_the_nearest_point_on_a_surface_is_found_with_its_triangle_and_offset():
    box = trimesh.creation.box((10.0, 20.0, 30.0))
    for point, offset in (([1.0, 2.0, 15.0 + 4.0], 4.0), ([1.0, 2.0, 15.0 - 0.5], -0.5), ([-5.0 - 2.5, -3.0, 1.0], 2.5)):
        corners, weights, distance = _nearest_on_surface(box.vertices, box.faces, np.array(point))
        assert distance == pytest.approx(offset)
        assert weights.sum() == pytest.approx(1.0) and (weights >= -1e-12).all()
        assert list(corners) in box.faces.tolist()
        on = weights @ box.vertices[corners]
        a, b, c = box.vertices[corners]
        normal = np.cross(b - a, c - a)
        np.testing.assert_allclose(on + distance * normal / np.linalg.norm(normal), point, atol=1e-9)


def test_points_are_tied_by_kind(binding, shaper, annotations):
    kinds = {}
    for (where, bone, _, landmark), tie, neutral in zip(binding.places, binding.ties, binding.neutral):
        assert tie.bone == bone
        expected = "carried" if bone not in shaper.atlas else "surface" if landmark else "local"
        assert tie.kind == expected, where
        kinds[expected] = kinds.get(expected, 0) + 1
        if expected == "local":
            assert tie.neighbours.shape == (body_sites.NEIGHBOURS,) and tie.solve.shape == (4, body_sites.NEIGHBOURS)
            distances = np.linalg.norm(shaper.pack.bones[bone].vertices - neutral, axis=1)
            assert distances[tie.neighbours].max() <= np.sort(distances)[body_sites.NEIGHBOURS - 1] + 1e-12
    assert set(kinds) == {"carried", "surface", "local"}
    assert body_sites.NEIGHBOURS == 64 and body_sites.HIP_BONES == ("hip_bone_r", "hip_bone_l")
    assert len(binding.places) == len([p for p in _places(annotations) if p[1] in shaper.pack.bones])
    for (_, bone, local, _), neutral in zip(binding.places, binding.neutral):
        np.testing.assert_allclose(neutral, local + shaper.pack.bones[bone].frame_origin)


def test_ties_made_before_are_taken_and_new_ones_kept(shaper, annotations):
    known: dict = {}
    first = SiteBinding(shaper, annotations, known)
    assert len(known) > 10
    second = SiteBinding(shaper, annotations, known)
    assert all(a is b for a, b in zip(first.ties, second.ties))
    assert SiteBinding(shaper, annotations).ties[0] is not first.ties[0]


def test_a_moved_body_moves_every_point_with_it(shaper, binding):
    body = _similar(shaper)
    moved = binding.follow(body)
    for (where, *_), neutral, (point, growth) in zip(binding.places, binding.neutral, moved):
        np.testing.assert_allclose(point, neutral + SHIFT, atol=1e-6, err_msg=str(where))
        assert growth == pytest.approx(1.0), where


def test_a_grown_body_grows_every_point_but_a_landmarks_height_off_its_surface(shaper, binding):
    scale = 1.1
    body = _similar(shaper, scale)
    moved = binding.follow(body)
    for (where, bone, _, _), tie, neutral, (point, growth) in zip(binding.places, binding.ties, binding.neutral, moved):
        if tie.kind == "surface":
            a, b, c = shaper.pack.bones[bone].vertices[tie.triangle]
            normal = np.cross(b - a, c - a)
            normal /= np.linalg.norm(normal)
            expected = scale * (neutral - tie.offset * normal) + tie.offset * normal + SHIFT
            assert abs(tie.offset) > 0 or where[0] != "landmark"
        else:
            expected = scale * neutral + SHIFT
        np.testing.assert_allclose(point, expected, atol=1e-6, err_msg=str(where))
        assert growth == pytest.approx(1.0 if tie.kind == "surface" else scale), where
    assert any(abs(t.offset) > 1e-3 for t in binding.ties if t.kind == "surface")  # landmarks lie a few micrometres off


def test_a_point_at_a_fitted_centre_goes_to_that_bodys_centre(shaper, annotations):
    """A via point put at the right hip centre (the hip bone's frame origin) follows the fitted
    socket centre, not the vertices around it."""
    muscles = copy.deepcopy(annotations.muscles)
    hip = shaper.pack.bones["femur_r"].joint_centre - shaper.pack.bones["hip_bone_r"].frame_origin
    muscles["psoas_minor_r"]["path"][0] = {**muscles["psoas_minor_r"]["path"][0], "bone": "hip_bone_r", "position": list(hip + 5e-4)}
    binding = SiteBinding(shaper, dataclasses.replace(annotations, muscles=muscles))
    k = [where for where, *_ in binding.places].index(("path", "psoas_minor_r", 0, "position"))
    assert binding.ties[k].kind == "local"
    body = _similar(shaper)
    far = dataclasses.replace(body, centres=[(before, after + 100.0) for before, after in body.centres])
    np.testing.assert_allclose(binding.follow(far)[k][0], shaper.pack.bones["femur_r"].joint_centre + SHIFT + 100.0)
    muscles["psoas_minor_r"]["path"][0]["position"] = list(hip + 2e-3)  # beyond a micrometre: follows the bone
    binding = SiteBinding(shaper, dataclasses.replace(annotations, muscles=muscles))
    np.testing.assert_allclose(binding.follow(far)[k][0], shaper.pack.bones["femur_r"].joint_centre + 2e-3 + SHIFT, atol=1e-6)


def test_the_shaped_annotations_of_a_moved_body_are_the_mean_ones(shaper, binding, annotations):
    body = _similar(shaper)
    pack = shaper.shaped_pack(body)
    shaped = binding.shaped_annotations(body, pack)
    assert shaped is not annotations and shaped.muscles is not annotations.muscles
    for lid, landmark in annotations.landmarks.items():
        assert shaped.landmarks[lid].position == pytest.approx(landmark.position, abs=1.5e-3), lid
        assert shaped.landmarks[lid].name == landmark.name
    for mid, muscle in annotations.muscles.items():
        for key in ("path", "belly", "lane"):
            for before, after in zip(muscle.get(key, []), shaped.muscles[mid].get(key, [])):
                assert after is not before and set(after) == set(before)
                for field in ("position", "centre", "side", "medial", "lateral", "radius"):
                    if field in before:
                        assert after[field] == pytest.approx(before[field], abs=2e-3), (mid, key, field)
                        if field != "radius":
                            assert all(type(c) is float and round(c, 3) == c for c in after[field])
    # the document itself is left alone
    assert annotations.muscles["psoas_major_r"]["path"][1]["radius"] == 59.36


def test_the_shaped_annotations_of_a_grown_body_grow_the_spheres(shaper, binding, annotations):
    scale = 1.1
    body = _similar(shaper, scale, shift=np.zeros(3))
    pack = shaper.shaped_pack(body)
    shaped = binding.shaped_annotations(body, pack)
    for mid in ("psoas_major_r", "iliacus_l"):
        before, after = annotations.muscles[mid]["path"][1], shaped.muscles[mid]["path"][1]
        assert after["radius"] == pytest.approx(before["radius"] * scale, abs=2e-3), mid
        assert after["radius"] == round(after["radius"], 3)


def test_a_sphere_keeps_the_cone_of_tangents_from_the_point_before_it():
    mean_path = [{"position": [0.0, 0.0, 0.0]}, {"centre": [0.0, 30.0, 40.0], "radius": 25.0}]  # share 0.5
    radius = SiteBinding._cone_radius(mean_path, 1, {"centre": [0.0, 0.0, 10.0]}, {"position": [0.0, 24.0, 0.0]})
    assert radius == pytest.approx(0.5 * 26.0)


def test_a_bigger_femoral_head_pushes_a_hip_sphere_back_to_the_mean_clearance(shaper, binding, annotations):
    mean_head = shaper.mean_fits.radii["head"]
    body = _similar(shaper, shift=np.zeros(3), head=mean_head + 3.0)
    pack = shaper.shaped_pack(body)
    shaped = binding.shaped_annotations(body, pack)
    for mid in ("psoas_major_r", "psoas_major_l"):  # the iliacus spheres clear the head by 11 mm
        mean_path, path = annotations.muscles[mid]["path"], shaped.muscles[mid]["path"]
        mean_centre, mean_radius = np.asarray(mean_path[1]["centre"]), mean_path[1]["radius"]
        point = np.asarray(path[0]["position"])
        share = mean_radius / np.linalg.norm(mean_centre - np.asarray(mean_path[0]["position"]))
        wanted = min(mean_radius - np.linalg.norm(mean_centre) - mean_head, body_sites.HEAD_CLEARANCE_MM)
        centre, radius = np.asarray(path[1]["centre"]), path[1]["radius"]
        assert radius - np.linalg.norm(centre) - (mean_head + 3.0) == pytest.approx(wanted, abs=5e-3), mid
        assert radius == pytest.approx(share * np.linalg.norm(point - centre), abs=2e-3)
        assert radius == round(radius, 3) and path[1]["centre"] == [round(c, 3) for c in path[1]["centre"]]
        # moved straight towards the hip centre, by less than the head grew
        assert np.linalg.norm(np.cross(centre, mean_centre)) / np.linalg.norm(centre) / np.linalg.norm(mean_centre) < 1e-4
        assert 0.5 < np.linalg.norm(mean_centre) - np.linalg.norm(centre) < 20.0
    assert body_sites.HEAD_CLEARANCE_MM == 1.0
    assert shaped.muscles["iliacus_r"]["path"][1]["centre"] == pytest.approx(annotations.muscles["iliacus_r"]["path"][1]["centre"], abs=2e-3)
    # a head that still clears leaves the sphere where it was
    same = binding.shaped_annotations(_similar(shaper, shift=np.zeros(3), head=mean_head - 1.0), pack)
    assert same.muscles["psoas_major_r"]["path"][1]["centre"] == pytest.approx(annotations.muscles["psoas_major_r"]["path"][1]["centre"], abs=2e-3)


def test_a_document_copy_changes_nothing_in_the_original(shaper, annotations):
    before = copy.deepcopy(annotations.muscles)
    SiteBinding(shaper, annotations).shaped_annotations(_similar(shaper, 1.05), shaper.pack)
    assert annotations.muscles == before


def test_a_sphere_after_a_point_on_another_bone_grows_with_its_bone(shaper, annotations):
    """No cone of tangents to keep (the point before it moves with another bone): the radius grows
    as the bone's neighbourhood of the centre does, written to the micrometre."""
    muscles = copy.deepcopy(annotations.muscles)
    muscles["psoas_major_r"]["path"][0] = {**muscles["psoas_major_r"]["path"][0], "bone": "l5"}
    binding = SiteBinding(shaper, dataclasses.replace(annotations, muscles=muscles))
    body = _similar(shaper, 1.1, shift=np.zeros(3))
    shaped = binding.shaped_annotations(body, shaper.shaped_pack(body))
    assert shaped.muscles["psoas_major_r"]["path"][1]["radius"] == round(59.36 * 1.1, 3)


def test_every_point_and_radius_is_written_to_the_micrometre(shaper, binding, annotations):
    body = _similar(shaper, 1.0537, shift=np.zeros(3))
    shaped = binding.shaped_annotations(body, shaper.shaped_pack(body))
    for landmark in shaped.landmarks.values():
        assert all(round(float(c), 3) == c for c in landmark.position)
    for muscle in shaped.muscles.values():
        for key in ("path", "belly", "lane"):
            for item in muscle.get(key, []):
                for field in ("position", "centre", "side", "medial", "lateral"):
                    if field in item:
                        assert all(round(c, 3) == c for c in item[field])
    radius = shaped.muscles["psoas_major_r"]["path"][1]["radius"]
    assert radius == round(radius, 3) and radius == pytest.approx(59.36 * 1.0537, abs=2e-3)
    assert round(59.36 * 1.0537, 4) != round(59.36 * 1.0537, 3)  # the scale leaves a fourth decimal to drop


def test_a_slightly_bigger_head_moves_the_sphere_less_than_a_millimetre(shaper, binding, annotations):
    mean_head = shaper.mean_fits.radii["head"]
    body = _similar(shaper, shift=np.zeros(3), head=mean_head + 0.15)
    shaped = binding.shaped_annotations(body, shaper.shaped_pack(body))
    mean_path, path = annotations.muscles["psoas_major_r"]["path"], shaped.muscles["psoas_major_r"]["path"]
    mean_centre, mean_radius = np.asarray(mean_path[1]["centre"]), mean_path[1]["radius"]
    wanted = min(mean_radius - np.linalg.norm(mean_centre) - mean_head, body_sites.HEAD_CLEARANCE_MM)
    centre = np.asarray(path[1]["centre"])
    assert path[1]["radius"] - np.linalg.norm(centre) - (mean_head + 0.15) == pytest.approx(wanted, abs=5e-3)
    assert 0.05 < np.linalg.norm(mean_centre) - np.linalg.norm(centre) < 1.0


def test_two_points_a_fraction_of_a_millimetre_apart_keep_their_own_ties(shaper, annotations):
    muscles = copy.deepcopy(annotations.muscles)
    first = muscles["psoas_minor_r"]["path"][0]
    muscles["psoas_minor_r"]["path"][1] = {**muscles["psoas_minor_r"]["path"][1], "bone": first["bone"],
                                           "position": [c + 0.3 for c in first["position"]]}
    binding = SiteBinding(shaper, dataclasses.replace(annotations, muscles=muscles))
    places = [where for where, *_ in binding.places]
    a, b = places.index(("path", "psoas_minor_r", 0, "position")), places.index(("path", "psoas_minor_r", 1, "position"))
    assert binding.ties[a] is not binding.ties[b]
    moved = binding.follow(_similar(shaper, 1.1))
    np.testing.assert_allclose(moved[b][0] - moved[a][0], 1.1 * (binding.neutral[b] - binding.neutral[a]), atol=1e-6)
