"""Muscle-shaped tubes around centrelines, with a fixed topology.

The faces depend only on the number of centreline points and ring sides, so they are built
once; a pose change recomputes the point coordinates (and their normals) with array operations
and the scene writes them into the existing VTK arrays. Radii follow a per-muscle profile and
grow as the muscle shortens, so that the volume stays what it was standing (muscle tissue is
nearly incompressible).
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


def radius_profile(profile: np.ndarray, points: int) -> np.ndarray:
    """Standing radii at ``points`` evenly spaced positions from origin to insertion."""
    return np.interp(np.linspace(0.0, 1.0, points), profile[:, 0], profile[:, 1])


def volume_keeping_scale(length: np.ndarray, rest_length: np.ndarray) -> np.ndarray:
    """Factor on the radii that keeps pi r^2 L constant as the length changes."""
    return np.sqrt(rest_length / length)


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
    tangent = np.gradient(centrelines, axis=1)
    tangent /= np.linalg.norm(tangent, axis=2, keepdims=True)
    ref = np.broadcast_to(reference[:, None, :], tangent.shape)
    along = np.abs(np.einsum("tnk,tnk->tn", ref, tangent)) > 0.95
    ref = np.where(along[..., None], np.roll(ref, 1, axis=2), ref)
    first = ref - np.einsum("tnk,tnk->tn", ref, tangent)[..., None] * tangent
    first /= np.linalg.norm(first, axis=2, keepdims=True)
    basis = np.stack([first, np.cross(tangent, first)], axis=2)  # (t, N, 2, 3)
    angle = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    around = normals[:, : n * sides].reshape(t, n, sides, 3)
    np.matmul(np.stack([np.cos(angle), np.sin(angle)], axis=1), basis, out=around)
    rings = vertices[:, : n * sides].reshape(t, n, sides, 3)
    np.multiply(radii[:, :, None, None], around, out=rings)
    rings += centrelines[:, :, None, :]
    vertices[:, -2], vertices[:, -1] = centrelines[:, 0], centrelines[:, -1]
    normals[:, -2], normals[:, -1] = -tangent[:, 0], tangent[:, -1]
    return vertices, normals
