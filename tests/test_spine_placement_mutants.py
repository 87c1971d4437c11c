"""Setting the lumbar spine on the sacrum (``viewer.anatomy.spine_placement``) and the numpy hip
reference (``viewer.anatomy.hip_reference``), on made-up endplates and boxes whose answers are
known. Written to kill the mutants mutmut found surviving; nothing is loaded."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy import hip_reference, spine_placement
from viewer.anatomy.body_shape import vertex_normals
from viewer.anatomy.kinematics import rotation
from viewer.anatomy.spine_placement import (
    endplate_frame,
    place_spine,
    sacral_endplate,
    sagittal_tilt,
    vertebral_endplates,
)


def _tilted(degrees: float) -> np.ndarray:
    return np.array([0.0, np.sin(np.radians(degrees)), np.cos(np.radians(degrees))])


def test_an_endplate_frame_has_z_along_the_normal_and_x_to_the_right():
    frame = endplate_frame(np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 4.0]))
    np.testing.assert_allclose(frame[:3, 2], np.array([0.0, 1.0, 2.0]) / np.sqrt(5.0))
    np.testing.assert_allclose(frame[:3, 0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(frame[:3, 1], np.cross(frame[:3, 2], frame[:3, 0]))
    np.testing.assert_array_equal(frame[:3, 3], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(frame[3], [0.0, 0.0, 0.0, 1.0])
    leaning = endplate_frame(np.zeros(3), np.array([3.0, 0.0, 3.0]))
    np.testing.assert_allclose(leaning[:3, 0], np.array([1.0, 0.0, -1.0]) / np.sqrt(2.0))
    np.testing.assert_allclose(leaning[:3, :3] @ leaning[:3, :3].T, np.eye(3), atol=1e-12)
    assert np.linalg.det(leaning[:3, :3]) == pytest.approx(1.0)


def test_sagittal_tilt_is_the_forward_lean_of_the_z_axis():
    for degrees in (-30.0, 0.0, 12.5, 40.0, 100.0):
        assert sagittal_tilt(endplate_frame(np.zeros(3), _tilted(degrees))) == pytest.approx(degrees)
    assert sagittal_tilt(endplate_frame(np.zeros(3), np.array([5.0, 0.0, 1.0]))) == pytest.approx(0.0)


def _vertebral_body(tilt: float):
    """A 30 x 30 x 24 mm block, finely meshed, its end faces turned forward by ``tilt`` degrees
    about a left-right axis, standing at the front (largest y) of a made-up vertebra."""
    block = trimesh.creation.box((30.0, 30.0, 24.0))
    vertices, faces = trimesh.remesh.subdivide_to_size(block.vertices, block.faces, 2.0)
    vertices = vertices @ rotation("x", -tilt).T + [0.0, 40.0, 100.0]
    front = vertices[:, 1].max()
    # not of the body, and heavy enough to pull its axis if taken: a cluster just wide of it
    # (|x| 18.5 mm) and one just behind its front 30 mm, both at the height of its middle
    wide = np.tile([18.5, front - 10.0, 100.0], (300, 1))
    behind = np.tile([-5.0, front - 30.5, 100.0], (300, 1))
    others = np.r_[wide, behind]
    return np.r_[vertices, others], np.r_[vertex_normals(vertices, faces), np.zeros((len(others), 3))]


def test_a_vertebral_bodys_endplates_are_its_top_and_bottom_faces():
    vertices, normals = _vertebral_body(10.0)
    frames = vertebral_endplates(vertices, normals)
    for name, sign in (("superior", 1.0), ("inferior", -1.0)):
        frame = frames[name]
        np.testing.assert_allclose(frame[:3, 2], _tilted(10.0), atol=1e-9)  # z up for both
        # the centre is on that face, near the middle of the block
        middle = np.array([0.0, 40.0, 100.0])
        assert (frame[:3, 3] - middle) @ _tilted(10.0) == pytest.approx(12.0 * sign, abs=1e-9)
        assert abs(frame[0, 3]) < 1e-9 and np.linalg.norm(frame[:2, 3] - middle[:2]) < 12.0
    with pytest.raises(ValueError, match="^no superior endplate found$"):
        vertebral_endplates(vertices, np.zeros_like(normals))
    flat_top = normals.copy()
    flat_top[normals[:, 2] < 0] = 0.0
    with pytest.raises(ValueError, match="^no inferior endplate found$"):
        vertebral_endplates(vertices, flat_top)


def test_the_sacral_endplate_is_the_forward_facing_top_near_the_midline():
    block = trimesh.creation.box((40.0, 40.0, 30.0))
    vertices, faces = trimesh.remesh.subdivide_to_size(block.vertices, block.faces, 2.0)
    vertices = vertices @ rotation("x", -35.0).T + [0.0, -20.0, 100.0]
    frame = sacral_endplate(vertices, vertex_normals(vertices, faces))
    np.testing.assert_allclose(frame[:3, 2], _tilted(35.0), atol=1e-9)
    assert sagittal_tilt(frame) == pytest.approx(35.0)
    assert (frame[:3, 3] - [0.0, -20.0, 100.0]) @ _tilted(35.0) == pytest.approx(15.0, abs=1e-9)
    assert abs(frame[0, 3]) < 1.0


def _endplates():
    """Made-up myo-sim vertebrae: each 25 mm tall with a 10 mm disc, each endplate leaning a little."""
    lean = {"t12": (3.0, -2.0), "l1": (2.0, -1.0), "l2": (1.0, 0.0), "l3": (0.0, 1.5), "l4": (-1.0, 3.0), "l5": (-2.0, 5.0)}
    plates, centres = {}, {}
    for k, name in enumerate(("l5", "l4", "l3", "l2", "l1", "t12")):
        bottom = np.array([0.0, 2.0 * k, 35.0 * k])
        top = bottom + [0.0, 1.0, 25.0]
        plates[name] = {"inferior": endplate_frame(bottom, _tilted(lean[name][0])), "superior": endplate_frame(top, _tilted(lean[name][1]))}
        centres[name] = bottom - [0.0, 3.0, 5.0]
    return plates, centres


def test_the_spine_is_set_on_s1_with_the_mean_lordosis_shared_by_five_joints():
    plates, centres = _endplates()
    sacrum = endplate_frame(np.array([0.0, -30.0, 80.0]), _tilted(38.0))
    matrices, figures = place_spine(plates, centres, sacrum)
    assert set(matrices) == {"t12", "l1", "l2", "l3", "l4", "l5"}
    own = -2.0 - (-1.0)  # L5's inferior against L1's superior, as tilted
    share = (60.0 - own) / 5.0
    assert figures["myo-sim L1-L5 lordosis"] == pytest.approx(own)
    assert figures["added per joint"] == pytest.approx(share)
    assert figures["sacral slope"] == pytest.approx(38.0)
    assert figures["L1-S1 lordosis"] == pytest.approx(60.0)
    assert spine_placement.LORDOSIS_L1_S1_DEG == 60.0 and spine_placement.LUMBAR_ORDER == ("l1", "l2", "l3", "l4", "l5")
    # the disc height: L4/L5's endplates 10 mm apart, along their mean normal
    normal = _tilted(5.0) + _tilted(-1.0)
    gap = (plates["l4"]["inferior"][:3, 3] - plates["l5"]["superior"][:3, 3]) @ normal / np.linalg.norm(normal)
    assert figures["L5/S1 disc height"] == pytest.approx(gap)
    # L5's inferior endplate: one disc height above S1, turned back by one share
    l5 = matrices["l5"] @ plates["l5"]["inferior"]
    disc = rotation("x", share / 2) @ [0.0, 0.0, gap]
    np.testing.assert_allclose(l5[:3, 3], sacrum[:3, 3] + sacrum[:3, :3] @ disc, atol=1e-9)
    assert sagittal_tilt(l5) == pytest.approx(38.0 - share)
    # each joint turns by one share about its own centre, which both bones carry to one place
    for upper, lower in (("l4", "l5"), ("l3", "l4"), ("l2", "l3"), ("l1", "l2")):
        np.testing.assert_allclose(matrices[upper] @ np.r_[centres[upper], 1.0], matrices[lower] @ np.r_[centres[upper], 1.0], atol=1e-9)
        relative = np.linalg.inv(matrices[lower]) @ matrices[upper]
        assert np.degrees(np.arctan2(relative[2, 1], relative[1, 1])) == pytest.approx(share)
    for name in matrices:
        np.testing.assert_allclose(matrices[name][:3, :3] @ matrices[name][:3, :3].T, np.eye(3), atol=1e-9)
    # T12 sits on L1 as L1 on L2, in the placed spine
    def placed(name, plate):
        return matrices[name] @ plates[name][plate]
    l1_on_l2 = np.linalg.inv(placed("l2", "superior")) @ placed("l1", "inferior")
    t12_on_l1 = np.linalg.inv(placed("l1", "superior")) @ placed("t12", "inferior")
    np.testing.assert_allclose(t12_on_l1, l1_on_l2, atol=1e-9)


def test_hip_reference_lengths_without_a_wrap_are_the_straight_segments():
    degrees = np.array([-20.0, 0.0, 45.0, 90.0])
    path = hip_reference.PATHS["psoas"]
    expected = []
    for angle in np.radians(degrees):
        turn = rotation("z", np.degrees(angle))
        femur = [hip_reference.FEMUR_ORIGIN + turn @ np.asarray(p) for p in path["femur"]]
        pelvis = [np.asarray(p) for p in path["pelvis"]]
        expected.append(1000 * (np.linalg.norm(pelvis[1] - pelvis[0]) + np.linalg.norm(femur[0] - pelvis[1]) + np.linalg.norm(femur[1] - femur[0])))
    np.testing.assert_allclose(hip_reference.lengths("psoas", "myoleg", degrees), expected, rtol=1e-12)
    assert hip_reference.MODELS == ("opensim", "myoleg")


def test_hip_reference_wraps_the_iliacus_in_both_models_and_the_psoas_in_opensim_only():
    degrees = np.arange(-30.0, 121.0, 15.0)
    np.testing.assert_array_equal(hip_reference.lengths("iliacus", "myoleg", degrees), hip_reference.lengths("iliacus", "opensim", degrees))
    straight, wrapped = hip_reference.lengths("psoas", "myoleg", degrees), hip_reference.lengths("psoas", "opensim", degrees)
    assert (wrapped >= straight - 1e-9).all() and (wrapped[:2] > straight[:2] + 2.0).all()
    assert straight.min() > 150 and straight.max() < 300


def test_hip_reference_moment_arms_are_central_differences():
    degrees = np.array([0.0, 60.0])
    for step in (0.05, 0.5):
        arms = hip_reference.moment_arms("iliacus", "opensim", degrees, step)
        slope = (hip_reference.lengths("iliacus", "opensim", degrees + step) - hip_reference.lengths("iliacus", "opensim", degrees - step)) / np.radians(2 * step)
        np.testing.assert_allclose(arms, -slope)
    np.testing.assert_allclose(hip_reference.moment_arms("psoas", "myoleg", degrees), hip_reference.moment_arms("psoas", "myoleg", degrees, 0.05))
    assert (hip_reference.moment_arms("iliacus", "opensim", degrees) > 20).all()
