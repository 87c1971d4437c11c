"""Muscle tubes (``viewer.anatomy.tube``) on centrelines whose surface is known exactly: a
straight cylinder and a quarter circle. Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.tube import TubeTopology, radius_profile, tube_surface, volume_keeping_scale


def _straight(n=5, length=40.0):
    z = np.linspace(0.0, length, n)
    return np.stack([np.full(n, 3.0), np.full(n, -2.0), z], axis=1)


def test_topology_is_a_closed_outward_tube():
    topology = TubeTopology(5, 12)
    assert topology.n_vertices == 5 * 12 + 2
    faces = topology.faces()
    assert faces.shape == (2 * 4 * 12 + 2 * 12, 3)
    assert faces.min() == 0 and faces.max() == topology.n_vertices - 1
    vertices, _ = tube_surface(_straight()[None], np.full((1, 5), 4.0), 12, np.array([[1.0, 0, 0]]))
    mesh = trimesh.Trimesh(vertices[0], faces, process=False)
    assert mesh.is_watertight and mesh.is_winding_consistent
    # a 12-sided prism 40 long: positive volume means the faces wind outwards
    assert mesh.volume == pytest.approx(0.5 * 12 * 16 * np.sin(2 * np.pi / 12) * 40.0)
    np.testing.assert_allclose(mesh.face_normals[-24:-12] @ [0, 0, 1], -1)  # the start cap faces back
    np.testing.assert_allclose(mesh.face_normals[-12:] @ [0, 0, 1], 1)  # the end cap forwards


def test_radius_profile_and_volume_scale():
    profile = np.array([[0.0, 2.0], [0.5, 6.0], [1.0, 4.0]])
    np.testing.assert_allclose(radius_profile(profile, 5), [2.0, 4.0, 6.0, 5.0, 4.0])
    np.testing.assert_allclose(volume_keeping_scale(np.array([25.0, 100.0, 400.0]), np.array([100.0, 100.0, 100.0])), [2.0, 1.0, 0.5])


def test_rings_sit_at_their_radius_across_the_tangent_from_the_reference():
    centre = _straight()
    radii = np.array([[1.0, 2.0, 3.0, 2.0, 1.0]])
    # a unit reference not across the tube: only its part across the tangent counts
    vertices, normals = tube_surface(centre[None], radii, 8, np.array([[0.8, 0, 0.6]]))
    assert vertices.shape == normals.shape == (1, 5 * 8 + 2, 3)
    rings = vertices[0, :40].reshape(5, 8, 3)
    around = normals[0, :40].reshape(5, 8, 3)
    offset = rings - centre[:, None]
    np.testing.assert_allclose(np.linalg.norm(offset, axis=2), np.repeat(radii[0][:, None], 8, axis=1))
    np.testing.assert_allclose(offset[..., 2], 0, atol=1e-12)  # across the tangent (z)
    np.testing.assert_allclose(around, offset / radii[0][:, None, None], atol=1e-12)  # unit normals, outwards
    angle = np.arange(8) * 2 * np.pi / 8
    # the first vertex of a ring lies towards the reference; angles turn right-handed about the tangent
    np.testing.assert_allclose(around[2], np.stack([np.cos(angle), np.sin(angle), np.zeros(8)], axis=1), atol=1e-12)
    np.testing.assert_allclose(vertices[0, -2:], centre[[0, -1]])
    np.testing.assert_allclose(normals[0, -2:], [[0, 0, -1], [0, 0, 1]])


def test_a_reference_along_the_tube_is_turned_aside_and_tubes_go_together():
    arc = np.linspace(0, np.pi / 2, 9)
    bend = np.stack([10 * np.cos(arc), 10 * np.sin(arc), np.zeros(9)], axis=1)
    centrelines = np.stack([_straight(9), bend])
    radii = np.array([np.full(9, 2.0), np.linspace(1.0, 3.0, 9)])
    reference = np.array([[0.0, 0, 1.0], [0.0, 0, -1.0]])  # along the straight tube: unusable there
    out = (np.zeros((2, 9 * 6 + 2, 3)), np.zeros((2, 9 * 6 + 2, 3)))
    vertices, normals = tube_surface(centrelines, radii, 6, reference, out=out)
    assert vertices is out[0] and normals is out[1]
    for k in range(2):
        tangent = np.gradient(centrelines[k], axis=0)
        tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
        offset = vertices[k, :54].reshape(9, 6, 3) - centrelines[k][:, None]
        np.testing.assert_allclose(np.linalg.norm(offset, axis=2), np.repeat(radii[k][:, None], 6, axis=1))
        np.testing.assert_allclose(np.einsum("nsk,nk->ns", offset, tangent), 0, atol=1e-9)
        np.testing.assert_allclose(normals[k, -2:], [-tangent[0], tangent[-1]])
    # the straight tube's reference (0, 0, 1) is rolled to (1, 0, 0): its first vertices point along x
    np.testing.assert_allclose(normals[0, 0], [1.0, 0, 0], atol=1e-12)
    # the bend's reference (0, 0, -1) is across it everywhere: first vertices point along -z
    np.testing.assert_allclose(normals[1, :54].reshape(9, 6, 3)[:, 0], np.tile([0, 0, -1.0], (9, 1)), atol=1e-12)
