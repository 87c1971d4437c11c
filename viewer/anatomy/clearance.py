"""How deep any muscle line goes into any bone, over a grid of poses.

Every fascicle line is sampled every millimetre or closer (segments, not only the corners of the
path) and each sample is tested against the closed surface of every bone it comes near, in that
bone's own standing frame (:mod:`viewer.anatomy.inside`). The grid covers each joint alone, the
joints together at the ends of their ranges, the named poses and the stretches on both sides.
Poses in which the bones themselves run into each other (the femoral neck or lesser trochanter
into the hip bone: bony impingement, where the real joint stops) are outside the model's range:
:class:`~viewer.anatomy.kinematics.HipLimits` refuses them, and a check leaves out exactly those.
:class:`BoneContact` measures the same overlap exactly (ray parity and the distance to the
triangles), slowly, to check the limits against.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from viewer.anatomy.inside import Solid
from viewer.anatomy.kinematics import (
    HEAD_CLEARANCE_MM,
    LIMITS,
    REACH_MM,
    HipLimits,
    Pose,
    PoseError,
    bone_transforms,
    femoral_head_radius,
)
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.pack_frame import apply

SAMPLE_MM = 1.0


@dataclass(frozen=True)
class Penetration:
    """The deepest sample of one fascicle inside one bone in one pose."""

    pose: str
    muscle: str
    fascicle: str
    bone: str
    depth: float  # mm

    def __str__(self) -> str:
        return f"{self.muscle} {self.fascicle} {self.depth:.1f} mm inside {self.bone} ({self.pose})"


def densify(paths: np.ndarray, step: float = SAMPLE_MM) -> tuple[np.ndarray, np.ndarray]:
    """Points along polylines (n, P, 3) no more than ``step`` apart, and the line each belongs to."""
    starts, ends = paths[:, :-1].reshape(-1, 3), paths[:, 1:].reshape(-1, 3)
    line = np.repeat(np.arange(len(paths)), paths.shape[1] - 1)
    pieces = np.maximum(np.ceil(np.linalg.norm(ends - starts, axis=1) / step).astype(int), 1)
    segment = np.repeat(np.arange(len(starts)), pieces)
    t = (np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)) / pieces[segment]
    points = starts[segment] + (ends - starts)[segment] * t[:, None]
    return np.concatenate([points, paths[:, -1]]), np.concatenate([line[segment], np.arange(len(paths))])


def bone_solids(pack) -> dict[str, Solid]:
    """A :class:`Solid` for every bone of a pack, in its standing position (discs are not bone)."""
    return {bone_id: Solid(bone.vertices, bone.faces) for bone_id, bone in pack.bones.items() if bone.disc is None}


def disc_solids(pack) -> dict[str, Solid]:
    """A :class:`Solid` for every intervertebral disc of a pack, standing. :func:`penetrations` takes
    each into its own frame by the blend at its mid-plane, so depths near its endplates are approximate."""
    return {bone_id: Solid(bone.vertices, bone.faces) for bone_id, bone in pack.bones.items() if bone.disc is not None}


class BoneContact:
    """How deep each femur, beyond its head, goes into its hip bone in a pose.

    The head sits in the socket (the meshes' fit leaves a fraction of a mm there); the neck,
    trochanters and shaft within ``reach`` of the hip centre are what can run into the rim of
    the socket or the ischium.
    """

    def __init__(self, pack, skeleton, solids: dict[str, Solid], reach: float = REACH_MM):
        self.solids = solids
        self.parts = {}
        for side in "rl":
            femur, centre = pack.bones[f"femur_{side}"].vertices, skeleton.frame_origin(f"femur_{side}")
            head = femoral_head_radius(femur, centre)
            distance = np.linalg.norm(femur - centre, axis=1)
            self.parts[side] = femur[(distance > head + HEAD_CLEARANCE_MM) & (distance < reach)]

    def depth(self, transforms: dict[str, np.ndarray]) -> float:
        """Deepest point (mm) of either femur inside its hip bone."""
        deepest = 0.0
        for side, points in self.parts.items():
            hip = f"hip_bone_{side}"
            local = apply(np.linalg.inv(transforms[hip]) @ transforms[f"femur_{side}"], points)
            inside = self.solids[hip].contains(local)
            if inside.any():
                deepest = max(deepest, float(self.solids[hip].distance(local[inside]).max()))
        return deepest


def split(limits: HipLimits, poses: dict[str, Pose]) -> tuple[dict[str, Pose], dict[str, Pose]]:
    """The poses the model's hip limits allow, and those they refuse."""
    allowed = {label: pose for label, pose in poses.items() if limits.allows(pose)}
    return allowed, {label: pose for label, pose in poses.items() if label not in allowed}


def _valid(**angles: float) -> Pose | None:
    try:
        return Pose(**angles)
    except PoseError:
        return None


def pose_grid(named: dict[str, Pose]) -> dict[str, Pose]:
    """Poses to check: each joint over its range, pairs and corners of ranges, and ``named``.

    Hip angles are applied to both sides at once (left and right mirrored for rotation and
    adduction so that both meet every combination). Combinations outside the joint limits
    (hip joint flexion includes pelvic tilt) are left out.
    """
    def both(flexion=0.0, adduction=0.0, rotation=0.0, **rest) -> dict:
        return dict(hip_flexion_r=flexion, hip_flexion_l=flexion, hip_adduction_r=adduction, hip_adduction_l=adduction,
                    hip_rotation_r=rotation, hip_rotation_l=-rotation, **rest)

    grid: dict[str, Pose] = {}

    def add(label: str, pose: Pose | None) -> None:
        if pose is not None:
            grid[label] = pose

    for name, (low, high) in LIMITS.items():
        for angle in np.linspace(low, high, 7):
            key = {"hip_flexion": "flexion", "hip_adduction": "adduction", "hip_rotation": "rotation"}.get(name)
            angles = both(**{key: angle}) if key else {name: angle}
            if name == "knee_flexion":
                continue
            add(f"{name}={angle:g}", _valid(**angles))
    hips = list(itertools.product([-30, 0, 60, 120], [-30, 0, 15], [-30, 0, 30]))
    for flexion, adduction, rotation in hips:
        add(f"hip {flexion:g}/{adduction:g}/{rotation:g}", _valid(**both(flexion, adduction, rotation)))
    spine = itertools.product([-30, 0, 50], [-30, 0, 30], [-12, 0, 12], [-25, 0, 25], [-30, 0, 30])
    for flexion, bending, rotation, tilt, turn in spine:
        for hip in (0.0, 60.0):  # thighs still, or the hip joints flexed 60 degrees whatever the tilt
            add(f"spine {flexion:g}/{bending:g}/{rotation:g} pelvis {tilt:g}/{turn:g} hips {hip:g}",
                _valid(**both(hip - tilt if hip else 0.0), lumbar_flexion=flexion, lumbar_bending=bending,
                       lumbar_rotation=rotation, pelvic_tilt=tilt, pelvic_rotation=turn))
    for flexion, adduction, rotation, bending, tilt in itertools.product([-30, 120], [-30, 15], [-30, 30], [-30, 30], [-25, 25]):
        add(f"corner hip {flexion:g}/{adduction:g}/{rotation:g} bend {bending:g} tilt {tilt:g}",
            _valid(**both(float(np.clip(flexion, -30 - tilt, 120 - tilt)), adduction, rotation),
                   lumbar_bending=bending, pelvic_tilt=tilt, lumbar_flexion=50 if flexion > 0 else -30))
    for name, pose in named.items():
        grid[name] = pose
        grid[f"{name} (mirrored)"] = pose.mirrored()
    return grid


def penetrations(model: MuscleModel, solids: dict[str, Solid], poses: dict[str, Pose],
                 step: float = SAMPLE_MM) -> list[Penetration]:
    """Every fascicle that has a sample inside a bone, with its deepest sample, in every pose."""
    names = [(mid, fid) for mid, m in model.muscles.items() for fid in m.fascicle_ids]
    bounds = {bone: (solid.low - 1.0, solid.high + 1.0) for bone, solid in solids.items()}
    found: list[Penetration] = []
    for label, pose in poses.items():
        transforms = bone_transforms(pose, model.skeleton)
        states = model.evaluate(pose, transforms)
        pieces = [densify(states[mid].fascicle_paths, step) for mid in model.muscles]
        offsets = np.cumsum([0] + [len(model.muscles[mid].fascicle_ids) for mid in model.muscles])
        points = np.concatenate([p for p, _ in pieces])
        line = np.concatenate([rows + offset for (_, rows), offset in zip(pieces, offsets)])
        for bone, solid in solids.items():
            local = apply(np.linalg.inv(transforms[bone]), points)
            low, high = bounds[bone]
            near = np.nonzero(np.all((local > low) & (local < high), axis=1))[0]
            if not len(near):
                continue
            inside = near[solid.contains(local[near])]
            if not len(inside):
                continue
            depth = solid.distance(local[inside])
            for row in np.unique(line[inside]):
                mine = line[inside] == row
                found.append(Penetration(label, names[row][0], names[row][1], bone, float(depth[mine].max())))
    return found


def deepest_vertex(surfaces: dict[str, np.ndarray], solids: dict[str, Solid], transforms: dict[str, np.ndarray]) -> tuple[float, str, str]:
    """The deepest of the points of named surfaces (name -> (n, 3), posed) inside any bone: its
    depth (mm, 0 if none is inside), the surface's name and the bone's id (ray parity, exact distance)."""
    worst = (0.0, "", "")
    for bone, solid in solids.items():
        inverse = np.linalg.inv(transforms[bone])
        for name, points in surfaces.items():
            local = apply(inverse, points)
            near = np.all((local > solid.low - 1.0) & (local < solid.high + 1.0), axis=1)
            if near.any():
                depth = float(solid.depth(local[near]).max())
                if depth > worst[0]:
                    worst = (depth, name, bone)
    return worst
