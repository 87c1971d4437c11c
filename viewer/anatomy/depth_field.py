"""How deep a point lies inside a closed surface, as a grid looked up in microseconds.

The surface is voxelised by ray parity along vertical columns (the test of
:mod:`viewer.anatomy.inside`, one ray per column finding every crossing at once), and the
Euclidean distance transform of that voxel grid gives each inside voxel its distance to the
nearest outside one. A query is a trilinear lookup, so thousands of points cost a fraction of a
millisecond: fast enough to ask, at every step of a slider drag, whether one bone has run into
another. The depth is that of the voxel grid, within about a voxel of the exact distance to the
triangles (tests compare the two), up to a cap (a few millimetres: what decides whether two bones
overlap); points outside the grid are outside.
"""

from __future__ import annotations

import numpy as np

VOXEL_MM = 1.0
CAP_MM = 6.0  # depths are exact (to the voxel grid) up to this, and this beyond it
NUDGE_MM = (3.71e-7, 1.93e-7)  # keeps the column rays off shared edges and vertices, as in inside.py
CORNERS = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=np.int64)  # a voxel cell's corners


def _column_crossings(triangles: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every crossing of a vertical line at each (xs[i], ys[j]) with the triangles: (column index, height)."""
    low = np.array([xs[0], ys[0]])
    step = xs[1] - xs[0] if len(xs) > 1 else 1.0
    flat = triangles[:, :, :2]
    first = np.ceil((flat.min(axis=1) - low) / step).astype(int)
    last = np.floor((flat.max(axis=1) - low) / step).astype(int)
    first, last = np.maximum(first, 0), np.minimum(last, [len(xs) - 1, len(ys) - 1])
    spans = np.maximum(last - first + 1, 0)
    counts = spans[:, 0] * spans[:, 1]
    triangle = np.repeat(np.arange(len(triangles)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    i = first[triangle, 0] + k % np.maximum(spans[triangle, 0], 1)
    j = first[triangle, 1] + k // np.maximum(spans[triangle, 0], 1)
    pu, pv = xs[i] + NUDGE_MM[0], ys[j] + NUDGE_MM[1]
    a, b, c = (triangles[triangle, n] for n in range(3))

    def edge(p, q):
        return (q[:, 0] - p[:, 0]) * (pv - p[:, 1]) - (q[:, 1] - p[:, 1]) * (pu - p[:, 0])

    wc, wa, wb = edge(a, b), edge(b, c), edge(c, a)
    hit = ((wa > 0) & (wb > 0) & (wc > 0)) | ((wa < 0) & (wb < 0) & (wc < 0))
    total = np.where(hit, wa + wb + wc, 1.0)
    height = (wa * a[:, 2] + wb * b[:, 2] + wc * c[:, 2]) / total
    return (i * len(ys) + j)[hit], height[hit]


def _capped_distance(inside: np.ndarray, cap: int) -> np.ndarray:
    """Distance (voxels) from each voxel to the nearest voxel not ``inside``, exact up to ``cap``
    and ``cap`` beyond: the separable squared distance transform (along z, then y, then x), each
    pass a minimum over the ``2 * cap + 1`` shifts of the array. Cheaper than scipy's full
    transform here, where only a few millimetres matter; squared distances are small whole
    numbers, so they are kept in the smallest integer type that holds them."""
    big = cap * cap
    dtype = np.uint8 if 2 * big < 256 else np.uint16 if 2 * big < 65536 else np.uint32
    squared = np.where(inside, big, 0).astype(dtype)
    for axis in (2, 1, 0):
        padded_shape = list(inside.shape)
        padded_shape[axis] += 2 * cap
        padded = np.zeros(padded_shape, dtype)  # beyond the grid is outside
        padded[tuple(slice(cap, cap + inside.shape[axis]) if k == axis else slice(None) for k in range(3))] = squared
        best, shifted = squared.copy(), np.empty_like(squared)
        for shift in range(-cap, cap + 1):
            if shift:
                window = tuple(slice(cap + shift, cap + shift + inside.shape[axis]) if k == axis else slice(None) for k in range(3))
                np.add(padded[window], dtype(shift * shift), out=shifted)
                np.minimum(best, shifted, out=best)
        squared = np.minimum(best, dtype(big))
    return np.sqrt(squared.astype(np.float32))


class DepthField:
    """Depth (mm) inside a closed triangle surface, on a voxel grid over ``low``..``high``.

    Examples
    --------
    >>> import trimesh
    >>> box = trimesh.creation.box((20, 20, 20))
    >>> field = DepthField(box.vertices, box.faces, box.vertices.min(0), box.vertices.max(0))
    >>> depth = field.depth(np.array([[0.0, 0, 7], [0, 0, 9], [0, 0, 15]]))
    >>> bool(np.abs(depth - [3, 1, 0]).max() <= field.voxel)  # exact to within a voxel
    True
    >>> float(field.depth(np.zeros((1, 3)))[0]) == field.cap  # 10 mm deep: beyond the cap
    True
    """

    def __init__(self, vertices: np.ndarray, faces: np.ndarray, low: np.ndarray, high: np.ndarray, voxel: float = VOXEL_MM,
                 cap: float = CAP_MM):
        triangles = np.asarray(vertices, float)[np.asarray(faces, int)]
        self.voxel = voxel
        self.low = np.asarray(low, float) - 2 * voxel
        shape = np.floor((np.asarray(high, float) + 2 * voxel - self.low) / voxel).astype(int) + 1
        xs, ys = (self.low[k] + voxel * np.arange(shape[k]) for k in range(2))
        column, height = _column_crossings(triangles, xs, ys)
        # a voxel centre is inside when its upward ray crosses the surface an odd number of times
        flips = np.zeros((shape[0] * shape[1], shape[2] + 1), dtype=np.int32)
        rows = np.clip(np.ceil((height - self.low[2]) / voxel).astype(int), 0, shape[2])
        np.add.at(flips, (column, rows), 1)
        # crossings at or below a voxel's height, counted from the bottom: parity below == parity above for a closed surface
        inside = (np.cumsum(flips, axis=1)[:, :-1] % 2 == 1).reshape(shape)
        steps = int(np.ceil(cap / voxel))
        self.cap = (steps - 0.5) * voxel  # the deepest depth the field tells apart
        self.depths = np.where(inside, _capped_distance(inside, steps) * np.float32(voxel) - np.float32(0.5 * voxel), np.float32(0.0))
        # voxels with an inside voxel among their 26 neighbours: only a point whose nearest voxel is
        # one of these can read a depth above 0, so only those are interpolated
        self._near = inside.copy()
        for axis in range(3):
            grown = self._near.copy()
            low_side = [slice(None)] * 3
            high_side = [slice(None)] * 3
            low_side[axis], high_side[axis] = slice(None, -1), slice(1, None)
            grown[tuple(low_side)] |= self._near[tuple(high_side)]
            grown[tuple(high_side)] |= self._near[tuple(low_side)]
            self._near = grown

    @classmethod
    def around(cls, vertices: np.ndarray, faces: np.ndarray, centre: np.ndarray, reach: float, voxel: float = VOXEL_MM,
               cap: float = CAP_MM) -> DepthField:
        """The field over the part of the surface's box within ``reach`` (mm) of ``centre``."""
        vertices = np.asarray(vertices, float)
        return cls(vertices, faces, np.maximum(vertices.min(axis=0), centre - reach),
                   np.minimum(vertices.max(axis=0), centre + reach), voxel, cap)

    def depth(self, points: np.ndarray) -> np.ndarray:
        """Depth (mm) of each point (n, 3): trilinear in the grid, 0 outside it."""
        from scipy import ndimage

        points = np.asarray(points, float).reshape(-1, 3)
        position = (points - self.low) / self.voxel
        nearest = np.rint(position).astype(int)
        inside_grid = np.all((nearest >= 0) & (nearest < self.depths.shape), axis=1)
        near = np.zeros(len(points), dtype=bool)
        near[inside_grid] = self._near[tuple(nearest[inside_grid].T)]
        out = np.zeros(len(points))
        if near.any():
            out[near] = ndimage.map_coordinates(self.depths, position[near].T, order=1, mode="constant", cval=0.0)
        return out

    __call__ = depth


def _any_corner(inside: np.ndarray) -> np.ndarray:
    """For each cell between eight voxel centres (one fewer than voxels along each axis), whether
    any of its corners is ``inside``."""
    out = np.zeros(tuple(n - 1 for n in inside.shape), dtype=bool)
    for x in (0, 1):
        for y in (0, 1):
            for z in (0, 1):
                out |= inside[x:x + out.shape[0], y:y + out.shape[1], z:z + out.shape[2]]
    return out


class DepthFields:
    """Several depth fields of one voxel size, each in its own frame, asked together.

    The push of the muscle surfaces off the bones at the hips (``HipPush.push``) asks five fields
    about thousands of points twice or three times a pose. A trilinear depth is above 0 only in a
    grid cell with a corner inside, so each field keeps a flag a cell, "a corner is inside", with a
    border of unflagged cells round the grid: a point is placed on it with one product (the bone's
    transform folded in) and no bounds test (a point off the grid is clipped onto the border), and
    only the flagged few are interpolated, all fields at once. A depth reads what
    :meth:`DepthField.depth` reads (trilinear, 0 off the grid). Against the 26 neighbours of the
    nearest voxel, which ``DepthField`` asks, the flags cut the points interpolated in the push's
    first round from about 3,400 a pose here to the few hundred truly inside (about 120 in the
    benchmark's gait)."""

    def __init__(self, fields: list[DepthField]):
        voxels = {field.voxel for field in fields}
        if len(voxels) > 1:
            raise ValueError(f"depth fields of different voxel sizes ({sorted(voxels)}) cannot be looked up together")
        self.voxel = voxels.pop() if voxels else 1.0
        self.low = np.array([field.low for field in fields]).reshape(-1, 3)
        self.shape = np.array([field.depths.shape for field in fields], dtype=np.int64).reshape(-1, 3)
        self.strides = np.stack([self.shape[:, 1] * self.shape[:, 2], self.shape[:, 2], np.ones(len(fields), np.int64)], axis=1)
        self.start = np.concatenate([[0], np.cumsum(self.shape.prod(axis=1))[:-1]]).astype(np.int64)
        self._depths = np.concatenate([field.depths.ravel() for field in fields] + [np.zeros(0, np.float32)])
        self._corner_steps = self.strides @ CORNERS.T  # (fields, 8): from a cell's low corner to each of its corners
        self._cells = [np.pad(_any_corner(field.depths > 0), 1).ravel() for field in fields]
        self._cell_strides = [np.array([n[1] * n[2], n[2], 1.0]) for n in self.shape + 1]  # the bordered cells: one more than voxels

    def candidates(self, k: int, points: np.ndarray, rotation: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """Which of the points (n, 3), in scene coordinates, may be inside field ``k``'s surface
        when its bone is placed by ``rotation`` and ``shift`` (the rest are surely outside)."""
        position = points @ (rotation / self.voxel) + (1.0 - (shift @ rotation + self.low[k]) / self.voxel)  # on the bordered cells
        top = self.shape[k].astype(float)  # the grid's last planes, on the bordered cells
        np.clip(position, 0.0, top + 0.5, out=position)  # off the grid: onto the border
        cell = np.floor(position) - (position == top)  # a point on a last plane is in the cell below it
        return self._cells[k][(cell @ self._cell_strides[k]).astype(np.intp)]

    def depth(self, which: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Depth (mm) of each point (m, 3), given in the frame of its field ``which`` (m,)."""
        out = np.zeros(len(points))
        for k in np.unique(which):
            mine = np.nonzero(which == k)[0]
            near = self.candidates(int(k), points[mine], np.eye(3), np.zeros(3))
            mine = mine[near]
            out[mine] = self.interpolate(which[mine], points[mine])
        return out

    def interpolate(self, which: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Depth (mm) of points (m, 3) in the frames of their fields ``which`` (m,), trilinear, as
        map_coordinates (order 1, mode "constant") reads it: 0 off the grid's span. Unlike
        :meth:`depth`, it does not first look whether a point may be inside."""
        position = (points - self.low[which]) / self.voxel
        shape = self.shape[which]
        within = np.all((position >= 0) & (position <= shape - 1), axis=1)
        corner = np.minimum(np.floor(position).astype(np.int64), shape - 2)
        fraction = position - corner
        base = np.where(within, self.start[which] + (corner * self.strides[which]).sum(axis=1), 0)
        value = self._depths[base[:, None] + self._corner_steps[which]].reshape(-1, 2, 2, 2)  # the cell's corners (m, x, y, z)
        value = value[:, 0] + (value[:, 1] - value[:, 0]) * fraction[:, 0, None, None]  # along x, then y, then z
        value = value[:, 0] + (value[:, 1] - value[:, 0]) * fraction[:, 1, None]
        value = value[:, 0] + (value[:, 1] - value[:, 0]) * fraction[:, 2]
        return np.where(within, value, 0.0)
