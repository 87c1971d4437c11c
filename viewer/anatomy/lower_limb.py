"""Knee, ankle and floor: where the lower legs and feet are in a pose, so a pose can be checked
against the floor it claims to stand or lie on.

The pack may have no lower-leg bones; then the leg's length comes from the thigh's by Winter's
segment proportions (Biomechanics and Motor Control of Human Movement, 4th ed., 2009, as
fractions of body height: hip to knee 0.245, knee to ankle 0.246, ankle above the sole 0.039).
A pack with a ``tibia_r``/``tibia_l`` bone gives the leg's length from that bone instead.
"""

from __future__ import annotations

import numpy as np

from viewer.anatomy.kinematics import Pose, knee_transform

FEMURS = {"r": "femur_r", "l": "femur_l"}
TIBIAE = {"r": "tibia_r", "l": "tibia_l"}
LEG_PER_THIGH = 0.246 / 0.245  # knee-to-ankle over hip-to-knee length (Winter 2009)
ANKLE_HEIGHT_PER_THIGH = 0.039 / 0.245  # ankle centre above the sole, over hip-to-knee length (Winter 2009)
SACRAL_TISSUE_MM = 15.0  # assumed: skin and fat between the back of the sacrum and the floor, lying on the back
KNEE_BAND_MM = 12.0  # femur vertices this close to its lowest point make the knee
PELVIS = ("sacrum", "hip_bone_r", "hip_bone_l")


def knee_centre(femur_vertices: np.ndarray) -> np.ndarray:
    """Middle of the femoral condyles: the lowest band of the femur's vertices, standing."""
    low = femur_vertices[:, 2].min()
    return femur_vertices[femur_vertices[:, 2] < low + KNEE_BAND_MM].mean(axis=0)


def leg_length(thigh_length: float, tibia_vertices: np.ndarray | None = None) -> float:
    """Knee to ankle (mm): the tibia's standing height when the pack has one, else Winter's proportion."""
    if tibia_vertices is not None and len(tibia_vertices):
        return float(np.ptp(tibia_vertices[:, 2]))
    return LEG_PER_THIGH * thigh_length


def ankle(pose: Pose, side: str, femur: np.ndarray, knee: np.ndarray, length: float) -> np.ndarray:
    """The ankle centre in ``pose``: the standing knee centre and a leg hanging ``length`` below it,
    carried by the posed femur ``femur`` (4x4) and bent at the knee."""
    matrix = knee_transform(pose, side, femur, knee)
    point = knee - np.array([0.0, 0.0, length])
    return matrix[:3, :3] @ point + matrix[:3, 3]


def supine_floor(pelvis_vertices: list[np.ndarray], transforms: list[np.ndarray]) -> float:
    """Where the floor is (its y, mm) for a pose lying on the back: the plane under the back of
    the posed pelvis, below the soft tissue over the sacrum. The body is drawn in the standing
    frame, so the floor of a supine pose is a coronal plane behind it."""
    back = min(float((v @ m[:3, :3].T + m[:3, 3])[:, 1].min()) for v, m in zip(pelvis_vertices, transforms))
    return back - SACRAL_TISSUE_MM


def sole_above_floor(ankle_point: np.ndarray, floor_y: float, thigh_length: float) -> float:
    """Distance (mm) from a flat foot's sole, under ``ankle_point``, to a supine floor at ``floor_y``."""
    return float(ankle_point[1] - floor_y - ANKLE_HEIGHT_PER_THIGH * thigh_length)
