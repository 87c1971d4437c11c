"""Poses and the bone transforms they produce.

A :class:`Pose` holds joint angles in degrees. :func:`bone_transforms` turns it into one 4x4
matrix per bone that maps the bone's points from the standing (reference) pose to the posed
scene, following the parent chain of the mesh pack.

Conventions, in the scene frame (x right, y anterior, z superior):

- hip flexion swings the thigh forward about the hip centre; it is the angle of the thigh in
  the room relative to standing, so with the thighs held still a posterior pelvic tilt (a
  "tuck") extends the hip joint: joint flexion = thigh flexion + anterior pelvic tilt;
- hip adduction brings the knee towards the midline, internal rotation turns the front of the
  thigh inwards (OpenSim order: flexion, then adduction, then rotation);
- lumbar flexion bends the trunk forward, lateral bending is positive to the right, axial
  rotation is positive when the front of the trunk turns to the right; all three are shared
  evenly by the five lumbar joints (L5/S1 to L1/L2), an assumption of this model, so each
  psoas slip moves with its own vertebra and spine motion changes each slip differently;
- pelvic tilt turns the pelvis and the spine about the line through both hip centres,
  positive anteriorly (the top of the pelvis tipping forward); pelvic rotation turns them about
  the vertical through the midpoint of the hip centres, positive when the front of the pelvis
  faces right. The thighs keep their direction in the room and their heads follow the hip
  sockets, so turning the pelvis right rotates the right hip joint internally and the left
  one externally;
- knee flexion swings the tibia (with the fibula) backwards about the knee centre, a plain hinge
  across the body (the real knee also rolls and glides); the patella turns about the same axis
  by two thirds of the knee angle, so it stays in the femur's groove (an assumption of this
  model: the patella flexes less than the tibia). No muscle of this model crosses the knee;
- an intervertebral disc is not rigid: each of its points follows the bones above and below,
  blended by height (:mod:`viewer.anatomy.discs`); the matrix a disc gets here is that blend at
  its mid-plane, which carries the points given in the disc's frame (landmarks on it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

# Joint-angle limits in degrees; hip flexion -30 to 120 as in OpenSim/MyoLeg lower-limb models.
LIMITS: dict[str, tuple[float, float]] = {
    "hip_flexion": (-30.0, 120.0),
    "hip_adduction": (-30.0, 15.0),
    "hip_rotation": (-30.0, 30.0),
    "lumbar_flexion": (-30.0, 50.0),
    "lumbar_bending": (-30.0, 30.0),
    "pelvic_tilt": (-25.0, 25.0),
    # Lumbar axial rotation is small: about 1-2 degrees per segment (White and Panjabi,
    # Clinical Biomechanics of the Spine, 2nd ed., 1990), so about 10 degrees for L1-S1 each way.
    "lumbar_rotation": (-12.0, 12.0),
    "pelvic_rotation": (-30.0, 30.0),
    "knee_flexion": (0.0, 140.0),
}


# How far each knee-borne bone turns about the knee centre, as a share of the knee angle.
KNEE_SHARE = {"knee_r": 1.0, "knee_l": 1.0, "patella_r": 2.0 / 3.0, "patella_l": 2.0 / 3.0}


class PoseError(ValueError):
    """A pose outside the joint limits of the model."""


@dataclass(frozen=True)
class Pose:
    """Joint angles in degrees; every field defaults to upright standing."""

    hip_flexion_r: float = 0.0
    hip_flexion_l: float = 0.0
    hip_adduction_r: float = 0.0
    hip_adduction_l: float = 0.0
    hip_rotation_r: float = 0.0
    hip_rotation_l: float = 0.0
    lumbar_flexion: float = 0.0
    lumbar_bending: float = 0.0
    lumbar_rotation: float = 0.0
    pelvic_tilt: float = 0.0
    pelvic_rotation: float = 0.0
    knee_flexion_r: float = 0.0
    knee_flexion_l: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not np.isfinite(value):
                raise PoseError(f"{field.name} is {value}, not a number of degrees")
        for side in "rl":
            self._check(f"hip_flexion_{side}", self.hip_joint_flexion(side), "hip_flexion")
            self._check(f"hip_adduction_{side}", getattr(self, f"hip_adduction_{side}"), "hip_adduction")
            self._check(f"hip_rotation_{side}", self.hip_joint_rotation(side), "hip_rotation")
            self._check(f"knee_flexion_{side}", getattr(self, f"knee_flexion_{side}"), "knee_flexion")
        for name in ("lumbar_flexion", "lumbar_bending", "lumbar_rotation", "pelvic_tilt", "pelvic_rotation"):
            self._check(name, getattr(self, name), name)

    @staticmethod
    def _check(name: str, value: float, limit: str) -> None:
        low, high = LIMITS[limit]
        if not low - 1e-9 <= value <= high + 1e-9:
            raise PoseError(f"{name} {value:g} degrees is outside {low:g} to {high:g}")

    def hip_joint_flexion(self, side: str) -> float:
        """Flexion at the hip joint itself: thigh flexion plus anterior pelvic tilt."""
        return getattr(self, f"hip_flexion_{side}") + self.pelvic_tilt

    def hip_joint_rotation(self, side: str) -> float:
        """Internal rotation at the hip joint itself: the thigh's, plus the pelvis turning away from it."""
        towards_other_side = 1.0 if side == "r" else -1.0
        return getattr(self, f"hip_rotation_{side}") + towards_other_side * self.pelvic_rotation

    def replace(self, **changes: float) -> Pose:
        return dataclasses.replace(self, **changes)

    def mirrored(self) -> Pose:
        """The same pose with left and right exchanged."""
        swapped = {}
        for name in ("hip_flexion", "hip_adduction", "hip_rotation", "knee_flexion"):
            swapped[f"{name}_r"] = getattr(self, f"{name}_l")
            swapped[f"{name}_l"] = getattr(self, f"{name}_r")
        return self.replace(**swapped, lumbar_bending=-self.lumbar_bending, lumbar_rotation=-self.lumbar_rotation,
                            pelvic_rotation=-self.pelvic_rotation)


