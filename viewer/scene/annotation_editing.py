"""Scene support for editing annotations: find bone surfaces, preview a drag."""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkRenderingCore import vtkCellPicker

from viewer.anatomy.pack_frame import apply


def surface_at(scene, x: float, y: float) -> tuple[str, np.ndarray] | None:
    """The bone under display position (x, y) and the point hit, moved back to the standing pose."""
    picker = vtkCellPicker()
    picker.SetTolerance(0.0005)
    picker.PickFromListOn()
    for actor in scene.bone_actors.values():
        if actor.visibility:
            picker.AddPickList(actor)
    with scene.resolution.whole_window():
        if not picker.Pick(x, y, 0, scene.plotter.renderer):
            return None
    bone_id = next((b for b, actor in scene.bone_actors.items() if actor is picker.GetActor()), None)
    if bone_id is None:
        return None
    return bone_id, apply(np.linalg.inv(scene.transforms[bone_id]), np.array(picker.GetPickPosition()))


def preview_landmark(scene, landmark_id: str, local_position) -> None:
    """Draw a landmark at a new local position while it is dragged, without changing the document."""
    landmarks = scene.landmark_actors
    k = landmarks.index[landmark_id]
    landmarks.neutral[k] = np.asarray(local_position, float) + scene.skeleton.frame_origin(landmarks.bones[k])
    landmarks.update(scene.transforms)
