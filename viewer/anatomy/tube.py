"""The faces of a closed tube of rings, built once for a fixed number of rings and sides.

The muscle surfaces (:mod:`viewer.anatomy.muscle_shapes`) are tubes of this topology whose
vertices a pose change rewrites in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TubeTopology:
    """Faces of a closed tube: ``points`` rings of ``sides`` vertices plus two end caps."""

    points: int
    sides: int

    @property
    def n_vertices(self) -> int:
        return self.points * self.sides + 2

    def faces(self) -> np.ndarray:
        """Triangles (n, 3), wound so that normals point outwards."""
        p, s = self.points, self.sides
        ring = np.arange(s)
        nxt = (ring + 1) % s
        rows = np.arange(p - 1)[:, None] * s
        a, b = rows + ring, rows + nxt
        c, d = a + s, b + s
        side = np.concatenate([np.stack([a, b, c], -1), np.stack([b, d, c], -1)], axis=1).reshape(-1, 3)
        start, end = p * s, p * s + 1
        cap0 = np.stack([np.full(s, start), nxt, ring], -1)
        last = (p - 1) * s
        cap1 = np.stack([np.full(s, end), last + ring, last + nxt], -1)
        return np.vstack([side, cap0, cap1])
