"""Muscle tubes on a plotter, updated in place when the pose changes.

Each muscle is one PolyData (all its tubes) created once with fixed faces. The point, normal and
strain arrays of every mesh are views of three arrays shared by all tubes, so a pose change
computes all tubes in one pass straight into the VTK arrays and only marks them modified; no
actor, mesh or array is rebuilt or copied.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.muscle_paths import CENTRELINE_POINTS, MuscleModel, MuscleState
from viewer.anatomy.tube import TubeTopology, radius_profile, tube_surface, volume_keeping_scale
from viewer.scene import style

TUBE_SIDES = 20
# Tubes of these muscles run mostly up and down or front to back, never along x.
RING_REFERENCE = np.array([1.0, 0.0, 0.0])
MUSCLE_MATERIAL = {"ambient": 0.15, "diffuse": 0.85, "specular": 0.35, "specular_power": 25.0}


class MuscleActors:
    """One actor per muscle; :meth:`update` re-poses all of them in place."""

    def __init__(self, plotter: pv.Plotter, model: MuscleModel, standing: dict[str, MuscleState]):
        self.model = model
        self.topology = TubeTopology(CENTRELINE_POINTS, TUBE_SIDES)
        # All tubes of all muscles are computed in one batch; these arrays follow self.order.
        self.order = list(standing)
        self.tube_counts = [len(standing[mid].centrelines) for mid in self.order]
        self.rest_lengths = np.concatenate([np.zeros(0)] + [standing[mid].centreline_lengths for mid in self.order])
        self.rest_radii = np.concatenate(
            [np.zeros((0, CENTRELINE_POINTS))] + [
                np.tile(radius_profile(model.muscles[mid].radius_profile, CENTRELINE_POINTS), (count, 1))
                for mid, count in zip(self.order, self.tube_counts)
            ]
        )
        self.reference = np.tile(RING_REFERENCE, (len(self.rest_radii), 1))
        self.tube_muscle = [mid for mid, count in zip(self.order, self.tube_counts) for _ in range(count)]
        self.meshes: dict[str, pv.PolyData] = {}
        self.actors: dict[str, pv.Actor] = {}
        shape = (len(self.rest_radii), self.topology.n_vertices)
        self.vertices, self.normals, self.strain = np.zeros(shape + (3,)), np.zeros(shape + (3,)), np.zeros(shape)
        self._modified = []  # the VTK arrays to mark modified after writing into the shared arrays
        faces = self.topology.faces()
        start = 0
        for mid, tubes in zip(self.order, self.tube_counts):
            rows = slice(start, start + tubes)
            start += tubes
            offsets = (np.arange(tubes) * self.topology.n_vertices)[:, None, None]
            all_faces = (faces[None] + offsets).reshape(-1, 3)
            cells = np.hstack([np.full((len(all_faces), 1), 3), all_faces]).astype(np.int64).ravel()
            mesh = pv.PolyData(self.vertices[rows].reshape(-1, 3), cells)
            mesh.points = self.vertices[rows].reshape(-1, 3)  # a view, not the copy the constructor makes
            mesh.point_data["Normals"] = self.normals[rows].reshape(-1, 3)
            mesh.point_data.active_normals_name = "Normals"
            mesh.point_data["strain"] = self.strain[rows].reshape(-1)
            self._modified += [mesh.GetPoints(), mesh.GetPointData().GetArray("Normals"), mesh.GetPointData().GetArray("strain"), mesh]
            self.meshes[mid] = mesh
            muscle = model.muscles[mid]
            self.actors[mid] = plotter.add_mesh(
                mesh,
                color=muscle.colour,
                scalars="strain",
                cmap=style.strain_colour_map(),
                clim=(-style.STRAIN_RANGE_PERCENT, style.STRAIN_RANGE_PERCENT),
                show_scalar_bar=False,
                interpolation="phong",
                name=mid,
                render=False,  # an edit rebuilds these: one frame afterwards, not one per muscle
                **MUSCLE_MATERIAL,
            )
            self.actors[mid].mapper.scalar_visibility = False
            self.actors[mid].visibility = not muscle.hidden_by_default
        self.update(standing)

    def rebase(self, model: MuscleModel, standing: dict[str, MuscleState]) -> None:
        """The same muscles on another body (a recompiled model): strain counts from its standing."""
        self.model = model
        self.rest_lengths = np.concatenate([np.zeros(0)] + [standing[mid].centreline_lengths for mid in self.order])

    def update(self, states: dict[str, MuscleState]) -> None:
        """Write the tubes of ``states`` into the existing meshes."""
        if not self.order:  # a pack that carries no muscle
            return
        centrelines = np.concatenate([states[mid].centrelines for mid in self.order])
        lengths = np.concatenate([states[mid].centreline_lengths for mid in self.order])
        radii = self.rest_radii * volume_keeping_scale(lengths, self.rest_lengths)[:, None]
        self.centrelines, self.radii = centrelines, radii  # for the labels' line-of-sight test
        tube_surface(centrelines, radii, TUBE_SIDES, self.reference, out=(self.vertices, self.normals))
        self.strain[:] = 100.0 * (lengths / self.rest_lengths - 1.0)[:, None]
        for vtk_object in self._modified:
            vtk_object.Modified()

    def set_strain_colouring(self, on: bool) -> None:
        """Colour tubes by length change from standing (blue shorter, red longer) or plainly."""
        for actor in self.actors.values():
            actor.mapper.scalar_visibility = on
