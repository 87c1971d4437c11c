"""Muscle paths (``viewer.anatomy.muscle_paths``) on small made-up muscles whose answers are written
out, and the shipped muscles checked against themselves: the batched paths against one muscle at a
time, lengths of many poses against one pose, the moment arm against a difference of lengths.
Written to kill the mutants mutmut found surviving; the pack and annotations load once (0.1 s)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from viewer.anatomy import muscle_paths as mp
from viewer.anatomy.annotations import Landmark, load_annotations
from viewer.anatomy.kinematics import LIMITS, Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.wrapping import wrap_sphere


class Content:
    """What MuscleModel reads of an Annotations."""

    def __init__(self, landmarks, muscles, bone_ids):
        self.landmarks = {lm.id: lm for lm in landmarks}
        self.muscles = {m["id"]: m for m in muscles}
        self.bone_ids = bone_ids


SKELETON = Skeleton(parents={"a": None, "b": "a", "c": "a"}, joints={"a": None, "b": None, "c": None},
                    joint_centres={"c": np.array([0.0, 20, -200])}, origins={"a": np.array([0.0, 0, 10]), "b": np.array([0.0, 0, -100])})
LANDMARKS = [Landmark("o1", "O1", "a", np.array([2.5, 0, 90]), "landmark"),   # (2.5, 0, 100) in the scene
             Landmark("o2", "O2", "a", np.array([40.0, 0, 40]), "landmark"),  # (40, 0, 50)
             Landmark("ins", "Ins", "c", np.array([0.0, 0, -50]), "landmark")]  # (0, 20, -250)
LANE = [{"bone": "b", "medial": [0, 0, 180], "lateral": [10, 0, 180]},   # z 80 in the scene
        {"bone": "b", "medial": [0, 0, 130], "lateral": [20, 0, 130]}]   # z 30
STRAIGHT = {"id": "m1", "name": "M1", "side": "r", "colour": "#ff0000", "tube": "fascicles", "radius_profile": [[0, 1], [1, 2]],
            "fascicles": [{"id": "f1", "origin": "o1"}, {"id": "f2", "origin": "o2"}], "lane": LANE,
            "path": [{"type": "via", "bone": "b", "position": [0, 0, 50]}], "insertion": "ins"}
WRAPPED = {"id": "m2", "name": "M2", "side": "l", "colour": "#00ff00", "tube": "belly", "radius_profile": [[0, 3], [1, 3]],
           "hidden_by_default": True, "fascicles": [{"id": "g1", "origin": "o1"}, {"id": "g2", "origin": "o2"}], "lane": LANE,
           "belly": [{"bone": "a", "position": [0, 5, 80]}, {"bone": "b", "position": [0, 5, 120]}],
           "path": [{"type": "wrap_sphere", "bone": "c", "centre": [0, 0, 100], "radius": 30, "side": [0, -40, 100]},
                    {"type": "via", "bone": "c", "position": [0, 10, 0]}],
           "insertion": "ins"}


def moved(**shifts):
    transforms = {bone: np.eye(4) for bone in "abc"}
    for bone, shift in shifts.items():
        transforms[bone][:3, 3] = shift
    return transforms


def line_length(points):
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def test_a_muscle_is_compiled_into_the_scene_frame():
    content = Content(LANDMARKS, [STRAIGHT, WRAPPED], ["a", "b", "c"])
    one = mp._compile(STRAIGHT, content, SKELETON)
    assert (one.id, one.name, one.side, one.colour, one.tube, one.hidden_by_default) == ("m1", "M1", "r", "#ff0000", "fascicles", False)
    assert one.fascicle_ids == ["f1", "f2"] and one.origin_bones == ["a", "a"] and one.insertion_bone == "c"
    np.testing.assert_array_equal(one.origins, [[2.5, 0, 100], [40, 0, 50]])
    np.testing.assert_array_equal(one.insertion, [0, 20, -250])
    assert one.steps[0]["type"] == "via" and one.steps[0]["bone"] == "b" and set(one.steps[0]) == {"type", "bone", "point"}
    np.testing.assert_array_equal(one.steps[0]["point"], [0, 0, -50])
    assert one.belly.shape == (0, 3) and one.belly_bones == []
    np.testing.assert_array_equal(one.radius_profile, [[0, 1], [1, 2]])
    assert one.bones == {"a", "b", "c"}
    two = mp._compile(WRAPPED, content, SKELETON)
    assert two.hidden_by_default is True and two.belly_bones == ["a", "b"]
    np.testing.assert_array_equal(two.belly, [[0, 5, 90], [0, 5, 20]])
    wrap = two.steps[0]
    assert wrap["type"] == "wrap_sphere" and wrap["bone"] == "c" and wrap["radius"] == 30.0 and isinstance(wrap["radius"], float)
    np.testing.assert_array_equal(wrap["centre"], [0, 20, -100])
    np.testing.assert_array_equal(wrap["side"], [0, -20, -100])
    assert mp.MuscleGeometry.bones.fget(two) == {"a", "b", "c"}


def test_fascicles_join_the_lane_below_their_origins_where_they_lie_across_it():
    content = Content(LANDMARKS, [STRAIGHT], ["a", "b", "c"])
    one = mp._compile(STRAIGHT, content, SKELETON)
    # f1 (z 100) joins at the first level (z 80) a quarter of the way across, and keeps that share below;
    # f2 (z 50) lies above the first level, so its point there is its origin, and beyond the lateral end at the second
    np.testing.assert_allclose(one.lane, [[[2.5, 0, 80], [5, 0, 30]], [[40, 0, 50], [20, 0, 30]]])
    assert one.lane_bones == [["b", "b"], ["a", "b"]]


def test_the_lane_starts_strictly_more_than_its_margin_below_an_origin():
    def neutral(bone, local):
        return np.asarray(local, float)

    origins = np.array([[-5.0, 0, 54], [5, 0, 54.001], [3, 0, 200]])
    levels = [{"bone": "x", "medial": [0, 0, 50], "lateral": [0, 0, 50]}]  # no width: every share is 0
    bones, points = mp._lane(levels, ["o", "p", "q"], origins, neutral)
    assert bones == [["o"], ["x"], ["x"]]
    np.testing.assert_allclose(points, [[[-5, 0, 54]], [[0, 0, 50]], [[0, 0, 50]]])
    bones, points = mp._lane([], ["o"], origins[:1], neutral)
    assert bones == [[]] and points.shape == (1, 0, 3)


def test_resample_spaces_points_evenly_along_each_line():
    lines = np.array([[[0.0, 0, 0], [3, 0, 0], [3, 4, 0], [3, 4, 0]],
                      [[0.0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 10]]])
    out, total = mp.resample(lines, 8, np.array([1, 2]))
    np.testing.assert_allclose(total, [7, 10])
    expected_first = [[min(d, 3), max(d - 3, 0), 0] for d in np.linspace(0, 7, 8)]
    np.testing.assert_allclose(out[0], expected_first, atol=1e-12)
    np.testing.assert_allclose(out[1], [[0, 0, d] for d in np.linspace(0, 10, 8)], atol=1e-12)
    plain, plain_total = mp.resample(lines[1:], 5)
    np.testing.assert_allclose(plain[0], [[0, 0, d] for d in np.linspace(0, 10, 5)], atol=1e-12)
    assert plain_total[0] == 10
    np.testing.assert_array_equal(mp._fractions(5), [0, 0.25, 0.5, 0.75, 1])


def test_smoothing_holds_the_ends_and_averages_neighbours():
    line = np.array([[[0.0, 0, 0], [0, 8, 0], [0, 0, 0], [4, 0, 0], [8, 0, 0]]])
    once = mp.smooth(line, passes=1)
    np.testing.assert_allclose(once[0], [[0, 0, 0], [0, 4, 0], [1, 2, 0], [4, 0, 0], [8, 0, 0]])
    twice = mp.smooth(line, passes=2)
    np.testing.assert_allclose(twice[0], mp.smooth(once, passes=1)[0])
    thrice = mp.smooth(line)
    np.testing.assert_allclose(thrice[0], mp.smooth(twice, passes=1)[0])
    np.testing.assert_array_equal(mp._smoothing(3, 0), np.eye(3))


def test_anchors_move_with_their_bones_for_one_pose_or_many():
    anchors = mp._Anchors({"a": 0, "b": 1}, ["b", "a", "b"], [np.array([1.0, 0, 0]), np.array([0.0, 1, 0]), np.array([0.0, 0, 1])])
    turn = np.eye(4)
    turn[:3, :3] = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]
    turn[:3, 3] = [10, 0, 0]
    shift = np.eye(4)
    shift[:3, 3] = [0, 0, 5]
    stack = np.stack([shift, turn])
    expected = [[10, 1, 0], [0, 1, 5], [10, 0, 1]]
    np.testing.assert_allclose(anchors.posed(stack), expected)
    many = anchors.posed(np.stack([stack, np.stack([turn, shift])]))
    np.testing.assert_allclose(many[0], expected)
    np.testing.assert_allclose(many[1], [[1, 0, 5], [9, 0, 0], [0, 0, 6]])
    joined = mp._Anchors.joined([anchors, mp._Anchors({"a": 0}, ["a"], [np.array([7.0, 7, 7])])])
    assert joined.bones.tolist() == [1, 0, 1, 0] and joined.bones.dtype == int
    np.testing.assert_allclose(joined.posed(stack)[3], [7, 7, 12])


SECOND = {**STRAIGHT, "id": "m3", "fascicles": [{"id": "f3", "origin": "o2"}]}  # in m1's batch, after it
BARE = {**STRAIGHT, "id": "m4", "lane": [], "path": [{"type": "via", "bone": "a", "position": [0, 0, 0]}] * 2}  # a third batch


@pytest.fixture
def small():
    """Built for each test (3 ms), so that mutation testing ties the model's code to every test that uses it."""
    return mp.MuscleModel(Content(LANDMARKS, [STRAIGHT, WRAPPED, SECOND, BARE], ["a", "b", "c"]), SKELETON)


