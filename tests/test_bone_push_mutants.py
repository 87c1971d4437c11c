"""Pushing points out of bones (``viewer.anatomy.bone_push``) on made-up box bones whose depths
are known: which fields are built, which points each field looks at, where a pushed point ends,
the stop at its ring's centre and the second pass. Written to kill the mutants mutmut found
surviving; no pack is loaded."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import trimesh

from viewer.anatomy import bone_push
from viewer.anatomy.bone_push import PUSH_CLEAR_MM, PUSH_MARGIN_MM, HipPush, _unit

TURN = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # a quarter turn about z


def _box(low, high):
    low, high = np.asarray(low, float), np.asarray(high, float)
    box = trimesh.creation.box(high - low)
    box.apply_translation((low + high) / 2)
    return SimpleNamespace(vertices=np.asarray(box.vertices), faces=np.asarray(box.faces))


def _transform(rotation, shift):
    transform = np.eye(4)
    transform[:3, :3], transform[:3, 3] = rotation, shift
    return transform


def _push(bones, centres=None):
    """A HipPush over the given bones, every hip centre at the origin unless told."""
    centres = {"femur_r": np.zeros(3), "femur_l": np.zeros(3)} if centres is None else centres
    return HipPush(SimpleNamespace(bones=bones), SimpleNamespace(joint_centres=centres, joints={}, parents={}))


def test_unit_scales_rows_to_length_one_and_leaves_zero_rows_at_zero():
    rows = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [0.0, -5e-13, 0.0], [0.0, 0.0, -2e-12]])
    np.testing.assert_allclose(_unit(rows), [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0], [0.0, -0.5, 0.0], [0.0, 0.0, -1.0]])


def test_a_field_for_each_hip_bone_and_femur_near_its_hip_and_one_for_the_sacrum():
    cube = _box([-10, -10, -10], [10, 10, 10])
    sacrum = _box([100, 0, 0], [120, 10, 30])
    push = _push({"hip_bone_r": cube, "femur_r": cube, "hip_bone_l": cube, "femur_l": cube, "sacrum": sacrum, "rib": cube})
    assert [bone for bone, _ in push.fields] == ["hip_bone_r", "femur_r", "hip_bone_l", "femur_l", "sacrum"]
    assert len(push.near) == 5 and all(near.dtype.kind == "i" and len(near) == 0 for near in push.near)
    field = push.fields[0][1]
    assert field.voxel == 2.0 and field.cap == 17.0  # 2 mm voxels, depths told apart to 18 mm less half a voxel
    np.testing.assert_allclose(field.low, [-14.0, -14.0, -14.0])  # the bone's box, two voxels wider
    np.testing.assert_allclose(push.fields[4][1].low, [96.0, -4.0, -4.0])  # the sacrum's own box


def test_fields_reach_90_mm_from_the_hip_centre_and_skip_missing_centres_and_bones():
    long_bone = _box([-200, -10, -10], [200, 10, 10])
    push = _push({"femur_r": long_bone, "hip_bone_l": long_bone}, {"femur_r": np.array([50.0, 0, 0])})
    assert [bone for bone, _ in push.fields] == ["femur_r"]  # no left centre, no right hip bone, no sacrum
    field = push.fields[0][1]
    np.testing.assert_allclose(field.low, [50 - 90 - 4, -14, -14])
    assert field.low[0] + (field.depths.shape[0] - 1) * field.voxel < 50 + 90 + 4 + 2
    assert field.depths.shape[0] >= 90  # 180 mm of bone, at 2 mm


def test_the_sacrums_field_is_around_its_own_middle():
    sacrum = _box([0, 0, 0], [400, 10, 10])  # longer than the reach: its middle decides which part
    field = _push({"sacrum": sacrum}).fields[0][1]
    np.testing.assert_allclose(field.low, [200 - 90 - 4, -4, -4])


def test_no_fields_without_bones():
    push = _push({})
    assert push.fields == [] and push.near == []
    points = np.array([[0.0, 0, 0]])
    push.limit_to(points, {}, np.full(1, "", dtype=object))
    push.push(points, points.copy(), {})
    np.testing.assert_array_equal(points, [[0.0, 0, 0]])


def test_limit_to_keeps_the_points_near_the_bone_in_its_own_frame_that_do_not_ride_on_it():
    """A ball of radius 10 (vertices about 1.5 mm apart): points within the margin of its surface
    are tested, points beyond it not, nor a point riding on the ball's own rigid group."""
    ball = trimesh.creation.icosphere(subdivisions=4, radius=10.0)
    push = _push({"femur_r": SimpleNamespace(vertices=np.asarray(ball.vertices), faces=np.asarray(ball.faces))})
    shift = np.array([100.0, -50.0, 7.0])
    local = np.array([
        [0.0, 0.0, 0.0],  # in the bone
        [10.0 + PUSH_MARGIN_MM - 1.0, 0.0, 0.0],  # just within the margin of its surface
        [0.0, 0.0, -(10.0 + PUSH_MARGIN_MM - 1.0)],  # the same, below
        [10.0 + PUSH_MARGIN_MM + 1.5, 0.0, 0.0],  # just beyond
        [0.0, 10.0 + PUSH_MARGIN_MM + 1.5, 0.0],  # beyond in y
        [0.0, 5.0, 0.0],  # in the bone, but riding on it
    ])
    world = local @ TURN.T + shift
    riding = np.array(["", "", "", "", "", "femur_r"], dtype=object)
    push.limit_to(world, {"femur_r": _transform(TURN, shift)}, riding)
    assert push.near[0].tolist() == [0, 1, 2]


