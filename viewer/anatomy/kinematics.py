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
- the hip joints are coupled: a pose in which a femur, beyond its head, would run more than
  :data:`OVERLAP_MM` into its hip bone (the neck into the socket rim, the lesser trochanter into
  the ischium: bony impingement, where the real joint stops) is outside the model's range even
  when each angle is inside its own limits. :class:`HipLimits` finds those poses and clamps a
  motion where the bones meet;
- an intervertebral disc is not rigid: each of its points follows the bones above and below,
  blended by height (:mod:`viewer.anatomy.discs`); the matrix a disc gets here is that blend at
  its mid-plane, which carries the points given in the disc's frame (landmarks on it).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from viewer.anatomy.depth_field import DepthField

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


# A femur beyond its head more than this deep in its hip bone: the bones stop the joint there (the
# meshes' fit leaves the head a fraction of a millimetre in its socket, and the neck may graze the rim).
OVERLAP_MM = 2.0
HEAD_CLEARANCE_MM = 3.0  # femur points this far beyond the head's sphere can meet the hip bone
REACH_MM = 90.0  # ... and those within this distance of the hip centre (neck, trochanters, upper shaft)

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
    # math on one number costs a tenth of numpy's; a pose change builds a dozen of these
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    if axis == "x":
        return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    if axis == "y":
        return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


_BOTTOM_ROW = np.array([0.0, 0.0, 0.0, 1.0])


