"""Lagrange-element surfaces of the atlas bones (``viewer.anatomy.lagrange_mesh``) on small
made-up meshes whose surfaces are known; and the scene frame's description (``viewer.anatomy.frame``)
against the shipped pack's manifest. Written to kill the mutants mutmut found surviving; no atlas
is read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from viewer.anatomy import frame
from viewer.anatomy.lagrange_mesh import ElementShape, LagrangeMesh, _shape, weld, weld_map

QUAD2 = ElementShape(False, (2, 3))
TRI3 = ElementShape(True, (3, 3))


def test_lattices_list_points_first_coordinate_fastest():
    np.testing.assert_allclose(QUAD2.lattice((2, 3)), [(i / 2, j / 3) for j in range(4) for i in range(3)])
    np.testing.assert_allclose(TRI3.lattice((3, 3)), [(i / 3, j / 3) for j in range(4) for i in range(4 - j)])
    # a triangle's lattice has one step count, the first
    np.testing.assert_allclose(TRI3.lattice((4, 9)), [(i / 4, j / 4) for j in range(5) for i in range(5 - j)])


def test_the_basis_is_one_at_its_node_and_reproduces_its_polynomials():
    rng = np.random.default_rng(5)
    for shape in (QUAD2, TRI3, ElementShape(False, (1, 1)), ElementShape(True, (2, 2))):
        nodes = shape.lattice(shape.degree)
        np.testing.assert_allclose(shape.basis(nodes), np.eye(len(nodes)), atol=1e-9)
        xi = rng.random((20, 2)) * (0.5 if shape.triangle else 1.0)
        weights = shape.basis(xi)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)
        p, q = shape.degree
        b = q if not shape.triangle else 0
        poly = nodes[:, 0] ** p * nodes[:, 1] ** b  # the highest monomial of the space
        np.testing.assert_allclose(weights @ poly, xi[:, 0] ** p * xi[:, 1] ** b, atol=1e-9)
    assert QUAD2.monomials(np.array([[2.0, 3.0]])).shape == (1, 12)
    assert TRI3.monomials(np.array([[2.0, 3.0]])).shape == (1, 10)
    np.testing.assert_allclose(ElementShape(False, (1, 1)).monomials(np.array([[2.0, 3.0]])), [[1, 3, 2, 6]])


def _areas(points, triangles):
    a, b, c = (points[triangles[:, k]] for k in range(3))
    return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_sample_triangles_tile_the_element_once_all_one_way_round(n):
    quad = ElementShape(False, (1, 1))
    triangles = quad.triangles(n)
    assert triangles.shape == (2 * n * n, 3) and triangles.max() == (n + 1) ** 2 - 1
    areas = _areas(quad.lattice((n, n)), triangles)
    np.testing.assert_allclose(areas, 0.5 / n ** 2)
    assert len({tuple(sorted(t)) for t in triangles.tolist()}) == len(triangles)
    tri = ElementShape(True, (1, 1))
    triangles = tri.triangles(n)
    assert triangles.shape == (n * n, 3) and triangles.max() == (n + 1) * (n + 2) // 2 - 1
    np.testing.assert_allclose(_areas(tri.lattice((n, n)), triangles), 0.5 / n ** 2)


def test_element_bases_are_named_by_kind_and_degree():
    assert _shape("quad_L3_L2") == ElementShape(False, (3, 2))
    assert _shape("simplex_L4_L4") == ElementShape(True, (4, 4))
    for bad in ("quad_L3", "hex_L1_L1", "quad_L3_L3x", "quad_L12_L1"):
        with pytest.raises(ValueError) as caught:
            _shape(bad)
        assert str(caught.value) == f"unknown element basis {bad!r}"


def _write(tmp_path, nodes, elements, connectivity, bases):
    geof = tmp_path / "bone.geof"
    geof.write_text(json.dumps({"field_parameters": {key: {f"dim {d}": str(v) for d, v in enumerate(xyz)} for key, xyz in nodes.items()}}))
    mesh = tmp_path / "bone.mesh"
    mesh.write_text(json.dumps({"elements": elements, "connectivity": connectivity}))
    ens = tmp_path / "bone.ens"
    ens.write_text(json.dumps({"basis": bases}))
    return geof, mesh, ens


def _two_squares(tmp_path, extra_node=False):
    """Two unit squares side by side in the plane z = 0, element "10" left of element "2"; their
    shared edge is element 2's nodes 0 and 2, which are element 10's nodes 1 and 3. Element 2 comes
    first (elements go in number order), so its four nodes are 0-3 and element 10 adds two."""
    positions = {"1": (1, 0, 0), "2": (2, 0, 0), "3": (1, 1, 0), "4": (2, 1, 0), "5": (0, 0, 0), "6": (0, 1, 0)}
    if extra_node:
        positions["7"] = (9, 9, 9)
    nodes = {key: positions[key] for key in ("6", "3", "5", "1", "4", "2", "7") if key in positions}  # not in order
    elements = {"10": "e b1", "2": "e b1"}
    connectivity = {"2_0": "10_1", "2_2": "10_3"}
    return _write(tmp_path, nodes, elements, connectivity, {"b1": "quad_L1_L1"})


def test_a_mesh_is_read_with_shared_nodes_numbered_once(tmp_path):
    mesh = LagrangeMesh.read(*_two_squares(tmp_path))
    np.testing.assert_allclose(mesh.nodes, [(1, 0, 0), (2, 0, 0), (1, 1, 0), (2, 1, 0), (0, 0, 0), (0, 1, 0)])
    assert mesh.nodes.dtype == float
    assert [shape for shape, _ in mesh.elements] == [ElementShape(False, (1, 1))] * 2
    np.testing.assert_array_equal(mesh.elements[0][1], [0, 1, 2, 3])
    np.testing.assert_array_equal(mesh.elements[1][1], [4, 0, 5, 2])
    geof, topology, ens = _two_squares(tmp_path, extra_node=True)
    with pytest.raises(ValueError) as caught:
        LagrangeMesh.read(geof, topology, ens)
    assert str(caught.value) == f"{topology}: the elements use 6 nodes, {geof} has 7"


def test_a_mesh_surface_is_its_samples_welded(tmp_path):
    mesh = LagrangeMesh.read(*_two_squares(tmp_path))
    samples, faces = mesh.samples(2)
    assert samples.shape == (18, 3) and faces.shape == (16, 3) and faces.max() == 17
    np.testing.assert_allclose(samples[:9, :2], [(1 + i / 2, j / 2) for j in range(3) for i in range(3)])
    np.testing.assert_allclose(samples[9:, :2], [(i / 2, j / 2) for j in range(3) for i in range(3)])
    vertices, triangles = mesh.surface(2)
    assert vertices.shape == (15, 3) and triangles.shape == (16, 3)
    assert len({tuple(v) for v in np.round(vertices, 9).tolist()}) == 15
    np.testing.assert_allclose(np.sort(_areas(vertices, triangles)), 1 / 8)  # every triangle kept, the same way round


def test_weld_merges_points_within_the_tolerance_and_drops_collapsed_triangles():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0.00004], [5, 5, 5], [1, 1, 0]], float)
    faces = np.array([[0, 1, 2], [3, 5, 2], [1, 3, 2], [0, 4, 5]])
    kept, welded = weld_map(vertices, faces)
    np.testing.assert_array_equal(kept, [0, 1, 2, 4, 5])  # the first of each group, in order
    np.testing.assert_array_equal(welded, [[0, 1, 2], [1, 4, 2], [0, 3, 4]])
    coarse_points, coarse_faces = weld(vertices, faces, 2.0)
    assert len(coarse_points) < 5 and len(coarse_faces) < 3
    points, same = weld(vertices, faces)
    np.testing.assert_array_equal(points, vertices[[0, 1, 2, 4, 5]])
    np.testing.assert_array_equal(same, welded)
    # a coarser tolerance merges more; a finer one none
    assert len(weld_map(vertices, faces, 1e-6)[0]) == 6
    assert len(weld_map(np.array([[0, 0, 0], [0.3, 0, 0], [2, 0, 0]]), np.array([[0, 1, 2]]), 1.0)[1]) == 0
    # a triangle whose first and third corners meet is dropped too
    assert len(weld_map(vertices, np.array([[1, 2, 3]]))[1]) == 0
    assert len(weld_map(vertices, np.array([[1, 1, 2]]))[1]) == 0


def test_the_scene_frame_is_the_one_the_shipped_pack_is_built_in(pack):
    assert frame.UNITS == "mm" == pack.manifest["units"]
    assert pack.manifest["frame"] == frame.FRAME_DESCRIPTION
    assert frame.FRAME_DESCRIPTION == {"name": "RAS", "x": "subject's right", "y": "anterior", "z": "superior",
                                       "origin": "midpoint of the hip joint centres, standing"}
