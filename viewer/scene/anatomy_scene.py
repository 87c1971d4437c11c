"""The anatomy drawn on a pyvista plotter: bones, muscles, landmarks, labels, views and poses.

Works on any plotter: an off-screen ``pyvista.Plotter`` for screenshots and exports, or
pyvistaqt's ``QtInteractor`` in the window. When bound to a :class:`ViewerState` it redraws
whatever the state says changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pyvista as pv
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkTextActor, vtkTextRenderer

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.body_shape import SurfaceNormals, vertex_normals
from viewer.anatomy.catalogue import Catalogue
from viewer.anatomy.discs import Bender
from viewer.anatomy.kinematics import KNEE_SHARE, HipLimits, Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.muscle_shapes import MuscleShapes
from viewer.anatomy.pack_frame import apply
from viewer.scene import style
from viewer.scene.label_plan import LabelPlan, plan_labels
from viewer.scene.labels import LabelOverlay
from viewer.scene.landmark_actors import LandmarkActors
from viewer.scene.lines_of_action import MUSCLE_OPACITY_UNDER_LINES, LinesOfAction
from viewer.scene.literal_text import literal_vtk_text
from viewer.scene.muscle_actors import MuscleActors
from viewer.scene.occlusion import BoneOcclusion
from viewer.scene.picking import Picker
from viewer.scene.resolution import FrameResolution
from viewer.scene.viewer_state import ViewerState
from viewer.scene.views import VIEWS, View, framing

FOCUS_RADIUS_MM = 120.0
FACING = 0.3  # the camera looks at a landmark's surface at least this squarely (cosine)
CLEAR_VIEW_MM = 1000.0
PICKABLE_OPACITY = 0.5
FRAMING_STRIDE = 10  # every tenth vertex is plenty to frame a pose


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _ring(axis: np.ndarray, tilt_degrees: float = 40.0, count: int = 8) -> list[np.ndarray]:
    """Directions tilted from an axis, evenly round it."""
    side = _unit(np.cross(axis, (0, 0, 1) if abs(axis[2]) < 0.9 else (1, 0, 0)))
    other = np.cross(axis, side)
    tilt = np.radians(tilt_degrees)
    return [_unit(np.cos(tilt) * axis + np.sin(tilt) * (np.cos(a) * side + np.sin(a) * other))
            for a in np.linspace(0, 2 * np.pi, count, endpoint=False)]


def _muscle_inputs(annotations: Annotations) -> str:
    """What the muscle model is built from, as text to compare: the muscle records and the landmarks they name."""
    named = {f["origin"] for m in annotations.muscles.values() for f in m["fascicles"]}
    named |= {m["insertion"] for m in annotations.muscles.values()}
    places = {lid: [annotations.landmarks[lid].bone, np.asarray(annotations.landmarks[lid].position).tolist()]
              for lid in sorted(named) if lid in annotations.landmarks}
    return json.dumps([annotations.muscles, places], sort_keys=True)


def _polydata(vertices: np.ndarray, faces: np.ndarray) -> pv.PolyData:
    """A triangle surface as pyvista PolyData with smooth point normals."""
    cells = np.hstack([np.full((len(faces), 1), 3), faces]).astype(np.int64).ravel()
    poly = pv.PolyData(np.asarray(vertices, dtype=np.float32), cells)
    return poly.compute_normals(cell_normals=False, split_vertices=False, auto_orient_normals=False)


def _move_surface(poly: pv.PolyData, vertices: np.ndarray, normals: SurfaceNormals) -> None:
    """New positions for a surface's points, and their normals, written in place."""
    poly.points[:] = vertices
    poly.point_data["Normals"][:] = normals(vertices)
    poly.GetPoints().Modified()
    poly.GetPointData().GetNormals().Modified()
    poly.Modified()


