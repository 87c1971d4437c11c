"""Intervertebral discs for the default pack, lofted between the endplates of the bones they join.

Build-time only (trimesh casts the rays). Each disc is a closed surface:

- the rim of each endplate is the outline of the vertebral body just inside it: rays from the
  endplate centre, ``RIM_INSET_MM`` into the bone, to the first place they leave the bone, one
  every 360/``RIM_POINTS`` degrees (0 degrees to the right, 90 anteriorly);
- the L5/S1 disc takes the L5 outline at both ends (a ray just under the S1 endplate runs on
  into the alae of the sacrum), and a lower outline that reaches more than ``RIM_GROWTH`` beyond
  the upper one in some direction (a ray into a pedicle) is held to it there;
- the side wall is lofted ring by ring between the two rims, bulging out by up to ``BULGE_MM``
  at mid-height as the annulus does, and closed by a flat cap on each endplate.
"""

from __future__ import annotations

import numpy as np
import trimesh

from viewer.anatomy.atlas_bones import Surface

RIM_POINTS = 48
RINGS = 9  # odd, so that one ring lies on the mid-plane
RIM_INSET_MM = 1.5
RIM_GROWTH = 1.15
BULGE_MM = 1.2


def rim_radii(surface: Surface, frame: np.ndarray, into_bone: float) -> np.ndarray:
    """Distance from the endplate centre to the body's outer wall, per rim direction.

    ``frame``: the endplate's 4x4 frame (z up the spine); ``into_bone``: +1 when the bone lies
    above the endplate (the vertebra above a disc), -1 below."""
    mesh = trimesh.Trimesh(surface.vertices, surface.faces, process=False)
    angles = 2 * np.pi * np.arange(RIM_POINTS) / RIM_POINTS
    directions = np.cos(angles)[:, None] * frame[:3, 0] + np.sin(angles)[:, None] * frame[:3, 1]
    start = frame[:3, 3] + into_bone * RIM_INSET_MM * frame[:3, 2]
    origins = np.repeat(start[None], RIM_POINTS, axis=0)
    hits, rays, _ = mesh.ray.intersects_location(origins, directions, multiple_hits=True)
    radii = np.full(RIM_POINTS, np.inf)
    np.minimum.at(radii, rays, np.linalg.norm(np.reshape(hits, (-1, 3)) - start, axis=1))  # no hit at all comes as shape (0,)
    if not np.isfinite(radii).all():
        raise ValueError(f"{int((~np.isfinite(radii)).sum())} rim rays leave no bone: is the endplate centre inside the body?")
    return radii


def loft(upper: np.ndarray, lower: np.ndarray, upper_radii: np.ndarray, lower_radii: np.ndarray) -> Surface:
    """A closed disc surface between two endplate frames (4x4, z up) and the rim radii in each."""
    angles = 2 * np.pi * np.arange(RIM_POINTS) / RIM_POINTS
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    out_upper = cos * upper[:3, 0] + sin * upper[:3, 1]
    out_lower = cos * lower[:3, 0] + sin * lower[:3, 1]
    top = upper[:3, 3] + upper_radii[:, None] * out_upper
    bottom = lower[:3, 3] + lower_radii[:, None] * out_lower
    rings = []
    for t in np.linspace(0.0, 1.0, RINGS):  # bottom to top
        outward = (1 - t) * out_lower + t * out_upper
        outward /= np.linalg.norm(outward, axis=1, keepdims=True)
        rings.append((1 - t) * bottom + t * top + BULGE_MM * np.sin(np.pi * t) * outward)
    vertices = np.vstack(rings + [lower[None, :3, 3], upper[None, :3, 3]])
    n = RIM_POINTS
    k = np.arange(n)
    faces = []
    for ring in range(RINGS - 1):
        a, b = ring * n + k, ring * n + (k + 1) % n
        c, d = a + n, b + n
        faces += [np.c_[a, b, d], np.c_[a, d, c]]
    bottom_centre, top_centre = RINGS * n, RINGS * n + 1
    faces.append(np.c_[np.full(n, bottom_centre), (k + 1) % n, k])
    top_ring = (RINGS - 1) * n
    faces.append(np.c_[np.full(n, top_centre), top_ring + k, top_ring + (k + 1) % n])
    return Surface(vertices, np.vstack(faces).astype(np.int64))


def build_disc(upper_surface: Surface, upper: np.ndarray, lower_surface: Surface | None, lower: np.ndarray) -> Surface:
    """One disc between the lower endplate ``upper`` of ``upper_surface`` and the upper endplate
    ``lower`` of ``lower_surface`` (None: the sacrum, whose outline is not used)."""
    upper_radii = rim_radii(upper_surface, upper, +1.0)
    if lower_surface is None:
        lower_radii = upper_radii
    else:
        lower_radii = np.minimum(rim_radii(lower_surface, lower, -1.0), RIM_GROWTH * upper_radii)
    return loft(upper, lower, upper_radii, lower_radii)
