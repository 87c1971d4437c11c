"""Lines of action: each fascicle's path drawn as a line over the muscles, coloured by muscle.

Each muscle's fascicles are one PolyData of polylines made once, its points a view of one array
shared by all muscles; a pose change writes the new paths into that array in place (the scheme
the tubes use), and only while the lines are shown.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from viewer.anatomy.muscle_paths import MuscleModel, MuscleState

LINE_WIDTH = 4.0
MUSCLE_OPACITY_UNDER_LINES = 0.35  # the tubes fade so that the lines inside them show


def fascicle_lines(model: MuscleModel, states: dict[str, MuscleState]) -> dict[str, np.ndarray]:
    """Each fascicle's polyline (P, 3) keyed ``<muscle id>.<fascicle id>`` (the glTF node names)."""
    return {f"{mid}.{fid}": path for mid, state in states.items() for fid, path in zip(model.muscles[mid].fascicle_ids, state.fascicle_paths)}


class LinesOfAction:
    """One line actor per muscle, hidden until switched on."""

    def __init__(self, plotter: pv.Plotter, model: MuscleModel, states: dict[str, MuscleState]):
        self.order = list(states)
        shapes = [states[mid].fascicle_paths.shape[:2] for mid in self.order]  # (fascicles, points)
        self.points = np.zeros((sum(n * p for n, p in shapes), 3))
        self.actors: dict[str, pv.Actor] = {}
        self._meshes = []
        self.on = False
        start = 0
        for mid, (n, p) in zip(self.order, shapes):
            rows = slice(start, start + n * p)
            cells = np.hstack([np.full((n, 1), p), np.arange(n * p).reshape(n, p)]).astype(np.int64).ravel()
            mesh = pv.PolyData(self.points[rows], lines=cells)
            mesh.points = self.points[rows]  # a view, so updates write straight into VTK's array
            self._meshes.append(mesh)
            actor = plotter.add_mesh(mesh, color=model.muscles[mid].colour, line_width=LINE_WIDTH, lighting=False,
                                     name=f"{mid} lines", pickable=False, reset_camera=False, render=False)
            actor.visibility = False
            self.actors[mid] = actor
            start += n * p
        self._states = states

    def update(self, states: dict[str, MuscleState]) -> None:
        """Write the fascicle paths of ``states`` into the lines (only while they are shown)."""
        self._states = states
        if not self.on:
            return
        self.points[:] = np.concatenate([states[mid].fascicle_paths.reshape(-1, 3) for mid in self.order])
        for mesh in self._meshes:
            mesh.GetPoints().Modified()
            mesh.Modified()

    def show(self, on: bool, visible: dict[str, bool]) -> None:
        """Lines on or off; each muscle's lines only where the muscle itself is visible."""
        self.on = on
        for mid, actor in self.actors.items():
            actor.visibility = on and visible.get(mid, True)
        self.update(self._states)