def about(matrix3: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """4x4 transform rotating by ``matrix3`` about the point ``centre``."""
    out = np.empty((4, 4))
    out[:3, :3] = matrix3
    out[:3, 3] = centre - matrix3 @ centre
    out[3] = _BOTTOM_ROW
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


def hip_joint_turn(pose: Pose, side: str) -> np.ndarray:
    """The femur's rotation relative to its hip bone, about the hip centre (3x3): the thigh's
    orientation in the room seen from the pelvis (the head follows the socket, so this is all
    that decides whether the two bones meet)."""
    pelvis = rotation("z", -pose.pelvic_rotation) @ rotation("x", -pose.pelvic_tilt)
    return pelvis.T @ hip_rotation_matrix(pose, side)


def femoral_head_radius(vertices: np.ndarray, centre: np.ndarray, reach: float = 30.0) -> float:
    """Radius (mm) of the sphere about ``centre`` that best fits the femur's surface near it."""
    distance = np.linalg.norm(vertices - centre, axis=1)
    near = distance[distance < reach]
    # the head is the shell of points near the centre at a nearly constant distance
    return float(np.median(near[near > 0.5 * np.median(near)]))


def _corner_turns() -> np.ndarray:
    """Hip joint orientations every 15 degrees over the joint limits (right side): where the femur can go."""
    flexion, adduction, turn = (np.arange(LIMITS[n][0], LIMITS[n][1] + 0.1, 15.0) for n in ("hip_flexion", "hip_adduction", "hip_rotation"))
    return np.array([hip_rotation_matrix(Pose(hip_flexion_r=f, hip_adduction_r=a, hip_rotation_r=r), "r")
                     for f in flexion for a in adduction for r in turn])


class HipLimits:
    """Coupled hip limits: which poses would drive a femur into its hip bone, and where a motion stops.

    Each femur's points beyond its head (within :data:`REACH_MM` of the hip centre) are turned
    by :func:`hip_joint_turn` into the hip bone's standing frame and looked up in a depth field of
    the hip bone (:class:`~viewer.anatomy.depth_field.DepthField`, within about a voxel of the exact
    distance). The field covers only the part of the hip bone the femur can reach within the joint
    limits and is built on first use; after that a pose costs well under a millisecond.
    """

    def __init__(self, skeleton: Skeleton, hip_bones: dict[str, tuple[np.ndarray, np.ndarray]],
                 femurs: dict[str, np.ndarray], limit: float = OVERLAP_MM):
        self.limit = limit
        self._bones = {side: (skeleton.joint_centres[f"femur_{side}"], np.asarray(femurs[side], float), *hip_bones[side])
                       for side in hip_bones}
        self._parts: dict[str, tuple[np.ndarray, DepthField]] = {}

    def _part(self, side: str) -> tuple[np.ndarray, DepthField]:
        """The femur's points beyond its head (from the hip centre), and the depth field of the part of
        the hip bone they can reach within the joint limits: built when first asked for (a few hundred
        ms), not at start-up."""
        if side not in self._parts:
            centre, femur, vertices, faces = self._bones[side]
            distance = np.linalg.norm(femur - centre, axis=1)
            points = femur[(distance > femoral_head_radius(femur, centre) + HEAD_CLEARANCE_MM) & (distance < REACH_MM)] - centre
            mirror = np.array([1.0 if side == "r" else -1.0, 1.0, 1.0])  # the corner turns are the right side's
            swept = np.einsum("tij,pj->tpi", _corner_turns(), points * mirror).reshape(-1, 3) * mirror + centre
            vertices = np.asarray(vertices, float)
            low = np.maximum(vertices.min(axis=0), swept.min(axis=0) - 10.0)
            high = np.minimum(vertices.max(axis=0), swept.max(axis=0) + 10.0)
            self._parts[side] = (points, DepthField(vertices, faces, low, high))
        return self._parts[side]

    @classmethod
    def from_pack(cls, pack, skeleton: Skeleton, limit: float = OVERLAP_MM) -> HipLimits:
        """The limits of a mesh pack's (or a body's) hip bones and femurs; sides the pack lacks are free."""
        sides = [s for s in "rl" if f"hip_bone_{s}" in pack.bones and f"femur_{s}" in pack.bones]
        return cls(skeleton, {s: (pack.bones[f"hip_bone_{s}"].vertices, pack.bones[f"hip_bone_{s}"].faces) for s in sides},
                   {s: pack.bones[f"femur_{s}"].vertices for s in sides}, limit)

    def overlaps(self, pose: Pose, sides: str = "rl") -> dict[str, float]:
        """How deep (mm) each femur, beyond its head, lies inside its hip bone in ``pose`` (at most
        the field's cap, a few mm: enough to tell whether the bones allow the pose)."""
        out = {}
        for side in sides:
            if side in self._bones:
                points, field = self._part(side)
                out[side] = float(field(points @ hip_joint_turn(pose, side).T + self._bones[side][0]).max())
        return out

    def refusal(self, pose: Pose, overlaps: dict[str, float] | None = None) -> str | None:
        """Why the bones do not allow ``pose`` (whose :meth:`overlaps` may be given), or None when they do."""
        overlaps = self.overlaps(pose) if overlaps is None else overlaps
        blocked = [(side, depth) for side, depth in overlaps.items() if depth > self.limit]
        if not blocked:
            return None
        return "; ".join(f"the {'right' if side == 'r' else 'left'} femur would run {depth:.1f} mm"
                         f"{' or more' if depth >= self._part(side)[1].cap - 1e-6 else ''} into its hip bone at hip joint flexion"
                         f" {pose.hip_joint_flexion(side):.0f}°, adduction {getattr(pose, f'hip_adduction_{side}'):.0f}°,"
                         f" internal rotation {pose.hip_joint_rotation(side):.0f}°"
                         for side, depth in blocked)

    def allows(self, pose: Pose, sides: str = "rl") -> bool:
        return all(depth <= self.limit for depth in self.overlaps(pose, sides).values())

    def check(self, pose: Pose) -> None:
        """Raise :class:`PoseError` with the reason if the bones do not allow ``pose``."""
        reason = self.refusal(pose)
        if reason is not None:
            raise PoseError(reason)

    def clamp(self, start: Pose, end: Pose, steps: int = 8) -> tuple[Pose, str | None]:
        """Where a motion from ``start`` towards ``end`` stops, and why it stopped short (None if it did not).

        The motion is the straight line between the two poses' angles; it stops at the last pose in
        which the hips that ``end`` drives into bone are still clear (found by bisection, to
        1/2**steps of the way). A motion from a pose the bones do not allow (one set on another
        body) goes on as long as it does not drive the bones deeper into each other.
        """
        ends = self.overlaps(end)
        blocked = "".join(side for side, depth in ends.items() if depth > self.limit)
        if not blocked:
            return end, None
        reason = self.refusal(end, ends)
        starts = self.overlaps(start, blocked)
        if any(depth > self.limit for depth in starts.values()):
            deeper = any(ends[side] > starts[side] for side in blocked)
            return (start, reason) if deeper else (end, None)
        low, high = 0.0, 1.0
        for _ in range(steps):
            middle = 0.5 * (low + high)
            if self.allows(_between(start, end, middle), blocked):
                low = middle
            else:
                high = middle
        return _between(start, end, low), reason


def _between(start: Pose, end: Pose, t: float) -> Pose:
    """The pose a fraction ``t`` of the way from ``start`` to ``end`` (every angle on a straight line)."""
    return Pose(**{f.name: getattr(start, f.name) + t * (getattr(end, f.name) - getattr(start, f.name)) for f in dataclasses.fields(Pose)})
