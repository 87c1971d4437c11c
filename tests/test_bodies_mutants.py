"""The entry point for bodies of other shapes (``viewer.anatomy.bodies``): its three refusals at
their limits, the sacroiliac overlap it measures, and what an edit keeps. Written to kill the
mutants mutmut found surviving; the bodies are the mean one with a bone moved by hand, so each
limit is met exactly (the pack loads once per module)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from viewer.anatomy import bodies as bodies_module
from viewer.anatomy.bodies import Bodies
from viewer.anatomy.body_shape import BodyShape, ShapeError


@pytest.fixture
def bodies(pack, annotations):
    return Bodies(pack, annotations)


@pytest.fixture
def mean_body(bodies):
    return bodies.shaper.body(BodyShape())


def _with(body, shape=(1.0, 0.0, 0.0), radii=None, move=None):
    """The mean body under another shape's name, with other radii or one bone moved (bone, shift)."""
    vertices = copy.deepcopy(body.vertices)
    if move is not None:
        bone, shift = move
        vertices[bone]["full"] = vertices[bone]["full"] + shift
    return dataclasses.replace(body, shape=BodyShape(shape), vertices=vertices, radii=radii or dict(body.radii))


def test_the_limits_are_the_documented_ones():
    assert (bodies_module.OVERLAP_MM, bodies_module.SYMPHYSIS_OVERLAP_MM, bodies_module.HEAD_SOCKET_PLAY_MM) == (3.5, 1.5, 0.5)


def test_a_femoral_head_bigger_than_its_socket_by_more_than_the_play_is_refused(bodies, mean_body):
    socket = mean_body.radii["socket"]
    bodies._check(_with(mean_body, radii={"socket": socket, "head": socket + 0.49}))
    with pytest.raises(ShapeError) as caught:
        bodies._check(_with(mean_body, (1.0, 0.0, 0.0), radii={"socket": 23.94, "head": 24.51}))
    assert str(caught.value) == "body size +1.0 SD: the femoral head (radius 24.5 mm) would not fit its socket (radius 23.9 mm)"


def test_pubic_bones_overlapping_by_more_than_the_allowance_are_refused(bodies, mean_body):
    right, left = mean_body.vertices["hip_bone_r"]["full"], mean_body.vertices["hip_bone_l"]["full"]
    gap = right[:, 0].min() - left[:, 0].max()
    # the left hip bone moved towards the right one (the sacroiliac check looks at the right one only)
    bodies._check(_with(mean_body, move=("hip_bone_l", [gap + 1.4, 0.0, 0.0])))
    with pytest.raises(ShapeError) as caught:
        bodies._check(_with(mean_body, (0.0, -2.0, 0.0), move=("hip_bone_l", [gap + 1.6, 0.0, 0.0])))
    assert str(caught.value) == "pelvis width / leg length -2.0 SD: the pubic bones would overlap at the symphysis by 1.6 mm"


def test_the_sacrum_is_refused_only_past_the_mean_bodys_overlap_and_the_allowance(bodies, mean_body, monkeypatch):
    monkeypatch.setattr(Bodies, "overlap", lambda self, body: body.overlap)
    monkeypatch.setitem(bodies.__dict__, "mean_overlap", 1.25)
    body = _with(mean_body, (0.0, 0.0, 2.0))
    body.overlap = 4.75
    bodies._check(body)
    body.overlap = 4.76
    with pytest.raises(ShapeError) as caught:
        bodies._check(body)
    assert str(caught.value) == ("bone robustness +2.0 SD: the sacrum would run 4.8 mm into a hip bone "
                                 "(the mean body's sacroiliac joints: 1.2 mm)")


def test_the_overlap_grows_as_the_sacrum_moves_into_the_hip_bone(bodies, mean_body):
    mean = bodies.mean_overlap
    assert mean == bodies.overlap(mean_body) and 0.5 < mean < 2.5
    deeper = [bodies.overlap(_with(mean_body, move=("sacrum", [dx, 0.0, 0.0]))) for dx in (1.0, 3.0)]
    assert mean + 0.6 < deeper[0] < mean + 1.2 and mean + 2.5 < deeper[1] < mean + 3.2
    assert bodies.overlap(_with(mean_body, move=("sacrum", [-30.0, 0.0, 0.0]))) == 0.0  # drawn clear: none
    # the other hip bone is not looked at (it is the mirror image)
    assert bodies.overlap(_with(mean_body, move=("hip_bone_l", [40.0, 0.0, 0.0]))) == mean