def test_straight_fascicles_run_through_lane_via_points_and_insertion(small):
    states = small.evaluate(Pose(), moved(c=[0, 0, -10]))
    straight = states["m1"]
    np.testing.assert_allclose(straight.fascicle_paths[0], [[2.5, 0, 100], [2.5, 0, 80], [5, 0, 30], [0, 0, -50], [0, 20, -260]])
    np.testing.assert_allclose(straight.fascicle_paths[1], [[40, 0, 50], [40, 0, 50], [20, 0, 30], [0, 0, -50], [0, 20, -260]])
    lengths = [line_length(path) for path in straight.fascicle_paths]
    np.testing.assert_allclose(straight.fascicle_lengths, lengths)
    assert straight.length == pytest.approx(np.mean(lengths))
    assert straight.centrelines.shape == (2, mp.CENTRELINE_POINTS, 3)
    np.testing.assert_allclose(straight.centreline_lengths, lengths)
    for line, path in zip(straight.centrelines, straight.fascicle_paths):
        np.testing.assert_allclose(line[[0, -1]], path[[0, -1]], atol=1e-9)


def test_a_wrapped_muscle_measures_its_arc_and_draws_one_belly_tube(small):
    states = small.evaluate(Pose(), moved(b=[0, 0, 2]))
    wrapped = states["m2"]
    points = small.muscles["m2"]
    assert wrapped.fascicle_paths.shape == (2, 1 + 2 + mp.WRAP_SAMPLES + 1 + 1, 3)
    for row in range(2):
        path = wrapped.fascicle_paths[row]
        wrap = wrap_sphere(path[2][None], path[-2][None], np.array([[0, 20, -100.0]]), np.array([30.0]),
                           np.array([[0, -20, -100.0]]), mp.WRAP_SAMPLES)
        np.testing.assert_allclose(path[3:3 + mp.WRAP_SAMPLES], wrap.samples[0], atol=1e-9)
        chord = np.linalg.norm(path[3] - path[2 + mp.WRAP_SAMPLES])
        assert wrap.between[0] > max(chord, 5.0)  # it does wrap round the sphere, over more than 5 mm
        expected = line_length(path[:4]) + wrap.between[0] + line_length(path[2 + mp.WRAP_SAMPLES:])
        assert wrapped.fascicle_lengths[row] == pytest.approx(expected)
    np.testing.assert_allclose(wrapped.fascicle_paths[:, -1], [[0, 20, -250]] * 2)
    np.testing.assert_allclose(wrapped.fascicle_paths[:, -2], [[0, 30, -200]] * 2)
    assert wrapped.centrelines.shape == (1, mp.CENTRELINE_POINTS, 3)
    belly = points.belly + [[0, 0, 0], [0, 0, 2]]
    source = np.r_[belly, wrapped.fascicle_paths[0][3:]]
    assert wrapped.centreline_lengths[0] == pytest.approx(line_length(source))
    np.testing.assert_allclose(wrapped.centrelines[0][[0, -1]], source[[0, -1]], atol=1e-9)