def rotation(axis: str, degrees: float) -> np.ndarray:
    """Right-handed rotation matrix about a scene axis."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def about(matrix3: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """4x4 transform rotating by ``matrix3`` about the point ``centre``."""
    out = np.eye(4)
    out[:3, :3] = matrix3
    out[:3, 3] = centre - matrix3 @ centre
    return out


def hip_rotation_matrix(pose: Pose, side: str) -> np.ndarray:
    """Thigh orientation in the room: flexion, then adduction, then axial rotation."""
    medial = -1.0 if side == "r" else 1.0  # adduction and internal rotation turn towards the midline
    return (
        rotation("x", getattr(pose, f"hip_flexion_{side}"))
        @ rotation("y", -medial * getattr(pose, f"hip_adduction_{side}"))
        @ rotation("z", -medial * getattr(pose, f"hip_rotation_{side}"))
    )


@dataclass(frozen=True)
class Skeleton:
    """The kinematic chain of a pack: parent, joint kind and joint centre (mm) of each bone."""

    parents: dict[str, str | None]
    joints: dict[str, str | None]
    joint_centres: dict[str, np.ndarray]
    origins: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    uppers: dict[str, str] = dataclasses.field(default_factory=dict)  # disc id -> the bone above it

    @classmethod
    def from_manifest(cls, manifest: dict) -> Skeleton:
        entries = manifest["bones"]
        return cls(
            parents={e["id"]: e["parent"] for e in entries},
            joints={e["id"]: e.get("joint") for e in entries},
            joint_centres={
                e["id"]: np.asarray(e["joint_centre"], float) for e in entries if e.get("joint_centre") is not None
            },
            origins={e["id"]: np.asarray(e["origin"], float) for e in entries if e.get("origin") is not None},
            uppers={e["id"]: e["disc"]["upper"] for e in entries if e.get("joint") == "disc"},
        )

    def frame_origin(self, bone_id: str) -> np.ndarray:
        """Origin of a bone's local frame: the manifest's ``origin``, else its joint centre, else the scene origin."""
        if bone_id in self.origins:
            return self.origins[bone_id]
        return self.joint_centres.get(bone_id, np.zeros(3))


def _rotations(axis: str, degrees: np.ndarray) -> np.ndarray:
    """:func:`rotation` for many angles at once: (n, 3, 3)."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    out = np.zeros((len(c), 3, 3))
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    k = 3 - i - j
    out[:, k, k] = 1.0
    out[:, i, i], out[:, i, j], out[:, j, i], out[:, j, j] = c, -s, s, c
    return out


