"""Which points on the bones a bone hides from the camera: for labels, and for choosing a view.

Each bone's light surface gets a VTK OBB tree once, in its standing position; a segment from a
point towards the eye is moved into each bone's standing frame instead of moving the bone.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkFiltersGeneral import vtkOBBTree

from viewer.anatomy.pack_frame import apply

OWN_SURFACE_MM = 6.0  # a point may lie just inside the light surface of its own bone: skip this much


class BoneOcclusion:
    """Line-of-sight tests against the bones of a scene."""

    def __init__(self, surfaces: dict):
        """``surfaces``: bone id -> pyvista PolyData of that bone standing (its light surface).

        The trees are built on the first test, not here: a screenshot without labels needs none.
        """
        self.surfaces = surfaces
        self._trees: dict[str, vtkOBBTree] = {}
        self.bounds = {bone_id: np.reshape(surface.bounds, (3, 2)).T for bone_id, surface in surfaces.items()}
        self._hits = vtkPoints()

    def _tree(self, bone_id: str) -> vtkOBBTree:
        if bone_id not in self._trees:
            tree = vtkOBBTree()
            tree.SetDataSet(self.surfaces[bone_id])
            tree.BuildLocator()
            self._trees[bone_id] = tree
        return self._trees[bone_id]

    def clear(self, points: np.ndarray, eyes: np.ndarray, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """For each point (n, 3), whether no bone lies between it and its eye point (n, 3)."""
        points, eyes = np.atleast_2d(points).astype(float), np.atleast_2d(eyes).astype(float)
        towards = eyes - points
        towards /= np.linalg.norm(towards, axis=1, keepdims=True)
        starts = points + OWN_SURFACE_MM * towards
        result = np.ones(len(points), dtype=bool)
        for bone_id in self.surfaces:
            inverse = np.linalg.inv(transforms[bone_id])
            a, b = apply(inverse, starts), apply(inverse, eyes)
            for k in np.nonzero(result & _segments_meet_box(a, b, self.bounds[bone_id]))[0]:
                if self._tree(bone_id).IntersectWithLine(a[k], b[k], self._hits, None) != 0:
                    result[k] = False
        return result


def _segments_meet_box(a: np.ndarray, b: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Which segments a->b pass through an axis-aligned box ((2, 3): low, high), vectorised slab test."""
    direction = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = (box[0] - a) / direction
        t1 = (box[1] - a) / direction
    near = np.nanmax(np.where(np.isnan(t0), -np.inf, np.minimum(t0, t1)), axis=1)
    far = np.nanmin(np.where(np.isnan(t1), np.inf, np.maximum(t0, t1)), axis=1)
    return (near <= far) & (far >= 0) & (near <= 1)


# A sight line passing this close outside a tube's drawn radius counts as blocked: the drawn surface
# is a polygon sampled along the centreline, and a leader ending on its edge would pick the muscle.
GRAZE_MM = 2.0


def tubes_in_way(points: np.ndarray, eyes: np.ndarray, centrelines: np.ndarray, radii: np.ndarray,
                 ignore: np.ndarray | None = None) -> np.ndarray:
    """For each point (n, 3), the index of a tube between it and its eye point (n, 3), or -1.

    Tubes are centrelines (t, p, 3) with radii (t, p): a segment from a point to its eye is
    blocked where it passes closer to a centreline than the radius there (a point inside a tube
    is hidden by it). Tubes that ``ignore`` (n, t) flags for a point do not count for it.
    """
    points, eyes = np.atleast_2d(points).astype(float), np.atleast_2d(eyes).astype(float)
    found = np.full(len(points), -1)
    if not len(points) or not len(centrelines):
        return found
    a, b = centrelines[:, :-1].reshape(-1, 3), centrelines[:, 1:].reshape(-1, 3)
    radius = ((radii[:, :-1] + radii[:, 1:]) / 2).reshape(-1)
    tube = np.repeat(np.arange(len(centrelines)), centrelines.shape[1] - 1)
    blocked = _distance_to_segments(points[:, None], eyes[:, None], a[None], b[None]) < radius + GRAZE_MM
    if ignore is not None:
        blocked &= ~ignore[:, tube]
    hit = blocked.any(axis=1)
    found[hit] = tube[np.argmax(blocked[hit], axis=1)]
    return found


def _distance_to_segments(p: np.ndarray, q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shortest distances between segments p-q and a-b, broadcast over leading axes
    (Ericson, Real-Time Collision Detection 5.1.9); p == q gives point-to-segment distances."""
    d1, d2, r = q - p, b - a, p - a
    aa, e = np.einsum("...i,...i->...", d1, d1), np.einsum("...i,...i->...", d2, d2)
    f, c, bb = np.einsum("...i,...i->...", d2, r), np.einsum("...i,...i->...", d1, r), np.einsum("...i,...i->...", d1, d2)
    aa, e = np.maximum(aa, 1e-12), np.maximum(e, 1e-12)
    denominator = aa * e - bb * bb
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(denominator > 1e-9, np.clip((bb * f - c * e) / denominator, 0, 1), 0.0)
    t = (bb * s + f) / e
    s = np.where(t < 0, np.clip(-c / aa, 0, 1), np.where(t > 1, np.clip((bb - c) / aa, 0, 1), s))
    t = np.clip(t, 0, 1)
    return np.linalg.norm((p + s[..., None] * d1) - (a + t[..., None] * d2), axis=-1)
