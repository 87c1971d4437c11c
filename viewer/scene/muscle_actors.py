"""Muscle surfaces on a plotter, updated in place when the pose changes.

Each muscle is one PolyData created once with fixed faces (:mod:`viewer.anatomy.muscle_shapes`).
The point, normal and strain arrays of every mesh are views of three arrays shared by all
muscles, so a pose change computes every surface in one pass straight into the VTK arrays and
only marks them modified; no actor, mesh or array is rebuilt or copied.

Tendon is drawn apart from the belly: paler (its vertex colours) and glossier, a stronger and
tighter highlight. VTK's specular is one value per actor, so each muscle's fragment shader blends
the belly's and the tendon's by the vertex's tendon weight (the shapes' ``tendon``, 0 muscle to 1
tendon, given to the shader as a vertex attribute). Chosen over a second actor per muscle for its
tendon: one actor still draws one muscle, so visibility, ghosting, selection, strain colours and
picking need nothing new, the scene gets no more actors or passes, and a frame costs the same (two
blends per fragment: a dragged frame measured no slower, within the noise).
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonDataModel import vtkDataObject
from vtkmodules.vtkRenderingOpenGL2 import vtkOpenGLPolyDataMapper

from viewer.anatomy.muscle_paths import MuscleModel, MuscleState
from viewer.anatomy.muscle_shapes import MuscleShapes
from viewer.scene import style

MUSCLE_MATERIAL = {"ambient": 0.15, "diffuse": 0.85, "specular": 0.35, "specular_power": 25.0}
# where a vertex is all tendon: a stronger, tighter highlight than the belly's (MUSCLE_MATERIAL)
TENDON_MATERIAL = {"specular": 1.0, "specular_power": 60.0}

# The tendon weight into the shaders. The fragment lines go in just before VTK's lighting, where
# its colour code has set the actor's specular intensity and power: they are blended towards the
# tendon's by the weight, so the belly (weight 0) is lit exactly as before. VTK declares those two
# only when the scene is lit (without a light the shader would not compile): this one always is,
# by the light kit or, while dragged, a headlight (resolution.py).
_VERTEX_DECLARATIONS = "//VTK::Normal::Dec\nin float tendonMC;\nout float tendonVCVSOutput;\n"
_VERTEX_CODE = "//VTK::Normal::Impl\n  tendonVCVSOutput = tendonMC;\n"
_FRAGMENT_DECLARATIONS = "//VTK::Normal::Dec\nin float tendonVCVSOutput;\n"
_FRAGMENT_CODE = (
    f"  specularColor = mix(specularColor, {TENDON_MATERIAL['specular']:.4f} * specularColorUniform, tendonVCVSOutput);\n"
    f"  specularPower = mix(specularPower, {TENDON_MATERIAL['specular_power']:.4f}, tendonVCVSOutput);\n"
    "  //VTK::Light::Impl\n"
)


class MuscleActors:
    """One actor per muscle; :meth:`update` re-poses all of them in place."""

    def __init__(self, plotter: pv.Plotter, model: MuscleModel, shapes: MuscleShapes, standing: dict[str, MuscleState],
                 transforms: dict[str, np.ndarray]):
        self.model = model
        self.shapes = shapes
        self.order = shapes.order
        self.meshes: dict[str, pv.PolyData] = {}
        self.actors: dict[str, pv.Actor] = {}
        n = shapes.n_vertices
        self.vertices, self.normals, self.strain = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n)
        self.tissue = np.zeros((n, 3), dtype=np.uint8)  # each vertex's colour: muscle, paler tendon, stripes along the fibres
        self.tendon = np.asarray(shapes.tendon, dtype=np.float32)  # each vertex's gloss: 0 belly, 1 tendon (fixed)
        self._modified = []  # the VTK arrays to mark modified after writing into the shared arrays
        for mid in self.order:
            start, end = shapes.vertex_ranges[mid]
            own = shapes.faces[mid]
            cells = np.hstack([np.full((len(own), 1), 3), own]).astype(np.int64).ravel()
            mesh = pv.PolyData(self.vertices[start:end], cells)
            mesh.points = self.vertices[start:end]  # a view, not the copy the constructor makes
            mesh.point_data["Normals"] = self.normals[start:end]
            mesh.point_data.active_normals_name = "Normals"
            mesh.point_data["strain"] = self.strain[start:end]
            self.tissue[start:end] = tissue_colours(model.muscles[mid].colour, shapes.tendon[start:end], shapes.fibres[start:end])
            mesh.point_data["tissue"] = self.tissue[start:end]
            mesh.point_data["tendon"] = self.tendon[start:end]
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
            _draw_tendon_glossy(self.actors[mid], mesh)
            self.actors[mid].mapper.SetScalarModeToUsePointFieldData()
            self.actors[mid].visibility = not muscle.hidden_by_default
        self._strain_on = False
        self._selected: str | None = None
        self._paint()
        self.rebase(model, standing)
        self.update(standing, transforms)

    def rebase(self, model: MuscleModel, standing: dict[str, MuscleState]) -> None:
        """The same muscles on another body (a recompiled model): strain counts from its standing."""
        self.model = model
        self.rest_lengths = {mid: standing[mid].length for mid in self.order}

    def reshape(self, shapes: MuscleShapes) -> None:
        """Draw from ``shapes`` from now on: the same muscles fitted to another body, so the same
        vertices, triangles and tissue; only their rest sections and the bones they are pushed off differ."""
        if shapes.order != self.order or any(not np.array_equal(shapes.faces[mid], self.shapes.faces[mid]) for mid in self.order) \
                or not np.array_equal(shapes.tendon, self.shapes.tendon):
            raise ValueError("these muscle shapes are not the drawn muscles' (another topology)")
        self.shapes = shapes

    def update(self, states: dict[str, MuscleState], transforms: dict[str, np.ndarray]) -> None:
        """Write the surfaces of ``states`` into the existing meshes."""
        if not self.order:  # a pack that carries no muscle
            return
        self.shapes.pose(states, transforms, self.vertices, normals=self.normals)
        for mid in self.order:
            start, end = self.shapes.vertex_ranges[mid]
            self.strain[start:end] = 100.0 * (states[mid].length / self.rest_lengths[mid] - 1.0)
        for vtk_object in self._modified:
            vtk_object.Modified()

    def set_strain_colouring(self, on: bool) -> None:
        """Colour muscles by length change from standing (blue shorter, red longer) or as tissue."""
        self._strain_on = on
        self._paint()

    def set_selected(self, muscle_id: str | None) -> None:
        """The selected muscle is drawn in the actor's own (highlight) colour, the others as tissue."""
        self._selected = muscle_id
        self._paint()

    def _paint(self) -> None:
        """Which colours each actor draws: strain, its tissue colours, or its plain colour when selected."""
        for mid, actor in self.actors.items():
            mapper = actor.mapper
            if self._strain_on:
                mapper.SelectColorArray("strain")
                mapper.SetColorModeToMapScalars()
            else:
                mapper.SelectColorArray("tissue")
                mapper.SetColorModeToDirectScalars()
            mapper.SetScalarVisibility(self._strain_on or mid != self._selected)


