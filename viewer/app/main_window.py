"""The main window: the 3D view, the structure, info and pose panels, menus and shortcuts.

Slots stay thin: they call the state, the scene or an animator. The state is the one truth;
the scene and the panels redraw from it.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QByteArray, QSettings, Qt, QTimer
from PyQt5.QtWidgets import QAction, QDockWidget, QFileDialog, QLabel, QMainWindow, QScrollArea, QSplitter

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.atomic_file import write_text_atomic
from viewer.anatomy.bodies import Bodies
from viewer.anatomy.json_input import InputError
from viewer.anatomy.lessons import load_lessons
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.stretches import load_stretches
from viewer.anatomy.view_file import dumps, load_view
from viewer.app import guard
from viewer.app.animation import CameraFlight, PoseAnimator
from viewer.app.annotation_session import AnnotationSession
from viewer.app.body_panel import BodyPanel
from viewer.app.export_dialog import ExportDialog
from viewer.app.info_panel import InfoPanel
from viewer.app.interactor import ViewerInteractor
from viewer.app.landmark_editor import LandmarkEditor
from viewer.app.learn_panel import LearnPanel
from viewer.app.memory import freeze_what_the_window_holds, give_back_freed_memory
from viewer.app.panel_strips import first_size, set_folded, share_width
from viewer.app.pose_panel import PosePanel
from viewer.app.shortcut_sheet import ShortcutSheet
from viewer.app.stretch_lab import StretchLabPanel
from viewer.app.structure_panel import StructurePanel
from viewer.scene.anatomy_scene import AnatomyScene
from viewer.scene.annotation_editing import preview_landmark, surface_at
from viewer.scene.saved_views import apply_panel, panel_from_scene
from viewer.scene.strain_legend import StrainLegend
from viewer.scene.views import VIEWS

ROTATE_STEP_DEG = 10.0
ZOOM_STEP = 1.15
AUTO_ROTATE_DEG_PER_TICK = 0.6
NORMAL_LABEL_PT, PRESENTATION_LABEL_PT = 14, 24
NORMAL_POINT_SIZE, PRESENTATION_POINT_SIZE = 11, 16
RECOVERY_NAME = "unsaved-annotations.recovery.json"
FRAME_AFTER_RESIZE_MS = 400  # full screen arrives a few frames later
STILL_AFTER_MS = 300  # a quick frame answers an action; the full-quality frame follows this much later


class MainWindow(QMainWindow):
    """A window around one :class:`AnatomyScene`, drawn by pyvistaqt's interactor."""

    def __init__(self, pack: MeshPack, annotations: Annotations | None = None, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle("Psoas viewer")
        self.resize(first_size(self))
        self.settings = settings if settings is not None else QSettings()
        self.plotter = ViewerInteractor(self)
        self.setCentralWidget(self.plotter.interactor)
        self.scene = AnatomyScene(self.plotter, pack, annotations)
        self.state = self.scene.make_state()
        self.strain_legend = StrainLegend(self.scene.text_layer, NORMAL_LABEL_PT)
        if self.scene.labels is not None:
            self.scene.labels.keep_out["strain legend"] = lambda: self.strain_legend.box
        self.animator = PoseAnimator(self.state, self)
        self.flight = CameraFlight(self.plotter, self)
        self.presenting = False
        self._docks_on_top: list[QDockWidget] = []
        self.answers_hidden = False
        self._camera_set: np.ndarray | None = None  # where the app last put the camera
        self._render_pending = False
        self.actions_by_name: dict[str, QAction] = {}
        self.hover_label = QLabel()
        self.hover_label.setTextFormat(Qt.PlainText)
        self.statusBar().addWidget(self.hover_label, 1)
        self.missing_label = QLabel()
        self.missing_label.setTextFormat(Qt.PlainText)
        self._report_pack(pack)
        self.statusBar().addPermanentWidget(self.missing_label)
        self.docks: list[QDockWidget] = []
        self.session: AnnotationSession | None = None
        self._drag: tuple[str, object | None] | None = None
        if annotations is not None:
            self._build_panels(annotations, pack)
            self.session = AnnotationSession(annotations, pack, Path(self.settings.fileName()).parent / RECOVERY_NAME, self)
            self.session.changed.connect(self._annotations_changed)
            self.session.autosave_failed.connect(lambda message: guard.status(self, message))
            self.session.undo_stack.cleanChanged.connect(self._update_title)
            self.plotter.dragged.connect(self._drag_to)
            self.plotter.dropped.connect(self._drop)
        self._build_menus()
        if annotations is not None:  # the user's own S takes strain colours over from a lesson
            self.actions_by_name["strain"].triggered.connect(self.learn_panel.lessons.strain_set_by_user)
        self._still_timer = QTimer(self)
        self._still_timer.setSingleShot(True)
        self._still_timer.setInterval(STILL_AFTER_MS)
        self._still_timer.timeout.connect(self._still)
        self.auto_rotate = QTimer(self)
        self.auto_rotate.setInterval(33)
        self.auto_rotate.timeout.connect(lambda: self._orbit(AUTO_ROTATE_DEG_PER_TICK, 0))
        self.plotter.clicked.connect(self._clicked)
        self.plotter.hovered.connect(self._hovered)
        self.plotter.interaction_started.connect(self._dragging)
        self.plotter.interaction_ended.connect(self._still)
        self.animator.moving.connect(self._moving)
        self.flight.moving.connect(self._moving)
        self.animator.heading_to.connect(self.frame_anatomy)
        self.state.subscribe(self._on_state)
        self._discard_on_close = False
        self._restore_settings()
        self.scene.set_still_quality(True)
        freeze_what_the_window_holds()  # no 80 ms full collections inside actions (memory.py)

    # --- building ---------------------------------------------------------------------------
    def _build_panels(self, annotations: Annotations, pack: MeshPack) -> None:
        catalogue = self.scene.catalogue
        self.structure_panel = StructurePanel(catalogue, self.state, list(pack.bones))
        self.structure_panel.search_chosen.connect(self.select_and_fly)
        self.structure_panel.keys_released.connect(lambda: self.plotter.interactor.setFocus(Qt.OtherFocusReason))
        self.info_panel = InfoPanel(catalogue, self.state)
        self.info_panel.link_chosen.connect(self.select_and_fly)
        self.pose_panel = PosePanel(self.scene, self.state, annotations, self.animator)
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.info_panel)
        self.landmark_editor = LandmarkEditor()
        self.landmark_editor.applied.connect(lambda lid, changes: self._edit(lambda: self.session.edit(lid, **changes)))
        self.landmark_editor.delete_requested.connect(self.delete_landmark)
        self.landmark_editor.setVisible(False)
        right.addWidget(self.landmark_editor)
        pose_scroll = QScrollArea()
        pose_scroll.setWidget(self.pose_panel)
        pose_scroll.setWidgetResizable(True)
        pose_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        right.addWidget(pose_scroll)
        right.setSizes([380, 220, 500])  # info, landmark editor (shown while editing), pose
        try:
            lessons = load_lessons(annotations, self.scene.muscle_model)
        except InputError as exc:
            lessons = []
            self.statusBar().showMessage(f"Lessons not shown: {exc}")
        try:
            library, problem = load_stretches(), ""
        except InputError as exc:
            library, problem = None, str(exc)
        self.learn_panel = LearnPanel(self, lessons, StretchLabPanel(self, library, problem))
        self.body_panel = BodyPanel(self.scene, Bodies(pack, annotations))
        self.body_panel.body_changed.connect(self._body_changed)
        self.body_panel.body_settled.connect(self._body_settled)
        self.body_panel.muscles_fitted.connect(self.render_soon)
        self.body_panel.dragged.connect(lambda down: self._dragging() if down else None)  # quick frames while a shape slider is held
        for title, widget, area in (
            ("Structures", self.structure_panel, Qt.LeftDockWidgetArea),
            ("Learn", self.learn_panel, Qt.LeftDockWidgetArea),
            ("Info and pose", right, Qt.RightDockWidgetArea),
            ("Body", self.body_panel, Qt.LeftDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(title)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks.append(dock)
        self.docks[1].visibilityChanged.connect(self._learn_dock_shown)
        self.tabifyDockWidget(self.docks[0], self.docks[1])
        self.tabifyDockWidget(self.docks[1], self.docks[3])
        self.docks[0].raise_()

    @guard.guarded("Leaving the lesson", quiet=True)
    def _learn_dock_shown(self, shown: bool) -> None:
        """Another tab of the Learn dock's area was chosen: the lesson is left (presenting is not leaving)."""
        if not shown and not self.presenting and not self._view_closed:
            self.learn_panel.lessons.left()

    def _action(self, menu, name: str, text: str, keys, slot, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([k for k in ([keys] if isinstance(keys, str) else keys)])
        action.setShortcutContext(Qt.WindowShortcut)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working when the menu bar is hidden
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        if self.scene.annotations is not None:
            self._action(file_menu, "export", "&Export figure…", "Ctrl+E", self.show_export_dialog)
            self._action(file_menu, "save_view", "&Save view…", "Ctrl+S", self._save_view_dialog)
            self._action(file_menu, "open_view", "&Open view…", "Ctrl+O", self._open_view_dialog)
            file_menu.addSeparator()
            self._action(file_menu, "open_annotations", "Open &annotations…", "Ctrl+Shift+O", self._open_annotations_dialog)
            self._action(file_menu, "save_annotations", "Save a&nnotations", "Ctrl+Shift+S", self.save_annotations)
            self._action(file_menu, "save_annotations_as", "Save annotations as…", [], self._save_annotations_dialog)
            file_menu.addSeparator()
        self._action(file_menu, "quit", "&Quit", "Ctrl+Q", self.close)
        if self.session is not None:
            self._build_edit_menu(bar.addMenu("&Edit"))
        view = bar.addMenu("&View")
        self.view_bar = self.addToolBar("Views")
        self.view_bar.setObjectName("Views")
        for number, name in enumerate(VIEWS, start=1):
            action = self._action(view, f"view_{name}", f"{name.capitalize()} view", str(number), lambda _=False, v=name: self.show_view(v))
            action.setIconText(name.capitalize())
            action.setToolTip(f"{name.capitalize()} view ({number})")
            self.view_bar.addAction(action)
        self._action(view, "reset", "Reset view", "R", lambda: self.show_view("anterior"))
        view.addSeparator()
        self._action(view, "left", "Rotate left", "Left", lambda: self._orbit(-ROTATE_STEP_DEG, 0))
        self._action(view, "right", "Rotate right", "Right", lambda: self._orbit(ROTATE_STEP_DEG, 0))
        self._action(view, "up", "Rotate up", "Up", lambda: self._orbit(0, ROTATE_STEP_DEG))
        self._action(view, "down", "Rotate down", "Down", lambda: self._orbit(0, -ROTATE_STEP_DEG))
        self._action(view, "zoom_in", "Zoom in", ["+", "="], lambda: self._zoom(ZOOM_STEP))
        self._action(view, "zoom_out", "Zoom out", "-", lambda: self._zoom(1 / ZOOM_STEP))
        self._action(view, "auto_rotate", "Slow auto-rotate", "A", self._set_auto_rotate, checkable=True)
        view.addSeparator()
        labels = self._action(view, "labels", "Labels", "L", self.state.set_labels, checkable=True)
        labels.setChecked(self.state.labels_on)
        self._action(view, "strain", "Colour muscles by length change", "S", self.state.set_strain, checkable=True)
        self._action(view, "lines_of_action", "Lines of action", "F", self.state.set_lines_of_action, checkable=True)
        self._action(view, "dark", "Dark background", "D", self._set_dark, checkable=True)
        self._action(view, "next_landmark", "Next landmark", "Tab", lambda: self._cycle_landmark(1))
        self._action(view, "previous_landmark", "Previous landmark", "Shift+Tab", lambda: self._cycle_landmark(-1))
        self._action(view, "clear", "Clear selection", "Escape", lambda: self.state.select(None))
        view.addSeparator()
        self._action(view, "presentation", "Presentation mode", "F11", self.set_presentation, checkable=True)
        self._action(view, "fold_panels", "Fold panels to strips", "Ctrl+B", self.fold_panels, checkable=True)
        pose = bar.addMenu("&Pose")
        self._action(pose, "play", "Play / pause walking", "Space", self._toggle_gait)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "shortcuts", "Keyboard shortcuts", ["F1", "?"], self.show_shortcuts)

    def _build_edit_menu(self, menu) -> None:
        stack = self.session.undo_stack
        for name, text, keys, slot, enabled in (
            ("undo", "&Undo", "Ctrl+Z", stack.undo, stack.canUndoChanged),
            ("redo", "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], stack.redo, stack.canRedoChanged),
        ):
            action = self._action(menu, name, text, keys, slot)
            action.setEnabled(False)
            enabled.connect(action.setEnabled)
        menu.addSeparator()
        self._action(menu, "edit_landmarks", "Edit &landmarks", "E", self.set_edit_mode, checkable=True)
        self._action(menu, "delete_landmark", "&Delete landmark", "Delete", lambda: self.delete_landmark(self.state.selection))

    def _report_pack(self, pack: MeshPack) -> None:
        """The status bar names what of the pack is not shown or looks wrong; its tooltip says why, line by line."""
        left_out = self.scene.muscle_model.skipped if self.scene.muscle_model is not None else {}
        lines = [f"Not shown: {problem}" for problem in pack.problems] + [f"Check: {warning}" for warning in pack.warnings]
        lines += self.scene.muscle_model.left_out if left_out else []

        def few(ids) -> str:
            ids = list(dict.fromkeys(ids))
            return ", ".join(ids[:4]) + (", ..." if len(ids) > 4 else "")

        parts = [f"{label}: {few(ids)}" for label, ids in (("Not shown", [p.bone_id for p in pack.problems]),
                                                            ("check", [w.bone_id for w in pack.warnings]),
                                                            ("muscles left out", left_out)) if ids]
        discs = sum(bone.disc is not None for bone in pack.bones.values())
        loaded = f"{len(pack.bones) - discs} bones" + (f" and {discs} discs" if discs else "") + " loaded"
        self.missing_label.setText("; ".join(parts) + " (hover for why)" if parts else loaded)
        self.missing_label.setToolTip("<br>".join(html.escape(line) for line in lines))

    # --- user intents ------------------------------------------------------------------------
    def show_view(self, name: str) -> None:
        self.flight.stop()
        self.scene.set_view(name)
        self._camera_set = self._camera_now()
        self.draw()

    def _camera_now(self) -> np.ndarray:
        camera = self.plotter.camera
        return np.r_[camera.position, camera.focal_point]

    @property
    def camera_moved_by_user(self) -> bool:
        """Whether the user turned, zoomed or panned since the app last placed the camera."""
        if self.flight.timer.isActive() or self._camera_set is None:
            return False
        return not np.allclose(self._camera_now(), self._camera_set, atol=1e-3)

    def fly(self, position, focal) -> None:
        """Glide the camera to a position and focal point (the app's own move, not the user's)."""
        self._camera_set = np.r_[position, focal]
        self.flight.fly_to(position, focal)

    @property
    def _view_closed(self) -> bool:
        """The 3D view is gone: a timer, flight or animation may still fire as the window closes."""
        return getattr(self.plotter, "_closed", False) or getattr(self.plotter, "render_window", None) is None

    @guard.guarded("Framing the anatomy", quiet=True)
    def frame_anatomy(self, pose=None, force: bool = False) -> None:
        """Glide to fit the anatomy (in the pose it is heading to), keeping the direction, unless the user
        moved the camera or the app is already flying it somewhere."""
        if self._view_closed:
            return  # a reframing asked for (after presentation mode's resize) as the window closed
        if force or not (self.camera_moved_by_user or self.flight.timer.isActive()):
            self.fly(*self.scene.framing_from_here(pose))

    def _orbit(self, azimuth: float, elevation: float) -> None:
        camera = self.plotter.camera
        camera.Azimuth(azimuth)
        camera.Elevation(elevation)
        camera.OrthogonalizeViewUp()
        self.plotter.reset_camera_clipping_range()
        self.draw()

    def _zoom(self, factor: float) -> None:
        self.plotter.camera.Zoom(factor)
        self.draw()

    def _set_auto_rotate(self, on: bool) -> None:
        (self.auto_rotate.start if on else self.auto_rotate.stop)()
        self.scene.set_still_quality(not on)

    def _set_dark(self, on: bool) -> None:
        self.scene.set_background(dark=on)
        self.draw()

    def _toggle_gait(self) -> None:
        self.animator.play_gait(not self.animator.gait_playing)
        if hasattr(self, "pose_panel"):
            self.pose_panel.play.setChecked(self.animator.gait_playing)

    def _cycle_landmark(self, step: int) -> None:
        landmarks = self.scene.landmark_actors
        if landmarks is None:
            return
        shown = [lid for lid, visible in zip(landmarks.ids, landmarks.visible) if visible]
        if not shown:
            return
        current = self.state.selection
        index = (shown.index(current) + step) % len(shown) if current in shown else 0
        self.select_and_fly(shown[index])

    @guard.guarded("Selecting", quiet=True)
    def select_and_fly(self, structure_id: str) -> None:
        """Select a structure and fly the camera to it (search results, links, Tab)."""
        self.state.select(structure_id)
        self.fly(*self.scene.focus_camera(structure_id))

    @guard.guarded("Picking", quiet=True)
    def _clicked(self, x: float, y: float) -> None:
        picked = self.scene.picker.pick(x, y)
        if hasattr(self, "learn_panel") and self.learn_panel.quiz.waiting_for_click:
            self.learn_panel.quiz.respond(picked)
        elif not (self.editing and picked not in self.scene.landmark_actors.index and self._add_at(x, y)):
            self.state.select(picked)

    def _add_at(self, x: float, y: float) -> bool:
        """In edit mode, a click on a bone adds a landmark there (snapped to the surface)."""
        hit = surface_at(self.scene, x, y)
        if hit is not None:
            self._edit(lambda: self.session.add(*hit))
        return hit is not None

    @guard.guarded("Naming what is under the mouse", quiet=True)
    def _hovered(self, x: float, y: float) -> None:
        picked = self.scene.picker.pick(x, y)
        named = picked and self.scene.catalogue and not self.answers_hidden  # a quiz question is open: name nothing
        text = self.scene.catalogue[picked].name if named else ""
        self.hover_label.setText(text)
        self.plotter.interactor.setToolTip(guard.plain_tooltip(text))

    def _dragging(self) -> None:
        """The user turns the view (or holds a shape slider): quick frames at a lower resolution,
        labels following, until the mouse is let go."""
        self.scene.set_still_quality(False)
        self.scene.resolution.set(moving=True)

    def _moving(self, moving: bool) -> None:
        """While a pose animation or a camera flight runs, the frames of a dragged view; full
        quality once neither runs."""
        if moving:
            self._dragging()
        elif not (self.animator.timer.isActive() or self.flight.timer.isActive()):
            self._still()

    @guard.guarded("Drawing", quiet=True)
    def _still(self) -> None:
        if self._view_closed:
            return  # a flight or animation that ends as the window closes
        self.scene.set_still_quality(True)
        self.draw()
        give_back_freed_memory()  # what the action and its quick frames freed (memory.py)

    def set_presentation(self, on: bool) -> None:
        """Full screen, panels and menus hidden, large labels, an info overlay; F11 again leaves.

        Leaving brings back the panels that were on top (shown again, a group of tabbed panels
        would show its first tab, and the lesson on another one would count as left)."""
        self.presenting = True  # panels hidden and shown by presentation mode leave no lesson
        if on:
            self._docks_on_top = [dock for dock in self.docks if not dock.visibleRegion().isEmpty()]
        for dock in self.docks:
            dock.setVisible(not on)
        for dock in [] if on else self._docks_on_top:
            dock.raise_()
        self.presenting = on
        self.menuBar().setVisible(not on)
        self.statusBar().setVisible(not on)
        self.view_bar.setVisible(not on)
        if self.scene.labels is not None:
            self.scene.labels.set_font_size(PRESENTATION_LABEL_PT if on else NORMAL_LABEL_PT)
            self.strain_legend.set_font_size(PRESENTATION_LABEL_PT if on else NORMAL_LABEL_PT)
            self.scene.landmark_actors.set_point_size(PRESENTATION_POINT_SIZE if on else NORMAL_POINT_SIZE)
            self.scene.resolution.refresh()
        self.showFullScreen() if on else self.showNormal()
        self._update_overlay()
        self.draw()
        QTimer.singleShot(FRAME_AFTER_RESIZE_MS, self.frame_anatomy)  # once the view has its new shape

    def fold_panels(self, folded: bool) -> None:
        for dock in self.docks:
            set_folded(dock, folded)

    def show_shortcuts(self) -> ShortcutSheet:
        sheet = ShortcutSheet(self.actions_by_name.values(), self)
        sheet.show()
        return sheet

    # --- figures and saved views -------------------------------------------------------------
    def current_panel(self) -> dict:
        return panel_from_scene(self.scene, self.state)

    @guard.guarded("Export")
    def show_export_dialog(self) -> ExportDialog:
        dialog = ExportDialog(self)
        dialog.show()
        dialog.update_preview()
        return dialog

    def save_view(self, path: Path) -> None:
        """Write what is on screen as a view file (atomically, stable formatting)."""
        write_text_atomic(path, dumps({"format_version": 1, "panels": [self.current_panel()]}))

    def open_view(self, path: Path) -> None:
        """Show a saved view; a bad file raises InputError and changes nothing."""
        view = load_view(path, self.scene.annotations, self.scene.hip_limits)
        self.animator.stop()
        apply_panel(self.scene, self.state, view["panels"][0], self.scene.annotations)
        self.draw()

    @guard.guarded("Saving the view")
    def _save_view_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save view", "view.json", "View (*.json)")
        if name:
            self.save_view(Path(name))

    @guard.guarded("Opening the view")
    def _open_view_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open view", "", "View (*.json)")
        if name:
            self.open_view(Path(name))

    # --- editing annotations -----------------------------------------------------------------
    @property
    def editing(self) -> bool:
        return self.session is not None and self.actions_by_name["edit_landmarks"].isChecked()

    @guard.guarded("Edit mode")
    def set_edit_mode(self, on: bool) -> None:
        """Edit mode: a click on a bone adds a landmark, a landmark drags along its bone, the form edits it."""
        self.landmark_editor.setVisible(on)
        self.plotter.grab = self._grab if on else None
        self._show_editor()

    def _show_editor(self) -> None:
        self.landmark_editor.show_landmark(self.scene.annotations, self.state.selection)

    def _edit(self, change) -> None:
        """Run one edit; a refused edit is explained in a dialog and changes nothing."""
        try:
            change()
        except Exception as exc:  # noqa: BLE001 - an edit that fails changes nothing and is explained
            guard.warn(self, "Edit not made", guard.describe(exc))

    def delete_landmark(self, landmark_id: str | None) -> None:
        if self.editing and landmark_id in self.scene.annotations.landmarks:
            self._edit(lambda: self.session.delete(landmark_id))

    def _grab(self, x: float, y: float) -> bool:
        picked = self.scene.picker.pick(x, y)
        if picked not in self.scene.landmark_actors.index:
            return False
        self.state.select(picked)
        self._drag = (picked, None)
        return True

    @guard.guarded("Dragging", quiet=True)
    def _drag_to(self, x: float, y: float) -> None:
        landmark_id = self._drag[0]
        hit = surface_at(self.scene, x, y)
        if hit is not None and hit[0] == self.scene.annotations.landmarks[landmark_id].bone:
            self._drag = (landmark_id, hit[1])
            preview_landmark(self.scene, landmark_id, self.session.snapped(landmark_id, hit[1]))
            self.draw()

    @guard.guarded("Dropping the landmark")
    def _drop(self, x: float, y: float) -> None:
        landmark_id, point = self._drag
        self._drag = None
        if point is not None:
            self._edit(lambda: self.session.move(landmark_id, point))

    @guard.guarded("Showing the new body")
    def _body_changed(self) -> None:
        """A quick frame of the new body, drawn as a dragged view's (a step on the way: the settled
        body gets its full-quality frame); landmarks are edited on the mean body only."""
        mean = self.body_panel.shape.is_mean
        if not mean and self.editing:
            self.actions_by_name["edit_landmarks"].setChecked(False)
        self.actions_by_name["edit_landmarks"].setEnabled(mean)
        self._dragging()
        self.render_soon()

    @guard.guarded("Measuring the new body")
    def _body_settled(self) -> None:
        """Plot, readouts and Stretch lab from the settled body's muscles (not redone at every slider step)."""
        self.pose_panel.show_body()
        self.learn_panel.stretch_lab.measure_again()
        self.render_soon()

    @guard.guarded("Showing the changed annotations")
    def _annotations_changed(self, annotations: Annotations, selection: str | None) -> None:
        """Redraw muscles, landmarks and panels from a changed document, keeping the view."""
        self.body_panel.reset(annotations)
        self.scene.set_annotations(annotations)
        self.state.structures = self.scene.structure_ids()
        self.info_panel.catalogue = self.scene.catalogue
        self.structure_panel.set_catalogue(self.scene.catalogue)
        self.state.hidden &= set(self.state.structures)
        self.state.replace_display(self.state.hidden, self.state.opacity, self.state.labels_on, self.state.strain_on)
        keep = selection if selection is not None else self.state.selection
        self.state.select(keep if keep in self.state.structures else None)
        self._update_title()

    def _update_title(self, clean: bool | None = None) -> None:
        """Name the user's annotations file in the title, with * while edits are unsaved."""
        clean = not self.session.dirty if clean is None else clean
        name = self.session.layer_path.name if self.session.layer_path else "shipped annotations"
        self.setWindowTitle(f"Psoas viewer — {name}{'' if clean else ' *'}")

    @guard.guarded("Opening annotations")
    def open_annotations(self, path: Path) -> bool:
        """Load a user's annotations over the shipped ones; a broken file is listed in a dialog, nothing changes."""
        try:
            self.session.open(path)
        except InputError as exc:
            guard.warn(self, "Cannot open annotations", f"{path} was not loaded:\n\n{exc}")
            return False
        return True

    @guard.guarded("Saving annotations")
    def save_annotations(self) -> None:
        if self.session.layer_path is None:
            self._save_annotations_dialog()
            return
        self._save_annotations_to(self.session.layer_path)

    def _save_annotations_to(self, path: Path) -> None:
        try:
            self.session.save(path)
            self.statusBar().showMessage(f"Saved {path}", 5000)
        except (InputError, OSError) as exc:
            guard.warn(self, "Annotations not saved", str(exc))

    @guard.guarded("Saving annotations")
    def _save_annotations_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save annotations", "my-annotations.json", "Annotations (*.json)")
        if name:
            self._save_annotations_to(Path(name))

    @guard.guarded("Opening annotations")
    def _open_annotations_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open annotations", "", "Annotations (*.json)")
        if name:
            self.open_annotations(Path(name))

    @guard.guarded("Restoring unsaved edits")
    def offer_recovery(self) -> None:
        """If an earlier run left unsaved edits, ask whether to restore them (declined ones are kept aside)."""
        try:
            found = self.session.recovery() if self.session is not None else None
        except InputError as exc:
            self.statusBar().showMessage(f"Recovery file not usable: {exc}")
            return
        if found is None:
            return
        _, layer_path, saved_at = found
        target = layer_path.name if layer_path else "new annotations"
        if not guard.ask(self, "Restore unsaved edits?", f"Edits to {target} from {saved_at} were not saved. Restore them?"):
            kept = self.session.decline_recovery()
            self.statusBar().showMessage(f"The unsaved edits are kept in {kept}")
            return
        try:
            self.session.restore_recovery()
        except InputError as exc:
            guard.warn(self, "Cannot restore edits", str(exc))

    # --- state -> window ---------------------------------------------------------------------
    def _on_state(self, what: str) -> None:
        if what in ("selection", "pose"):
            self._update_overlay()
        if what == "selection" and self.editing:
            self._show_editor()
        if what == "display":  # a saved view, a lesson or the quiz switched them: the menu and keys follow
            self.actions_by_name["labels"].setChecked(self.state.labels_on)
            self.actions_by_name["strain"].setChecked(self.state.strain_on)
            self.strain_legend.set_visible(self.state.strain_on)
        self.render_soon()

    def draw(self) -> None:
        """Draw the scene in the view's next paint. pyvistaqt's widget renders in every paint; a
        render asked for from outside (``plotter.render()``) renders, then schedules a paint that
        renders again to show it: two renders a frame (25-45 ms each here), where a paint alone
        renders once and shows it at once."""
        self.plotter.update()

    def render_soon(self) -> None:
        """One frame after the current slot returns, however many changes it made (each full-quality
        frame costs hundreds of milliseconds in software; a quiz step changes the state a dozen times)."""
        if not self._render_pending:
            self._render_pending = True
            QTimer.singleShot(0, self._render_now)

    def _render_now(self) -> None:
        """A quick frame now (no anti-aliasing, light bones), the full-quality one once things are still."""
        self._render_pending = False
        if self._view_closed:
            return
        if not (self.animator.timer.isActive() or self.auto_rotate.isActive()):
            self.scene.set_still_quality(False)
            if not self.body_panel.dragging:  # a held shape slider: full quality once it is let go
                self._still_timer.start()
        self.draw()

    def hide_answers(self, hidden: bool) -> None:
        """While a quiz question is open: no selection details, length readout or length plot."""
        self.answers_hidden = hidden
        self.info_panel.hold("Answer the question first; the details show here afterwards." if hidden else None)
        self.pose_panel.readout.setVisible(not hidden)
        self.pose_panel.plot.setVisible(not hidden)
        self._update_overlay()

    def _update_overlay(self) -> None:
        """In presentation mode, the selection's name and the muscle lengths over the view."""
        lines = []
        if self.presenting and not self.answers_hidden and self.scene.catalogue is not None:
            if self.state.selection:
                lines.append(self.scene.catalogue[self.state.selection].name)
            if hasattr(self, "pose_panel"):
                lines += self.pose_panel.readout_lines()
        self.scene.set_overlay_text("\n".join(lines), 22)

    # --- settings ----------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        """Window layout and switches from the last session; a value of the wrong kind is ignored and named."""
        ignored = []
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/state", self.restoreState)):
            value = self.settings.value(key)
            if value is not None and not (isinstance(value, QByteArray) and restore(value)):
                ignored.append(key)
        for key, action, default in (("view/labels", "labels", True), ("view/dark", "dark", False)):
            value = self.settings.value(key, default)
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                ignored.append(key)
                value = default
            self.actions_by_name[action].setChecked(value)
        if (self.settings.value("window/state") is None or "window/state" in ignored) and self.docks:
            share_width(self, [self.docks[0], self.docks[2]])
        if ignored:
            guard.status(self, f"Settings ignored (not values this viewer saved): {', '.join(ignored)} in {self.settings.fileName()}")

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("view/labels", self.state.labels_on)
        self.settings.setValue("view/dark", self.actions_by_name["dark"].isChecked())
        self.settings.sync()

    def closeEvent(self, event) -> None:
        """Closing keeps unsaved edits in the recovery file; if that cannot be written, the window stays
        open once, saying so (closing again discards them)."""
        self.animator.stop()
        self._still_timer.stop()
        self.auto_rotate.stop()
        if self.session is not None and not self.session.write_recovery() and self.session.dirty and not self._discard_on_close:
            self._discard_on_close = True
            guard.warn(self, "Unsaved edits not kept", f"Your unsaved edits could not be written to {self.session.recovery_path}, "
                       "so the window stays open. Save them with File > Save annotations as…, or close again to discard them.")
            event.ignore()
            return
        self.save_settings()
        self.plotter.close()
        super().closeEvent(event)
