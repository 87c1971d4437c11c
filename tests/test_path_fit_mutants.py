"""Muscle path geometry fitted to bones (``viewer.anatomy.path_fit``) on made-up vertebrae, a fake
muscle model and depth functions whose answers are written out. Written to kill the mutants mutmut
found surviving; the one fit run here takes about a second."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy import path_fit as pf
from viewer.anatomy.hip_reference import FEMUR_ORIGIN, PATHS, lengths, moment_arms
from viewer.anatomy.kinematics import Pose, hip_rotation_matrix


class Bone:
    def __init__(self, vertices):
        self.vertices = vertices


def vertebra(shift):
    """A body 40 mm wide (x), 30 deep (y 0 to 30) and 24 high (z 0 to 24), its widest (50 mm) at
    mid-height, and a process behind it (y -40) that is wider still, all moved by ``shift``."""
    body = [[x, y, z] for x in (-20.0, 20.0) for y in (0.0, 30.0) for z in (0.0, 24.0)]
    waist = [[-25.0, 10, 12], [25.0, 14, 13], [24.0, 2, 8], [-24, 12, 16.5], [-30, 12, 17], [29, 12, 6.5]]  # the last two 5 and 5.5 mm off
    process = [[-60.0, -40, 12], [60.0, -40, 12]]
    return np.array(body + waist + process) + shift


class Pack:
    def __init__(self):
        self.bones = {"l1": Bone(vertebra([0.0, 0, 100])), "l2": Bone(vertebra([0.0, 5, 60]))}


class Frames:
    def frame_origin(self, bone):
        return {"l1": np.array([1.0042, 2.5, 3.25]), "l2": np.zeros(3)}[bone]


def test_the_lane_passes_beside_the_body_at_mid_height():
    right = pf.psoas_lane(Pack(), Frames(), "r", bones=("l1", "l2"))
    # the body is y > 30 - 22 = 8, which leaves out the waist point at y 2; its waist (within 5 mm of
    # mid-height, z 112) is 25 mm to either side, y from 10 to 14; less the frame origin, to a hundredth
    assert right[0] == {"bone": "l1", "medial": [30.0, 9.5, 108.75], "lateral": [37.0, 3.5, 108.75],
                        "source": "fitted to the vertebral body (viewer.anatomy.path_fit)"}
    assert right[1]["medial"] == [31.0, 17.0, 72.0] and right[1]["lateral"] == [38.0, 11.0, 72.0] and right[1]["bone"] == "l2"
    left = pf.psoas_lane(Pack(), Frames(), "l", bones=("l2",))
    assert left == [{**right[1], "medial": [-31.0, 17.0, 72.0], "lateral": [-38.0, 11.0, 72.0]}]
    assert pf.LUMBAR == ("l1", "l2", "l3", "l4", "l5")


def test_the_body_is_the_front_of_a_vertebra():
    points = np.array([[0.0, 30, 0], [0, 8.1, 0], [0, 8, 0], [0, -40, 0]])
    np.testing.assert_array_equal(pf._body(points), points[:2])


def test_lane_values_are_rounded_to_a_hundredth():
    pack = Pack()
    pack.bones["l2"].vertices = pack.bones["l2"].vertices + [0.0, 0, 0.004]
    assert pf.psoas_lane(pack, Frames(), "r", bones=("l2",))[0]["medial"] == [31.0, 17.0, 72.0]


def test_rms():
    assert pf.rms([1, 2, 3], [1, 2, 7]) == pytest.approx(np.sqrt(16 / 3))
    assert isinstance(pf.rms(np.zeros(2), np.ones(2)), float)


def test_opensims_hip_path_in_the_viewers_axes_and_millimetres():
    psoas = pf.opensim_hip_path("psoas", "r")
    centre, radius, side = PATHS["psoas"]["wrap"]

    def scene(point, origin):  # OpenSim x anterior, y up, z right -> x right, y anterior, z up
        v = (np.asarray(point) - origin) * 1000
        return [v[2], v[0], v[1]]

    np.testing.assert_allclose(psoas["brim"], scene(PATHS["psoas"]["pelvis"][1], FEMUR_ORIGIN))
    np.testing.assert_allclose(psoas["centre"], scene(centre, FEMUR_ORIGIN))
    np.testing.assert_allclose(psoas["side"], scene(side, FEMUR_ORIGIN))
    np.testing.assert_allclose(psoas["femur"], scene(PATHS["psoas"]["femur"][0], 0))
    assert psoas["radius"] == pytest.approx(50.0) and isinstance(psoas["radius"], float)
    left = pf.opensim_hip_path("iliacus", "l")
    right = pf.opensim_hip_path("iliacus", "r")
    for key in ("brim", "centre", "side", "femur"):
        np.testing.assert_allclose(left[key], right[key] * [-1, 1, 1])
    assert left["radius"] == pytest.approx(54.9)


def test_thigh_orientations_cover_the_hips_range():
    turns = pf.hip_orientations()
    assert turns.shape == (16 * 4 * 5, 3, 3)
    np.testing.assert_allclose(turns[0], hip_rotation_matrix(Pose(hip_flexion_r=-30, hip_adduction_r=-30, hip_rotation_r=-30), "r"))
    np.testing.assert_allclose(turns[-1], hip_rotation_matrix(Pose(hip_flexion_r=120, hip_adduction_r=15, hip_rotation_r=30), "r"))
    np.testing.assert_allclose(turns[1], hip_rotation_matrix(Pose(hip_flexion_r=-30, hip_adduction_r=-30, hip_rotation_r=-15), "r"))
    np.testing.assert_allclose(turns[5], hip_rotation_matrix(Pose(hip_flexion_r=-30, hip_adduction_r=-15, hip_rotation_r=-30), "r"))
    every = [hip_rotation_matrix(Pose(hip_flexion_r=f, hip_adduction_r=a, hip_rotation_r=r), "r")
             for f in range(-30, 121, 10) for a in (-30, -15, 0, 15) for r in (-30, -15, 0, 15, 30)]
    np.testing.assert_allclose(turns, every)


def test_flexion_turns_about_x():
    turns = pf._flexion(np.array([0.0, 90.0, 30.0]))
    np.testing.assert_allclose(turns[0], np.eye(3), atol=1e-15)
    np.testing.assert_allclose(turns[1] @ [0, 1, 0], [0, 0, 1], atol=1e-15)
    np.testing.assert_allclose(turns[2], [[1, 0, 0], [0, np.sqrt(0.75), -0.5], [0, 0.5, np.sqrt(0.75)]], atol=1e-15)


def test_hip_paths_run_brim_to_insertion_over_the_sphere_when_it_is_in_the_way():
    turns = pf._flexion(np.array([0.0, 90.0]))
    brim, femur, insertion = np.array([0.0, 50, 20]), np.array([0.0, 0, -50]), np.array([0.0, 0, -80])
    far = np.array([0.0, 500, 500])  # a sphere nowhere near: straight lines
    length, paths = pf._hip_paths(brim, far, 10.0, far + [0, 20, 0], femur, insertion, turns)
    np.testing.assert_allclose(length, [np.hypot(50, 70) + 30, 20 + 30])
    np.testing.assert_allclose(paths[1, -2:], [[0, 50, 0], [0, 80, 0]], atol=1e-12)  # flexed 90: the femur points forwards
    np.testing.assert_allclose(paths[:, 0], [brim, brim])
    assert paths.shape == (2, 1 + 8 + 2, 3)
    centre = np.array([0.0, 25, -15])  # on the straight line standing: the path bends round it
    bent, _ = pf._hip_paths(brim, centre, 10.0, np.array([0.0, 50, -40]), femur, insertion, turns[:1])
    assert bent[0] > length[0] + 1


@pytest.fixture
def fake_model():
    """A muscle whose length (mm) is 300 minus 0.5 per degree of its hip's flexion, on the left."""

    class Muscle:
        side = "l"

    class Model:
        muscles = {"m": Muscle()}

        def lengths_many(self, poses, muscle_ids):
            return {"m": np.array([300.0 - 0.5 * p.hip_flexion_l for p in poses])}

    return Model()