def test_one_muscle_alone_and_many_poses_at_once_agree_with_the_batch(small):
    pose = Pose()
    states = small.evaluate(pose)
    assert small.evaluate(pose, bone_transforms(pose, SKELETON))["m2"].length == states["m2"].length
    for mid in ("m1", "m2", "m3", "m4"):
        assert small.length(mid, pose) == pytest.approx(states[mid].length)
    lengths = small.lengths_many([pose, pose])
    assert set(lengths) == {"m1", "m2", "m3", "m4"}
    np.testing.assert_allclose(lengths["m2"], [states["m2"].length] * 2)
    assert list(small.lengths_many([pose], ["m1"])) == ["m1"]
    assert small.left_out == [] and small.skipped == {}


def test_muscles_on_missing_bones_are_left_out_with_a_hint_about_names():
    content = Content(LANDMARKS, [STRAIGHT, WRAPPED], ["a", "b", "c"])
    model = mp.MuscleModel(content, SKELETON, available_bones={"a", "b"})
    assert model.muscles == {} and model.skipped == {"m1": {"c"}, "m2": {"c"}}
    assert model.evaluate(Pose()) == {} and model.left_out == [
        "muscle m1 is left out: it attaches to c, which the pack lacks", "muscle m2 is left out: it attaches to c, which the pack lacks"]
    renamed = Skeleton(parents={"a": None, "b": "a", "c": "a", "x1": "a", "x2": "a", "x3": "a", "x4": "a", "x5": "a"},
                       joints={}, joint_centres={}, origins={})
    model = mp.MuscleModel(content, renamed, available_bones={"a", "c", "x1"})
    hint = "the pack's bones x1, x2, x3, x4, ... are not bones of the annotations: name each bone with the annotations' id"
    assert model.left_out == ["muscle m1 is left out: it attaches to b, which the pack lacks",
                              "muscle m2 is left out: it attaches to b, which the pack lacks", hint]
    assert model.why_left_out("m1") == f"muscle m1 is left out: it attaches to b, which the pack lacks; {hint}"
    assert model.why_left_out("m1", hint=False) == "muscle m1 is left out: it attaches to b, which the pack lacks"
    few = mp.MuscleModel(content, Skeleton(parents={"a": None, "b": "a", "x1": "a"}, joints={}, joint_centres={}))
    assert few.left_out[-1] == "the pack's bones x1 are not bones of the annotations: name each bone with the annotations' id"
    assert few.why_left_out("m2").endswith("; " + few.left_out[-1])
    whole = mp.MuscleModel(content, SKELETON)
    assert list(whole.muscles) == ["m1", "m2"] and whole._unknown_bones == []
    assert mp.MuscleModel(content, SKELETON, available_bones={"a", "b", "c"}).skipped == {}


