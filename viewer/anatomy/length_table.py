"""Muscle length and moment arm against hip flexion or any other joint angle, as rows and as text (CSV, JSON, table)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import LIMITS, Pose, PoseError, Skeleton
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.sweep import COORDINATES, check_coordinate, sweep


def hip_flexion_sweep(annotations: Annotations, manifest: dict, muscle_id: str, start: float, stop: float, step: float,
                      available_bones: set[str] | None = None) -> list[dict]:
    """Length (mm) and hip-flexion moment arm (mm) of a muscle at each hip angle, other joints neutral.

    Angles outside the model's hip range are refused with a PoseError naming the range; a muscle the
    pack cannot carry, or a pack without that hip joint, with a ValueError saying which.
    """
    low, high = LIMITS["hip_flexion"]
    if start < low or stop > high:
        raise PoseError(f"hip flexion {start:g} to {stop:g} degrees leaves the model's range {low:g} to {high:g}")
    return coordinate_sweep(annotations, manifest, muscle_id, "hip_flexion", start, stop, step, available_bones=available_bones)


def coordinate_sweep(annotations: Annotations, manifest: dict, muscle_id: str, coordinate: str, start: float, stop: float,
                     step: float, base: Pose | None = None, available_bones: set[str] | None = None) -> list[dict]:
    """Length (mm), change from standing (%) and moment arm about ``coordinate`` (mm) of a muscle as
    that one coordinate of ``base`` runs from ``start`` to ``stop``. A coordinate named without a
    side (``hip_flexion``) is the muscle's own side's. The first column is ``<coordinate>_deg``.

    A muscle the pack cannot carry, or a hip sweep on a pack without that hip joint, is refused
    with a ValueError saying which."""
    skeleton = Skeleton.from_manifest(manifest)
    model = MuscleModel(annotations, skeleton, available_bones)
    if muscle_id in model.skipped:
        raise ValueError(model.why_left_out(muscle_id))
    side = model.muscles[muscle_id].side
    field = f"{coordinate}_{side}" if f"{coordinate}_{side}" in COORDINATES else check_coordinate(coordinate)
    if field.startswith("hip_") and f"hip_{field[-1]}" not in skeleton.joints.values():
        raise ValueError(f"the pack has no bone with a hip_{field[-1]} joint, so {coordinate.replace('_', ' ')} moves nothing and the length of "
                         f"{muscle_id} would be the same at every angle; give the femur \"joint\": \"hip_{field[-1]}\" and its joint_centre")
    standing = model.length(muscle_id, Pose())
    # every whole step from start that stays within stop (a billionth of a step spared for rounding)
    angles = start + step * np.arange(int(np.floor((stop - start) / step + 1e-9)) + 1)
    curve = sweep(model, base or Pose(), field, angles, [muscle_id])[muscle_id]
    return [
        {
            f"{coordinate}_deg": round(float(angle), 3),
            "length_mm": round(float(length), 2),
            "change_from_standing_percent": round(100 * (float(length) / standing - 1), 2),
            "moment_arm_mm": round(float(arm), 2) + 0.0,
        }
        for angle, length, arm in zip(curve.angles, curve.lengths, curve.moment_arms)
    ]


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
    coordinate = columns[0].removesuffix("_deg").replace("_", " ")
    header = f"{muscle_id}: {coordinate} (deg), length (mm), change from standing (%), moment arm about {coordinate} (mm)"
    lines = [header] + [
        f"{r[columns[0]]:8.1f} {r['length_mm']:9.1f} {r['change_from_standing_percent']:8.1f} {r['moment_arm_mm']:8.1f}"
        for r in rows
    ]
    return "\n".join(lines)
