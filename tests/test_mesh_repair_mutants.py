"""Mesh repair (``viewer.anatomy.mesh_repair``): what each step removes, each refusal's words, and
the refinement's own settings. Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.mesh_repair import MeshRepairError, _edge_face_counts, make_closed, refine, remove_fins


def _box_with_fin():
    box = trimesh.creation.box(extents=(40, 30, 20))
    vertices = np.vstack([box.vertices, [[0.0, 0.0, 60.0]]])
    first = box.faces[0]
    faces = np.vstack([box.faces, [first[::-1], [first[0], first[1], len(vertices) - 1]]])
    return trimesh.Trimesh(vertices, faces, process=False)


def test_edge_face_counts_count_the_faces_on_each_edge():
    box = trimesh.creation.box()
    per_face, counts = _edge_face_counts(box)
    assert per_face.shape == (12, 3) and (per_face == 2).all() and len(counts) == 18 and (counts == 2).all()
    per_face, counts = _edge_face_counts(_box_with_fin())
    assert per_face.shape == (14, 3)
    assert sorted(counts.tolist()).count(4) == 1 and sorted(counts.tolist()).count(1) == 2  # the fin's edges


def test_remove_fins_drops_the_fin_and_says_how_many():
    mesh = _box_with_fin()
    assert remove_fins(mesh) == 1
    assert len(mesh.faces) == 13
    assert remove_fins(mesh) == 0  # nothing left to drop
    closed = trimesh.creation.box()
    assert remove_fins(closed) == 0 and len(closed.faces) == 12


def test_an_open_triangle_is_refused_by_name():
    triangle = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]], process=False)
    with pytest.raises(MeshRepairError) as caught:
        make_closed(triangle, "flake")
    assert str(caught.value) == "flake: the surface is still open after repair"


def test_two_closed_pieces_on_one_edge_report_their_non_manifold_edge():
    """Two tetrahedra sharing an edge: four faces on it, none with a free edge, so no fin to drop."""
    vertices = np.array([[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0.5], [-1, 0, 0], [-1, -1, 0.5]], float)
    tetra = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    other = np.where(tetra == 2, 4, np.where(tetra == 3, 5, tetra))
    with pytest.raises(MeshRepairError) as caught:
        make_closed(trimesh.Trimesh(vertices, np.r_[tetra, other], process=False), "pair")
    assert str(caught.value) == "pair: 1 non-manifold edges remain after repair"


def test_make_closed_leaves_its_input_alone_and_merges_duplicate_vertices():
    box = trimesh.creation.box((2, 3, 4))
    split = trimesh.Trimesh(box.vertices[box.faces].reshape(-1, 3), np.arange(36).reshape(-1, 3), process=False)
    before = split.vertices.copy()
    closed = make_closed(split, "split box")
    assert len(closed.vertices) == 8 and closed.is_watertight and closed.volume == pytest.approx(24.0)
    np.testing.assert_array_equal(split.vertices, before)
    assert len(split.faces) == 12
    # a degenerate sliver and an unused vertex go too
    extra = trimesh.Trimesh(np.r_[box.vertices, [[9.0, 9.0, 9.0]]], np.r_[box.faces, [[0, 0, 1]]], process=False)
    cleaned = make_closed(extra, "box")
    assert len(cleaned.faces) == 12 and len(cleaned.vertices) == 8


def test_refine_is_loop_subdivision_then_taubin_smoothing_with_its_settings():
    coarse = trimesh.creation.icosphere(subdivisions=1, radius=30)
    fine = refine(coarse, "ball")
    vertices, faces = trimesh.remesh.subdivide_loop(coarse.vertices, coarse.faces, iterations=2)
    expected = trimesh.Trimesh(vertices, faces, process=True)
    trimesh.smoothing.filter_taubin(expected, lamb=0.5, nu=0.53, iterations=10)
    np.testing.assert_allclose(fine.vertices, expected.vertices, atol=1e-9)
    np.testing.assert_array_equal(fine.faces, expected.faces)
    once = refine(coarse, "ball", subdivisions=1, smoothing_passes=3)
    vertices, faces = trimesh.remesh.subdivide_loop(coarse.vertices, coarse.faces, iterations=1)
    expected = trimesh.Trimesh(vertices, faces, process=True)
    trimesh.smoothing.filter_taubin(expected, lamb=0.5, nu=0.53, iterations=3)
    np.testing.assert_allclose(once.vertices, expected.vertices, atol=1e-9)


def test_a_hole_or_a_stray_open_triangle_is_no_fin():
    """Only a face with a free edge *and* an edge of three or more faces is a fin."""
    box = trimesh.creation.box()
    open_box = trimesh.Trimesh(box.vertices, box.faces[2:], process=False)  # one side missing
    assert remove_fins(open_box) == 0 and len(open_box.faces) == 10
    vertices = np.array([[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0.5], [-1, 0, 0], [-1, -1, 0.5],
                         [9, 9, 9], [10, 9, 9], [9, 10, 9]], float)
    tetra = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    other = np.where(tetra == 2, 4, np.where(tetra == 3, 5, tetra))
    mesh = trimesh.Trimesh(vertices, np.r_[tetra, other, [[6, 7, 8]]], process=False)  # a non-manifold edge, and a triangle far off
    assert remove_fins(mesh) == 0 and len(mesh.faces) == 9


def test_small_bones_are_kept():
    tiny = trimesh.creation.box((0.5, 0.5, 0.5))
    assert make_closed(tiny, "ossicle").volume == pytest.approx(0.125)
    small = trimesh.creation.icosphere(subdivisions=1, radius=0.5)
    assert 0.3 < refine(small, "sesamoid").volume < 0.53


def test_refine_names_the_bone_it_cannot_close():
    triangle = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]], process=False)
    with pytest.raises(MeshRepairError, match="^flake: the surface is still open after repair$"):
        refine(triangle, "flake")


def test_fins_uncovered_by_dropping_others_are_dropped_and_counted_too():
    """Three stray triangles on a unit box: the first pass drops two hanging off an edge of three
    faces; that frees an edge of the third, which the second pass drops. All three are counted."""
    box = trimesh.creation.box()
    vertices = np.vstack([box.vertices, [[0, 0, 3.0], [0, 3.0, 0], [3.0, 0, 0]]])
    faces = np.vstack([box.faces, [[7, 5, 0], [0, 4, 5], [3, 10, 7]]])
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    per_face, _ = _edge_face_counts(mesh)
    assert ((per_face == 1).any(axis=1) & (per_face > 2).any(axis=1)).sum() == 2  # the first pass's fins
    assert remove_fins(mesh) == 3
    assert len(mesh.faces) == 12


def test_an_inner_triangle_across_a_closed_surface_is_three_non_manifold_edges():
    """A double pyramid with its middle triangle inside: each of that triangle's edges has three
    faces, none of them free, so no fin drops and the three edges are reported."""
    vertices = np.array([[0, 0, 1], [0, 0, -1], [1, 0, 0], [-0.5, 0.8, 0], [-0.5, -0.8, 0]], float)
    top, bottom, a, b, c = range(5)
    faces = [[top, a, b], [top, b, c], [top, c, a], [bottom, b, a], [bottom, c, b], [bottom, a, c], [a, b, c]]
    with pytest.raises(MeshRepairError) as caught:
        make_closed(trimesh.Trimesh(vertices, faces, process=False), "pyramids")
    assert str(caught.value) == "pyramids: 3 non-manifold edges remain after repair"


def test_a_closed_surface_with_no_volume_is_refused():
    """Four points in one plane joined as a tetrahedron: closed, but it holds nothing."""
    flat = trimesh.Trimesh([[0, 0, 0], [3, 0, 0], [0, 3, 0], [1, 1, 0]], [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], process=False)
    with pytest.raises(MeshRepairError) as caught:
        make_closed(flat, "wafer")
    assert str(caught.value) == "wafer: normals point inwards after repair"


@pytest.mark.parametrize("spoil", ["turn inside out", "flatten"])
def test_refine_refuses_a_surface_the_smoothing_spoiled(monkeypatch, spoil):
    """The last check of ``refine``: a smoothing that turned the surface inside out, or flattened
    it to nothing, is refused by name (the surface stays closed either way)."""
    def spoiled(mesh, **settings):
        if spoil == "flatten":
            vertices = mesh.vertices.copy()
            vertices[:, 2] = 0.0
            mesh.vertices = vertices
        else:
            mesh.faces = mesh.faces[:, ::-1]

    monkeypatch.setattr(trimesh.smoothing, "filter_taubin", spoiled)
    with pytest.raises(MeshRepairError) as caught:
        refine(trimesh.creation.icosphere(subdivisions=1, radius=30), "ball")
    assert str(caught.value) == "ball: subdivision broke the closed surface"
