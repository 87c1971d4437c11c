"""How a disc's surface follows the two bones it joins (``viewer.anatomy.discs``), on made-up
endplates and transforms whose answers are written out. Written to kill the mutants mutmut found
surviving; no pack is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.discs import ON_PLANE_MM, Bender, DiscJoin, Plane, blend

FLAT = DiscJoin("l4", Plane(np.array([0.0, 0, 10]), np.array([0.0, 0, 1])), Plane(np.array([0.0, 0, 0]), np.array([0.0, 0, 1])))


def turn_z(degrees, shift=(0.0, 0, 0)):
    a = np.radians(degrees)
    out = np.eye(4)
    out[:3, :3] = [[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]]
    out[:3, 3] = shift
    return out


def test_height_above_a_plane():
    plane = Plane(np.array([1.0, 2, 3]), np.array([0.0, 0.6, 0.8]))
    np.testing.assert_allclose(plane.height(np.array([[1.0, 2, 3], [1, 2, 8], [5, 7, 3]])), [0, 4, 3])
    assert plane.height([1, 2, 4]) == pytest.approx(0.8)


def test_weights_rise_from_the_lower_endplate_to_the_upper():
    points = np.array([[0.0, 0, 5], [3, 4, 2.5], [0, 0, -2], [0, 0, 12], [0, 0, ON_PLANE_MM * 0.9], [0, 0, 10 - ON_PLANE_MM * 0.9],
                       [0, 0, ON_PLANE_MM * 1.1], [0, 0, 10 - ON_PLANE_MM * 1.1]])
    np.testing.assert_allclose(FLAT.weights(points), [0.5, 0.25, 0, 1, 0, 1, ON_PLANE_MM * 0.11, 1 - ON_PLANE_MM * 0.11])
    assert FLAT.weights(np.array([[0.0, 0, ON_PLANE_MM]]))[0] == pytest.approx(ON_PLANE_MM / 10)  # exactly that far is off the plane
    touching = DiscJoin("a", Plane(np.zeros(3), np.array([0.0, 0, 1])), Plane(np.zeros(3), np.array([0.0, 0, 1])))
    np.testing.assert_array_equal(touching.weights(np.array([[0.0, 0, 0], [0, 0, 1], [0, 0, -1]])), [1, 1, 0])


def test_the_mid_plane_lies_as_far_from_each_endplate():
    assert FLAT.mid_plane.centre.tolist() == [0, 0, 5] and FLAT.mid_plane.normal.tolist() == [0, 0, 1]
    tilt = np.radians(10)
    wedge = DiscJoin("l5", Plane(np.array([2.0, 0, 12]), np.array([0.0, -np.sin(tilt), np.cos(tilt)])),
                     Plane(np.array([0.0, 1, 0]), np.array([0.0, np.sin(tilt), np.cos(tilt)])))
    mid = wedge.mid_plane
    np.testing.assert_allclose(mid.normal, [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(mid.centre, [1, 0.5, mid.centre[2]])  # the point of it nearest the middle of the two centres
    on_it = mid.centre + np.array([[0.0, 0, 0], [30, 0, 0], [0, -20, 0], [12, 9, 0]])
    np.testing.assert_allclose(wedge.lower.height(on_it), -wedge.upper.height(on_it))
    np.testing.assert_allclose(wedge.weights(on_it), 0.5)
    skew = DiscJoin("x", Plane(np.array([0.0, 0, 20]), np.array([0.6, 0, 0.8])), Plane(np.array([5.0, 0, 0]), np.array([0.0, 0, 1])))
    plane = skew.mid_plane
    np.testing.assert_allclose(np.linalg.norm(plane.normal), 1)
    np.testing.assert_allclose(plane.normal, np.array([0.6, 0, 1.8]) / np.linalg.norm([0.6, 0, 1.8]))
    np.testing.assert_allclose(skew.lower.height(plane.centre[None]), -skew.upper.height(plane.centre[None]))
    np.testing.assert_allclose(plane.centre - [2.5, 0, 10], np.dot(plane.centre - [2.5, 0, 10], plane.normal) * plane.normal, atol=1e-12)


def test_blend_moves_each_point_by_its_share_of_each_bone():
    points = np.array([[1.0, 0, 0], [1, 0, 5], [1, 0, 10]])
    upper, lower = turn_z(90, (0, 0, 1)), turn_z(0, (4, 0, 0))
    out = blend(points, np.array([1.0, 0, 0.25]), upper, lower)
    np.testing.assert_allclose(out, [[0, 1, 1], [5, 0, 5], [0.75 * 5 + 0.25 * 0, 0.25 * 1, 10 + 0.25]], atol=1e-12)


def test_a_bender_poses_several_discs_with_their_normals():
    first = (np.array([[1.0, 0, 0], [0, 2, 0]]), np.array([[1.0, 0, 0], [0, 0, 1]]), np.array([1.0, 0.5]))
    second = (np.array([[3.0, 0, 0]]), np.array([[0.0, 1, 0]]), np.array([0.0]))
    bender = Bender([("l4", "l5", *first), ("l5", "sacrum", *second)])
    assert bender.bones == ["l4", "l5", "sacrum"]
    assert bender.slices == [slice(0, 2), slice(2, 3)]
    transforms = {"l4": turn_z(90), "l5": turn_z(0, (0, 0, 7)), "sacrum": turn_z(180, (1, 1, 1))}
    points, normals = bender.pose(transforms)
    np.testing.assert_allclose(points[:2], blend(first[0], first[2], transforms["l4"], transforms["l5"]), atol=1e-12)
    np.testing.assert_allclose(points[2:], blend(second[0], second[2], transforms["l5"], transforms["sacrum"]), atol=1e-12)
    halfway = (0.5 * turn_z(90) + 0.5 * turn_z(0, (0, 0, 7)))[:3, :3] @ [0, 0, 1]
    np.testing.assert_allclose(normals, [[0, 1, 0], halfway / np.linalg.norm(halfway), [0, -1, 0]], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1)
    half = Bender([("l4", "l5", np.array([[2.0, 0, 0]]), np.array([[1.0, 0, 0]]), np.array([0.5]))])
    points, normals = half.pose(transforms)
    np.testing.assert_allclose(points, [[1, 1, 3.5]])
    np.testing.assert_allclose(normals, [[np.sqrt(0.5), np.sqrt(0.5), 0]])
    three = Bender([("a", "b", *first), ("b", "c", *second), ("c", "d", *first)])
    assert three.slices == [slice(0, 2), slice(2, 3), slice(3, 5)] and three.bones == ["a", "b", "c", "d"]
    empty = Bender([])
    assert empty.bones == [] and empty.points.shape == (0, 3) and empty.normals.shape == (0, 3) and empty.weights.shape == (0, 1, 1)
