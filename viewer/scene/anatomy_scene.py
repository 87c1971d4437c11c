"""The anatomy drawn on a pyvista plotter: one actor per bone, lighting, camera views.

Works on any plotter: an off-screen ``pyvista.Plotter`` for screenshots and exports, or
pyvistaqt's ``QtInteractor`` in the window.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.muscle_paths import MuscleModel, apply
from viewer.scene import style
from viewer.scene.muscle_actors import MuscleActors
from viewer.scene.views import VIEWS, framing


def _polydata(mesh) -> pv.PolyData:
    """A trimesh surface as pyvista PolyData with smooth point normals."""
    faces = np.hstack([np.full((len(mesh.faces), 1), 3), mesh.faces]).astype(np.int64).ravel()
    poly = pv.PolyData(np.asarray(mesh.vertices, dtype=np.float32), faces)
    return poly.compute_normals(cell_normals=False, split_vertices=False, auto_orient_normals=False)


class AnatomyScene:
    """Bones and muscles on a plotter, with the project's lighting, views and poses."""

    def __init__(self, plotter: pv.Plotter, pack: MeshPack, annotations: Annotations | None = None):
        self.plotter = plotter
        self.pack = pack
        self.skeleton = Skeleton.from_manifest(pack.manifest)
        self.pose = Pose()
        self.bone_actors: dict[str, pv.Actor] = {}
        plotter.set_background(style.BACKGROUND_BOTTOM, top=style.BACKGROUND_TOP)
        plotter.enable_lightkit()
        for bone_id, bone in pack.bones.items():
            self.bone_actors[bone_id] = plotter.add_mesh(
                _polydata(bone.mesh),
                color=style.BONE_COLOUR,
                smooth_shading=True,
                name=bone_id,
                **style.BONE_MATERIAL,
            )
        self.muscle_model: MuscleModel | None = None
        self.muscle_actors: MuscleActors | None = None
        if annotations is not None:
            self.muscle_model = MuscleModel(annotations, self.skeleton, set(pack.bones))
            self.muscle_actors = MuscleActors(plotter, self.muscle_model, self.muscle_model.evaluate(self.pose))

    def set_pose(self, pose: Pose) -> None:
        """Move bones (by their actor matrices) and muscles (in place) to ``pose``."""
        transforms = bone_transforms(pose, self.skeleton)
        for bone_id, actor in self.bone_actors.items():
            actor.user_matrix = transforms[bone_id]
        if self.muscle_model is not None:
            self.muscle_actors.update(self.muscle_model.evaluate(pose, transforms))
        self.pose = pose

    def posed_bone_points(self) -> np.ndarray:
        """Every bone vertex in the current pose (for framing the camera)."""
        if not self.pack.bones:
            return np.zeros((1, 3))
        transforms = bone_transforms(self.pose, self.skeleton)
        return np.vstack([apply(transforms[b], bone.mesh.vertices) for b, bone in self.pack.bones.items()])

    def set_view(self, name: str) -> None:
        """Point the camera along a named view, framed so the anatomy fills the window."""
        width, height = self.plotter.window_size
        camera = self.plotter.camera
        position, focal, up = framing(self.posed_bone_points(), VIEWS[name], camera.view_angle, width / height)
        camera.position, camera.focal_point, camera.up = position, focal, up
        self.plotter.reset_camera_clipping_range()
