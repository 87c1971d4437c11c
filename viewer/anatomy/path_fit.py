"""Muscle path geometry fitted to the bones of a pack, so that it can be redone when bones change.

- :func:`psoas_lane`: where the psoas major passes each lumbar vertebra: beside the vertebral
  body at its mid-height (medial point) and in front of the root of the transverse process
  (lateral point), a set clearance off the bone, in the vertebra's own frame.
- :func:`fit_hip_path`: the psoas's or iliacus's path over the hip (brim via point, brim
  sphere, femoral via point) as OpenSim's Rajagopal 2015 model has it, placed at the same
  offsets from the hip centre, then the femoral via point and the sphere nudged just enough
  that the tendon clears the femoral neck and the hip bone wherever the bones themselves let
  the hip go, while the moment arms stay on OpenSim's.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from viewer.anatomy.hip_reference import FEMUR_ORIGIN, PATHS

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


def opensim_hip_path(reference: str, side: str) -> dict:
    """OpenSim's brim via point (hip bone frame), brim sphere and femoral via point (femur frame)
    of ``reference`` ("psoas" or "iliacus"), in mm from the hip centre, in this viewer's axes."""
    sign = 1.0 if side == "r" else -1.0

    def scene(point, origin=None) -> np.ndarray:  # OpenSim x anterior, y up, z right
        v = (np.asarray(point, float) - (0.0 if origin is None else origin)) * 1000.0
        return np.array([sign * v[2], v[0], v[1]])

    path = PATHS[reference]
    centre, radius, towards = path["wrap"]
    return {"brim": scene(path["pelvis"][1], FEMUR_ORIGIN), "centre": scene(centre, FEMUR_ORIGIN), "radius": float(radius) * 1000.0,  # type: ignore[arg-type]
            "side": scene(towards, FEMUR_ORIGIN), "femur": scene(path["femur"][0])}


def hip_orientations() -> np.ndarray:
    """Thigh orientations relative to the pelvis over the hip's range (flexion every 10 degrees,
    adduction every 15, rotation every 15), right side."""
    from viewer.anatomy.kinematics import Pose, hip_rotation_matrix

    return np.array([hip_rotation_matrix(Pose(hip_flexion_r=f, hip_adduction_r=a, hip_rotation_r=r), "r")
                     for f in np.arange(-30.0, 120.1, 10.0) for a in (-30.0, -15.0, 0.0, 15.0) for r in (-30.0, -15.0, 0.0, 15.0, 30.0)])


def _flexion(degrees: np.ndarray) -> np.ndarray:
    angle = np.radians(degrees)
    out = np.zeros((len(angle), 3, 3))
    out[:, 0, 0], out[:, 1, 1], out[:, 1, 2], out[:, 2, 1], out[:, 2, 2] = 1, np.cos(angle), -np.sin(angle), np.sin(angle), np.cos(angle)
    return out


def _hip_paths(brim, centre, radius, side, femur, insertion, turns):
    """Path from the brim via point over the sphere to the femoral via point and the insertion,
    for each thigh orientation in ``turns`` (n, 3, 3); points from the hip centre. Returns the
    lengths (n,) and the polylines (n, P, 3)."""
    from viewer.anatomy.wrapping import wrap_sphere

    via, end = femur @ turns.transpose(0, 2, 1), insertion @ turns.transpose(0, 2, 1)
    start = np.broadcast_to(brim, via.shape)
    wrap = wrap_sphere(start, via, centre, radius, side)
    length = (np.linalg.norm(wrap.first - start, axis=1) + wrap.between + np.linalg.norm(via - wrap.last, axis=1)
              + np.linalg.norm(end - via, axis=1))
    return length, np.concatenate([start[:, None], wrap.samples, via[:, None], end[:, None]], axis=1)


def fit_hip_path(reference: str, insertion: np.ndarray, hip_depth, femur_depth,
                 hip_centre: np.ndarray, turns: np.ndarray, allowed_mm: float = 0.2) -> tuple[dict, dict]:
    """OpenSim's hip path (:func:`opensim_hip_path`, right side) with its femoral via point and
    sphere moved as little as needed for every sample of the tendon to lie no deeper than
    ``allowed_mm`` in the hip bone or femur at each thigh orientation of ``turns`` (those the bones
    allow), with the moment arms kept as near OpenSim's as can be (Nelder-Mead). ``insertion`` is in
    mm from the hip centre. Returns the path and the figures: moment-arm and length-change rms
    against OpenSim (mm) and the deepest sample (mm)."""
    from viewer.anatomy.clearance import densify
    from viewer.anatomy.hip_reference import lengths, moment_arms

    start = opensim_hip_path(reference, "r")
    degrees = HIP_RANGE_DEG
    target_arm = moment_arms(reference, "opensim", degrees)
    target_length = lengths(reference, "opensim", degrees)
    target_change = target_length - target_length[degrees == 0]
    x0 = np.concatenate([start["femur"], start["centre"], [start["radius"]]])

    def unpack(x):
        return start["brim"], x[3:6], x[6], start["side"], x[:3], insertion

    def curves(x):
        low, high = (_hip_paths(*unpack(x), _flexion(degrees + d))[0] for d in (-0.5, 0.5))
        middle = _hip_paths(*unpack(x), _flexion(degrees))[0]
        return -(high - low) / np.radians(1.0), middle - middle[degrees == 0]

    def deepest(x):
        _, paths = _hip_paths(*unpack(x), turns)
        points, line = densify(paths)
        depth = np.maximum(hip_depth(points + hip_centre),
                           femur_depth(np.einsum("nji,nj->ni", turns[line], points) + hip_centre))
        per_turn = np.zeros(len(turns))
        np.maximum.at(per_turn, line, depth)
        return per_turn

    def cost(x):
        arm, change = curves(x)
        misfit = rms(arm, target_arm) + 0.3 * rms(change, target_change)
        return misfit + 20.0 * np.sum(np.maximum(deepest(x) - allowed_mm, 0.0) ** 2) + 0.002 * np.sum((x - x0) ** 2)

    x = x0
    for _ in range(2):  # a restart lets the simplex out of a collapsed shape
        x = optimize.minimize(cost, x, method="Nelder-Mead", options={"maxfev": 1500, "xatol": 0.05, "fatol": 1e-4, "adaptive": True}).x
    arm, change = curves(x)
    path = {"brim": start["brim"], "centre": x[3:6], "radius": float(x[6]), "side": start["side"], "femur": x[:3]}
    moved = {"femur": float(np.linalg.norm(x[:3] - x0[:3])), "centre": float(np.linalg.norm(x[3:6] - x0[3:6])),
             "arm_rms": rms(arm, target_arm), "change_rms": rms(change, target_change), "deepest": float(deepest(x).max())}
    return path, moved
