"""Muscle lengths and moment arms as any one joint angle sweeps, many poses evaluated at once.

The moment arm about a coordinate q is minus the change of length per radian of q (the
virtual-work definition OpenSim uses), taken by central differences of half a degree, one-sided
where a step would leave the joint's range.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from viewer.anatomy.kinematics import Pose, PoseError

STEP_DEG = 0.5
COORDINATES = tuple(f.name for f in dataclasses.fields(Pose))


@dataclass
class Sweep:
    """One muscle over a sweep: angles (deg), lengths (mm), moment arms about the coordinate (mm)."""

    angles: np.ndarray
    lengths: np.ndarray
    moment_arms: np.ndarray


def check_coordinate(name: str) -> str:
    if name not in COORDINATES:
        raise ValueError(f"unknown coordinate {name!r}; choose one of {', '.join(COORDINATES)}")
    return name


def _pose(base: Pose, coordinate: str, angle: float) -> Pose | None:
    try:
        return base.replace(**{coordinate: float(angle)})
    except PoseError:
        return None


def sweep(model, base: Pose, coordinate: str, angles, muscle_ids: list[str]) -> dict[str, Sweep]:
    """Each muscle of ``muscle_ids`` with ``coordinate`` of ``base`` set to each of ``angles``.

    Raises :class:`~viewer.anatomy.kinematics.PoseError` if an angle is outside the joint's range.
    """
    check_coordinate(coordinate)
    angles = np.asarray(angles, float)
    centre = [base.replace(**{coordinate: float(a)}) for a in angles]  # raises on a bad angle
    below = [_pose(base, coordinate, a - STEP_DEG) for a in angles]
    above = [_pose(base, coordinate, a + STEP_DEG) for a in angles]
    low = np.array([a - STEP_DEG if p is not None else a for a, p in zip(angles, below)])
    high = np.array([a + STEP_DEG if p is not None else a for a, p in zip(angles, above)])
    poses = centre + [p if p is not None else c for p, c in zip(below, centre)] + [p if p is not None else c for p, c in zip(above, centre)]
    lengths = model.lengths_many(poses, muscle_ids)
    n = len(angles)
    out = {}
    for mid in muscle_ids:
        mid_lengths, minus, plus = lengths[mid][:n], lengths[mid][n:2 * n], lengths[mid][2 * n:]
        out[mid] = Sweep(angles, mid_lengths, -(plus - minus) / np.radians(high - low))
    return out
