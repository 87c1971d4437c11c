"""Muscle paths for any pose: fascicle lines, their lengths, hip moment arms, tube centrelines.

Each fascicle runs from its own origin through the muscle's shared path (via points fixed to
bones, spheres it wraps around) to the insertion. A muscle's length is the mean length of its
fascicles, as in multi-line musculoskeletal models. The centrelines the tubes are drawn along
have a fixed number of points, so the drawn surface keeps its topology in every pose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import LIMITS, Pose, Skeleton, bone_transforms
from viewer.anatomy.wrapping import wrap_sphere

CENTRELINE_POINTS = 64
WRAP_SAMPLES = 8
MOMENT_ARM_STEP_DEG = 0.5


def apply(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 transform to points of shape (..., 3)."""
    return points @ transform[:3, :3].T + transform[:3, 3]


@dataclass
class MuscleGeometry:
    """One muscle's attachments and path, in neutral scene coordinates, ready to pose."""

    id: str
    name: str
    side: str
    colour: str
    hidden_by_default: bool
    tube: str
    fascicle_ids: list[str]
    origin_bones: list[str]
    origins: np.ndarray
    steps: list[dict]
    insertion_bone: str
    insertion: np.ndarray
    belly_bones: list[str]
    belly: np.ndarray
    radius_profile: np.ndarray

    @property
    def bones(self) -> set[str]:
        used = set(self.origin_bones) | set(self.belly_bones) | {self.insertion_bone}
        return used | {step["bone"] for step in self.steps}


@dataclass
class MuscleState:
    """A muscle in one pose."""

    fascicle_lengths: np.ndarray  # (n,) mm
    fascicle_paths: np.ndarray  # (n, P, 3)
    centrelines: np.ndarray  # (tubes, CENTRELINE_POINTS, 3)
    centreline_lengths: np.ndarray  # (tubes,) mm

    @property
    def length(self) -> float:
        return float(self.fascicle_lengths.mean())


def _compile(muscle: dict, annotations: Annotations, skeleton: Skeleton) -> MuscleGeometry:
    def neutral(bone: str, local) -> np.ndarray:
        return np.asarray(local, float) + skeleton.frame_origin(bone)

    landmarks = annotations.landmarks
    origins = [landmarks[f["origin"]] for f in muscle["fascicles"]]
    steps = []
    for step in muscle["path"]:
        compiled = {"type": step["type"], "bone": step["bone"]}
        if step["type"] == "via":
            compiled["point"] = neutral(step["bone"], step["position"])
        else:
            compiled["centre"] = neutral(step["bone"], step["centre"])
            compiled["radius"] = float(step["radius"])
            compiled["side"] = neutral(step["bone"], step["side"])
        steps.append(compiled)
    insertion = landmarks[muscle["insertion"]]
    belly = muscle.get("belly", [])
    return MuscleGeometry(
        id=muscle["id"],
        name=muscle["name"],
        side=muscle["side"],
        colour=muscle["colour"],
        hidden_by_default=muscle.get("hidden_by_default", False),
        tube=muscle["tube"],
        fascicle_ids=[f["id"] for f in muscle["fascicles"]],
        origin_bones=[o.bone for o in origins],
        origins=np.array([neutral(o.bone, o.position) for o in origins]),
        steps=steps,
        insertion_bone=insertion.bone,
        insertion=neutral(insertion.bone, insertion.position),
        belly_bones=[p["bone"] for p in belly],
        belly=np.array([neutral(p["bone"], p["position"]) for p in belly]).reshape(-1, 3),
        radius_profile=np.asarray(muscle["radius_profile"], float),
    )