def _about_many(matrix3: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """:func:`about` for a stack of rotations (n, 3, 3) about one point."""
    out = np.zeros((len(matrix3), 4, 4))
    out[:, :3, :3] = matrix3
    out[:, :3, 3] = centre - matrix3 @ centre
    out[:, 3, 3] = 1.0
    return out


def bone_transforms(pose: Pose, skeleton: Skeleton) -> dict[str, np.ndarray]:
    """4x4 matrices mapping each bone from standing to ``pose``.

    Hips are placed in the room (see the module notes); every other bone follows its parent,
    turned at its own lumbar joint if it has one; the root bones carry the pelvic tilt and rotation.
    """
    n_lumbar = max(1, sum(joint == "lumbar" for joint in skeleton.joints.values()))
    lumbar = (
        rotation("x", -pose.lumbar_flexion / n_lumbar)
        @ rotation("y", pose.lumbar_bending / n_lumbar)
        @ rotation("z", -pose.lumbar_rotation / n_lumbar)
    )
    pelvis = about(rotation("z", -pose.pelvic_rotation) @ rotation("x", -pose.pelvic_tilt), np.zeros(3))
    transforms: dict[str, np.ndarray] = {}

    def world(bone_id: str) -> np.ndarray:
        if bone_id in transforms:
            return transforms[bone_id]
        joint, parent = skeleton.joints[bone_id], skeleton.parents[bone_id]
        if joint in ("hip_r", "hip_l"):
            # the femoral head goes where the pelvis takes the hip socket (pelvic rotation moves it)
            centre = skeleton.joint_centres[bone_id]
            result = about(hip_rotation_matrix(pose, joint[-1]), centre)
            result[:3, 3] += pelvis[:3, :3] @ centre + pelvis[:3, 3] - centre
        elif joint == "disc":  # the blend at the disc's mid-plane (see viewer.anatomy.discs)
            result = 0.5 * (world(parent) + world(skeleton.uppers[bone_id]))
        else:
            result = pelvis if parent is None else world(parent)
            if joint == "lumbar":
                result = result @ about(lumbar, skeleton.joint_centres[bone_id])
            elif joint in KNEE_SHARE:
                knee = getattr(pose, f"knee_flexion_{joint[-1]}") * KNEE_SHARE[joint]
                result = result @ about(rotation("x", -knee), skeleton.joint_centres[bone_id])
        transforms[bone_id] = result
        return result

    for bone_id in skeleton.parents:
        world(bone_id)
    return transforms


def angle(pose: Pose, name: str) -> float:
    """A joint angle of ``pose`` by name; ``hip_joint_flexion_r``/``_l`` is the flexion at the hip joint itself."""
    if name.startswith("hip_joint_flexion_"):
        return pose.hip_joint_flexion(name[-1])
    return getattr(pose, name)


def outside_ranges(pose: Pose, ranges: dict[str, list[float]]) -> list[str]:
    """The angles of ``pose`` outside the ranges its source cites (``{name: [low, high]}``), as messages."""
    return [
        f"{name} is {angle(pose, name):g} degrees, outside the {low:g} to {high:g} its source cites"
        for name, (low, high) in ranges.items()
        if not low - 1e-9 <= angle(pose, name) <= high + 1e-9
    ]


def bone_transforms_many(poses: list[Pose], skeleton: Skeleton) -> np.ndarray:
    """:func:`bone_transforms` for many poses at once: (poses, bones in the pack's order, 4, 4).

    The same steps on stacks of matrices (a single pose is quicker through :func:`bone_transforms`,
    which a pose change in the window uses; tests keep the two equal).
    """
    def angles(name: str) -> np.ndarray:
        return np.array([getattr(p, name) for p in poses], float)

    n_lumbar = max(1, sum(joint == "lumbar" for joint in skeleton.joints.values()))
    lumbar = (
        _rotations("x", -angles("lumbar_flexion") / n_lumbar)
        @ _rotations("y", angles("lumbar_bending") / n_lumbar)
        @ _rotations("z", -angles("lumbar_rotation") / n_lumbar)
    )
    pelvis = _about_many(_rotations("z", -angles("pelvic_rotation")) @ _rotations("x", -angles("pelvic_tilt")), np.zeros(3))
    transforms: dict[str, np.ndarray] = {}

    def thigh(side: str) -> np.ndarray:
        medial = -1.0 if side == "r" else 1.0  # as in hip_rotation_matrix
        return (
            _rotations("x", angles(f"hip_flexion_{side}"))
            @ _rotations("y", -medial * angles(f"hip_adduction_{side}"))
            @ _rotations("z", -medial * angles(f"hip_rotation_{side}"))
        )

    def world(bone_id: str) -> np.ndarray:
        if bone_id in transforms:
            return transforms[bone_id]
        joint, parent = skeleton.joints[bone_id], skeleton.parents[bone_id]
        if joint in ("hip_r", "hip_l"):
            # the femoral head goes where the pelvis takes the hip socket (pelvic rotation moves it)
            centre = skeleton.joint_centres[bone_id]
            result = _about_many(thigh(joint[-1]), centre)
            result[:, :3, 3] += pelvis[:, :3, :3] @ centre + pelvis[:, :3, 3] - centre
        elif joint == "disc":
            result = 0.5 * (world(parent) + world(skeleton.uppers[bone_id]))
        else:
            result = pelvis if parent is None else world(parent)
            if joint == "lumbar":
                result = result @ _about_many(lumbar, skeleton.joint_centres[bone_id])
            elif joint in KNEE_SHARE:
                knee = angles(f"knee_flexion_{joint[-1]}") * KNEE_SHARE[joint]
                result = result @ _about_many(_rotations("x", -knee), skeleton.joint_centres[bone_id])
        transforms[bone_id] = result
        return result

    return np.stack([world(bone_id) for bone_id in skeleton.parents], axis=1)
