"""Repair and refine the low-poly source bone meshes into smooth closed surfaces.

The source meshes (myo-sim) are a few hundred triangles each, and the hip bones carry
non-manifold edges: a doubled triangle and a stray "fin". Rendering them as they are
shows facets and shading seams, and containment queries on an open surface are unreliable,
so every bone goes through :func:`refine` when the pack is built.
"""

from __future__ import annotations

import numpy as np
import trimesh


class MeshRepairError(ValueError):
    """A mesh could not be made into a closed, consistently oriented surface."""


def _edge_face_counts(mesh: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    """Number of faces on each face's three edges, shape (n_faces, 3)."""
    _, inverse, counts = np.unique(
        mesh.edges_sorted, axis=0, return_inverse=True, return_counts=True
    )
    per_edge = counts[inverse.ravel()].reshape(-1, 3)
    return per_edge, counts


def remove_fins(mesh: trimesh.Trimesh) -> int:
    """Drop faces that hang off a non-manifold edge with a free edge of their own.

    Such a face is a sliver left over from a bad export: one edge is open and another is
    shared by three faces. Returns the number of faces removed.
    """
    removed = 0
    while True:
        per_face, _ = _edge_face_counts(mesh)
        fins = (per_face == 1).any(axis=1) & (per_face > 2).any(axis=1)
        if not fins.any():
            return removed
        mesh.update_faces(~fins)
        removed += int(fins.sum())


def make_closed(mesh: trimesh.Trimesh, name: str) -> trimesh.Trimesh:
    """Return a copy of ``mesh`` that is watertight with outward normals.

    Raises :class:`MeshRepairError` naming ``name`` when that cannot be reached.
    """
    mesh = mesh.copy()
    mesh.merge_vertices()
    mesh.update_faces(mesh.nondegenerate_faces())
    mesh.update_faces(mesh.unique_faces())
    remove_fins(mesh)
    mesh.remove_unreferenced_vertices()
    _, counts = _edge_face_counts(mesh)
    if (counts > 2).any():
        raise MeshRepairError(f"{name}: {(counts > 2).sum()} non-manifold edges remain after repair")
    trimesh.repair.fill_holes(mesh)
    trimesh.repair.fix_normals(mesh)
    if not mesh.is_watertight:
        raise MeshRepairError(f"{name}: the surface is still open after repair")
    if mesh.volume <= 0:
        raise MeshRepairError(f"{name}: normals point inwards after repair")
    return mesh


def refine(
    mesh: trimesh.Trimesh, name: str, subdivisions: int = 2, smoothing_passes: int = 10
) -> trimesh.Trimesh:
    """Repair, Loop-subdivide and Taubin-smooth a bone mesh.

    Loop subdivision rounds off the facets. It approximates rather than interpolates, so the
    surface settles slightly inside the coarse one (most at sharp corners); an interpolating
    variant was tried and rejected because it pushed the thin iliac blade through itself.
    Taubin smoothing (rather than plain Laplacian) then evens out spikes without shrinking
    the bone further.
    """
    closed = make_closed(mesh, name)
    vertices, faces = trimesh.remesh.subdivide_loop(
        closed.vertices, closed.faces, iterations=subdivisions
    )
    fine = trimesh.Trimesh(vertices, faces, process=True)
    trimesh.smoothing.filter_taubin(fine, lamb=0.5, nu=0.53, iterations=smoothing_passes)
    if not fine.is_watertight or fine.volume <= 0:
        raise MeshRepairError(f"{name}: subdivision broke the closed surface")
    return fine
