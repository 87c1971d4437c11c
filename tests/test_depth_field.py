"""The depth grid that the hip limits look femur points up in: exact transform, honest depths."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from viewer.anatomy.depth_field import DepthField, _capped_distance
from viewer.anatomy.inside import Solid


def test_capped_distance_is_the_euclidean_distance_transform_up_to_the_cap():
    rng = np.random.default_rng(0)
    inside = ndimage.binary_opening(rng.random((40, 50, 30)) > 0.25)
    exact = ndimage.distance_transform_edt(np.pad(inside, 1))[1:-1, 1:-1, 1:-1]  # beyond the grid is outside
    for cap in (3, 6, 12):
        capped = _capped_distance(inside, cap)
        assert np.allclose(capped[exact < cap], exact[exact < cap], atol=1e-6)
        assert (capped[exact >= cap] == cap).all()


def test_depth_grid_of_a_hip_bone_is_within_three_quarters_of_a_voxel_of_the_exact_depth(pack):
    """Random points near the socket: the grid's depth against ray parity and the distance to the triangles."""
    bone = pack.bones["hip_bone_r"]
    centre = np.median(bone.vertices, axis=0)
    field = DepthField.around(bone.vertices, bone.faces, centre, 60.0)
    solid = Solid(bone.vertices, bone.faces)
    points = np.random.default_rng(1).uniform(centre - 50, centre + 50, (6000, 3))
    inside = solid.contains(points)
    exact = np.zeros(len(points))
    exact[inside] = solid.distance(points[inside])
    depth = field(points)
    assert inside.sum() > 300
    assert np.abs(depth - np.minimum(exact, field.cap)).max() <= 0.75 * field.voxel  # 0.66 measured
    assert (depth[exact > field.voxel] > 0).all() and (depth[~inside] < field.voxel).all()


def test_depth_is_the_trilinear_interpolation_of_the_grid_everywhere(pack):
    """Only points next to the bone are interpolated (for speed); the others must read exactly 0, as the interpolation gives."""
    bone = pack.bones["hip_bone_r"]
    centre = np.median(bone.vertices, axis=0)
    field = DepthField.around(bone.vertices, bone.faces, centre, 40.0)
    points = np.random.default_rng(2).uniform(centre - 45, centre + 45, (20000, 3))
    full = ndimage.map_coordinates(field.depths, ((points - field.low) / field.voxel).T, order=1, mode="constant", cval=0.0)
    assert (full > 0).sum() > 1000
    assert np.array_equal(field(points), full)
