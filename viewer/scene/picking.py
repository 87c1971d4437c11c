"""What is under a pixel: a landmark, a muscle or a bone.

Surfaces are picked with VTK's cell picker. Landmarks are small, so they are matched in screen
space within a radius of the click, which is kinder to a mouse than hitting a 5-pixel sphere,
and kept only when no surface lies in front of them (the cell pick gives that depth).
"""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkRenderingCore import vtkCellPicker

from viewer.scene.projection import world_to_display

LANDMARK_RADIUS_PX = 12.0
OCCLUSION_ALLOWANCE_MM = 6.0


class Picker:
    """Maps display positions to structure ids for one scene."""

    def __init__(self, scene):
        self.scene = scene
        self.cell_picker = vtkCellPicker()
        self.cell_picker.SetTolerance(0.0005)

    def _actor_ids(self) -> dict:
        mapping = {actor: bone_id for bone_id, actor in self.scene.bone_actors.items()}
        if self.scene.muscle_actors is not None:
            mapping.update({actor: muscle_id for muscle_id, actor in self.scene.muscle_actors.actors.items()})
        return mapping

    def pick(self, x: float, y: float) -> str | None:
        """The structure drawn at display position (x, y), origin bottom left, or None."""
        with self.scene.resolution.whole_window():
            return self._pick(x, y)

    def _pick(self, x: float, y: float) -> str | None:
        renderer = self.scene.plotter.renderer
        camera = np.array(renderer.GetActiveCamera().GetPosition())
        hit = self.cell_picker.Pick(x, y, 0, renderer)
        surface_id = self._actor_ids().get(self.cell_picker.GetActor()) if hit else None
        surface_distance = np.linalg.norm(np.array(self.cell_picker.GetPickPosition()) - camera) if surface_id else np.inf
        landmarks = self.scene.landmark_actors
        if landmarks is not None and landmarks.actor.visibility and landmarks.visible.any():
            display, in_front = world_to_display(renderer, landmarks.points)
            gap = np.linalg.norm(display - [x, y], axis=1)
            depth = np.linalg.norm(landmarks.points - camera, axis=1)
            candidates = in_front & landmarks.visible & (gap <= LANDMARK_RADIUS_PX) & (depth <= surface_distance + OCCLUSION_ALLOWANCE_MM)
            if candidates.any():
                best = np.nonzero(candidates)[0][np.argmin(gap[candidates])]
                return landmarks.ids[best]
        return surface_id
