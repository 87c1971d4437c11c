"""Muscle paths around a sphere: the shortest path from A to B that stays outside it.

Vectorised over many A-B pairs, each with its own sphere if need be, so that the fascicles of
every muscle wrap in one pass. The "side" point says on which side of the obstacle the muscle
must pass (as MuJoCo's side sites do), so the psoas goes in front of the hip and never behind.
"""

from __future__ import annotations

import functools
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


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...k,...k->...", a, b)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(_dot(v, v))


def _unit(v: np.ndarray) -> np.ndarray:
    norm = _norm(v)[..., None]
    return v / np.where(norm > 1e-12, norm, 1.0)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of rows (numpy's own costs more to set up than to compute on a few dozen rows)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


@functools.lru_cache(maxsize=8)
def _fractions(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Where the samples lie along the arc (0 to 1), and along the straight line when there is no contact."""
    t = np.linspace(0.0, 1.0, samples)
    return t, (t + 0.5) / 2.0


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
    da, db = _norm(ra), _norm(rb)
    normal = _cross(ra, rb)
    degenerate = _norm(normal) < 1e-9 * np.maximum(da * db, 1e-12)
    if degenerate.any():
        normal = np.where(degenerate[:, None], _cross(ra, side - centre), normal)
    normal = _unit(normal)
    e1 = ra / np.where(da > 1e-12, da, 1.0)[:, None]
    e2 = _unit(_cross(normal, e1))
    beta = np.arctan2(_dot(rb, e2), _dot(rb, e1))
    outside = (da > radius) & (db > radius)
    alpha_a = np.arccos(np.clip(radius / np.maximum(da, 1e-12), -1.0, 1.0))
    alpha_b = np.arccos(np.clip(radius / np.maximum(db, 1e-12), -1.0, 1.0))
    # As in MuJoCo: contact only where the straight line cuts the sphere. Of the two ways
    # round, the short one and the one round the far side, take the one whose middle lies
    # nearer the side point. Both middles are on the sphere, so the nearer one is the one
    # whose direction from the centre has the larger component towards the side point.
    short_start, short_end = alpha_a, beta - alpha_b
    long_start, long_end = -alpha_a, beta + alpha_b - 2 * np.pi
    towards = np.asarray(side, float) - centre
    e1_side, e2_side = _dot(towards, e1), _dot(towards, e2)
    short_middle, long_middle = (short_start + short_end) / 2, (long_start + long_end) / 2
    short_side = (np.cos(short_middle) * e1_side + np.sin(short_middle) * e2_side
                  >= np.cos(long_middle) * e1_side + np.sin(long_middle) * e2_side)
    start = np.where(short_side, short_start, long_start)
    end = np.where(short_side, short_end, long_end)
    wrapped = outside & (alpha_a + alpha_b < beta)
    t, along = _fractions(samples)
    phi = start[:, None] + (end - start)[:, None] * t
    scaled = radius[:, None, None]
    on_arc = centre[:, None, :] + scaled * (np.cos(phi)[..., None] * e1[:, None, :] + np.sin(phi)[..., None] * e2[:, None, :])
    straight = a[:, None, :] + (b - a)[:, None, :] * along[:, None]
    points = np.where(wrapped[:, None, None], on_arc, straight)
    return SphereWrap(
        first=points[:, 0],
        last=points[:, -1],
        between=np.where(wrapped, radius * np.abs(end - start), _norm(points[:, -1] - points[:, 0])),
        samples=points,
        wrapped=wrapped,
    )