@functools.lru_cache(maxsize=1)
def shipped_content():
    return load_annotations(), Skeleton.from_manifest(load_pack().manifest)


@pytest.fixture
def shipped():
    return mp.MuscleModel(*shipped_content())


POSES = [Pose(), Pose(hip_flexion_r=40, hip_flexion_l=-10, lumbar_flexion=15), Pose(hip_flexion_l=90, pelvic_tilt=10)]


def test_shipped_muscles_agree_with_themselves(shipped):
    many = shipped.lengths_many(POSES)
    assert set(many) == set(shipped.muscles)
    for k, pose in enumerate(POSES):
        states = shipped.evaluate(pose)
        for mid, state in states.items():
            assert shipped.length(mid, pose) == pytest.approx(state.length, abs=1e-6)
            assert many[mid][k] == pytest.approx(state.length, abs=1e-6)
            assert state.fascicle_lengths.shape == (len(shipped.muscles[mid].origins),)
            for path, length in zip(state.fascicle_paths, state.fascicle_lengths):
                assert line_length(path) <= length + 1e-6  # the wrap's exact arc is at least its chords
            np.testing.assert_allclose(state.fascicle_paths[:, 0], shipped._single[mid].evaluate(
                shipped._stack(bone_transforms(pose, shipped.skeleton)))[0][:, 0])
    subset = shipped.lengths_many(POSES[:2], [next(iter(shipped.muscles))])
    assert list(subset) == [next(iter(shipped.muscles))] and subset[next(iter(shipped.muscles))].shape == (2,)


