"""The inside test and depth of ``viewer.anatomy.inside`` against shapes whose answer is known
exactly: a tilted box, and a box with a closed cavity (two shells, so the ray parity and the
voxel regions must both be right). Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy import inside
from viewer.anatomy.inside import Solid

HALF = np.array([6.0, 4.5, 3.5])  # half extents of the box, mm
CAVITY_HALF = np.array([2.6, 2.2, 1.6])
ROTATION = trimesh.transformations.euler_matrix(0.3, -0.5, 0.8)[:3, :3]
SHIFT = np.array([20.0, -7.0, 3.0])


def _box_local(points: np.ndarray) -> np.ndarray:
    return (points - SHIFT) @ ROTATION  # world -> the box's own axes


def _tilted_box() -> tuple[np.ndarray, np.ndarray]:
    box = trimesh.creation.box(2 * HALF)
    return box.vertices @ ROTATION.T + SHIFT, box.faces


def _hollow_box() -> tuple[np.ndarray, np.ndarray]:
    """An axis-aligned box with a box-shaped hole sealed inside it (inner shell faces inward)."""
    outer = trimesh.creation.box(2 * HALF)
    inner = trimesh.creation.box(2 * CAVITY_HALF)
    vertices = np.vstack([outer.vertices, inner.vertices])
    faces = np.vstack([outer.faces, inner.faces[:, ::-1] + len(outer.vertices)])
    return vertices, faces


def _points(rng, half, count=6000):
    """Points in and around a box of half extents ``half``, dense near its faces."""
    spread = rng.uniform(-1.6 * half, 1.6 * half, (count, 3))
    near = rng.uniform(-half, half, (count, 3))
    axis = rng.integers(0, 3, count)
    near[np.arange(count), axis] = np.sign(near[np.arange(count), axis]) * half[axis] + rng.uniform(-0.4, 0.4, count)
    return np.vstack([spread, near])


def test_tilted_box_inside_and_depth_are_exact():
    vertices, faces = _tilted_box()
    solid = Solid(vertices, faces)
    local = _points(np.random.default_rng(1), HALF)
    world = local @ ROTATION.T + SHIFT
    margin = HALF - np.abs(local)
    expected = (margin > 0).all(axis=1)
    assert 3000 < expected.sum() < 9000
    assert (solid.contains(world) == expected).all()
    depth = solid.depth(world)
    assert np.allclose(depth[expected], margin[expected].min(axis=1), atol=1e-6)
    assert (depth[~expected] == 0).all()
    assert np.allclose(_box_local(world), local)


def test_a_sealed_cavity_is_outside_and_its_walls_are_inside():
    vertices, faces = _hollow_box()
    solid = Solid(vertices, faces)
    rng = np.random.default_rng(2)
    points = np.vstack([_points(rng, HALF), _points(rng, CAVITY_HALF)])
    in_outer = (np.abs(points) < HALF).all(axis=1)
    in_cavity = (np.abs(points) < CAVITY_HALF).all(axis=1)
    expected = in_outer & ~in_cavity
    assert in_cavity.sum() > 1000 and expected.sum() > 3000
    assert (solid.contains(points) == expected).all()
    # the cavity's centre lies in voxels no triangle touches: answered by the voxel grid alone
    assert not solid.contains(np.zeros((1, 3)))[0]
    assert solid.contains(np.array([[4.5, 0.0, 0.0]]))[0]
    wall = np.array([[4.0, 0.0, 0.0], [0.0, 0.0, 2.5], [-0.5, 3.0, 0.2]])
    assert np.allclose(solid.depth(wall), [1.4, 0.9, 0.8])


def test_voxel_grid_answers_far_points_without_rays_and_agrees_with_them():
    vertices, faces = _hollow_box()
    solid = Solid(vertices, faces)
    rng = np.random.default_rng(4)
    points = rng.uniform(-1.5 * HALF, 1.5 * HALF, (3000, 3))
    assert (solid.contains(points) == solid._ray_contains(points)).all()
    # every voxel state is outside (0), inside (1) or touched by the surface (2), and all three occur
    assert set(np.unique(solid._state)) == {0, 1, 2}
    # the grid reaches 1.5 voxels past the surface on every side
    assert np.allclose(solid._grid_low, -HALF - 1.5 * inside.VOXEL_MM)
    assert (solid._grid_shape == np.floor((2 * HALF + 3 * inside.VOXEL_MM) / inside.VOXEL_MM).astype(int) + 1).all()
    # no triangle touches the outermost voxel layer, which is outside
    assert (solid._state[0] == 0).all() and (solid._state[-1] == 0).all()
    assert (solid._state[:, 0] == 0).all() and (solid._state[:, :, -1] == 0).all()


def test_points_outside_the_grid_and_the_shadow_are_outside():
    vertices, faces = _tilted_box()
    solid = Solid(vertices, faces)
    far = SHIFT + np.array([[100.0, 0, 0], [-100, 0, 0], [0, 100, 0], [0, -100, 0], [0, 0, 100], [0, 0, -100]])
    assert not solid.contains(far).any()
    assert (solid.depth(far) == 0).all()
    assert (solid._bins.cells(far[:4]) == -1).all()  # beside the shadow on every side
    assert (solid._bins.cells(far[4:]) >= 0).all()  # straight above and below: in it
    # below the box, a ray upwards crosses it twice: outside by parity
    assert (solid._crossings(far[5:], solid._bins) == 2).all()
    assert (solid._crossings(far[4:5], solid._bins) == 0).all()


@pytest.mark.parametrize("cell", [0.35, 1.0, 4.0])
def test_bin_size_does_not_change_the_answer(cell):
    vertices, faces = _tilted_box()
    solid = Solid(vertices, faces, cell=cell)
    local = _points(np.random.default_rng(5), HALF, 2000)
    expected = (np.abs(local) < HALF).all(axis=1)
    assert (solid._ray_contains(local @ ROTATION.T + SHIFT) == expected).all()
    bins = solid._bins
    assert bins.cell == cell and bins.axis == 2 and bins.plane == [0, 1]
    flat = solid.triangles[:, :, :2]
    assert (bins.shape == np.floor((flat.max(axis=(0, 1)) - solid.low[:2]) / cell).astype(int) + 1).all()
    # each bin lists exactly the triangles whose shadow's bounding box covers it
    for cell_id in range(0, int(bins.shape.prod()), 7):
        u, v = divmod(cell_id, bins.shape[1])
        members = set(bins.members[bins.start[cell_id]:bins.start[cell_id + 1]].tolist())
        first = np.floor((flat.min(axis=1) - solid.low[:2]) / cell).astype(int)
        last = np.floor((flat.max(axis=1) - solid.low[:2]) / cell).astype(int)
        covers = (first[:, 0] <= u) & (u <= last[:, 0]) & (first[:, 1] <= v) & (v <= last[:, 1])
        assert members == set(np.flatnonzero(covers).tolist())


def test_many_points_are_tested_in_chunks_with_the_same_answer(monkeypatch):
    vertices, faces = _hollow_box()
    solid = Solid(vertices, faces)
    points = _points(np.random.default_rng(6), HALF, 1500)
    whole = solid._crossings(points, solid._bins)
    monkeypatch.setattr(inside, "CHUNK_PAIRS", 7)
    assert (solid._crossings(points, solid._bins) == whole).all()
    assert (solid.contains(points) == ((np.abs(points) < HALF).all(axis=1) & ~(np.abs(points) < CAVITY_HALF).all(axis=1))).all()


def test_rays_through_shared_edges_and_vertices_count_once():
    """Points straight below the box's vertices and edge midpoints: the ray would hit two or more
    triangles exactly at their shared border but for the nudge."""
    box = trimesh.creation.box(2 * HALF)
    solid = Solid(box.vertices, box.faces)
    below = box.vertices[box.vertices[:, 2] > 0] * [1, 1, 0] * 0.999 + [0, 0, -2 * HALF[2]]
    edges = box.vertices[box.edges_unique].mean(axis=1)
    mids = edges[edges[:, 2] > 0] * [1, 1, 0] + [0, 0, -2 * HALF[2]]
    centre_column = np.array([[0.0, 0.0, -10.0], [0.0, 0.0, 0.0]])
    assert list(solid._crossings(centre_column, solid._bins)) == [2, 1]
    inward = np.vstack([below, mids])
    inward[:, 2] = 0.0
    inward *= 0.9
    assert solid.contains(inward).all()
    assert (solid._crossings(inward, solid._bins) == 1).all()


def test_inputs_of_any_shape_and_no_points():
    box = trimesh.creation.box((10, 10, 10))
    solid = Solid(box.vertices.tolist(), box.faces.tolist())
    assert solid.contains([0, 0, 0]).tolist() == [True]
    assert solid.contains([[0, 0, 6], [0, 0, 4.5]]).tolist() == [False, True]
    assert solid.depth([0.0, 1.0, 3.0]).tolist() == [2.0]
    assert solid.distance(np.zeros((0, 3))).shape == (0,)
    assert solid.depth(np.zeros((0, 3))).shape == (0,)
    assert solid.distance([[0.0, 0.0, 8.0]]).tolist() == [3.0]
    assert solid.distance([0.0, 0.0, 8.0]).tolist() == [3.0]
    assert solid._mesh is not None  # built on first use and kept
    mesh = solid._mesh
    solid.distance([[0.0, 0.0, 0.0]])
    assert solid._mesh is mesh
    assert solid.vertices.dtype == float and solid.faces.dtype.kind == "i"


def _expected_hollow(points):
    return (np.abs(points) < HALF).all(axis=1) & ~(np.abs(points) < CAVITY_HALF).all(axis=1)


@pytest.mark.parametrize("voxel", [0.7, 1.6])
def test_voxel_size_does_not_change_the_answer(monkeypatch, voxel):
    monkeypatch.setattr(inside, "VOXEL_MM", voxel)
    vertices, faces = _hollow_box()
    solid = Solid(vertices, faces)
    assert np.allclose(solid._grid_low, -HALF - 1.5 * voxel)
    assert (solid._grid_shape == np.floor((2 * HALF + 3 * voxel) / voxel).astype(int) + 1).all()
    rng = np.random.default_rng(7)
    points = np.vstack([_points(rng, HALF, 3000), _points(rng, CAVITY_HALF, 3000)])
    assert (solid.contains(points) == _expected_hollow(points)).all()
    # the cavity's middle is a region of untouched voxels of its own, answered without rays
    centre = np.floor((np.zeros(3) - solid._grid_low) / voxel).astype(int)
    assert solid._state[tuple(centre)] == 0
    corner = np.floor((np.array([5.5, 4.0, 3.0]) - solid._grid_low) / voxel).astype(int)
    assert solid._state[tuple(corner)] in (1, 2)


def test_only_voxels_the_surface_passes_near_are_left_to_rays():
    """A voxel is marked touched when it meets a triangle's bounding box, and only then: on an
    axis-aligned box each touched voxel lies within half a voxel of a face plane, in its rectangle."""
    box = trimesh.creation.box(2 * HALF)
    solid = Solid(box.vertices, box.faces)
    touched = np.argwhere(solid._state == 2)
    low = solid._grid_low + touched * inside.VOXEL_MM
    high = low + inside.VOXEL_MM
    # the voxel's cube meets the box's surface: it overlaps the closed box and is not inside it
    meets_box = ((high >= -HALF) & (low <= HALF)).all(axis=1)
    strictly_inside = ((low > -HALF) & (high < HALF)).all(axis=1)
    assert meets_box.all() and not strictly_inside.any()
    # and every voxel that meets the surface is touched (the box's triangles cover its faces)
    every = np.argwhere(np.ones(solid._grid_shape, bool))
    elow = solid._grid_low + every * inside.VOXEL_MM
    ehigh = elow + inside.VOXEL_MM
    expected = ((ehigh >= -HALF) & (elow <= HALF)).all(axis=1) & ~((elow > -HALF) & (ehigh < HALF)).all(axis=1)
    assert len(touched) == expected.sum()


def test_every_bin_has_its_range_even_the_empty_last_ones():
    vertices, faces = _tilted_box()
    for cell in (0.35, 1.0):
        bins = Solid(vertices, faces, cell=cell)._bins
        assert len(bins.start) == bins.shape.prod() + 1
        assert bins.start[-1] == len(bins.members)


def test_chunks_keep_the_point_triangle_pairs_bounded(monkeypatch):
    """Memory stays bounded: each chunk holds at most CHUNK_PAIRS pairs plus one point's own,
    and there are no more chunks than that bound needs."""
    vertices, faces = _hollow_box()
    solid = Solid(vertices, faces)
    points = _points(np.random.default_rng(8), HALF, 800)
    cell = solid._bins.cells(points)
    counts = np.where(cell >= 0, solid._bins.start[np.maximum(cell, 0) + 1] - solid._bins.start[np.maximum(cell, 0)], 0)
    sizes = []
    original = Solid._hits

    def spy(points, triangles, bins):
        sizes.append(len(points))
        return original(points, triangles, bins)

    monkeypatch.setattr(Solid, "_hits", staticmethod(spy))
    monkeypatch.setattr(inside, "CHUNK_PAIRS", 50)
    crossings = solid._crossings(points, solid._bins)
    assert sum(sizes) == counts.sum()
    assert max(sizes) <= 50 + counts.max()
    assert len(sizes) <= counts.sum() // 50 + 2
    assert ((crossings % 2 == 1) == _expected_hollow(points)).all()


def _l_prism() -> tuple[np.ndarray, np.ndarray]:
    """An L-shaped block, 10 x 10 mm with 3 mm arms, 4 mm high: its shadow leaves the corner of its
    bounding box empty, so the last bins hold no triangle."""
    outline = np.array([(0, 0), (10, 0), (10, 3), (3, 3), (3, 10), (0, 10)], float)
    n = len(outline)
    vertices = np.vstack([np.c_[outline, np.zeros(n)], np.c_[outline, np.full(n, 4.0)]])
    fan = [(0, k, k + 1) for k in range(1, n - 1)]  # star-shaped from (0, 0)
    faces = [(a, c, b) for a, b, c in fan] + [(a + n, b + n, c + n) for a, b, c in fan]
    for k in range(n):
        j = (k + 1) % n
        faces += [(k, j, j + n), (k, j + n, k + n)]
    return vertices, np.array(faces)


def test_an_l_shaped_block_and_rays_from_its_empty_corner():
    solid = Solid(*_l_prism())
    rng = np.random.default_rng(9)
    points = rng.uniform([-2, -2, -2], [12, 12, 6], (4000, 3))
    x, y, z = points.T
    expected = (z > 0) & (z < 4) & (((x > 0) & (x < 10) & (y > 0) & (y < 3)) | ((x > 0) & (x < 3) & (y > 0) & (y < 10)))
    assert (solid.contains(points) == expected).all()
    assert (solid._ray_contains(points) == expected).all()
    corner = np.array([[10.5, 9.5, 2.0], [9.5, 9.5, -1.0], [9.0, 9.0, 2.0]])  # in the empty last bins
    assert (solid._bins.cells(corner) >= 0).all()
    assert not solid._ray_contains(corner).any()
    assert (solid._crossings(corner, solid._bins) == 0).all()
    assert np.allclose(solid.depth([[1.0, 1.0, 2.0], [2.5, 8.0, 1.5], [9.0, 9.0, 2.0]]), [1.0, 0.5, 0.0])