def _pushed(points, centres=None, transform=None, bones=None):
    bones = {"femur_r": _box([-20, -20, -20], [20, 20, 20])} if bones is None else bones
    push = _push(bones, {"femur_r": np.zeros(3)})
    transforms = {bone: np.eye(4) if transform is None else transform for bone in bones}
    points = np.array(points, float)
    push.near = [np.arange(len(points)) for _ in push.fields]  # every point against every field (limit_to has its own test)
    push.push(points, np.array(centres if centres is not None else np.zeros_like(points), float), transforms)
    return push, points


def test_a_point_inside_moves_out_along_the_nearest_face_by_its_depth_and_a_clearance():
    start = np.array([[15.0, 0.0, 0.0], [0.0, -13.0, 0.0], [1.0, 2.0, 16.5], [30.0, 0.0, 0.0], [0.0, 0.0, -19.0],
                      [19.0, 0.0, 0.0]])
    push, points = _pushed(start)
    depth = push.fields[0][1](start)
    assert depth[0] > 3 and depth[3] == 0.0 and 0.0 < depth[5] < 1.0  # the last only just inside
    expected = start.copy()
    expected[0, 0] += depth[0] + PUSH_CLEAR_MM
    expected[1, 1] -= depth[1] + PUSH_CLEAR_MM
    expected[2, 2] += depth[2] + PUSH_CLEAR_MM
    expected[4, 2] -= depth[4] + PUSH_CLEAR_MM
    expected[5, 0] += depth[5] + PUSH_CLEAR_MM
    np.testing.assert_allclose(points, expected, atol=1e-6)
    assert (push.fields[0][1](points) == 0.0).all()  # all out now


def test_the_push_works_in_the_bones_own_frame():
    shift = np.array([40.0, -30.0, 5.0])
    local = np.array([[15.0, 0.0, 0.0], [0.0, -13.0, 0.0]])
    world = local @ TURN.T + shift
    centres = np.array([[20.2, 0.0, 0.0], [0.0, 0.0, 0.0]]) @ TURN.T + shift  # the first stops at its centre
    push, points = _pushed(world, centres=centres, transform=_transform(TURN, shift))
    depth = push.fields[0][1](local)
    moved_local = local.copy()
    moved_local[0, 0] = 20.2
    moved_local[1, 1] -= depth[1] + PUSH_CLEAR_MM
    np.testing.assert_allclose(points, moved_local @ TURN.T + shift, atol=1e-6)


def test_a_point_pushed_past_its_ring_centre_stops_there_unless_the_centre_is_in_bone():
    start = np.array([[15.0, 0.0, 0.0]] * 5)
    centres = np.array([[20.2, 0.0, 0.0],  # outside, between the point and where it would go: stops there
                        [19.0, 0.0, 0.0],  # in the bone: the push goes on
                        [0.0, 0.0, 0.0],  # behind the point: nothing to fold
                        [20.2, 0.5, 0.0],  # outside and ahead, a little off the line: stops there
                        [20.2, 1.5, 0.0]])  # further off the line: not passed (the products' sum is 0.69 > 0)
    push, points = _pushed(start, centres)
    field = push.fields[0][1]
    out = 15.0 + field(start[:1])[0] + PUSH_CLEAR_MM
    assert out > 20.2 and field(centres[[0, 3]]).max() == 0.0 and field(centres[1:2])[0] > 0.0
    np.testing.assert_allclose(points, [[20.2, 0, 0], [out, 0, 0], [out, 0, 0], [20.2, 0.5, 0], [out, 0, 0]], atol=1e-6)


def test_a_point_pushed_exactly_to_its_centre_keeps_its_push():
    start = np.array([[15.0, 0.0, 0.0]])
    push, _ = _pushed(start.copy())
    out = 15.0 + push.fields[0][1](start)[0] + PUSH_CLEAR_MM
    _, points = _pushed(start, centres=[[out, 0.0, 0.0]])
    np.testing.assert_allclose(points, [[out, 0, 0]], atol=1e-9)