def _draw_tendon_glossy(actor: pv.Actor, mesh: pv.PolyData) -> None:
    """Give ``actor`` a polydata mapper of ``mesh`` (with the colour map and scalar settings pyvista
    gave its dataset mapper) whose shaders make tendon glossier, by ``mesh``'s "tendon" array.

    pyvista's dataset mapper makes its polydata mapper only when first drawn, too late to pass it a
    vertex attribute: the actor draws through a polydata mapper of its own instead.
    """
    mapper = vtkOpenGLPolyDataMapper()
    mapper.ShallowCopy(actor.mapper)
    mapper.SetInputData(mesh)
    mapper.MapDataArrayToVertexAttribute("tendonMC", "tendon", vtkDataObject.FIELD_ASSOCIATION_POINTS, -1)
    shaders = actor.GetShaderProperty()
    shaders.AddVertexShaderReplacement("//VTK::Normal::Dec", True, _VERTEX_DECLARATIONS, False)
    shaders.AddVertexShaderReplacement("//VTK::Normal::Impl", True, _VERTEX_CODE, False)
    shaders.AddFragmentShaderReplacement("//VTK::Normal::Dec", True, _FRAGMENT_DECLARATIONS, False)
    shaders.AddFragmentShaderReplacement("//VTK::Light::Impl", True, _FRAGMENT_CODE, False)
    actor.mapper = mapper


def tissue_colours(colour: str, tendon: np.ndarray, fibres: np.ndarray) -> np.ndarray:
    """RGB (n, 3) of a muscle's vertices: its colour, turning to a pale silver where it is tendon,
    a few per cent lighter and darker in stripes along its fibres."""
    muscle = np.array(pv.Color(colour).float_rgb)
    pale = np.array(pv.Color(style.TENDON_COLOUR).float_rgb)
    base = muscle[None] * (1 - tendon[:, None]) + pale[None] * tendon[:, None]
    shade = 1.0 + style.FIBRE_SHADING * fibres * (1 - tendon)
    return np.clip(255.0 * base * shade[:, None], 0, 255).round().astype(np.uint8)
