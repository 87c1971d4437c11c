"""Muscle-shaped tubes around centrelines, with a fixed topology.

The faces depend only on the number of centreline points and ring sides, so they are built
once; a pose change recomputes the point coordinates (and their normals) with array operations
and the scene writes them into the existing VTK arrays. Radii follow a per-muscle profile and
grow as the muscle shortens, so that the volume stays what it was standing (muscle tissue is
nearly incompressible).
"""

from __future__ import annotations

import functools
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


def radius_profile(profile: np.ndarray, points: int) -> np.ndarray:
    """Standing radii at ``points`` evenly spaced positions from origin to insertion."""
    return np.interp(np.linspace(0.0, 1.0, points), profile[:, 0], profile[:, 1])


def volume_keeping_scale(length: np.ndarray, rest_length: np.ndarray) -> np.ndarray:
    """Factor on the radii that keeps pi r^2 L constant as the length changes."""
    return np.sqrt(rest_length / length)


@functools.lru_cache(maxsize=8)
def _ring(sides: int) -> np.ndarray:
    """Cosine, sine and 1 for each ring vertex's angle (sides, 3): the same for every tube and pose."""
    angle = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    return np.stack([np.cos(angle), np.sin(angle), np.ones(sides)], axis=1)


def _unit(v: np.ndarray) -> np.ndarray:
    v /= np.sqrt(np.einsum("...k,...k->...", v, v))[..., None]
    return v


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis (numpy's own pays more to set up than to compute on small arrays)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def tube_surface(centrelines: np.ndarray, radii: np.ndarray, sides: int, reference: np.ndarray, out=None):
    """Vertices and outward normals of tubes around centrelines.

    ``centrelines`` is (t, N, 3), ``radii`` (t, N). Ring orientation comes from projecting
    ``reference`` (a direction the tubes never run along, one per tube (t, 3)) off the tangent:
    no twist accumulates and every tube is computed at once. Returns two arrays of shape
    (t, N * sides + 2, 3); given ``out`` (two such arrays) they are written in place, so that a
    caller whose VTK meshes share those arrays pays no copy.
    """
    t, n = centrelines.shape[:2]
    vertices, normals = out if out is not None else (np.empty((t, n * sides + 2, 3)), np.empty((t, n * sides + 2, 3)))
    tangent = np.empty_like(centrelines)  # central differences, one-sided at the ends (as np.gradient)
    np.subtract(centrelines[:, 2:], centrelines[:, :-2], out=tangent[:, 1:-1])
    np.subtract(centrelines[:, 1], centrelines[:, 0], out=tangent[:, 0])
    np.subtract(centrelines[:, -1], centrelines[:, -2], out=tangent[:, -1])
    _unit(tangent)
    ref = np.broadcast_to(reference[:, None, :], tangent.shape)
    along = np.einsum("tnk,tnk->tn", ref, tangent)
    if (np.abs(along) > 0.95).any():  # the reference nearly along the tube here: use another axis
        ref = np.where((np.abs(along) > 0.95)[..., None], np.roll(ref, 1, axis=2), ref)
        along = np.einsum("tnk,tnk->tn", ref, tangent)
    first = _unit(ref - along[..., None] * tangent)
    plane = np.stack([first, _cross(tangent, first)], axis=2)  # (t, N, 2, 3): the ring's plane
    ring = _ring(sides)
    # normal = cos * first + sin * second; vertex = r cos * first + r sin * second + 1 * centre:
    # each one batched product of small matrices, written straight into the output
    np.matmul(ring[:, :2], plane, out=normals[:, : n * sides].reshape(t, n, sides, 3))
    plane *= radii[:, :, None, None]
    np.matmul(ring, np.concatenate([plane, centrelines[:, :, None, :]], axis=2), out=vertices[:, : n * sides].reshape(t, n, sides, 3))
    vertices[:, -2], vertices[:, -1] = centrelines[:, 0], centrelines[:, -1]
    normals[:, -2], normals[:, -1] = -tangent[:, 0], tangent[:, -1]
    return vertices, normals
