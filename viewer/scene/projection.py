"""World points to display pixels for the current camera, all at once."""

from __future__ import annotations

import numpy as np


def world_to_display(renderer, points: np.ndarray, depth: bool = False):
    """Display coordinates (n, 2), origin bottom left, and a mask of points in front of the camera;
    with ``depth``, also each point's depth (normalised device z: nearer is smaller, and it
    varies linearly across a triangle's pixels)."""
    width, height = renderer.GetSize()
    x0, y0 = renderer.GetOrigin()
    camera = renderer.GetActiveCamera()
    matrix = camera.GetCompositeProjectionTransformMatrix(width / max(height, 1), -1, 1)
    m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    homogeneous = np.c_[np.asarray(points, float).reshape(-1, 3), np.ones(len(points))] @ m.T
    w = homogeneous[:, 3]
    ndc = homogeneous[:, :3] / np.where(np.abs(w) > 1e-12, w, 1e-12)[:, None]
    display = np.c_[x0 + (ndc[:, 0] + 1) * width / 2, y0 + (ndc[:, 1] + 1) * height / 2]
    in_front = (w > 0) & (np.abs(ndc[:, 2]) <= 1)
    return (display, in_front, ndc[:, 2]) if depth else (display, in_front)
