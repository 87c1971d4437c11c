"""The depth grid (``viewer.anatomy.depth_field``) on boxes whose depths are known exactly, at a
voxel other than 1 mm, so that a unit swapped for its inverse shows. Written to kill the mutants
mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import numpy as np
import trimesh
from scipy import ndimage

from viewer.anatomy.depth_field import DepthField, DepthFields, _capped_distance, _column_crossings

BOX_LOW = np.array([3.0, -5.0, 11.0])
BOX_SIZE = np.array([10.0, 14.0, 8.0])  # no two sides alike, so swapped axes show


def _box():
    box = trimesh.creation.box(BOX_SIZE)
    box.apply_translation(BOX_LOW + BOX_SIZE / 2)
    return box


def _centres(field):
    axes = [field.low[k] + field.voxel * np.arange(field.depths.shape[k]) for k in range(3)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)


def _box_depth(points):
    """Exact depth inside the box (distance to its nearest face), 0 outside."""
    depth = np.minimum(points - BOX_LOW, BOX_LOW + BOX_SIZE - points).min(axis=1)
    return np.maximum(depth, 0.0)


def test_the_grid_spans_the_box_asked_for_two_voxels_wider_each_side():
    box = _box()
    low, high = BOX_LOW - 0.3, BOX_LOW + BOX_SIZE + 0.3
    field = DepthField(box.vertices, box.faces, low, high, voxel=0.5, cap=2.0)
    np.testing.assert_allclose(field.low, low - 1.0)
    assert field.depths.shape == tuple(np.floor((high + 1.0 - field.low) / 0.5).astype(int) + 1)
    assert field.voxel == 0.5 and field.cap == 1.75  # 4 steps of 0.5 mm, less half a voxel


def test_every_voxel_centre_is_inside_exactly_when_it_is_inside_the_box_and_its_depth_is_the_boxs():
    box = _box()
    field = DepthField(box.vertices, box.faces, BOX_LOW - 0.3, BOX_LOW + BOX_SIZE + 0.3, voxel=0.5, cap=2.0)
    centres = _centres(field)
    exact = _box_depth(centres)
    grid = field.depths.reshape(-1)
    assert ((grid > 0) == (exact > 0)).all()
    assert np.abs(grid - np.minimum(exact, field.cap)).max() <= field.voxel
    assert grid.max() == field.cap
    # a lookup at a voxel centre reads that voxel's depth
    np.testing.assert_allclose(field.depth(centres), grid, atol=1e-9)
    points = np.random.default_rng(3).uniform(BOX_LOW - 3, BOX_LOW + BOX_SIZE + 3, (3000, 3))
    depth = field(points)
    assert np.abs(depth - np.minimum(_box_depth(points), field.cap)).max() <= field.voxel
    assert (depth[_box_depth(points) == 0] < field.voxel).all()


def test_a_field_around_a_corner_crops_the_box_yet_keeps_its_inside():
    box = _box()
    corner = BOX_LOW + [2.2, 3.1, 6.0]  # 2 mm of box below the grid
    field = DepthField.around(box.vertices, box.faces, corner, 4.0, voxel=0.5, cap=3.0)
    assert field.voxel == 0.5 and field.cap == 2.75
    np.testing.assert_allclose(field.low, np.maximum(BOX_LOW, corner - 4.0) - 1.0)
    centres = _centres(field)
    inside = _box_depth(centres) > 0
    assert inside.sum() > 100 and (~inside).sum() > 100
    # the grid's bottom row is inside the box too: crossings below the grid count there
    assert (field.depths.reshape(-1) > 0)[inside].all()
    assert (field.depths[:, :, 0] > 0).any()
    # reaching past the box crops nothing, on any axis
    whole = DepthField.around(box.vertices, box.faces, corner, 100.0, voxel=0.5, cap=3.0)
    assert whole.depths.shape == DepthField(box.vertices, box.faces, BOX_LOW, BOX_LOW + BOX_SIZE, voxel=0.5).depths.shape


def test_a_one_voxel_plate_reads_its_depth_at_its_centres():
    """The plate is one voxel thick: every inside voxel must still be looked up, not read as 0."""
    plate = trimesh.creation.box((0.8, 6.0, 6.0))  # centres at x = 0 only, with voxel 1 and the grid below
    field = DepthField(plate.vertices, plate.faces, [-0.4, -3.0, -3.0], [0.4, 3.0, 3.0], voxel=1.0)
    centres = _centres(field)
    inside = field.depths.reshape(-1) > 0
    assert inside.sum() >= 25
    np.testing.assert_allclose(field(centres[inside]), field.depths.reshape(-1)[inside])
    assert (field(centres[inside]) == 0.5).all()


def test_column_crossings_on_a_square_split_along_its_diagonal():
    """A square at height 2 from two triangles whose shared edge runs through the column points:
    each column inside the square must meet exactly one of them, including the first and last."""
    a, b, c, d = [-0.2, -0.2, 2.0], [1.2, -0.2, 2.0], [1.2, 1.2, 2.0], [-0.2, 1.2, 2.0]
    triangles = np.array([[a, b, c], [a, c, d]])
    xs = ys = np.array([0.0, 0.5, 1.0])
    column, height = _column_crossings(triangles, xs, ys)
    assert sorted(column) == list(range(9))
    np.testing.assert_allclose(height, 2.0)
    one = _column_crossings(triangles, np.array([0.5]), np.array([0.5]))
    assert list(one[0]) == [0]
    two = _column_crossings(triangles, np.array([0.0, 1.0]), np.array([0.5]))
    assert sorted(two[0]) == [0, 1]
    apart = _column_crossings(triangles, np.array([0.0, 0.5]), np.array([0.0, 0.5]))
    assert sorted(apart[0]) == [0, 1, 2, 3]


def test_column_crossings_two_millimetres_apart_find_a_square_away_from_the_first_column():
    a, b, c, d = [2.5, 2.5, 1.0], [6.5, 2.5, 1.0], [6.5, 6.5, 1.0], [2.5, 6.5, 1.0]
    triangles = np.array([[a, b, c], [a, c, d]])
    grid = np.arange(5) * 2.0
    column, _ = _column_crossings(triangles, grid, grid)
    assert sorted(column) == [2 * 5 + 2, 2 * 5 + 3, 3 * 5 + 2, 3 * 5 + 3]
    small = np.array([[[1.5, 1.5, 0.0], [2.5, 1.5, 0.0], [2.5, 2.5, 0.0]], [[1.5, 1.5, 0.0], [2.5, 2.5, 0.0], [1.5, 2.5, 0.0]]])
    pair = np.array([0.0, 2.0])
    assert list(_column_crossings(small, pair, pair)[0]) == [3]


def test_capped_distance_in_a_solid_block_deeper_than_the_cap():
    inside = np.zeros((34, 30, 32), dtype=bool)
    inside[1:-1, 1:-1, 1:-1] = True
    exact = ndimage.distance_transform_edt(np.pad(inside, 1))[1:-1, 1:-1, 1:-1]
    for cap in (6, 12):
        capped = _capped_distance(inside, cap)
        assert capped.dtype == np.float32
        np.testing.assert_allclose(capped, np.minimum(exact, cap), atol=1e-6)


def _turn(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])


def test_fields_asked_together_read_what_each_field_reads_alone():
    """Three grids of different shapes laid end to end: every point, in and around each, reads the
    depth its own field gives (a stride or a start off by one reads a neighbour's voxels)."""
    box, ball = _box(), trimesh.creation.icosphere(subdivisions=3, radius=9.0)
    fields = [DepthField(box.vertices, box.faces, BOX_LOW, BOX_LOW + BOX_SIZE, voxel=0.5, cap=3.0),
              DepthField(ball.vertices, ball.faces, [-9.0, -9.0, -9.0], [9.0, 9.0, 9.0], voxel=0.5, cap=3.0),
              DepthField(box.vertices, box.faces, BOX_LOW, BOX_LOW + BOX_SIZE - [0.0, 7.0, 0.0], voxel=0.5, cap=3.0)]  # cut: bone at its edge
    together = DepthFields(fields)
    rng = np.random.default_rng(3)
    for k, field in enumerate(fields):
        points = rng.uniform(field.low - 3.0, field.low + np.array(field.depths.shape) * field.voxel + 3.0, (4000, 3))
        alone = field.depth(points)
        assert (alone > 0).sum() > 500 and (alone == 0).sum() > 500
        np.testing.assert_allclose(together.depth(np.full(len(points), k), points), alone, atol=1e-6)
        np.testing.assert_allclose(together.interpolate(np.full(len(points), k), points), alone, atol=1e-6)


def test_the_candidates_of_a_placed_field_hold_every_point_inside_and_few_outside():
    """A bone turned and moved: a point whose depth in the bone's frame is above 0 is always a
    candidate; points far from the bone never are."""
    box = _box()
    field = DepthField(box.vertices, box.faces, BOX_LOW, BOX_LOW + BOX_SIZE, voxel=0.5, cap=3.0)
    together = DepthFields([field])
    rotation, shift = _turn(35.0), np.array([40.0, -20.0, 5.0])
    local = np.random.default_rng(4).uniform(BOX_LOW - 6.0, BOX_LOW + BOX_SIZE + 6.0, (5000, 3))
    world = local @ rotation.T + shift
    candidate = together.candidates(0, world, rotation, shift)
    depth = field.depth(local)
    assert candidate[depth > 0].all()
    outside = _box_depth(local) == 0
    far = outside & (np.minimum(local - BOX_LOW, BOX_LOW + BOX_SIZE - local).min(axis=1) < -2.0)
    assert far.sum() > 1000 and not candidate[far].any()
    assert not together.candidates(0, world + 1000.0, rotation, shift).any()  # off the grid: clipped onto its border


def test_fields_of_different_voxels_are_refused():
    box = _box()
    fields = [DepthField(box.vertices, box.faces, BOX_LOW, BOX_LOW + BOX_SIZE, voxel=v) for v in (0.5, 1.0)]
    try:
        DepthFields(fields)
    except ValueError as error:
        assert "voxel" in str(error)
    else:
        raise AssertionError("fields of 0.5 and 1 mm voxels were stacked")


def _grids():
    """Small hand-made grids (one a single cell) with depths above 0 in some voxels and 0 in the
    rest, at a voxel and corners that binary fractions hit exactly."""
    from types import SimpleNamespace

    rng = np.random.default_rng(11)
    grids = []
    for shape, low in (((6, 5, 4), [1.5, -2.0, 0.25]), ((2, 2, 2), [-0.5, 0.0, 3.0]), ((4, 2, 3), [0.0, 1.0, -1.5])):
        depths = (rng.random(shape) + 0.5) * (rng.random(shape) < 0.15)
        depths.flat[0] = depths.flat[-1] = 1.25  # bone at both far corners of the grid
        grids.append(SimpleNamespace(voxel=0.5, low=np.array(low), depths=depths.astype(np.float32)))
    return grids


def _grid_points(grid, rng):
    """Every voxel centre and cell middle, points on the grid's six faces, inside, and off each side."""
    n = np.array(grid.depths.shape)
    steps = [np.arange(0.0, k - 0.75, 0.5) for k in n]
    index = np.stack(np.meshgrid(*steps, indexing="ij"), axis=-1).reshape(-1, 3)
    index = np.concatenate([index, rng.uniform(-1.5, n + 0.5, (400, 3)), rng.uniform(0.0, n - 1, (400, 3))])
    return grid.low + index * grid.voxel


def test_interpolate_reads_map_coordinates_on_hand_made_grids_to_their_edges():
    """A point exactly on a grid's first or last plane reads the depth there (the bone reaches the
    grid's edge); a point beyond it reads 0, and a single-cell grid is read too."""
    grids = _grids()
    together = DepthFields(grids)
    rng = np.random.default_rng(12)
    for k, grid in enumerate(grids):
        points = _grid_points(grid, rng)
        expected = ndimage.map_coordinates(grid.depths.astype(float), ((points - grid.low) / grid.voxel).T, order=1, mode="constant", cval=0.0)
        assert (expected[np.all(points == grid.low, axis=1)] == 1.25).all()
        top = grid.low + (np.array(grid.depths.shape) - 1) * grid.voxel
        assert (expected[np.all(points == top, axis=1)] == 1.25).all()
        np.testing.assert_allclose(together.interpolate(np.full(len(points), k), points), expected, atol=1e-6)
        np.testing.assert_allclose(DepthFields([grid]).interpolate(np.zeros(len(points), int), points), expected, atol=1e-6)  # alone
        np.testing.assert_allclose(together.depth(np.full(len(points), k), points), expected, atol=1e-6)  # the last planes too


def test_a_cell_is_a_candidate_only_if_a_corner_is_above_zero_and_off_the_grid_never():
    grids = _grids()
    together = DepthFields(grids)
    rng = np.random.default_rng(13)
    flagged = []
    for k, grid in enumerate(grids):
        n = np.array(grid.depths.shape)
        index = rng.uniform(0.0, n - 1, (2000, 3))
        cell = np.minimum(np.floor(index).astype(int), n - 2)
        corners = np.stack([grid.depths[tuple((cell + c).T)] for c in np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)])])
        some = (corners > 0).any(axis=0)
        flagged.append(some)
        candidate = together.candidates(k, grid.low + index * grid.voxel, np.eye(3), np.zeros(3))
        np.testing.assert_array_equal(candidate, some)
        for side in np.concatenate([np.eye(3), -np.eye(3)]):
            off = grid.low + (n - 1) * grid.voxel / 2 + side * (n * grid.voxel + 7.0)
            assert not together.candidates(k, off[None], np.eye(3), np.zeros(3)).any()
        beyond_corners = grid.low + np.array([[-7.0, -7.0, -7.0], (n - 1) * grid.voxel + 7.0])  # past the flagged corner voxels
        assert not together.candidates(k, beyond_corners, np.eye(3), np.zeros(3)).any()
    assert all(some.any() for some in flagged) and not all(some.all() for some in flagged)


def test_no_fields_stack_to_nothing_at_a_1_mm_voxel():
    together = DepthFields([])
    assert together.voxel == 1.0 and together.low.shape == (0, 3) and together.shape.shape == (0, 3)
    assert together.interpolate(np.zeros(0, int), np.zeros((0, 3))).shape == (0,)
