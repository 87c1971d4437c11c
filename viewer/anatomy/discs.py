"""Intervertebral discs: which vertebrae each joins, and how its surface moves with them.

A disc is not rigid: its top is fixed to the endplate of the vertebra above and its bottom to
the endplate of the vertebra (or sacrum) below. Each point of a disc follows both bones, blended
by its height between the two endplate planes (the share of the upper bone rises from 0 on the
lower endplate to 1 on the upper one). The weights depend only on the standing surface, so they
are computed once; a pose then costs two matrix products per disc.

A disc's own frame (where landmarks on it are given) starts at the middle of its mid-plane, and
the matrix :func:`viewer.anatomy.kinematics.bone_transforms` gives a disc is the blend at its
mid-plane: exact for a point on the mid-plane, which is where the psoas slips from the discs are
placed (see ``tests/test_discs.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (disc id, name, bone above, bone below, FMA id), top to bottom. FMA names a disc after the
# vertebra above it ("intervertebral disk of first lumbar vertebra" is L1/L2); ids from
# BodyParts3D's FMA_ID_label_obj.csv, as listed in the project's fact sheet.
DISC_LEVELS: tuple[tuple[str, str, str, str, str], ...] = (
    ("disc_t12_l1", "T12/L1 intervertebral disc", "t12", "l1", "13509"),
    ("disc_l1_l2", "L1/L2 intervertebral disc", "l1", "l2", "16033"),
    ("disc_l2_l3", "L2/L3 intervertebral disc", "l2", "l3", "16034"),
    ("disc_l3_l4", "L3/L4 intervertebral disc", "l3", "l4", "16035"),
    ("disc_l4_l5", "L4/L5 intervertebral disc", "l4", "l5", "16036"),
    ("disc_l5_s1", "L5/S1 intervertebral disc", "l5", "sacrum", "16037"),
)


# A point this close to an endplate is on it (the pack stores coordinates to 1 um, as float32).
ON_PLANE_MM = 0.01


@dataclass(frozen=True)
class Plane:
    """A point and a unit normal; for an endplate the normal points up the spine."""

    centre: np.ndarray
    normal: np.ndarray

    def height(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points) - self.centre) @ self.normal


@dataclass(frozen=True)
class DiscJoin:
    """The two endplates a disc joins: the lower endplate of the bone above, the upper of the one below."""

    upper_bone: str
    upper: Plane
    lower: Plane

    @property
    def mid_plane(self) -> Plane:
        """The points as far from one endplate as from the other (where :meth:`weights` is 1/2): the
        plane bisecting the wedge between the endplates, through the point of it nearest the
        midpoint of their centres."""
        normal = self.upper.normal + self.lower.normal
        # (p - lower.centre) . lower.normal = (upper.centre - p) . upper.normal for every p on it
        offset = (self.lower.centre @ self.lower.normal + self.upper.centre @ self.upper.normal) / np.linalg.norm(normal)
        normal = normal / np.linalg.norm(normal)
        middle = (self.upper.centre + self.lower.centre) / 2.0
        return Plane(middle + (offset - middle @ normal) * normal, normal)

    def weights(self, points: np.ndarray) -> np.ndarray:
        """Share of the upper bone in each point's motion: its height between the endplates, 0 to 1."""
        above_lower = self.lower.height(points)
        below_upper = -self.upper.height(points)
        span = np.maximum(above_lower + below_upper, 1e-9)
        weights = np.clip(above_lower / span, 0.0, 1.0)
        weights[above_lower < ON_PLANE_MM] = 0.0
        weights[below_upper < ON_PLANE_MM] = 1.0
        return weights


def blend(points: np.ndarray, weights: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Points moved by a per-point blend of two 4x4 transforms (``weights``: share of ``upper``)."""
    w = weights[:, None]
    return w * (points @ upper[:3, :3].T + upper[:3, 3]) + (1.0 - w) * (points @ lower[:3, :3].T + lower[:3, 3])


class Bender:
    """Several discs posed together: one gather and two products for all their points and normals.

    ``discs``: (upper bone, lower bone, standing points, unit normals, weights) of each disc. The
    blended matrix of a point (its share of each bone's transform) is the same for its normal,
    which is then made unit again."""

    def __init__(self, discs: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray]]):
        self.bones = list(dict.fromkeys(bone for upper, lower, *_ in discs for bone in (upper, lower)))
        counts = [len(points) for _, _, points, _, _ in discs]
        self.slices = [slice(a, b) for a, b in zip(np.cumsum([0] + counts[:-1]), np.cumsum(counts))]
        self.points = np.vstack([np.zeros((0, 3))] + [points for _, _, points, _, _ in discs])
        self.normals = np.vstack([np.zeros((0, 3))] + [normals for _, _, _, normals, _ in discs])
        self.weights = np.concatenate([np.zeros(0)] + [weights for *_, weights in discs])[:, None, None]
        self.upper = np.repeat([self.bones.index(upper) for upper, *_ in discs], counts)
        self.lower = np.repeat([self.bones.index(lower) for _, lower, *_ in discs], counts)

    def pose(self, transforms: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Posed points and unit normals of every disc, stacked in the order given (see :attr:`slices`)."""
        stack = np.stack([transforms[bone][:3] for bone in self.bones])
        matrices = self.weights * stack[self.upper] + (1.0 - self.weights) * stack[self.lower]  # (n, 3, 4)
        # matrix times vector written out by column: quicker than einsum for 3x3 blocks
        normals = sum(matrices[:, :, k] * self.normals[:, k:k + 1] for k in range(3))
        points = sum(matrices[:, :, k] * self.points[:, k:k + 1] for k in range(3)) + matrices[:, :, 3]
        return points, normals / np.linalg.norm(normals, axis=1, keepdims=True)
