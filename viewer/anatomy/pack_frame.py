"""Where a pack's coordinates go: its units, axes and transforms as 4x4 matrices into the
viewer's frame (millimetres; x to the subject's right, y anterior, z superior: RAS).

A point of a bone file goes through the bone's own ``transform`` (in the pack's units and
axes: where that file sits in the pack, as OpenSim places each body's geometry), then the
pack's units and ``axes``, then the pack's ``transform`` (millimetres, RAS: for example to
move the origin to the midpoint of the hip centres). Joint centres are points of the pack,
so they skip the bone's transform.
"""

from __future__ import annotations

import numpy as np

UNIT_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0}
# where each letter points in the viewer's frame: (axis, sign)
_DIRECTIONS = {"R": (0, 1.0), "L": (0, -1.0), "A": (1, 1.0), "P": (1, -1.0), "S": (2, 1.0), "I": (2, -1.0)}
# a body fits in a few metres around its hips; coordinates beyond this are a unit or file error
MAX_COORD_MM = 5000.0


def axes_matrix(axes: str) -> np.ndarray:
    """3x3 matrix taking a pack's axes to RAS; ``axes`` names where the pack's +x, +y, +z point.

    "LPS" (DICOM, ITK) is x to the left, y posterior, z superior; OpenSim's bodies are "ASR".
    """
    matrix = np.zeros((3, 3))
    for column, letter in enumerate(axes):
        row, sign = _DIRECTIONS[letter]
        matrix[row, column] = sign
    if sorted(_DIRECTIONS[letter][0] for letter in axes) != [0, 1, 2]:
        raise ValueError(f"axes {axes!r} must name each direction once: one of R/L, one of A/P, one of S/I")
    return matrix


def affine(rows: list[list[float]]) -> np.ndarray:
    """A 4x4 affine transform from a manifest, checked: bottom row 0 0 0 1, invertible."""
    matrix = np.asarray(rows, dtype=float)
    if not np.array_equal(matrix[3], [0.0, 0.0, 0.0, 1.0]):
        raise ValueError("the bottom row of a transform must be [0, 0, 0, 1]")
    if abs(np.linalg.det(matrix[:3, :3])) < 1e-12:
        raise ValueError("the transform squashes space flat (its 3x3 part is singular)")
    return matrix


def pack_to_viewer(manifest: dict) -> np.ndarray:
    """4x4 taking the pack's coordinates (its units and axes) to the viewer's millimetres, RAS."""
    scaled = np.eye(4)
    scaled[:3, :3] = UNIT_TO_MM[manifest["units"]] * axes_matrix(manifest.get("axes", "RAS"))
    return (affine(manifest["transform"]) if "transform" in manifest else np.eye(4)) @ scaled


def apply(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 transform to points of shape (..., 3)."""
    return points @ transform[:3, :3].T + transform[:3, 3]


def check_bounded(points: np.ndarray, what: str) -> None:
    """ValueError unless every coordinate is finite and within :data:`MAX_COORD_MM` of the origin."""
    if not np.isfinite(points).all():
        raise ValueError(f"{what}: {int((~np.isfinite(points).all(axis=-1)).sum())} points have NaN or infinite coordinates")
    far = float(np.abs(points).max(initial=0.0))
    if far > MAX_COORD_MM:
        raise ValueError(f"{what} reaches {far:.3g} mm from the origin, beyond the {MAX_COORD_MM:g} mm a body spans "
                         "(check the units, axes and transform in the manifest)")
