"""Muscle tubes on a plotter, updated in place when the pose changes.

Each muscle is one PolyData (all its tubes) created once with fixed faces. A pose change writes
new point coordinates, normals and strain values into the existing VTK arrays; no actor or
mesh is rebuilt.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.muscle_paths import CENTRELINE_POINTS, MuscleModel, MuscleState
from viewer.anatomy.tube import TubeTopology, radius_profile, tube_surface, volume_keeping_scale

TUBE_SIDES = 20
STRAIN_RANGE_PERCENT = 25.0
# Tubes of these muscles run mostly up and down or front to back, never along x.
RING_REFERENCE = np.array([1.0, 0.0, 0.0])
MUSCLE_MATERIAL = {"ambient": 0.15, "diffuse": 0.85, "specular": 0.35, "specular_power": 25.0}


class MuscleActors:
    """One actor per muscle; :meth:`update` re-poses all of them in place."""

    def __init__(self, plotter: pv.Plotter, model: MuscleModel, standing: dict[str, MuscleState]):
        self.model = model
        self.topology = TubeTopology(CENTRELINE_POINTS, TUBE_SIDES)
        self.rest_lengths = {mid: state.centreline_lengths.copy() for mid, state in standing.items()}
        self.rest_radii = {
            mid: radius_profile(model.muscles[mid].radius_profile, CENTRELINE_POINTS) for mid in standing
        }
        self.meshes: dict[str, pv.PolyData] = {}
        self.actors: dict[str, pv.Actor] = {}
        faces = self.topology.faces()
        for mid, state in standing.items():
            tubes = len(state.centrelines)
            offsets = (np.arange(tubes) * self.topology.n_vertices)[:, None, None]
            all_faces = (faces[None] + offsets).reshape(-1, 3)
            cells = np.hstack([np.full((len(all_faces), 1), 3), all_faces]).astype(np.int64).ravel()
            mesh = pv.PolyData(np.zeros((tubes * self.topology.n_vertices, 3)), cells)
            mesh.point_data["Normals"] = np.zeros((mesh.n_points, 3))
            mesh.point_data.active_normals_name = "Normals"
            mesh.point_data["strain"] = np.zeros(mesh.n_points)
            self.meshes[mid] = mesh
            muscle = model.muscles[mid]
            self.actors[mid] = plotter.add_mesh(
                mesh,
                color=muscle.colour,
                scalars="strain",
                cmap="coolwarm",
                clim=(-STRAIN_RANGE_PERCENT, STRAIN_RANGE_PERCENT),
                show_scalar_bar=False,
                interpolation="phong",
                name=mid,
                **MUSCLE_MATERIAL,
            )
            self.actors[mid].mapper.scalar_visibility = False
            self.actors[mid].visibility = not muscle.hidden_by_default
        self.update(standing)

    def update(self, states: dict[str, MuscleState]) -> None:
        """Write the tubes of ``states`` into the existing meshes."""
        for mid, state in states.items():
            mesh = self.meshes[mid]
            scale = volume_keeping_scale(state.centreline_lengths, self.rest_lengths[mid])
            radii = self.rest_radii[mid][None, :] * scale[:, None]
            reference = np.broadcast_to(RING_REFERENCE, (len(radii), 3))
            vertices, normals = tube_surface(state.centrelines, radii, TUBE_SIDES, reference)
            mesh.points[:] = vertices.reshape(-1, 3)
            mesh.point_data["Normals"][:] = normals.reshape(-1, 3)
            strain = 100.0 * (state.centreline_lengths / self.rest_lengths[mid] - 1.0)
            mesh.point_data["strain"][:] = np.repeat(strain, self.topology.n_vertices)
            mesh.Modified()

    def set_strain_colouring(self, on: bool) -> None:
        """Colour tubes by length change from standing (blue shorter, red longer) or plainly."""
        for actor in self.actors.values():
            actor.mapper.scalar_visibility = on