def test_the_sacroiliac_joint_is_the_vertices_within_ten_millimetres_and_a_margin(bodies, pack):
    from scipy.spatial import cKDTree

    sacrum, hip = pack.bones["sacrum"].vertices, pack.bones["hip_bone_r"].vertices
    sacral, hip_part = bodies._joint_parts()
    near = cKDTree(hip).query(sacrum)[0]
    np.testing.assert_array_equal(sacral, np.flatnonzero(near < 10.0))
    back = cKDTree(sacrum[sacral]).query(hip)[0]
    np.testing.assert_array_equal(hip_part, np.flatnonzero(back < 10.0))
    joint_sacral, region = bodies._joint
    np.testing.assert_array_equal(joint_sacral, sacral)
    assert region.bone == "hip_bone_r"
    assert set(hip_part) < set(region.indices)
    # the margin: two rings of triangles around the joint surface
    keep = np.zeros(len(hip), bool)
    keep[hip_part] = True
    for rings in range(1, 4):
        keep[pack.bones["hip_bone_r"].faces[keep[pack.bones["hip_bone_r"].faces].any(axis=1)]] = True
        if rings == 2:
            np.testing.assert_array_equal(region.indices, np.flatnonzero(keep))


def test_a_shape_is_refused_by_bodies_without_a_model(pack, annotations, tmp_path):
    missing = dataclasses.replace(pack, directory=tmp_path)
    bodies = Bodies(missing, annotations)
    assert not bodies.available and bodies.problem == "" and bodies.binding is None
    with pytest.raises(ShapeError) as caught:
        bodies.body(BodyShape((1.0, 0.0, 0.0)))
    assert str(caught.value) == f"the anatomy pack in {tmp_path} has no shape model: only its own body is available"
    assert bodies.shaped(BodyShape()) == (missing, annotations)


def test_bodies_for_other_annotations_keep_the_shaper_and_the_ties(bodies, annotations):
    binding = bodies.binding
    assert binding is not None and binding is bodies.binding  # made once
    other_annotations = copy.copy(annotations)
    other = bodies.for_annotations(other_annotations)
    assert other.annotations is other_annotations and bodies.annotations is annotations
    assert other.shaper is bodies.shaper and other._ties is bodies._ties
    assert other.binding is not binding and other.binding.annotations is other_annotations
    assert bodies.binding is binding
    assert Bodies(bodies.pack).binding is None  # no annotations, nothing to bind


def test_a_shaped_body_passes_its_checks_and_comes_with_its_annotations(bodies, pack):
    shape = BodyShape((1.0, 0.0, 0.0))
    shaped_pack, shaped_annotations = bodies.shaped(shape)
    assert shaped_pack is not pack and shaped_pack.bones["femur_r"].joint_centre[0] != pack.bones["femur_r"].joint_centre[0]
    assert shaped_annotations is not bodies.annotations
    assert set(shaped_annotations.landmarks) == set(bodies.annotations.landmarks)
    assert bodies.body(shape).shape == shape
    assert Bodies(pack).shaped(shape)[1] is None


def test_the_limits_themselves_are_allowed(bodies, mean_body, monkeypatch):
    bodies._check(_with(mean_body, radii={"socket": 23.5, "head": 24.0}))  # exactly the play
    monkeypatch.setattr(Bodies, "overlap", lambda self, body: 0.0)
    touching = copy.deepcopy(mean_body.vertices)
    touching["hip_bone_r"]["full"] = np.array([[0.25, 0.0, 0.0]])
    touching["hip_bone_l"]["full"] = np.array([[1.75, 0.0, 0.0]])  # overlapping by exactly 1.5 mm
    bodies._check(dataclasses.replace(mean_body, vertices=touching))


def test_a_fresh_copy_for_other_annotations_shares_the_ties(pack, annotations):
    fresh = Bodies(pack, annotations)
    other = fresh.for_annotations(annotations)  # before any binding was made
    assert other.binding is not None
    assert len(fresh._ties) > 10 and other._ties is fresh._ties
