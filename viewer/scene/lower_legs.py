"""Plain lower legs below the femurs, so a pose with bent knees reads as the body it is.

The pack has no tibia or fibula; these muted tapered shapes only show where each lower leg points.
They are not selectable, carry no muscles and are left out of picking and figures' framing.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.kinematics import Pose, knee_transform
from viewer.anatomy.lower_limb import FEMURS, knee_centre, leg_length
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.muscle_paths import apply
from viewer.scene import style


class LowerLegs:
    """One plain tapered lower leg per femur in the pack, moved by its actor matrix."""

    def __init__(self, plotter: pv.Plotter, pack: MeshPack, hip_centres: dict[str, np.ndarray]):
        self.knees: dict[str, np.ndarray] = {}
        self.lengths: dict[str, float] = {}
        self.actors: dict[str, pv.Actor] = {}
        for side, femur_id in FEMURS.items():
            if femur_id not in pack.bones or femur_id not in hip_centres:
                continue
            knee = knee_centre(pack.bones[femur_id].vertices)
            length = leg_length(float(np.linalg.norm(hip_centres[femur_id] - knee)))
            line = pv.Line(knee, knee - [0.0, 0.0, length], resolution=12)
            line["taper"] = np.linspace(1.0, 0.45, line.n_points)
            shape = line.tube(radius=style.LOWER_LEG_RADIUS_MM * 0.45, scalars="taper", radius_factor=1 / 0.45,
                              n_sides=32, capping=True)
            actor = plotter.add_mesh(shape, color=style.LOWER_LEG_COLOUR, smooth_shading=True, scalars=None,
                                     pickable=False, name=f"lower_leg_{side}", **style.LOWER_LEG_MATERIAL)
            self.knees[side], self.lengths[side], self.actors[side] = knee, length, actor

    def update(self, pose: Pose, transforms: dict[str, np.ndarray]) -> None:
        for side, actor in self.actors.items():
            actor.user_matrix = knee_transform(pose, side, transforms[FEMURS[side]], self.knees[side])

    def ends(self, pose: Pose, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """Knee and ankle of each drawn lower leg in ``pose`` (for framing), (n, 3)."""
        out = []
        for side, knee in self.knees.items():
            matrix = knee_transform(pose, side, transforms[FEMURS[side]], knee)
            out.append(apply(matrix, np.array([knee, knee - [0.0, 0.0, self.lengths[side]]])))
        return np.vstack(out) if out else np.zeros((0, 3))

    def set_visible(self, femur_visible: dict[str, bool]) -> None:
        for side, actor in self.actors.items():
            actor.visibility = femur_visible.get(FEMURS[side], True)