def test_a_point_pushed_into_an_earlier_bone_is_pushed_out_of_it_the_second_time_round():
    # the femur pushes the point towards -x into the hip bone, whose nearest face is then its top (+y)
    bones = {"hip_bone_r": _box([-40, -40, -40], [30, 4, 40]), "femur_r": _box([20, -40, -40], [80, 40, 40])}
    start = np.array([[32.0, 0.0, 0.0], [60.0, 30.0, 0.0]])
    push, points = _pushed(start, centres=[[-100.0, 0.0, 0.0], [60.0, 0.0, 0.0]], bones=bones)
    hip, femur = (field for _, field in push.fields)
    assert hip(start[:1])[0] == 0.0 and femur(start[:1])[0] > 10.0
    assert abs(points[0, 0] - 18.5) < 1.5 and abs(points[0, 1] - 5.5) < 1.5  # out of the femur, then out of the hip bone
    assert hip(points).max() == 0.0 and femur(points).max() == 0.0
    assert points[1, 1] == 30.0 + femur(start[1:])[0] + PUSH_CLEAR_MM and points[1, 0] == 60.0  # out of the femur's top only


def test_only_the_points_near_a_field_are_tested_against_it():
    start = np.array([[15.0, 0.0, 0.0]])
    push = _push({"femur_r": _box([-20, -20, -20], [20, 20, 20])}, {"femur_r": np.zeros(3)})
    points = start.copy()
    push.push(points, np.zeros((1, 3)), {"femur_r": np.eye(4)})  # limit_to never called: no point is near
    np.testing.assert_array_equal(points, start)


def test_the_central_differences_step_half_a_voxel():
    asked = []
    start = np.array([[15.0, 0.0, 0.0]])
    push = _push({"femur_r": _box([-20, -20, -20], [20, 20, 20])}, {"femur_r": np.zeros(3)})
    looked_up = push._stack.interpolate

    def spy(which, points):
        asked.append(np.array(points))
        return looked_up(which, points)

    push._stack.interpolate = spy
    push.near = [np.arange(1)]
    push.push(start.copy(), np.zeros((1, 3)), {"femur_r": np.eye(4)})
    around = asked[1]
    assert around.shape == (6, 3)
    np.testing.assert_allclose(around - start, 0.5 * bone_push.PUSH_VOXEL_MM * np.concatenate([np.eye(3), -np.eye(3)]))


def test_rigid_group_climbs_to_the_first_bone_with_a_joint_or_the_root():
    skeleton = SimpleNamespace(parents={"plate": "hip_bone_r", "hip_bone_r": "sacrum", "sacrum": "root", "root": None, "femur_r": "hip_bone_r"},
                               joints={"sacrum": "lumbosacral", "femur_r": "hip_r"})
    assert bone_push.rigid_group(skeleton, "hip_bone_r") == "sacrum"
    assert bone_push.rigid_group(skeleton, "plate") == "sacrum"  # two steps
    assert bone_push.rigid_group(skeleton, "femur_r") == "femur_r"  # a joint of its own
    assert bone_push.rigid_group(skeleton, "sacrum") == "sacrum"
    assert bone_push.rigid_group(skeleton, "root") == "root"  # no joint and no parent


def test_unit_scales_along_the_last_axis_of_a_stack():
    stack = np.array([[[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]], [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]])
    np.testing.assert_allclose(_unit(stack), [[[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]], [[0.0, 0.0, 0.0], [3 ** -0.5] * 3]])


def test_limit_to_leaves_out_points_by_the_bone_but_beyond_its_field():
    """A femur longer than the field's reach from the hip: a point by its far end is near a vertex
    but off the field (which reads no depth there), so it is not tested."""
    push = _push({"femur_r": _box([-20, -20, -20], [20, 20, 300])}, {"femur_r": np.zeros(3)})
    field = push.fields[0][1]
    assert field.low[2] + field.depths.shape[2] * field.voxel + PUSH_MARGIN_MM < 290.0
    points = np.array([[21.0, 21.0, 301.0], [-21.0, -21.0, -21.0], [21.0, 21.0, -21.0]])  # by a corner (vertex) each
    push.limit_to(points, {"femur_r": np.eye(4)}, np.full(3, "", dtype=object))
    assert push.near[0].tolist() == [1, 2]


def test_a_point_inside_two_bones_leaves_the_one_it_is_deeper_in_first(monkeypatch):
    """One round only: each point, inside both the hip bone (about 2-3 mm deep) and the femur
    (7-8 mm deep), is pushed out of the femur, towards -x, and only once."""
    monkeypatch.setattr(bone_push, "PUSH_ROUNDS", 1)
    bones = {"hip_bone_r": _box([-40, -40, -40], [30, 4, 40]), "femur_r": _box([20, -40, -40], [80, 40, 40])}
    start = np.array([[27.0, 0.0, 0.0], [28.0, -30.0, 0.0]])
    push, points = _pushed(start, centres=[[-100.0, 0.0, 0.0], [-100.0, -30.0, 0.0]], bones=bones)
    hip, femur = (field for _, field in push.fields)
    assert (hip(start) > 0.0).all() and (hip(start) < 3.5).all() and (femur(start) > 6.5).all()
    expected = start.copy()
    expected[:, 0] -= femur(start) + PUSH_CLEAR_MM
    np.testing.assert_allclose(points, expected, atol=1e-6)
