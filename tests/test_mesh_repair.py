"""Mesh repair: the defects found in the source hip bones are fixed, shape is kept."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.mesh_repair import MeshRepairError, make_closed, refine


def _box_with_defects() -> trimesh.Trimesh:
    """A closed box plus a doubled face with the opposite winding and a stray fin."""
    box = trimesh.creation.box(extents=(40, 30, 20))
    vertices = np.vstack([box.vertices, [[0.0, 0.0, 60.0]]])
    first = box.faces[0]
    extra_faces = [
        first[::-1],  # same triangle, wound the other way: three faces on each of its edges
        [first[0], first[1], len(vertices) - 1],  # a fin hanging off an edge, one edge free
    ]
    return trimesh.Trimesh(vertices, np.vstack([box.faces, extra_faces]), process=False)


def test_defects_are_removed_and_surface_closed():
    broken = _box_with_defects()
    assert not broken.is_watertight
    fixed = make_closed(broken, "test box")
    assert fixed.is_watertight and fixed.is_winding_consistent
    assert fixed.volume == pytest.approx(40 * 30 * 20, rel=1e-6)


def test_inside_out_mesh_gets_outward_normals():
    box = trimesh.creation.box(extents=(10, 10, 10))
    inverted = trimesh.Trimesh(box.vertices, box.faces[:, ::-1], process=False)
    assert inverted.volume < 0
    assert make_closed(inverted, "inverted").volume > 0


def test_refine_smooths_without_shrinking():
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=50)
    fine = refine(sphere, "sphere", subdivisions=2)
    assert len(fine.faces) == 16 * len(sphere.faces)
    assert fine.is_watertight
    unsmoothed = refine(sphere, "sphere", subdivisions=2, smoothing_passes=0)
    # Taubin smoothing does not shrink what subdivision made
    assert fine.volume == pytest.approx(unsmoothed.volume, rel=0.01)
    # Loop subdivision settles a little inside the coarse surface, not far
    assert 0.9 * sphere.volume < fine.volume < sphere.volume
    # and the facets are gone: neighbouring faces meet at far smaller angles
    assert fine.face_adjacency_angles.max() < 0.3 * sphere.face_adjacency_angles.max()


def test_unrepairable_mesh_names_itself():
    # four triangles sharing one edge: a fan no face removal rule can resolve
    vertices = np.array([[0, 0, 0], [0, 0, 1], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]], float)
    faces = np.array([[0, 1, 2], [1, 0, 3], [0, 1, 4], [1, 0, 5]])
    with pytest.raises(MeshRepairError, match="fan bone"):
        make_closed(trimesh.Trimesh(vertices, faces, process=False), "fan bone")
