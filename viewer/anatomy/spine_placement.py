"""Setting myo-sim's T12-L5 on the atlas sacrum with a lumbar lordosis of an average adult.

The vertebrae come from one model and the sacrum from another, so the spine is placed from the
bones' own endplates (planes fitted to the flat top and bottom of each vertebral body):

- Lordosis: the angle between the superior endplates of L1 and S1 is set to 60 degrees, the mean
  of 300 asymptomatic adults standing (Vialle et al. 2005, J Bone Joint Surg Am 87:260-267:
  60 +/- 10 degrees). myo-sim's own L1-L5 column is flatter; the difference is shared equally by
  the five joints L1/L2 to L5/S1 (an assumption of this model), each turned about its own centre.
- L5 sits on S1 with the height of myo-sim's L4/L5 disc, centred on the S1 endplate.
- T12 sits on L1 as L1 sits on L2 (myo-sim's T12 is a simplified, misaligned stand-in).
"""

from __future__ import annotations

import numpy as np

from viewer.anatomy.bone_fitting import endplate, fit_plane
from viewer.anatomy.kinematics import about, rotation

LORDOSIS_L1_S1_DEG = 60.0
LUMBAR_ORDER = ("l1", "l2", "l3", "l4", "l5")  # top to bottom


def endplate_frame(centre: np.ndarray, up: np.ndarray) -> np.ndarray:
    """4x4 frame on an endplate: origin at its centre, z along its upward normal, x towards the right."""
    z = up / np.linalg.norm(up)
    x = np.array([1.0, 0.0, 0.0]) - z[0] * z
    x /= np.linalg.norm(x)
    out = np.eye(4)
    out[:3, :3] = np.column_stack([x, np.cross(z, x), z])
    out[:3, 3] = centre
    return out


def vertebral_endplates(vertices: np.ndarray, normals: np.ndarray) -> dict[str, np.ndarray]:
    """Superior and inferior endplate frames of a vertebral body (z pointing up for both).

    The body is the front 30 mm of the vertebra near the midline, as it stands in myo-sim's
    frame; each endplate is the up- (or down-) facing part of it within 12 mm of the body's axis,
    which keeps the rims and the pedicles out of the plane fit."""
    body = (np.abs(vertices[:, 0]) < 18) & (vertices[:, 1] > vertices[:, 1].max() - 30)
    axis = vertices[body].mean(axis=0)
    central = body & (np.linalg.norm(vertices[:, :2] - axis[:2], axis=1) < 12)
    frames = {}
    for name, sign in (("superior", 1.0), ("inferior", -1.0)):
        chosen = central & ((normals[:, 2] * sign) > 0.7) & ((vertices[:, 2] - axis[2]) * sign > 0)
        if chosen.sum() < 10:
            raise ValueError(f"no {name} endplate found")
        centre, normal = fit_plane(vertices[chosen])
        frames[name] = endplate_frame(centre, normal if normal[2] > 0 else -normal)
    return frames


def sacral_endplate(vertices: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Frame of the S1 superior endplate: the flat patch behind the promontory, near the midline."""
    near_midline = np.abs(vertices[:, 0]) < 15
    forward_up = np.array([0.0, np.sin(np.radians(40)), np.cos(np.radians(40))])
    seed = vertices[near_midline][np.argmax(vertices[near_midline] @ forward_up)]
    centre, up = endplate(vertices[near_midline], normals[near_midline], forward_up, seed, 30.0, 0.85)
    return endplate_frame(centre, up)


def sagittal_tilt(frame: np.ndarray) -> float:
    """Forward tilt of a frame's z axis from vertical, degrees."""
    z = frame[:3, 2]
    return float(np.degrees(np.arctan2(z[1], z[2])))


def place_spine(endplates: dict[str, dict[str, np.ndarray]], joint_centres: dict[str, np.ndarray],
                sacrum: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """4x4 matrices taking each vertebra from myo-sim's frame to the project frame.

    ``endplates``: per vertebra (t12, l1-l5), its superior and inferior endplate frames in
    myo-sim's frame; ``joint_centres``: myo-sim's lumbar joint centres (l1-l5) in that frame;
    ``sacrum``: the S1 endplate frame in the project frame. Returns the matrices and the figures
    they were built from (degrees and mm) for the build log and the notice.
    """
    own = sagittal_tilt(endplates["l5"]["inferior"]) - sagittal_tilt(endplates["l1"]["superior"])
    share = (LORDOSIS_L1_S1_DEG - own) / 5.0
    # disc height: the distance between the L4/L5 endplate centres along their mean normal
    below, above = endplates["l5"]["superior"], endplates["l4"]["inferior"]
    normal = below[:3, 2] + above[:3, 2]
    gap = float((above[:3, 3] - below[:3, 3]) @ normal / np.linalg.norm(normal))
    # L5: its inferior endplate onto S1, turned back by one share, one disc height above
    disc = np.eye(4)
    disc[:3, :3] = rotation("x", share)
    disc[:3, 3] = rotation("x", share / 2) @ np.array([0.0, 0.0, gap])
    matrices = {"l5": sacrum @ disc @ np.linalg.inv(endplates["l5"]["inferior"])}
    for upper, lower in zip(LUMBAR_ORDER[-2::-1], LUMBAR_ORDER[:0:-1]):
        matrices[upper] = matrices[lower] @ about(rotation("x", share), joint_centres[upper])
    # T12 on L1 as L1 on L2, both relations read in the placed spine
    l1_on_l2 = np.linalg.inv(matrices["l2"] @ endplates["l2"]["superior"]) @ matrices["l1"] @ endplates["l1"]["inferior"]
    target = matrices["l1"] @ endplates["l1"]["superior"] @ l1_on_l2
    matrices["t12"] = target @ np.linalg.inv(endplates["t12"]["inferior"])
    placed_l1 = matrices["l1"] @ endplates["l1"]["superior"]
    figures = {
        "myo-sim L1-L5 lordosis": own,
        "added per joint": share,
        "L5/S1 disc height": gap,
        "L1-S1 lordosis": sagittal_tilt(sacrum) - sagittal_tilt(placed_l1),
        "sacral slope": sagittal_tilt(sacrum),
    }
    return matrices, figures
