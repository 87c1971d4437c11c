"""The tube topology (``viewer.anatomy.tube``) on a prism whose volume is known exactly.
Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.tube import TubeTopology


def _straight(n=5, length=40.0):
    z = np.linspace(0.0, length, n)
    return np.stack([np.full(n, 3.0), np.full(n, -2.0), z], axis=1)


def test_topology_is_a_closed_outward_tube():
    topology = TubeTopology(5, 12)
    assert topology.n_vertices == 5 * 12 + 2
    faces = topology.faces()
    assert faces.shape == (2 * 4 * 12 + 2 * 12, 3)
    assert faces.min() == 0 and faces.max() == topology.n_vertices - 1
    centres = _straight()
    angle = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    rings = centres[:, None] + 4.0 * np.stack([np.cos(angle), np.sin(angle), np.zeros(12)], axis=1)[None]
    vertices = np.vstack([rings.reshape(-1, 3), centres[0], centres[-1]])
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    assert mesh.is_watertight and mesh.is_winding_consistent
    # a 12-sided prism 40 long: positive volume means the faces wind outwards
    assert mesh.volume == pytest.approx(0.5 * 12 * 16 * np.sin(2 * np.pi / 12) * 40.0)
    np.testing.assert_allclose(mesh.face_normals[-24:-12] @ [0, 0, 1], -1)  # the start cap faces back
    np.testing.assert_allclose(mesh.face_normals[-12:] @ [0, 0, 1], 1)  # the end cap forwards
