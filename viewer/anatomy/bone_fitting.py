"""Fitted features of bone surfaces: spheres for the femoral head and the acetabulum, planes for
vertebral endplates. Used when the default pack is assembled, so each bone is placed from its own
shape rather than from coordinates typed in by hand."""

from __future__ import annotations

import numpy as np


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through ``points`` (algebraic fit): centre and radius."""
    a = np.c_[2.0 * points, np.ones(len(points))]
    solution, *_ = np.linalg.lstsq(a, (points**2).sum(axis=1), rcond=None)
    centre = solution[:3]
    return centre, float(np.sqrt(solution[3] + centre @ centre))


def fit_spherical_patch(vertices: np.ndarray, normals: np.ndarray, guess: np.ndarray, radius: float,
                        convex: bool, iterations: int = 10) -> tuple[np.ndarray, float, int]:
    """Sphere of the spherical part of a surface near ``guess``: a femoral head (``convex``) or a
    socket (concave). Starts wide and tightens: vertices whose distance from the current centre is
    near the current radius and whose normal points along (or, for a socket, against) the radius.
    Returns centre, radius and how many vertices the last fit used."""
    centre, r = np.asarray(guess, float), float(radius)
    chosen = np.zeros(len(vertices), bool)
    for step in range(iterations):
        chosen = on_sphere(vertices, normals, centre, r, convex, *((0.35, 0.6) if step < 3 else (0.15, 0.9)))
        if chosen.sum() < 10:
            raise ValueError(f"no spherical surface found near {np.round(guess, 1).tolist()}")
        centre, r = fit_sphere(vertices[chosen])
    return centre, r, int(chosen.sum())


def on_sphere(vertices: np.ndarray, normals: np.ndarray, centre: np.ndarray, radius: float, convex: bool,
              band: float = 0.15, cosine: float = 0.9) -> np.ndarray:
    """Which vertices lie on a sphere: within ``band`` times its radius of it, their normals along
    the radius (outwards for a head, inwards for a socket) to within ``cosine``."""
    offset = vertices - centre
    distance = np.linalg.norm(offset, axis=1)
    facing = (1.0 if convex else -1.0) * (normals * offset).sum(axis=1) / np.maximum(distance, 1e-9)
    return (np.abs(distance - radius) < band * radius) & (facing > cosine)


def fit_plane(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centroid and unit normal (least-squares) of roughly planar points."""
    centroid = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centroid, full_matrices=False)
    return centroid, vt[2]


def endplate(vertices: np.ndarray, normals: np.ndarray, direction: np.ndarray, near: np.ndarray,
             reach: float, cosine: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Centre and outward normal of a vertebral endplate: the flat patch within ``reach`` of
    ``near`` whose normals point along ``direction`` (up for a superior endplate)."""
    direction = np.asarray(direction, float) / np.linalg.norm(direction)
    chosen = ((normals @ direction) > cosine) & (np.linalg.norm(vertices - near, axis=1) < reach)
    if chosen.sum() < 10:
        raise ValueError("no endplate found")
    centre, normal = fit_plane(vertices[chosen])
    return centre, normal if normal @ direction > 0 else -normal
