"""Muscle paths around a sphere: the shortest path from A to B that stays outside it.

Vectorised over many A-B pairs, each with its own sphere if need be, so that the fascicles of
every muscle wrap in one pass. The "side" point says on which side of the obstacle the muscle
must pass (as MuJoCo's side sites do), so the psoas goes in front of the hip and never behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SphereWrap:
    """Result for n pairs: tangent points, arc lengths and K samples along each contact arc."""

    first: np.ndarray  # (n, 3) where the path meets the sphere (or a point on the straight line)
    last: np.ndarray  # (n, 3) where it leaves it
    between: np.ndarray  # (n,) path length from first to last (the arc, or the straight piece)
    samples: np.ndarray  # (n, K, 3) points from first to last
    wrapped: np.ndarray  # (n,) bool


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norm > 1e-12, norm, 1.0)


def wrap_sphere(a: np.ndarray, b: np.ndarray, centre: np.ndarray, radius, side: np.ndarray, samples: int = 8) -> SphereWrap:
    """Shortest path from each ``a`` to each ``b`` around a sphere, on the side of ``side``.

    ``centre`` (3,) or (n, 3), ``radius`` a number or (n,) and ``side`` (3,) or (n, 3) give one
    sphere for all pairs or one per pair.
    """
    a, b = np.atleast_2d(a).astype(float), np.atleast_2d(b).astype(float)
    a, b = np.broadcast_arrays(a, b)
    centre = np.broadcast_to(np.asarray(centre, float), a.shape)
    radius = np.broadcast_to(np.asarray(radius, float), a.shape[:1])
    ra, rb = a - centre, b - centre
    da, db = np.linalg.norm(ra, axis=1), np.linalg.norm(rb, axis=1)
    normal = np.cross(ra, rb)
    fallback = np.cross(ra, side - centre)
    degenerate = np.linalg.norm(normal, axis=1) < 1e-9 * np.maximum(da * db, 1e-12)
    normal = _unit(np.where(degenerate[:, None], fallback, normal))
    e1 = _unit(ra)
    e2 = _unit(np.cross(normal, e1))
    beta = np.arctan2(np.einsum("ij,ij->i", rb, e2), np.einsum("ij,ij->i", rb, e1))
    outside = (da > radius) & (db > radius)
    alpha_a = np.arccos(np.clip(radius / np.maximum(da, 1e-12), -1.0, 1.0))
    alpha_b = np.arccos(np.clip(radius / np.maximum(db, 1e-12), -1.0, 1.0))
    # As in MuJoCo: contact only where the straight line cuts the sphere. Of the two ways
    # round, the short one and the one round the far side, take the one whose middle lies
    # nearer the side point.
    short_start, short_end = alpha_a, beta - alpha_b
    long_start, long_end = -alpha_a, beta + alpha_b - 2 * np.pi

    def middle(begin, finish):
        angle = (begin + finish)[:, None] / 2
        return centre + radius[:, None] * (np.cos(angle) * e1 + np.sin(angle) * e2)

    side = np.asarray(side, float)
    short_side = np.linalg.norm(middle(short_start, short_end) - side, axis=1) <= np.linalg.norm(
        middle(long_start, long_end) - side, axis=1
    )
    start = np.where(short_side, short_start, long_start)
    end = np.where(short_side, short_end, long_end)
    wrapped = outside & (alpha_a + alpha_b < beta)
    t = np.linspace(0.0, 1.0, samples)
    phi = start[:, None] + (end - start)[:, None] * t[None, :]
    on_arc = centre[:, None, :] + radius[:, None, None] * (np.cos(phi)[..., None] * e1[:, None, :] + np.sin(phi)[..., None] * e2[:, None, :])
    straight = a[:, None, :] + (b - a)[:, None, :] * ((t[None, :, None] + 0.5) / 2.0)
    points = np.where(wrapped[:, None, None], on_arc, straight)
    return SphereWrap(
        first=points[:, 0],
        last=points[:, -1],
        between=np.where(wrapped, radius * np.abs(end - start), np.linalg.norm(points[:, -1] - points[:, 0], axis=1)),
        samples=points,
        wrapped=wrapped,
    )
