"""Psoas and iliacus over hip flexion in two published lower-limb models, evaluated in numpy.

MyoLeg (myo-sim 0.2.3, Apache-2.0, converted from OpenSim's Rajagopal et al. 2015 model):
sites psoas-P1..P4 and iliacus-P1..P4 on the pelvis and femur, the iliacus wrapping the sphere
``IL_at_brim_wrap`` (radius 54.9 mm). MyoLeg leaves the psoas's brim wrap ``PS_at_brim_wrap``
(radius 50 mm) commented out; Rajagopal 2015 has it, so the "opensim" variant switches it on.
Coordinates are the models' own (metres, pelvis frame: x anterior, y up, z right); the hip
flexes about z through the femur's origin. The wrapping is :func:`viewer.anatomy.wrapping.wrap_sphere`,
MuJoCo's algorithm; the MyoLeg variant agrees with MuJoCo's own tendon lengths (see the note
of issue 15). Used to fit and test this viewer's hip wrapping, never at run time.
"""

from __future__ import annotations

import numpy as np

from viewer.anatomy.wrapping import wrap_sphere

FEMUR_ORIGIN = np.array([-0.056276, -0.07849, 0.07726])
PATHS = {
    "psoas": {
        "pelvis": [(-0.0606, 0.062, 0.039), (-0.0205, -0.0654, 0.0656)],
        "femur": [(-0.0132, -0.0467, 0.0046), (-0.0235, -0.0524, 0.0088)],
        "wrap": ((-0.074, -0.06, 0.0656), 0.05, (-0.0209166, -0.0856869, 0.0790765)),
    },
    "iliacus": {
        "pelvis": [(-0.0605, 0.0309, 0.0843), (-0.0135, -0.0557, 0.0756)],
        "femur": [(-0.0023, -0.0565, 0.0139), (-0.0122, -0.0637, 0.0196)],
        "wrap": ((-0.071, -0.065, 0.0756), 0.0549, (-0.02526034, -0.0256276, 0.0928915)),
    },
}
MODELS = ("opensim", "myoleg")


def lengths(muscle: str, model: str, degrees: np.ndarray) -> np.ndarray:
    """Path length (mm) of ``muscle`` ("psoas" or "iliacus") in ``model`` at each hip flexion angle."""
    path = PATHS[muscle]
    angle = np.radians(np.asarray(degrees, float))
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.zeros((len(angle), 3, 3))
    rotation[:, 0, 0], rotation[:, 0, 1], rotation[:, 1, 0], rotation[:, 1, 1], rotation[:, 2, 2] = c, -s, s, c, 1
    femur = [FEMUR_ORIGIN + rotation @ np.asarray(p) for p in path["femur"]]
    p1, p2 = (np.broadcast_to(np.asarray(p), (len(angle), 3)) for p in path["pelvis"])
    total = np.linalg.norm(p2 - p1, axis=1) + np.linalg.norm(femur[1] - femur[0], axis=1)
    if model == "opensim" or muscle == "iliacus":
        centre, radius, side = path["wrap"]
        wrap = wrap_sphere(p2, femur[0], np.asarray(centre), radius, np.asarray(side))
        total += np.linalg.norm(wrap.first - p2, axis=1) + wrap.between + np.linalg.norm(femur[0] - wrap.last, axis=1)
    else:
        total += np.linalg.norm(femur[0] - p2, axis=1)
    return total * 1000.0


def moment_arms(muscle: str, model: str, degrees: np.ndarray, step: float = 0.05) -> np.ndarray:
    """Hip-flexion moment arm (mm): minus the change of length per radian, by central differences."""
    degrees = np.asarray(degrees, float)
    return -(lengths(muscle, model, degrees + step) - lengths(muscle, model, degrees - step)) / np.radians(2 * step)
