"""Muscle length and moment arm against hip flexion, as rows and as text (CSV, JSON, table)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import LIMITS, Pose, PoseError, Skeleton
from viewer.anatomy.muscle_paths import MuscleModel


def hip_flexion_sweep(annotations: Annotations, manifest: dict, muscle_id: str, start: float, stop: float, step: float,
                      available_bones: set[str] | None = None) -> list[dict]:
    """Length (mm) and hip-flexion moment arm (mm) of a muscle at each hip angle, other joints neutral.

    Angles outside the model's hip range are refused with a PoseError naming the range; a muscle the
    pack cannot carry, or a pack without that hip joint, with a ValueError saying which.
    """
    low, high = LIMITS["hip_flexion"]
    if start < low or stop > high:
        raise PoseError(f"hip flexion {start:g} to {stop:g} degrees leaves the model's range {low:g} to {high:g}")
    skeleton = Skeleton.from_manifest(manifest)
    model = MuscleModel(annotations, skeleton, available_bones)
    if muscle_id in model.skipped:
        raise ValueError(model.why_left_out(muscle_id))
    side = model.muscles[muscle_id].side
    if f"hip_{side}" not in skeleton.joints.values():
        raise ValueError(f"the pack has no bone with a hip_{side} joint, so hip flexion moves nothing and the length of "
                         f"{muscle_id} would be the same at every angle; give the femur \"joint\": \"hip_{side}\" and its joint_centre")
    standing = model.length(muscle_id, Pose())
    rows = []
    for angle in np.arange(start, stop + step / 2, step):
        pose = Pose(**{f"hip_flexion_{side}": float(angle)})
        length = model.length(muscle_id, pose)
        rows.append(
            {
                "hip_flexion_deg": round(float(angle), 3),
                "length_mm": round(length, 2),
                "change_from_standing_percent": round(100 * (length / standing - 1), 2),
                "moment_arm_mm": round(model.hip_flexion_moment_arm(muscle_id, pose), 2) + 0.0,
            }
        )
    return rows


def format_table(rows: list[dict], muscle_id: str, fmt: str) -> str:
    """Rows as ``json``, ``csv`` or an aligned ``table`` for reading."""
    if fmt == "json":
        return json.dumps({"muscle": muscle_id, "rows": rows}, indent=2)
    columns = list(rows[0]) if rows else ["hip_flexion_deg", "length_mm", "change_from_standing_percent", "moment_arm_mm"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    header = f"{muscle_id}: hip flexion (deg), length (mm), change from standing (%), hip-flexion moment arm (mm)"
    lines = [header] + [
        f"{r['hip_flexion_deg']:8.1f} {r['length_mm']:9.1f} {r['change_from_standing_percent']:8.1f} {r['moment_arm_mm']:8.1f}"
        for r in rows
    ]
    return "\n".join(lines)