@pytest.mark.parametrize("angle", [0.0, 60.0, LIMITS["hip_flexion"][0], LIMITS["hip_flexion"][1] - 10.0])
def test_the_hip_moment_arm_is_minus_the_length_change_per_radian(shipped, angle):
    for mid in ("psoas_major_r", "iliacus_l"):
        side = shipped.muscles[mid].side
        field = f"hip_flexion_{side}"
        pose = Pose(pelvic_tilt=10.0).replace(**{field: angle})
        low = max(angle - mp.MOMENT_ARM_STEP_DEG, LIMITS["hip_flexion"][0] - 10.0)
        high = min(angle + mp.MOMENT_ARM_STEP_DEG, LIMITS["hip_flexion"][1] - 10.0)
        change = shipped.length(mid, pose.replace(**{field: high})) - shipped.length(mid, pose.replace(**{field: low}))
        assert shipped.hip_flexion_moment_arm(mid, pose) == pytest.approx(-change / np.radians(high - low), rel=1e-9)
        other = "l" if side == "r" else "r"
        assert shipped.hip_flexion_moment_arm(mid, pose.replace(**{f"hip_flexion_{other}": 30.0})) == pytest.approx(
            shipped.hip_flexion_moment_arm(mid, pose), rel=1e-9)


def test_every_muscle_gets_its_own_tubes_from_its_own_lines(small):
    states = small.evaluate(Pose(), moved(a=[1, 0, 0], c=[0, 0, -10]))
    assert [len(states[mid].centrelines) for mid in ("m1", "m2", "m3", "m4")] == [2, 1, 1, 2]
    for mid in ("m1", "m3", "m4"):
        state = states[mid]
        for line, path, total in zip(state.centrelines, state.fascicle_paths, state.centreline_lengths):
            assert total == pytest.approx(line_length(path))
            np.testing.assert_allclose(line[[0, -1]], path[[0, -1]], atol=1e-9)
    np.testing.assert_allclose(states["m3"].fascicle_paths[0], [[41, 0, 50], [41, 0, 50], [20, 0, 30], [0, 0, -50], [0, 20, -260]])
    np.testing.assert_allclose(states["m2"].centrelines[0][0], small.muscles["m2"].belly[0] + [1, 0, 0])
    np.testing.assert_allclose(states["m4"].fascicle_paths[0], [[3.5, 0, 100], [1, 0, 10], [1, 0, 10], [0, 20, -260]])


def test_shipped_tubes_start_at_the_origins_or_the_belly_and_end_at_the_insertion(shipped):
    pose = Pose(hip_flexion_r=30, lumbar_bending=10)
    transforms = bone_transforms(pose, shipped.skeleton)
    for mid, state in shipped.evaluate(pose, transforms).items():
        muscle = shipped.muscles[mid]
        if muscle.tube == "belly":
            assert len(state.centrelines) == 1
            start = transforms[muscle.belly_bones[0]]
            np.testing.assert_allclose(state.centrelines[0][0], start[:3, :3] @ muscle.belly[0] + start[:3, 3], atol=1e-9)
        else:
            assert len(state.centrelines) == len(muscle.origins)
            np.testing.assert_allclose(state.centrelines[:, 0], state.fascicle_paths[:, 0], atol=1e-9)
            np.testing.assert_allclose(state.centreline_lengths, [line_length(path) for path in state.fascicle_paths])
        np.testing.assert_allclose(state.centrelines[:, -1], state.fascicle_paths[:len(state.centrelines), -1], atol=1e-9)
