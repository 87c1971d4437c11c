"""``viewer.scene.occlusion.surfaces_in_way``: which drawn surface hides a landmark, found from the
triangles whose outline box holds it (no window, no rendering)."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.scene.occlusion import _in_boxes, surfaces_in_way


@pytest.mark.parametrize("seed", range(40))
def test_the_pairs_are_every_point_in_every_box_in_order_of_box(seed):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, (rng.integers(0, 40), 2))
    points[rng.random(len(points)) < 0.3, 0] = 50.0  # points sharing an x, and boxes ending on it
    low = rng.uniform(0, 100, (rng.integers(0, 60), 2))
    high = low + rng.uniform(0, 40, low.shape)
    low[rng.random(len(low)) < 0.2, 0] = 50.0
    point, box = _in_boxes(points, low, high)
    inside = np.all((points[:, None] >= low[None]) & (points[:, None] <= high[None]), axis=2)  # (points, boxes)
    expected_box, expected_point = np.nonzero(inside.T)
    assert sorted(zip(box.tolist(), point.tolist())) == sorted(zip(expected_box.tolist(), expected_point.tolist()))
    assert (np.diff(box) >= 0).all()


def test_the_nearest_is_not_what_counts_but_the_first_surface_in_front():
    """A point behind two triangles of different surfaces is hidden by the first in the list; a
    surface flagged as its own (a muscle attaching there) does not hide it; a triangle behind it,
    or beside it by more than the graze, does not either."""
    triangle = np.array([[0.0, 0], [10, 0], [0, 10]])
    triangles = np.stack([triangle, triangle, triangle + [20, 0], triangle])
    depths = np.array([[0.5] * 3, [0.2] * 3, [0.1] * 3, [0.9] * 3])
    owner = np.array([1, 0, 0, 2])
    points = np.array([[2.0, 2], [2.0, 2], [13.0, 2], [2.0, 2]])
    ignore = np.array([[False] * 3, [False, True, False], [False] * 3, [True, True, False]])
    found = surfaces_in_way(points, np.array([0.7, 0.7, 0.7, 0.7]), triangles, depths, owner, ignore)
    assert found.tolist() == [1, 0, -1, -1]
    assert surfaces_in_way(np.array([[2.0, 2]]), np.array([0.4]), triangles[:1], depths[:1], owner[:1]).tolist() == [-1]
    assert surfaces_in_way(np.zeros((0, 2)), np.zeros(0), triangles, depths, owner).tolist() == []
