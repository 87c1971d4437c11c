"""Scene support for editing annotations: swap in a changed document, find bone surfaces, preview a drag."""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkRenderingCore import vtkCellPicker

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.catalogue import Catalogue
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.scene.labels import LabelOverlay
from viewer.scene.landmark_actors import LandmarkActors
from viewer.scene.muscle_actors import MuscleActors


def replace_annotations(scene, annotations: Annotations) -> None:
    """Redraw muscles and landmarks from a changed document, keeping bones, camera and pose.

    Rebuilds their actors (tens of milliseconds): for an edit, not for every frame.
    """
    plotter = scene.plotter
    point_size = 11.0
    if scene.muscle_actors is not None:
        for actor in scene.muscle_actors.actors.values():
            plotter.remove_actor(actor, reset_camera=False, render=False)
        point_size = scene.landmark_actors.actor.prop.point_size
    scene.annotations = annotations
    scene.catalogue = Catalogue(annotations)
    scene.muscle_model = MuscleModel(annotations, scene.skeleton, set(scene.pack.bones))
    standing = scene.muscle_model.evaluate(Pose())
    scene.standing_lengths = {mid: state.length for mid, state in standing.items()}
    scene.muscle_actors = MuscleActors(plotter, scene.muscle_model, standing)
    scene.landmark_actors = LandmarkActors(plotter, annotations, scene.skeleton, set(scene.pack.bones), point_size)
    if scene.labels is None:
        scene.labels = LabelOverlay(plotter)
    scene.set_pose(scene.pose)


def surface_at(scene, x: float, y: float) -> tuple[str, np.ndarray] | None:
    """The bone under display position (x, y) and the point hit, moved back to the standing pose."""
    picker = vtkCellPicker()
    picker.SetTolerance(0.0005)
    picker.PickFromListOn()
    for actor in scene.bone_actors.values():
        if actor.visibility:
            picker.AddPickList(actor)
    if not picker.Pick(x, y, 0, scene.plotter.renderer):
        return None
    bone_id = next((b for b, actor in scene.bone_actors.items() if actor is picker.GetActor()), None)
    if bone_id is None:
        return None
    inverse = np.linalg.inv(scene.transforms[bone_id])
    point = np.array(picker.GetPickPosition())
    return bone_id, inverse[:3, :3] @ point + inverse[:3, 3]


def preview_landmark(scene, landmark_id: str, local_position) -> None:
    """Draw a landmark at a new local position while it is dragged, without changing the document."""
    landmarks = scene.landmark_actors
    k = landmarks.index[landmark_id]
    landmarks.neutral[k] = np.asarray(local_position, float) + scene.skeleton.frame_origin(landmarks.bones[k])
    landmarks.update(scene.transforms)
