"""Fitted spheres and planes (``viewer.anatomy.bone_fitting``) on made-up surfaces whose answers
are known: a femoral head on a shaft, a socket in a block, a tilted endplate. Written to kill the
mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.bone_fitting import endplate, fit_plane, fit_sphere, fit_spherical_patch


def test_fit_sphere_is_exact_on_points_of_a_sphere():
    rng = np.random.default_rng(1)
    directions = rng.normal(size=(40, 3))
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    centre, radius = fit_sphere(np.array([10.0, -20, 30]) + 23.5 * directions)
    np.testing.assert_allclose(centre, [10, -20, 30], atol=1e-9)
    assert radius == pytest.approx(23.5) and type(radius) is float
    centre, radius = fit_sphere(7 * directions)  # at the origin
    np.testing.assert_allclose(centre, 0, atol=1e-9)
    assert radius == pytest.approx(7)


def _head_on_a_shaft(centre, radius):
    """A ball (the head) joined to a thin long box (the neck and shaft): vertices and outward normals."""
    head = trimesh.creation.icosphere(subdivisions=3, radius=radius)
    head.apply_translation(centre)
    shaft = trimesh.creation.box(extents=[radius / 2, radius / 2, 8 * radius])
    shaft.apply_translation(np.asarray(centre) + [0, 0, -5 * radius])
    shaft = shaft.subdivide().subdivide()
    both = trimesh.util.concatenate([head, shaft])
    return both.vertices, both.vertex_normals


def test_a_femoral_head_is_found_from_a_rough_guess():
    vertices, normals = _head_on_a_shaft([5.0, 3, -2], 22.0)
    centre, radius, used = fit_spherical_patch(vertices, normals, [9.0, 0, 3], 30.0, convex=True)
    np.testing.assert_allclose(centre, [5, 3, -2], atol=0.05)
    assert radius == pytest.approx(22, abs=0.05)
    head = np.abs(np.linalg.norm(vertices - [5, 3, -2], axis=1) - 22) < 0.01
    assert 0.8 * head.sum() <= used <= head.sum()  # only the head's vertices, nearly all of them
    # as a socket (normals against the radius), the same ball has nothing to fit
    with pytest.raises(ValueError, match=r"^no spherical surface found near \[9\.3, 0\.0, 3\.0\]$"):  # the guess to 0.1 mm
        fit_spherical_patch(vertices, normals, [9.26, 0, 3], 30.0, convex=False)


def test_a_socket_is_found_with_normals_pointing_in():
    vertices, normals = _head_on_a_shaft([0.0, 0, 0], 25.0)
    centre, radius, used = fit_spherical_patch(vertices, -normals, [3.0, -2, 1], 20.0, convex=False)
    np.testing.assert_allclose(centre, 0, atol=0.05)
    assert radius == pytest.approx(25, abs=0.05)
    assert used > 500


def test_fewer_than_ten_vertices_is_no_sphere():
    vertices, normals = _head_on_a_shaft([0.0, 0, 0], 25.0)
    with pytest.raises(ValueError, match="no spherical surface"):
        fit_spherical_patch(vertices, normals, [500.0, 0, 0], 25.0, convex=True)
    centre, radius, used = fit_spherical_patch(vertices[:10], normals[:10], [0.0, 0, 0], 25.0, convex=True, iterations=1)
    assert used == 10
    with pytest.raises(ValueError):
        fit_spherical_patch(vertices[:9], normals[:9], [0.0, 0, 0], 25.0, convex=True, iterations=1)


def test_the_tightening_uses_the_narrow_band_after_three_steps():
    # a ball of 20 mm inside a shell at 26 mm (30% off): the wide band takes both, the narrow one only the ball
    ball = trimesh.creation.icosphere(subdivisions=3, radius=20.0)
    shell = trimesh.creation.icosphere(subdivisions=2, radius=26.0)
    vertices = np.r_[ball.vertices, shell.vertices]
    normals = np.r_[ball.vertex_normals, shell.vertex_normals]
    _, radius3, used3 = fit_spherical_patch(vertices, normals, [0.0, 0, 0], 22.0, convex=True, iterations=3)
    assert used3 == len(vertices) and 20 < radius3 < 26
    _, radius, used = fit_spherical_patch(vertices, normals, [0.0, 0, 0], 22.0, convex=True, iterations=10)
    assert used in (len(ball.vertices), len(shell.vertices)) and min(abs(radius - 20), abs(radius - 26)) < 1e-6


def test_a_plane_fit_gives_the_centroid_and_a_unit_normal():
    rng = np.random.default_rng(2)
    u, v = np.array([1.0, 0, 0.5]) / np.sqrt(1.25), np.array([0.0, 1, 0])
    points = np.array([4.0, 5, 6]) + rng.uniform(-10, 10, (50, 1)) * u + rng.uniform(-10, 10, (50, 1)) * v
    centroid, normal = fit_plane(points)
    np.testing.assert_allclose(centroid, points.mean(axis=0))
    expected = np.cross(u, v)
    assert abs(normal @ expected) == pytest.approx(1) and np.linalg.norm(normal) == pytest.approx(1)


def test_an_endplate_is_the_patch_facing_the_direction_near_the_point():
    body = trimesh.creation.cylinder(radius=20, height=30, sections=32).subdivide().subdivide()
    vertices, normals = body.vertices, body.vertex_normals
    top, up = endplate(vertices, normals, [0, 0, 5.0], np.array([0, 0, 15.0]), reach=18)
    np.testing.assert_allclose(top, [0, 0, 15], atol=1e-6)
    np.testing.assert_allclose(up, [0, 0, 1], atol=1e-9)
    bottom, down = endplate(vertices, normals, [0, 0, -0.5], np.array([0, 0, -15.0]), reach=18)
    np.testing.assert_allclose(bottom, [0, 0, -15], atol=1e-6)
    np.testing.assert_allclose(down, [0, 0, -1], atol=1e-9)
    with pytest.raises(ValueError, match="^no endplate found$"):
        endplate(vertices, normals, [0, 0, 1.0], np.array([0, 0, -15.0]), reach=18)  # the bottom does not face up
    with pytest.raises(ValueError, match="no endplate found"):
        endplate(vertices, normals, [0, 0, 1.0], np.array([0, 0, 15.0]), reach=18, cosine=1.0)


def _sphere_points(radius, count=200, seed=3):
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(count, 3))
    return directions / np.linalg.norm(directions, axis=1)[:, None], radius


def test_only_vertices_whose_normals_follow_the_radius_are_used():
    directions, _ = _sphere_points(1.0)
    vertices = 20.0 * directions
    tilted = np.cross(directions, [0.0, 0, 1])
    tilted /= np.linalg.norm(tilted, axis=1)[:, None]
    normals = directions.copy()
    normals[100:] = 0.5 * directions[100:] + np.sqrt(0.75) * tilted[100:]  # 60 degrees off the radius: cosine 0.5
    centre, radius, used = fit_spherical_patch(vertices, normals, [1.0, 0, 0], 20.0, convex=True)
    assert used == 100 and radius == pytest.approx(20)
    centre, radius, used = fit_spherical_patch(vertices, -normals, [1.0, 0, 0], 20.0, convex=False)
    assert used == 100


def test_a_small_sphere_is_fitted_too():
    directions, _ = _sphere_points(1.0)
    centre, radius, used = fit_spherical_patch(0.5 * directions, directions, [0.05, 0, 0], 0.6, convex=True)
    assert radius == pytest.approx(0.5) and used == len(directions)


def test_the_first_three_steps_are_wide_and_the_rest_narrow():
    directions, _ = _sphere_points(1.0)
    vertices = np.r_[20.0 * directions, 26.0 * directions, 40.0 * directions]
    normals = np.r_[directions, directions, directions]
    _, _, used = fit_spherical_patch(vertices, normals, [0.0, 0, 0], 22.0, convex=True, iterations=1)
    assert used == 400  # 20 and 26 are within 35% of 22; 40 is not
    # normals 41 degrees off the radius (cosine 0.75): taken by the wide steps (over 0.6), not by the narrow (over 0.9)
    tilted = np.cross(directions, [0.0, 0, 1])
    tilted /= np.linalg.norm(tilted, axis=1)[:, None]
    normals = directions.copy()
    normals[100:] = 0.75 * directions[100:] + np.sqrt(1 - 0.75**2) * tilted[100:]
    assert fit_spherical_patch(20.0 * directions, normals, [0.0, 0, 0], 22.0, convex=True, iterations=3)[2] == 200
    assert fit_spherical_patch(20.0 * directions, normals, [0.0, 0, 0], 22.0, convex=True, iterations=4)[2] == 100


def test_no_steps_gives_the_guess_back():
    centre, radius, used = fit_spherical_patch(np.zeros((20, 3)), np.ones((20, 3)), [1, 2, 3], 4, convex=True, iterations=0)
    assert centre.dtype == float and centre.tolist() == [1, 2, 3] and radius == 4.0 and type(radius) is float and used == 0


def test_ten_vertices_are_enough_for_an_endplate():
    grid = np.array([[x, y, 0.0] for x in range(5) for y in range(2)])
    up = np.tile([0.0, 0, 1], (10, 1))
    centre, normal = endplate(grid, up, [0, 0, 1.0], np.array([2.0, 0.5, 0]), reach=10)
    np.testing.assert_allclose(centre, [2, 0.5, 0])
    np.testing.assert_allclose(normal, [0, 0, 1], atol=1e-12)
    with pytest.raises(ValueError, match="^no endplate found$"):
        endplate(grid[:9], up[:9], [0, 0, 1.0], np.array([2.0, 0.5, 0]), reach=10)
    # a vertex exactly ``reach`` away is left out
    centre, _ = endplate(np.r_[grid, [[12.0, 0.5, 0]]], np.r_[up, [[0.0, 0, 1]]], [0, 0, 1.0], np.array([2.0, 0.5, 0]), reach=10)
    np.testing.assert_allclose(centre, [2, 0.5, 0])
