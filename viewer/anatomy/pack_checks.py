"""Does a pack look like an adult in the viewer's frame? Checks that catch wrong units or axes.

A pack in the wrong axes or units still loads and still gives plausible-looking numbers, so
the bones the annotations know are checked against what every adult skeleton has: right-side
bones on +x, left-side bones on -x, femurs below the pelvis, sizes within a factor of two of
an adult's, and a hip joint on each femur. Each finding is one line naming the bone.
"""

from __future__ import annotations

import re

import numpy as np

# Largest extent (mm) of each bone in an adult, rounded: femur length about 430-480 mm, hip bone
# height about 200-230 mm, sacrum length and width about 100-120 mm, a lumbar vertebra across
# its transverse processes about 70-90 mm (Gray's Anatomy, 42nd ed.); tibia with fibula about
# 360-400 mm, patella about 45-50 mm. Measured on the default pack: femur 451, hip bone 209,
# sacrum 124, L3 67, T12 60 mm.
ADULT_SIZE_MM = {"femur": 450.0, "hip_bone": 210.0, "sacrum": 115.0, "vertebra": 70.0, "tibia": 380.0, "patella": 48.0}
SIZE_FACTOR = 2.0
_VERTEBRA = re.compile(r"^(t1[0-2]|t[1-9]|l[1-5])$")
_SIDE = re.compile(r"_(r|l)$")
_X_TOWARDS = {"r": "right", "l": "left"}


def _kind(bone_id: str) -> str:
    base = _SIDE.sub("", bone_id)
    return "vertebra" if _VERTEBRA.match(base) else base


def implausible(bones: dict[str, tuple[np.ndarray, str | None]]) -> list[tuple[str, str]]:
    """(bone id, message) for each finding, given each bone's vertices (mm, RAS) and joint."""
    found = []
    centres = {bone_id: vertices.mean(axis=0) for bone_id, (vertices, _) in bones.items()}
    for bone_id, (vertices, joint) in bones.items():
        kind = _kind(bone_id)
        side = _SIDE.search(bone_id)
        extent = float((vertices.max(axis=0) - vertices.min(axis=0)).max())
        if kind in ADULT_SIZE_MM and not ADULT_SIZE_MM[kind] / SIZE_FACTOR <= extent <= ADULT_SIZE_MM[kind] * SIZE_FACTOR:
            found.append((bone_id, (f"is {extent:.3g} mm across where an adult's is about {ADULT_SIZE_MM[kind]:.0f} mm: "
                                    "check the units in the manifest")))
        if side is not None:
            x = centres[bone_id][0]
            if (x <= 0) if side[1] == "r" else (x >= 0):
                found.append((bone_id, (f"lies at x = {x:.0f} mm, but x points to the subject's right and this is a "
                                        f"{_X_TOWARDS[side[1]]} bone: check the axes in the manifest")))
        if kind == "femur":
            pelvis = [centres[p][2] for p in (f"hip_bone{side[0]}" if side else "", "sacrum") if p in centres]
            if pelvis and centres[bone_id][2] >= min(pelvis):
                found.append((bone_id, (f"its centre is not below the pelvis (z = {centres[bone_id][2]:.0f} mm against "
                                        f"{min(pelvis):.0f} mm; z points up): check the axes in the manifest")))
            if joint not in ("hip_r", "hip_l"):
                found.append((bone_id, ("has no hip joint (joint hip_r or hip_l with a joint_centre), so it does not "
                                        "move with hip flexion and no hip-crossing muscle length can be measured")))
    return found
