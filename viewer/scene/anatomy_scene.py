"""The anatomy drawn on a pyvista plotter: one actor per bone, lighting, camera views.

Works on any plotter: an off-screen ``pyvista.Plotter`` for screenshots and exports, or
pyvistaqt's ``QtInteractor`` in the window.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.mesh_pack import MeshPack
from viewer.scene import style
from viewer.scene.views import VIEWS, framing


def _polydata(mesh) -> pv.PolyData:
    """A trimesh surface as pyvista PolyData with smooth point normals."""
    faces = np.hstack([np.full((len(mesh.faces), 1), 3), mesh.faces]).astype(np.int64).ravel()
    poly = pv.PolyData(np.asarray(mesh.vertices, dtype=np.float32), faces)
    return poly.compute_normals(cell_normals=False, split_vertices=False, auto_orient_normals=False)


class AnatomyScene:
    """Bone actors of a mesh pack on a plotter, with the project's lighting and views."""

    def __init__(self, plotter: pv.Plotter, pack: MeshPack):
        self.plotter = plotter
        self.pack = pack
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
        self._points = (
            np.vstack([bone.mesh.vertices for bone in pack.bones.values()])
            if pack.bones
            else np.zeros((1, 3))
        )

    def set_view(self, name: str) -> None:
        """Point the camera along a named view, framed so the anatomy fills the window."""
        width, height = self.plotter.window_size
        camera = self.plotter.camera
        position, focal, up = framing(self._points, VIEWS[name], camera.view_angle, width / height)
        camera.position, camera.focal_point, camera.up = position, focal, up
        self.plotter.reset_camera_clipping_range()