class AnatomyScene:
    """Bones, muscles and landmarks on a plotter, with the project's lighting, views and poses."""

    def __init__(self, plotter: pv.Plotter, pack: MeshPack, annotations: Annotations | None = None):
        self.plotter = plotter
        literal_vtk_text()
        self.pack = pack
        self.annotations = annotations
        self.skeleton = Skeleton.from_manifest(pack.manifest)
        self.hip_limits = HipLimits.from_pack(pack, self.skeleton)
        self.pose = Pose()
        self.transforms = bone_transforms(self.pose, self.skeleton)
        self.state: ViewerState | None = None
        # labels and text on a layer above the 3D scene, always at full resolution (see resolution.py)
        self.text_layer = vtkRenderer()
        self.text_layer.SetLayer(1)
        self.text_layer.InteractiveOff()
        plotter.render_window.SetNumberOfLayers(max(2, plotter.render_window.GetNumberOfLayers()))
        plotter.render_window.AddRenderer(self.text_layer)
        plotter.renderer.AddObserver("StartEvent", lambda *_: self.label_renderer)
        self.resolution = FrameResolution(plotter.renderer)
        self.bone_actors: dict[str, pv.Actor] = {}
        self.set_background(dark=False)
        plotter.enable_lightkit()
        self._bone_surfaces: dict[str, tuple[pv.PolyData, pv.PolyData]] = {}
        for bone_id, bone in pack.bones.items():
            full = _polydata(bone.vertices, bone.faces)
            self._bone_surfaces[bone_id] = (full, _polydata(*bone.light) if bone.light is not None else full)
            self.bone_actors[bone_id] = plotter.add_mesh(
                full,
                color=self._colour(bone_id),
                smooth_shading=True,
                name=bone_id,
                **style.BONE_MATERIAL,
            )
        # a disc bends: its points (and normals) are written in place, blended between its two bones (discs.py)
        self._discs = {bone_id: bone for bone_id, bone in pack.bones.items() if bone.disc is not None}
        surfaces = [self.bone_actors[b].mapper.dataset for b in self._discs]  # pyvista draws a copy of what it is given
        # each disc surface's points and normals as numpy views, written in place every pose
        self._disc_arrays = [(s.GetPoints(), s.GetPointData().GetNormals(), vtk_to_numpy(s.GetPoints().GetData()),
                              vtk_to_numpy(s.GetPointData().GetNormals())) for s in surfaces]
        self._disc_bender = self._bender()
        self._discs_bent_for: tuple | None = None  # the transforms of the bones around the discs last written
        # a rigid bone moves by its actor's matrix, one VTK matrix per actor written in place each
        # pose (through pyvista's setter, a new matrix each time, the bones took a tenth of a pose)
        self._bone_matrices = {bone_id: vtkMatrix4x4() for bone_id in self.bone_actors if bone_id not in self._discs}
        for bone_id, matrix in self._bone_matrices.items():
            self.bone_actors[bone_id].SetUserMatrix(matrix)
        self.occlusion = BoneOcclusion({bone_id: light for bone_id, (_, light) in self._bone_surfaces.items()})
        self._body_pending = False  # a new body's full surfaces wait for the next still frame
        self._surface_normals: dict[tuple[str, str], SurfaceNormals] = {}
        self.muscle_model: MuscleModel | None = None
        self.muscle_actors: MuscleActors | None = None
        self._muscles_from = ""
        self._shapes_for: MeshPack | None = None  # the body whose bones the muscle surfaces were fitted to
        self.lines_of_action: LinesOfAction | None = None
        self.muscle_states: dict = {}
        self.landmark_actors: LandmarkActors | None = None
        self.catalogue: Catalogue | None = None
        self.labels: LabelOverlay | None = None
        self.label_focus: set[str] = set()  # what the lesson or question is about: labelled first
        if annotations is not None:
            self.set_annotations(annotations)
        self.picker = Picker(self)
        self.overlay = vtkTextActor()
        self.overlay.SetDisplayPosition(12, 10)
        self.overlay.GetTextProperty().SetFontFamilyToCourier()
        self.overlay.GetTextProperty().SetColor(1, 1, 1)
        self.overlay.GetTextProperty().SetBackgroundColor(0.08, 0.09, 0.11)
        self.overlay.GetTextProperty().SetBackgroundOpacity(0.75)
        self.text_layer.AddViewProp(self.overlay)

    def set_annotations(self, annotations: Annotations, rebuild: bool = False) -> None:
        """Muscles and landmarks of an annotations document, drawn at the current pose.

        Called again after an edit: bones, camera and pose stay, the landmarks are written into
        their actors, and the muscles are built again only if the edit touched what they are built
        from (most edits do not: a muscle rebuild is most of an edit's time). ``rebuild`` builds
        them again anyway.
        """
        muscles_from = _muscle_inputs(annotations)
        rebuild_muscles = rebuild or self.muscle_actors is None or muscles_from != self._muscles_from or self._shapes_for is not self.pack
        if self.muscle_actors is not None and rebuild_muscles:
            for actor in [*self.muscle_actors.actors.values(), *self.lines_of_action.actors.values()]:
                self.plotter.remove_actor(actor, reset_camera=False, render=False)
        self.annotations = annotations
        self.catalogue = Catalogue(annotations, {bone_id: bone.name for bone_id, bone in self.pack.bones.items()})
        if rebuild_muscles:
            self._muscles_from = muscles_from
            self.muscle_model = MuscleModel(annotations, self.skeleton, set(self.pack.bones))
            rest = bone_transforms(Pose(), self.skeleton)
            standing = self.muscle_model.evaluate(Pose(), rest)
            self.standing_lengths = {mid: state.length for mid, state in standing.items()}
            shapes = MuscleShapes.standing(self.muscle_model, standing, rest, self.pack, annotations)
            self.muscle_actors = MuscleActors(self.plotter, self.muscle_model, shapes, standing, rest)
            self._shapes_for = self.pack  # the body whose bones the surfaces were fitted to
            self.lines_of_action = LinesOfAction(self.plotter, self.muscle_model, standing)
        if self.landmark_actors is None:
            self.landmark_actors = LandmarkActors(self.plotter, annotations, self.skeleton, set(self.pack.bones))
        else:
            self.landmark_actors.load(annotations, self.skeleton, set(self.pack.bones))
        self.resolution.refresh()
        if self.labels is None:
            self.labels = LabelOverlay(self.text_layer, self.label_plan)
        self.set_pose(self.pose)

    @property
    def label_renderer(self) -> vtkRenderer:
        """The text layer, looking through the scene's camera (pyvista may replace that camera)."""
        self.text_layer.SetActiveCamera(self.plotter.renderer.GetActiveCamera())
        return self.text_layer

    def _bender(self) -> Bender:
        """The discs of the current pack, at rest, ready to bend (set up again for a new body)."""
        discs = [self.pack.bones[b] for b in self._discs]
        return Bender([(d.disc.upper_bone, d.parent, d.vertices, vertex_normals(d.vertices, d.faces), d.disc_weights) for d in discs])

    def set_body(self, pack: MeshPack, annotations: Annotations | None) -> None:
        """Another body of the same pack (:mod:`viewer.anatomy.bodies`): the same bones and
        triangles, so new vertex positions and normals are written into the existing surfaces;
        the joints, muscles and landmarks follow the new pack and annotations.

        The light surfaces (drawn while something moves) change now, the full ones and the
        line-of-sight trees of the labels when the view is next still, as for a pose change;
        meanwhile the labels are planned on the previous body's bones, a few millimetres off.
        """
        for bone_id, (full, light) in self._bone_surfaces.items():
            bone = pack.bones[bone_id]
            if light is not full and bone.light is not None:
                _move_surface(light, bone.light[0], self._normals(bone_id, "light"))
            elif light is full:  # a bone drawn at one resolution only
                _move_surface(full, bone.vertices, self._normals(bone_id, "full"))
        self._body_pending = True
        self.pack = pack
        self._disc_bender = self._bender()  # the discs sit between this body's vertebrae
        self._discs_bent_for = None
        self.skeleton = Skeleton.from_manifest(pack.manifest)
        self.hip_limits = HipLimits.from_pack(pack, self.skeleton)
        if self.state is not None:
            self.state.limits = self.hip_limits
        if annotations is not None and self.muscle_model is not None:
            self.annotations = annotations
            self.muscle_model = MuscleModel(annotations, self.skeleton, set(pack.bones))
            standing = self.muscle_model.evaluate(Pose())
            self.standing_lengths = {mid: state.length for mid, state in standing.items()}
            self.muscle_actors.rebase(self.muscle_model, standing)
            self.landmark_actors.move_sites(annotations, self.skeleton)
        self.set_pose(self.pose)
        if self.labels is not None and self.labels.moving and self.landmark_actors is not None:
            landmarks = self.landmark_actors  # quick frames: the labels follow their landmarks, planned again when still
            self.labels.follow(lambda ids: landmarks.points[[landmarks.index[i] for i in ids]].reshape(-1, 3))

    @property
    def body(self) -> tuple[MeshPack, Annotations | None]:
        """The body shown: its pack and annotations (which a body's muscle fit is tagged with)."""
        return self.pack, self.annotations

    def body_fit(self) -> Callable[[], MuscleShapes]:
        """The work of fitting the muscle surfaces to the body shown (a second or two), as a function
        that touches no VTK and nothing of this scene, to run off the GUI thread. Until its result is
        handed to :meth:`use_muscle_shapes` the surfaces keep the sections fitted to the body they were
        built on, carried on this body's lines: drawn close to its bones, not on them."""
        pack, annotations = self.body
        return lambda: MuscleShapes.of_body(pack, annotations)

    def use_muscle_shapes(self, shapes: MuscleShapes, body: tuple) -> bool:
        """Draw the muscles from ``shapes``, fitted to ``body``, if that is still the body shown
        (False, and nothing changes, if another body or document came meanwhile)."""
        if body[0] is not self.pack or body[1] is not self.annotations or self.muscle_actors is None:
            return False
        self.muscle_actors.reshape(shapes)
        self._shapes_for = self.pack
        self.set_pose(self.pose)
        return True

    def _normals(self, bone_id: str, level: str) -> SurfaceNormals:
        """The normals of a bone's full or light surface, set up on its first new body."""
        if (bone_id, level) not in self._surface_normals:
            bone = self.pack.bones[bone_id]
            vertices, faces = (bone.vertices, bone.faces) if level == "full" else bone.light
            self._surface_normals[bone_id, level] = SurfaceNormals(faces, len(vertices))
        return self._surface_normals[bone_id, level]

    def _finish_body(self) -> None:
        """The new body's full surfaces, where a bone has a light one too (the others, discs among
        them, were written by :meth:`set_body`: written again here, the discs stood straight)."""
        for bone_id, (full, light) in self._bone_surfaces.items():
            if light is not full:
                _move_surface(full, self.pack.bones[bone_id].vertices, self._normals(bone_id, "full"))
        self.occlusion = BoneOcclusion({bone_id: light for bone_id, (_, light) in self._bone_surfaces.items()})
        self.occlusion.prepare()  # in this still frame (SSAA, hundreds of ms), not in the next action's
        self._body_pending = False

    # --- structures -------------------------------------------------------------------------
    def structure_ids(self) -> list[str]:
        """Every selectable id drawn in this scene."""
        ids = list(self.bone_actors)
        if self.muscle_actors is not None:
            ids += list(self.muscle_actors.actors) + list(self.landmark_actors.ids)
        return ids

    def default_hidden(self) -> set[str]:
        """Structures hidden until asked for (the often absent psoas minor)."""
        if self.muscle_model is None:
            return set()
        return {mid for mid, m in self.muscle_model.muscles.items() if m.hidden_by_default}

    def make_state(self) -> ViewerState:
        """A state for this scene, with the default-hidden structures hidden, and bound to it."""
        state = ViewerState(self.structure_ids(), hidden=self.default_hidden())
        self.bind(state)
        return state

    def bind(self, state: ViewerState) -> None:
        """Follow ``state`` from now on, and draw what it says now."""
        self.state = state
        state.limits = self.hip_limits
        state.subscribe(self._on_state)
        for what in ("pose", "visibility", "opacity", "selection", "display"):
            self._on_state(what)

    def _on_state(self, what: str) -> None:
        state = self.state
        if what == "pose":
            self.set_pose(state.pose)
        elif what in ("visibility", "opacity"):
            self._apply_visibility()
        elif what == "selection":
            self._apply_selection()
        elif what == "display":
            if self.labels is not None:
                self.labels.enabled = state.labels_on
            if self.muscle_actors is not None:
                self.muscle_actors.set_strain_colouring(state.strain_on)
                self._apply_visibility()

    def _apply_visibility(self) -> None:
        state = self.state
        actors = dict(self.bone_actors)
        if self.muscle_actors is not None:
            actors.update(self.muscle_actors.actors)
        faded = MUSCLE_OPACITY_UNDER_LINES if state.lines_on else 1.0
        for structure_id, actor in actors.items():
            actor.visibility = state.is_visible(structure_id)
            actor.prop.opacity = state.opacity.get(structure_id, 1.0) * (faded if structure_id in self.muscle_states else 1.0)
            # a see-through muscle shows only its near side: its far side and the slips inside it drawn
            # over each other in no particular order would make darker and paler patches
            actor.prop.backface_culling = structure_id in self.muscle_states and actor.prop.opacity < 1.0
            actor.SetPickable(actor.prop.opacity >= PICKABLE_OPACITY)  # clicks go through ghosts
        if self.lines_of_action is not None:
            self.lines_of_action.show(state.lines_on, {mid: state.is_visible(mid) for mid in self.lines_of_action.actors})
        if self.landmark_actors is not None:
            lm = self.landmark_actors
            visible = np.array([state.is_visible(i) and state.is_visible(b) for i, b in zip(lm.ids, lm.bones)], dtype=bool)
            lm.set_visible(visible)
            self._update_labels()

    def _colour(self, bone_id: str) -> str:
        return style.DISC_COLOUR if self.pack.bones[bone_id].disc is not None else style.BONE_COLOUR

    def _apply_selection(self) -> None:
        selected = self.state.selection
        for bone_id, actor in self.bone_actors.items():
            actor.prop.color = style.SELECTED_BONE_COLOUR if bone_id == selected else self._colour(bone_id)
        if self.muscle_actors is not None:
            for muscle_id, actor in self.muscle_actors.actors.items():
                colour = self.muscle_model.muscles[muscle_id].colour
                actor.prop.color = style.SELECTED_MUSCLE_COLOUR if muscle_id == selected else colour
                actor.prop.ambient = 0.45 if muscle_id == selected else 0.15
            self.muscle_actors.set_selected(selected if selected in self.muscle_actors.actors else None)
            self.landmark_actors.select(selected)
            self._update_labels()

    def _update_labels(self) -> None:
        self.labels.changed()

    def label_plan(self) -> LabelPlan:
        """What to label for the current camera (see :mod:`viewer.scene.label_plan`)."""
        return plan_labels(self, self.state.selection if self.state else None, self.label_focus)

    # --- pose and camera --------------------------------------------------------------------
    def set_pose(self, pose: Pose) -> None:
        """Move bones (by their actor matrices), muscles and landmarks (in place) to ``pose``."""
        transforms = bone_transforms(pose, self.skeleton)
        for bone_id, matrix in self._bone_matrices.items():
            matrix.DeepCopy(transforms[bone_id].ravel())
        if self._discs:
            self._bend_discs(transforms)
        if self.muscle_model is not None:
            self.muscle_states = self.muscle_model.evaluate(pose, transforms)
            self.muscle_actors.update(self.muscle_states, transforms)
            self.lines_of_action.update(self.muscle_states)
            self.landmark_actors.update(transforms)
            self.labels.changed()
        self.pose = pose
        self.transforms = transforms

    def _bend_discs(self, transforms: dict[str, np.ndarray]) -> None:
        """Write the discs' posed points and normals into their surfaces: each follows the bones above
        and below by its height. Nothing to do when those bones have not moved (a hip motion, a gait)."""
        bent_for = tuple(transforms[bone].tobytes() for bone in self._disc_bender.bones)
        if bent_for == self._discs_bent_for:
            return
        self._discs_bent_for = bent_for
        points, normals = self._disc_bender.pose(transforms)
        for (vtk_points, vtk_normals, point_view, normal_view), rows in zip(self._disc_arrays, self._disc_bender.slices):
            point_view[:] = points[rows]
            normal_view[:] = normals[rows]
            vtk_points.Modified()
            vtk_normals.Modified()

    def framed_bones(self) -> list[str]:
        """The bones a view is framed on: the psoas region, spine to femurs; the lower legs (bones
        turning at the knee) are drawn but would shrink the region to a third of the window."""
        return [b for b in self.pack.bones if self.skeleton.joints.get(b) not in KNEE_SHARE]

    def posed_bone_points(self) -> np.ndarray:
        """Every vertex of the framed bones in the current pose (for framing the camera)."""
        if not self.pack.bones:
            return np.zeros((1, 3))
        return np.vstack([apply(self.transforms[b], self.pack.bones[b].vertices) for b in self.framed_bones()])

    def _pose_points(self, pose: Pose) -> np.ndarray:
        """A sample of the framed bones' surfaces in ``pose``, for framing."""
        transforms = bone_transforms(pose, self.skeleton)
        return np.vstack([apply(transforms[b], self.pack.bones[b].vertices[::FRAMING_STRIDE]) for b in self.framed_bones()])

    def frame_for_pose(self, pose: Pose, name: str) -> None:
        """Point the camera along a named view framed for ``pose`` (where an animation will end)."""
        self.frame(self._pose_points(pose), VIEWS[name])

    def framing_from_here(self, pose: Pose | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Camera position and focal point that fit the anatomy in ``pose`` (default: now), looking the way the camera looks."""
        camera = self.plotter.camera
        direction = np.subtract(camera.position, camera.focal_point)
        width, height = self.plotter.window_size
        view = View("here", tuple(direction / np.linalg.norm(direction)), tuple(camera.up))
        position, focal, _ = framing(self._pose_points(pose or self.pose), view, camera.view_angle, width / max(1, height))
        return position, focal

    def set_view(self, name: str) -> None:
        """Point the camera along a named view, framed so the anatomy fills the window."""
        self.frame(self.posed_bone_points(), VIEWS[name])

    def frame(self, points: np.ndarray, view: View) -> None:
        width, height = self.plotter.window_size
        camera = self.plotter.camera
        position, focal, up = framing(points, view, camera.view_angle, width / height)
        camera.position, camera.focal_point, camera.up = position, focal, up
        self.plotter.reset_camera_clipping_range()

    def structure_centre(self, structure_id: str) -> np.ndarray:
        """Where a structure is now: a landmark's point, a bone's or muscle's middle."""
        if self.landmark_actors is not None and structure_id in self.landmark_actors.index:
            return self.landmark_actors.points[self.landmark_actors.index[structure_id]]
        if structure_id in self.bone_actors:
            return apply(self.transforms[structure_id], self.pack.bones[structure_id].mesh.centroid)
        return np.asarray(self.muscle_actors.meshes[structure_id].center)

    def focus_camera(self, structure_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Camera position and focal point that centre a structure.

        The viewing direction is kept, unless a bone hides the landmark from there: then the camera
        swings round towards the bone surface's normal at the landmark, as little as it must.
        """
        camera = self.plotter.camera
        target = self.structure_centre(structure_id)
        direction = np.array(camera.position) - np.array(camera.focal_point)
        direction /= np.linalg.norm(direction)
        if self.landmark_actors is not None and structure_id in self.landmark_actors.index:
            normal = self.landmark_normal(structure_id)
            candidates = [direction, *(_unit(direction + w * normal) for w in (0.5, 1.0, 2.0)), normal, *_ring(normal)]
            direction = next((d for d in candidates if d @ normal > FACING and self._line_is_clear(target, d)), normal)
        distance = FOCUS_RADIUS_MM / np.tan(np.radians(camera.view_angle) / 2)
        return target + direction * distance, target

    def landmark_normal(self, landmark_id: str) -> np.ndarray:
        """The outward normal of the bone surface under a landmark, in the current pose: the
        normal at the nearest vertex (a scan of one bone's vertices, well under a millisecond; the
        closest point on a triangle needs trimesh's triangle tree, built in a few hundred
        milliseconds on a bone's first question)."""
        landmarks = self.landmark_actors
        k = landmarks.index[landmark_id]
        bone_id = landmarks.bones[k]
        mesh = self.pack.bones[bone_id].mesh
        nearest = np.argmin(((mesh.vertices - landmarks.neutral[k]) ** 2).sum(axis=1))
        return self.transforms[bone_id][:3, :3] @ mesh.vertex_normals[nearest]

    def _line_is_clear(self, point: np.ndarray, direction: np.ndarray) -> bool:
        """No bone between a point on a bone surface and a camera far along this direction."""
        return bool(self.occlusion.clear(point, point + CLEAR_VIEW_MM * direction, self.transforms)[0])

    def set_still_quality(self, full: bool) -> None:
        """Full quality (SSAA, full surfaces and resolution) for still frames; anti-aliasing off, light
        bones and labels that follow their last plan while the view moves.

        On software rendering anti-aliasing costs several times the frame time and the full bone
        surfaces most of the rest (see benchmarks/interaction.py); a still frame can afford both.
        """
        if full:
            if self._body_pending:
                self._finish_body()
            self.plotter.enable_anti_aliasing("ssaa")
        else:
            self.plotter.disable_anti_aliasing()
        self.resolution.set(moving=False if full else None, supersampled=full)
        if self.labels is not None:
            self.labels.set_moving(not full)
        for bone_id, actor in self.bone_actors.items():
            surface = self._bone_surfaces[bone_id][0 if full else 1]
            if actor.mapper.dataset is not surface:
                actor.mapper.dataset = surface

    def set_overlay_text(self, text: str, font_size: int) -> None:
        """Text in the bottom left corner of the view (the presentation-mode info overlay).

        Labels keep clear of it.
        """
        self.overlay.SetInput(text)
        self.overlay.GetTextProperty().SetFontSize(font_size)
        if self.labels is not None:
            box = [0, 0, 0, 0]
            if text:
                vtkTextRenderer.GetInstance().GetBoundingBox(self.overlay.GetTextProperty(), text, box, 72)
            self.labels.reserve_bottom = box[3] - box[2] + 20 if text else 0.0

    def set_background(self, dark: bool) -> None:
        if dark:
            self.plotter.set_background(style.PRESENTATION_BACKGROUND)
        else:
            self.plotter.set_background(style.BACKGROUND)
