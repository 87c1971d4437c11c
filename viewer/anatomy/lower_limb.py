"""Ankle and floor: where the feet are in a pose, so a pose can be checked against the floor it
claims to stand or lie on.

The ankle is the middle of the lowest part of the tibia and fibula (between the malleoli),
carried by the posed tibia. The sole lies below it by Winter's proportion (Biomechanics and Motor
Control of Human Movement, 4th ed., 2009, as fractions of body height: hip to knee 0.245, ankle
above the sole 0.039), scaled by the model's own thigh.
"""

from __future__ import annotations

import numpy as np

TIBIAE = {"r": "tibia_r", "l": "tibia_l"}
FEMURS = {"r": "femur_r", "l": "femur_l"}
ANKLE_HEIGHT_PER_THIGH = 0.039 / 0.245  # ankle centre above the sole, over hip-to-knee length (Winter 2009)
SACRAL_TISSUE_MM = 15.0  # assumed: skin and fat between the back of the sacrum and the floor, lying on the back
MALLEOLI_BAND_MM = 15.0  # tibia and fibula vertices this close to their lowest point make the ankle
PELVIS = ("sacrum", "hip_bone_r", "hip_bone_l")


def ankle_centre(tibia_vertices: np.ndarray) -> np.ndarray:
    """Middle of the malleoli, standing: the lowest band of the tibia and fibula's vertices."""
    low = tibia_vertices[:, 2].min()
    return tibia_vertices[tibia_vertices[:, 2] < low + MALLEOLI_BAND_MM].mean(axis=0)


def supine_floor(pelvis_vertices: list[np.ndarray], transforms: list[np.ndarray]) -> float:
    """Where the floor is (its y, mm) for a pose lying on the back: the plane under the back of
    the posed pelvis, below the soft tissue over the sacrum. The body is drawn in the standing
    frame, so the floor of a supine pose is a coronal plane behind it."""
    back = min(float((v @ m[:3, :3].T + m[:3, 3])[:, 1].min()) for v, m in zip(pelvis_vertices, transforms))
    return back - SACRAL_TISSUE_MM


def sole_above_floor(ankle_point: np.ndarray, floor_y: float, thigh_length: float) -> float:
    """Distance (mm) from a flat foot's sole, under ``ankle_point``, to a supine floor at ``floor_y``."""
    return float(ankle_point[1] - floor_y - ANKLE_HEIGHT_PER_THIGH * thigh_length)