def test_hip_table_sets_ours_beside_opensim_and_myoleg(fake_model):
    degrees = np.array([-10.0, 0.0, 10.0, 20.0])
    table = pf.hip_table(fake_model, "m", "psoas", degrees)
    np.testing.assert_array_equal(table["degrees"], degrees)
    np.testing.assert_allclose(table["arm"], [0.5 * 180 / np.pi] * 4)
    np.testing.assert_allclose(table["change"], [5, 0, -5, -10])
    for name in ("opensim", "myoleg"):
        np.testing.assert_allclose(table[f"arm_{name}"], moment_arms("psoas", name, degrees))
        reference = lengths("psoas", name, degrees)
        np.testing.assert_allclose(table[f"change_{name}"], reference - reference[1])
    assert not np.allclose(table["change_opensim"], table["change_myoleg"])  # MyoLeg's psoas has no sphere to wrap
    assert len(table) == 7 and len(pf.hip_table(fake_model, "m", "iliacus")["degrees"]) == 121
    np.testing.assert_allclose(pf.HIP_RANGE_DEG[[0, -1]], [-20, 100])


def test_fit_keeps_opensims_path_where_nothing_is_in_the_way_and_moves_it_off_bone():
    turns = pf._flexion(np.array([0.0, 60.0]))
    start = pf.opensim_hip_path("psoas", "r")
    insertion = start["femur"] + [0, -5, -20]
    hip_centre = np.array([100.0, 0, 0])

    def nothing(points):
        return np.zeros(len(points))

    hip_seen = []

    def hip_nothing(points):
        hip_seen.append(points - hip_centre)
        return nothing(points)

    path, moved = pf.fit_hip_path("psoas", insertion, hip_nothing, nothing, hip_centre, turns)
    assert np.abs(hip_seen[0]).max() < 200  # depths are asked of points about the hip centre given
    np.testing.assert_allclose(path["centre"], start["centre"], atol=0.1)
    assert moved["femur"] < 0.1 and moved["centre"] < 0.1 and moved["deepest"] == 0
    assert moved["arm_rms"] < 0.05 and moved["change_rms"] < 0.05
    np.testing.assert_array_equal(path["brim"], start["brim"])
    np.testing.assert_array_equal(path["side"], start["side"])
    assert path["radius"] == pytest.approx(start["radius"], abs=0.1)
    np.testing.assert_allclose(path["femur"], start["femur"], atol=0.1)

    seen = []

    def femur_wall(points):  # femur frame: below the via point's level + 5, 'bone' in front of its y - 3
        local = points - hip_centre
        seen.append(local)
        return np.where(local[:, 2] < start["femur"][2] + 5, np.maximum(local[:, 1] - (start["femur"][1] - 3.0), 0.0), 0.0)

    path, moved = pf.fit_hip_path("psoas", insertion, nothing, femur_wall, hip_centre, turns)
    assert moved["femur"] > 2.5 and moved["deepest"] < 0.3  # within the 0.2 mm allowed, give or take the simplex
    assert path["femur"][1] < start["femur"][1] - 2
    assert np.abs(seen[0]).max() < 200  # depths are asked of points about the hip centre given
