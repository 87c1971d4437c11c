"""Surfaces of the LLP26 atlas bones, evaluated from their Lagrange-element meshes.

The package ``musculoskeletal-models`` (Auckland Bioengineering Institute, MPL-2.0) stores each
bone as three JSON files: ``*.geof`` the node coordinates (mm), ``*.mesh`` the elements and which
of their nodes are shared, ``*.ens`` the bases. Every element is a Lagrange quadrilateral (nodes
on an ``(p+1) x (q+1)`` lattice, first element coordinate fastest) or triangle (nodes on the
triangular lattice of degree ``p``, row by row). This module turns them into a closed triangle
surface: each element is sampled on a regular lattice of its own coordinates, the samples are
triangulated, and points shared by neighbouring elements are welded.

Pure numpy: the atlas's own library (gias3) is not needed, only its file format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ElementShape:
    """An element type: triangle or quadrilateral, and its degree along each coordinate."""

    triangle: bool
    degree: tuple[int, int]

    def lattice(self, n: tuple[int, int]) -> np.ndarray:
        """Points of the regular lattice with ``n`` steps a side, in element coordinates, in node order."""
        if self.triangle:
            return np.array([(i / n[0], j / n[0]) for j in range(n[0] + 1) for i in range(n[0] + 1 - j)])
        return np.array([(i / n[0], j / n[1]) for j in range(n[1] + 1) for i in range(n[0] + 1)])

    def monomials(self, xi: np.ndarray) -> np.ndarray:
        """The polynomial space of the element evaluated at ``xi`` (k, 2): one column per monomial."""
        p, q = self.degree
        powers = [(a, b) for a in range(p + 1) for b in range(q + 1) if not self.triangle or a + b <= p]
        return np.stack([xi[:, 0] ** a * xi[:, 1] ** b for a, b in powers], axis=1)

    def basis(self, xi: np.ndarray) -> np.ndarray:
        """Lagrange basis functions of the element's nodes at ``xi``: (k, nodes)."""
        nodes = self.lattice(self.degree)
        return np.linalg.solve(self.monomials(nodes).T, self.monomials(xi).T).T

    def triangles(self, n: int) -> np.ndarray:
        """Triangles joining the sample lattice with ``n`` steps a side (indices into ``lattice``)."""
        if not self.triangle:
            index = np.arange((n + 1) ** 2).reshape(n + 1, n + 1)  # [j, i]
            a, b, c, d = index[:-1, :-1], index[:-1, 1:], index[1:, :-1], index[1:, 1:]
            return np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
        rows, start = [], 0
        for j in range(n + 1):
            rows.append(np.arange(start, start + n + 1 - j))
            start += n + 1 - j
        out = []
        for j in range(n):
            low, high = rows[j], rows[j + 1]
            out += [(low[i], low[i + 1], high[i]) for i in range(len(high))]
            out += [(low[i + 1], high[i + 1], high[i]) for i in range(len(high) - 1)]
        return np.array(out)


def _shape(basis_name: str) -> ElementShape:
    """``quad_L3_L3`` or ``simplex_L4_L4`` to an element shape."""
    match = re.fullmatch(r"(quad|simplex)_L(\d)_L(\d)", basis_name)
    if match is None:
        raise ValueError(f"unknown element basis {basis_name!r}")
    return ElementShape(match.group(1) == "simplex", (int(match.group(2)), int(match.group(3))))


@dataclass(frozen=True)
class LagrangeMesh:
    """Node coordinates and, per element, its shape and the global indices of its nodes."""

    nodes: np.ndarray  # (n, 3)
    elements: list[tuple[ElementShape, np.ndarray]]

    @classmethod
    def read(cls, geof: Path, mesh: Path, ens: Path) -> LagrangeMesh:
        """Read the three files of one atlas bone."""
        params = json.loads(Path(geof).read_text())["field_parameters"]
        nodes = np.array([[float(params[key][f"dim {d}"]) for d in range(3)] for key in sorted(params)])
        topology = json.loads(Path(mesh).read_text())
        bases = json.loads(Path(ens).read_text())["basis"]
        order = sorted(topology["elements"], key=int)
        shapes = [_shape(bases[topology["elements"][e].split()[1]]) for e in order]
        shared = {key: value.split() for key, value in topology["connectivity"].items()}
        # A node's global number is its order of first appearance, elements and their nodes in order.
        numbering: dict[str, int] = {}
        used = 0
        elements = []
        for element, shape in zip(order, shapes):
            indices = np.empty(len(shape.lattice(shape.degree)), dtype=np.int64)
            for local in range(len(indices)):
                key = f"{element}_{local}"
                if key not in numbering:
                    numbering[key] = used
                    for other in shared.get(key, ()):
                        numbering.setdefault(other, used)
                    used += 1
                indices[local] = numbering[key]
            elements.append((shape, indices))
        if used != len(nodes):
            raise ValueError(f"{mesh}: the elements use {used} nodes, {geof} has {len(nodes)}")
        return cls(nodes, elements)

    def surface(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Vertices and triangles of the surface sampled with ``steps`` intervals along each element edge."""
        return weld(*self.samples(steps))

    def samples(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """The lattice samples of every element and their triangles, before welding: linear in the nodes."""
        vertices, faces, offset = [], [], 0
        cache: dict[ElementShape, tuple[np.ndarray, np.ndarray]] = {}
        for shape, indices in self.elements:
            if shape not in cache:
                cache[shape] = (shape.basis(shape.lattice((steps, steps))), shape.triangles(steps))
            weights, triangles = cache[shape]
            vertices.append(weights @ self.nodes[indices])
            faces.append(triangles + offset)
            offset += len(weights)
        return np.concatenate(vertices), np.concatenate(faces)


def weld(vertices: np.ndarray, faces: np.ndarray, tolerance: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Merge vertices closer than ``tolerance`` (mm); drop triangles that collapse."""
    kept, faces = weld_map(vertices, faces, tolerance)
    return vertices[kept], faces


def weld_map(vertices: np.ndarray, faces: np.ndarray, tolerance: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`weld` does, as indices: the samples kept (in order) and the welded triangles.
    The shape model applies one welding to every shape, so all shapes share one topology."""
    keys = np.round(vertices / tolerance).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    faces = rank[inverse.reshape(-1)][faces]
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    return first[order], faces[keep]
