"""Muscle path geometry fitted to the bones of a pack, so that it can be redone when bones change.

- :func:`psoas_lane`: where the psoas major passes each lumbar vertebra: beside the vertebral
  body at its mid-height (medial point) and in front of the root of the transverse process
  (lateral point), a set clearance off the bone, in the vertebra's own frame.
- :func:`femoral_head_radius`: the radius of the sphere that best fits the femoral head, to
  size the hip wrapping surfaces from the bone itself.
"""

from __future__ import annotations

import numpy as np

LUMBAR = ("l1", "l2", "l3", "l4", "l5")
BODY_DEPTH_MM = 22.0  # the front of a vertebra this deep is its body
MEDIAL_CLEARANCE_MM = 6.0
LATERAL_CLEARANCE_MM = 13.0
LATERAL_BACK_MM = 6.0


def _body(vertices: np.ndarray) -> np.ndarray:
    return vertices[vertices[:, 1] > vertices[:, 1].max() - BODY_DEPTH_MM]


def psoas_lane(pack, skeleton, side: str, bones=LUMBAR) -> list[dict]:
    """Lane levels (bone, medial, lateral in the bone's frame) for the psoas major on ``side``."""
    sign = 1.0 if side == "r" else -1.0
    levels = []
    for bone_id in bones:
        vertices = pack.bones[bone_id].vertices
        body = _body(vertices)
        middle = (body[:, 2].min() + body[:, 2].max()) / 2
        waist = body[np.abs(body[:, 2] - middle) < 5.0]
        half_width = np.abs(waist[:, 0]).max()
        centre_y = (waist[:, 1].min() + waist[:, 1].max()) / 2
        medial = np.array([sign * (half_width + MEDIAL_CLEARANCE_MM), centre_y, middle])
        lateral = np.array([sign * (half_width + LATERAL_CLEARANCE_MM), centre_y - LATERAL_BACK_MM, middle])
        origin = skeleton.frame_origin(bone_id)
        levels.append({
            "bone": bone_id,
            "medial": np.round(medial - origin, 2).tolist(),
            "lateral": np.round(lateral - origin, 2).tolist(),
            "source": "fitted to the vertebral body (viewer.anatomy.path_fit)",
        })
    return levels


def femoral_head_radius(vertices: np.ndarray, centre: np.ndarray, reach: float = 30.0) -> float:
    """Radius (mm) of the sphere about ``centre`` that best fits the femur's surface near it."""
    distance = np.linalg.norm(vertices - centre, axis=1)
    near = distance[distance < reach]
    # the head is the shell of points near the centre at a nearly constant distance
    return float(np.median(near[near > 0.5 * np.median(near)]))


HIP_RANGE_DEG = np.arange(-20.0, 100.01, 1.0)


def hip_table(model, muscle_id: str, reference: str, degrees: np.ndarray = HIP_RANGE_DEG) -> dict[str, np.ndarray]:
    """Moment arm (mm) and length change from 0 degrees (mm) over hip flexion: this model's
    ``muscle_id`` beside ``reference`` ("psoas" or "iliacus") in OpenSim and MyoLeg."""
    from viewer.anatomy.hip_reference import lengths, moment_arms
    from viewer.anatomy.kinematics import Pose
    from viewer.anatomy.sweep import sweep

    side = model.muscles[muscle_id].side
    ours = sweep(model, Pose(), f"hip_flexion_{side}", degrees, [muscle_id])[muscle_id]
    table = {"degrees": degrees, "arm": ours.moment_arms, "change": ours.lengths - np.interp(0.0, degrees, ours.lengths)}
    for name in ("opensim", "myoleg"):
        length = lengths(reference, name, degrees)
        table[f"arm_{name}"] = moment_arms(reference, name, degrees)
        table[f"change_{name}"] = length - np.interp(0.0, degrees, length)
    return table


def rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def fit_wrap_radius(annotations, skeleton, muscle_id: str, reference: str, radii: np.ndarray) -> tuple[float, float]:
    """The hip-sphere radius of ``muscle_id`` whose moment arms come nearest OpenSim's (rms, mm)."""
    from viewer.anatomy.muscle_paths import MuscleModel

    step = next(s for s in annotations.muscles[muscle_id]["path"] if s["type"] == "wrap_sphere")
    kept, best = step["radius"], (np.inf, float(step["radius"]))
    for radius in radii:
        step["radius"] = float(radius)
        table = hip_table(MuscleModel(annotations, skeleton), muscle_id, reference)
        best = min(best, (rms(table["arm"], table["arm_opensim"]), float(radius)))
    step["radius"] = kept
    return best[1], best[0]


HIP_CORNERS = [(f, a, r) for f in (-30.0, -15.0) for a in (-30.0, 15.0) for r in (-30.0, 30.0)]


def clear_via(annotations, skeleton, solids: dict, muscle_id: str, bone: str, allowed_mm: float = 0.5, most_mm: float = 12.0) -> float:
    """Move the muscle's via point on ``bone`` forwards (1 mm steps) until, at the ends of the hip's
    range (extended, abducted or adducted, rotated either way), no sample of its line lies deeper
    than ``allowed_mm`` in any of ``solids`` (bone id: :class:`~viewer.anatomy.inside.Solid`).
    Returns the shift (mm); the via point in ``annotations`` is moved by it."""
    from viewer.anatomy.clearance import densify
    from viewer.anatomy.kinematics import Pose, bone_transforms
    from viewer.anatomy.muscle_paths import MuscleModel
    from viewer.anatomy.pack_frame import apply

    muscle = annotations.muscles[muscle_id]
    side = muscle["side"]
    step = next(s for s in muscle["path"] if s["type"] == "via" and s["bone"] == bone)
    start = list(step["position"])
    for shift in np.arange(0.0, most_mm + 0.5, 1.0):
        step["position"] = [start[0], round(start[1] + shift, 2), start[2]]
        model = MuscleModel(annotations, skeleton)
        deepest = 0.0
        for flexion, adduction, rotation in HIP_CORNERS:
            pose = Pose(**{f"hip_flexion_{side}": flexion, f"hip_adduction_{side}": adduction, f"hip_rotation_{side}": rotation})
            transforms = bone_transforms(pose, skeleton)
            points, _ = densify(model.evaluate(pose, transforms)[muscle_id].fascicle_paths)
            for bone_id, solid in solids.items():
                local = apply(np.linalg.inv(transforms[bone_id]), points)
                inside = solid.contains(local)
                if inside.any():
                    deepest = max(deepest, float(solid.distance(local[inside]).max()))
        if deepest <= allowed_mm:
            break
    return float(shift)