def resample(polylines: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample each polyline (t, P, 3) to ``count`` points evenly spaced along its length."""
    steps = np.linalg.norm(np.diff(polylines, axis=1), axis=2)
    arc = np.concatenate([np.zeros((len(polylines), 1)), np.cumsum(steps, axis=1)], axis=1)
    total = arc[:, -1]
    out = np.empty((len(polylines), count, 3))
    for row in range(len(polylines)):
        targets = np.linspace(0.0, total[row], count)
        for axis in range(3):
            out[row, :, axis] = np.interp(targets, arc[row], polylines[row, :, axis])
    return out, total


def smooth(polylines: np.ndarray, passes: int = 3) -> np.ndarray:
    """Round off the corners at via points, keeping both ends in place."""
    out = polylines.copy()
    for _ in range(passes):
        out[:, 1:-1] = 0.25 * out[:, :-2] + 0.5 * out[:, 1:-1] + 0.25 * out[:, 2:]
    return out


class MuscleModel:
    """The muscles of an annotations document on the skeleton of a mesh pack."""

    def __init__(self, annotations: Annotations, skeleton: Skeleton, available_bones: set[str] | None = None):
        self.skeleton = skeleton
        self.muscles: dict[str, MuscleGeometry] = {}
        self.skipped: dict[str, set[str]] = {}
        for muscle in annotations.muscles.values():
            geometry = _compile(muscle, annotations, skeleton)
            missing = geometry.bones - (available_bones if available_bones is not None else set(skeleton.parents))
            if missing:
                self.skipped[geometry.id] = missing
            else:
                self.muscles[geometry.id] = geometry

    def _fascicles(self, m: MuscleGeometry, transforms: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Posed fascicle polylines (n, P, 3) and their exact lengths (n,)."""
        posed = np.stack([transforms[b] for b in m.origin_bones])
        current = np.einsum("nij,nj->ni", posed[:, :3, :3], m.origins) + posed[:, :3, 3]
        pieces = [current[:, None, :]]
        lengths = np.zeros(len(current))
        targets = [(s["bone"], s["point"]) for s in m.steps if s["type"] == "via"] + [(m.insertion_bone, m.insertion)]
        next_target = 0
        for step in m.steps:
            if step["type"] == "via":
                point = np.broadcast_to(apply(transforms[step["bone"]], step["point"]), current.shape)
                lengths += np.linalg.norm(point - current, axis=1)
                pieces.append(point[:, None, :])
                current = point
                next_target += 1
                continue
            bone, point = targets[next_target]
            following = apply(transforms[bone], point)
            pose_of = transforms[step["bone"]]
            wrap = wrap_sphere(
                current, following, apply(pose_of, step["centre"]), step["radius"], apply(pose_of, step["side"]), WRAP_SAMPLES
            )
            lengths += np.linalg.norm(wrap.first - current, axis=1) + wrap.between
            pieces.append(wrap.samples)
            current = wrap.last
        end = np.broadcast_to(apply(transforms[m.insertion_bone], m.insertion), current.shape)
        lengths += np.linalg.norm(end - current, axis=1)
        pieces.append(end[:, None, :])
        return np.concatenate(pieces, axis=1), lengths

    def _state(self, m: MuscleGeometry, transforms: dict[str, np.ndarray]) -> MuscleState:
        paths, lengths = self._fascicles(m, transforms)
        if m.tube == "belly":
            belly = np.array([apply(transforms[b], p) for b, p in zip(m.belly_bones, m.belly)])
            lines = np.concatenate([belly, paths[0, 1:]])[None]
        else:
            lines = paths
        centrelines, centreline_lengths = resample(lines, CENTRELINE_POINTS)
        return MuscleState(lengths, paths, smooth(centrelines), centreline_lengths)

    def evaluate(self, pose: Pose, transforms: dict[str, np.ndarray] | None = None) -> dict[str, MuscleState]:
        """Every muscle in ``pose``."""
        transforms = transforms if transforms is not None else bone_transforms(pose, self.skeleton)
        return {muscle_id: self._state(m, transforms) for muscle_id, m in self.muscles.items()}

    def length(self, muscle_id: str, pose: Pose) -> float:
        """Mean fascicle length of one muscle in mm."""
        m = self.muscles[muscle_id]
        return float(self._fascicles(m, bone_transforms(pose, self.skeleton))[1].mean())

    def hip_flexion_moment_arm(self, muscle_id: str, pose: Pose) -> float:
        """Hip-flexion moment arm in mm: minus the change of length per radian of hip flexion.

        Positive for a hip flexor. Taken by a central difference at the muscle's own hip (a
        one-sided one at the ends of the range), the virtual-work definition used by OpenSim.
        """
        side = self.muscles[muscle_id].side
        field = f"hip_flexion_{side}"
        angle = getattr(pose, field)
        low, high = angle - MOMENT_ARM_STEP_DEG, angle + MOMENT_ARM_STEP_DEG
        joint_low, joint_high = LIMITS["hip_flexion"]
        low, high = max(low, joint_low - pose.pelvic_tilt), min(high, joint_high - pose.pelvic_tilt)
        change = self.length(muscle_id, pose.replace(**{field: high})) - self.length(muscle_id, pose.replace(**{field: low}))
        return float(-change / np.radians(high - low))
