"""Landmark glyphs: one point cloud drawn as spheres, coloured by kind, posed in place."""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import Skeleton

KIND_COLOURS = {"origin": "#e0523f", "insertion": "#3f7fe0", "via": "#9aa0a6", "landmark": "#f2c94c"}
SELECTED_COLOUR = "#ffffff"


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


class LandmarkActors:
    """All landmarks of the loaded bones in one actor, plus a larger glyph for the selected one."""

    def __init__(self, plotter: pv.Plotter, annotations: Annotations, skeleton: Skeleton, bones: set[str], point_size: float = 11):
        self.point_size = point_size  # on screen; the frame's resolution may draw it at another size
        # pyvista draws no empty mesh: without landmarks one point with no vertex cell stands in
        self.mesh = pv.PolyData(np.zeros((1, 3)))
        self.mesh.point_data["colours"] = np.zeros((1, 3), dtype=np.uint8)
        self.actor = plotter.add_mesh(
            self.mesh, scalars="colours", rgb=True, render_points_as_spheres=True, point_size=point_size,
            name="landmarks", show_scalar_bar=False, ambient=0.3, render=False,
        )
        self.selected_mesh = pv.PolyData(np.zeros((1, 3)))
        self.selected_actor = plotter.add_mesh(
            self.selected_mesh, color=SELECTED_COLOUR, render_points_as_spheres=True, point_size=2.2 * point_size,
            name="selected_landmark", pickable=False, render=False,
        )
        self.load(annotations, skeleton, bones)

    def load(self, annotations: Annotations, skeleton: Skeleton, bones: set[str]) -> None:
        """The landmarks of (changed) annotations, written into the existing actors: an edit adds
        no actor. Nothing is selected afterwards; the caller selects again."""
        landmarks = [lm for lm in annotations.landmarks.values() if lm.bone in bones]
        self.ids = [lm.id for lm in landmarks]
        self.index = {lid: k for k, lid in enumerate(self.ids)}
        self.kinds = [lm.kind for lm in landmarks]
        self.bones = [lm.bone for lm in landmarks]
        self._bone_order = sorted(set(self.bones))
        self._bone_of = np.array([self._bone_order.index(b) for b in self.bones], dtype=int)
        self.neutral = np.array([lm.position + skeleton.frame_origin(lm.bone) for lm in landmarks]).reshape(-1, 3)
        self.points = self.neutral.copy()
        self.mesh.points = self.points.copy() if landmarks else np.zeros((1, 3))
        colours = [_rgb(KIND_COLOURS[k]) for k in self.kinds] if landmarks else [[0, 0, 0]]
        self.mesh.point_data.set_array(np.array(colours, dtype=np.uint8).reshape(-1, 3), "colours")
        self.mesh.point_data.active_scalars_name = "colours"
        self.selected_actor.visibility = False
        self.set_visible(np.ones(len(self.ids), dtype=bool))

    def move_sites(self, annotations: Annotations, skeleton: Skeleton) -> None:
        """The same landmarks at new standing positions (another body); :meth:`update` poses them."""
        self.neutral = np.array([annotations.landmarks[lid].position + skeleton.frame_origin(bone)
                                 for lid, bone in zip(self.ids, self.bones)]).reshape(-1, 3)

    def update(self, transforms: dict[str, np.ndarray]) -> None:
        """Move every landmark with its bone, writing into the existing point array."""
        if not self.ids:
            return
        stack = np.stack([transforms[b] for b in self._bone_order])[self._bone_of]
        self.points = np.einsum("nij,nj->ni", stack[:, :3, :3], self.neutral) + stack[:, :3, 3]
        self.mesh.points[:] = self.points
        self.mesh.Modified()
        if self.selected_actor.visibility:
            self.selected_mesh.points[:] = self.points[self._selected][None]
            self.selected_mesh.Modified()

    def set_visible(self, visible: np.ndarray) -> None:
        """Show only the landmarks whose flag is set (rebuilds the vertex cells; not per frame)."""
        self.visible = np.asarray(visible, dtype=bool)
        shown = np.nonzero(self.visible)[0]
        self.mesh.verts = np.c_[np.ones(len(shown), dtype=np.int64), shown].ravel()
        self.mesh.Modified()

    def select(self, landmark_id: str | None) -> None:
        if landmark_id is None or landmark_id not in self.index:
            self.selected_actor.visibility = False
            return
        self._selected = self.index[landmark_id]
        self.selected_mesh.points[:] = self.points[self._selected][None]
        self.selected_mesh.Modified()
        self.selected_actor.visibility = True

    def set_point_size(self, size: float) -> None:
        self.point_size = size
        self.actor.prop.point_size = size
        self.selected_actor.prop.point_size = 2.2 * size
