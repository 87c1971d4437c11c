"""The main window: the 3D view, the structure, info and pose panels, menus and shortcuts.

Slots stay thin: they call the state, the scene or an animator. The state is the one truth;
the scene and the panels redraw from it.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSettings, Qt, QTimer
from PyQt5.QtWidgets import QAction, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QScrollArea, QSplitter

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.atomic_file import write_text_atomic
from viewer.anatomy.json_input import InputError
from viewer.anatomy.lessons import load_lessons
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.view_file import dumps, load_view
from viewer.app.animation import CameraFlight, PoseAnimator
from viewer.app.export_dialog import ExportDialog
from viewer.app.info_panel import InfoPanel
from viewer.app.learn_panel import LearnPanel
from viewer.app.interactor import ViewerInteractor
from viewer.app.pose_panel import PosePanel
from viewer.app.shortcut_sheet import ShortcutSheet
from viewer.app.structure_panel import StructurePanel
from viewer.scene.anatomy_scene import AnatomyScene
from viewer.scene.saved_views import apply_panel, panel_from_scene
from viewer.scene.views import VIEWS

ROTATE_STEP_DEG = 10.0
ZOOM_STEP = 1.15
AUTO_ROTATE_DEG_PER_TICK = 0.6
NORMAL_LABEL_PT, PRESENTATION_LABEL_PT = 14, 24
NORMAL_POINT_SIZE, PRESENTATION_POINT_SIZE = 11, 16


class MainWindow(QMainWindow):
    """A window around one :class:`AnatomyScene`, drawn by pyvistaqt's interactor."""

    def __init__(self, pack: MeshPack, annotations: Annotations | None = None, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle("Psoas viewer")
        self.resize(1280, 800)
        self.settings = settings if settings is not None else QSettings()
        self.plotter = ViewerInteractor(self)
        self.setCentralWidget(self.plotter.interactor)
        self.scene = AnatomyScene(self.plotter, pack, annotations)
        self.state = self.scene.make_state()
        self.animator = PoseAnimator(self.state, self)
        self.flight = CameraFlight(self.plotter, self)
        self.presenting = False
        self.answers_hidden = False
        self.actions_by_name: dict[str, QAction] = {}
        self.hover_label = QLabel()
        self.statusBar().addWidget(self.hover_label, 1)
        self.missing_label = QLabel(self._missing_text(pack))
        self.statusBar().addPermanentWidget(self.missing_label)
        self.docks: list[QDockWidget] = []
        if annotations is not None:
            self._build_panels(annotations, pack)
        self._build_menus()
        self.auto_rotate = QTimer(self)
        self.auto_rotate.setInterval(33)
        self.auto_rotate.timeout.connect(lambda: self._orbit(AUTO_ROTATE_DEG_PER_TICK, 0))
        self.plotter.clicked.connect(self._clicked)
        self.plotter.hovered.connect(self._hovered)
        self.plotter.interaction_started.connect(lambda: self.scene.set_still_quality(False))
        self.plotter.interaction_ended.connect(self._still)
        self.animator.moving.connect(lambda moving: self._still() if not moving else self.scene.set_still_quality(False))
        self.state.subscribe(self._on_state)
        self._restore_settings()
        self.scene.set_still_quality(True)

    # --- building ---------------------------------------------------------------------------
    def _build_panels(self, annotations: Annotations, pack: MeshPack) -> None:
        catalogue = self.scene.catalogue
        self.structure_panel = StructurePanel(catalogue, self.state, list(pack.bones))
        self.structure_panel.search_chosen.connect(self.select_and_fly)
        self.info_panel = InfoPanel(catalogue, self.state)
        self.info_panel.link_chosen.connect(self.select_and_fly)
        self.pose_panel = PosePanel(self.scene, self.state, annotations, self.animator)
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.info_panel)
        pose_scroll = QScrollArea()
        pose_scroll.setWidget(self.pose_panel)
        pose_scroll.setWidgetResizable(True)
        pose_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        right.addWidget(pose_scroll)
        right.setSizes([380, 500])
        try:
            lessons = load_lessons(annotations, self.scene.muscle_model)
        except InputError as exc:
            lessons = []
            self.statusBar().showMessage(f"Lessons not shown: {exc}")
        self.learn_panel = LearnPanel(self, lessons)
        for title, widget, area in (
            ("Structures", self.structure_panel, Qt.LeftDockWidgetArea),
            ("Learn", self.learn_panel, Qt.LeftDockWidgetArea),
            ("Info and pose", right, Qt.RightDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(title)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks.append(dock)
        self.tabifyDockWidget(self.docks[0], self.docks[1])
        self.docks[0].raise_()

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
        self._action(file_menu, "quit", "&Quit", "Ctrl+Q", self.close)
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
        self._action(view, "dark", "Dark background", "D", self._set_dark, checkable=True)
        self._action(view, "next_landmark", "Next landmark", "Tab", lambda: self._cycle_landmark(1))
        self._action(view, "previous_landmark", "Previous landmark", "Shift+Tab", lambda: self._cycle_landmark(-1))
        self._action(view, "clear", "Clear selection", "Escape", lambda: self.state.select(None))
        view.addSeparator()
        self._action(view, "presentation", "Presentation mode", "F11", self.set_presentation, checkable=True)
        pose = bar.addMenu("&Pose")
        self._action(pose, "play", "Play / pause walking", "Space", self._toggle_gait)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "shortcuts", "Keyboard shortcuts", ["F1", "?"], self.show_shortcuts)

    @staticmethod
    def _missing_text(pack: MeshPack) -> str:
        if not pack.problems:
            return f"{len(pack.bones)} bones loaded"
        return "Not shown: " + "; ".join(str(problem) for problem in pack.problems)

    # --- user intents ------------------------------------------------------------------------
    def show_view(self, name: str) -> None:
        self.scene.set_view(name)
        self.plotter.render()

    def _orbit(self, azimuth: float, elevation: float) -> None:
        camera = self.plotter.camera
        camera.Azimuth(azimuth)
        camera.Elevation(elevation)
        camera.OrthogonalizeViewUp()
        self.plotter.reset_camera_clipping_range()
        self.plotter.render()

    def _zoom(self, factor: float) -> None:
        self.plotter.camera.Zoom(factor)
        self.plotter.render()

    def _set_auto_rotate(self, on: bool) -> None:
        (self.auto_rotate.start if on else self.auto_rotate.stop)()
        self.scene.set_still_quality(not on)

    def _set_dark(self, on: bool) -> None:
        self.scene.set_background(dark=on)
        self.plotter.render()

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

    def select_and_fly(self, structure_id: str) -> None:
        """Select a structure and fly the camera to it (search results, links, Tab)."""
        self.state.select(structure_id)
        self.flight.fly_to(*self.scene.focus_camera(structure_id))

    def _clicked(self, x: float, y: float) -> None:
        picked = self.scene.picker.pick(x, y)
        if hasattr(self, "learn_panel") and self.learn_panel.quiz.waiting_for_click:
            self.learn_panel.quiz.respond(picked)
        else:
            self.state.select(picked)

    def _hovered(self, x: float, y: float) -> None:
        picked = self.scene.picker.pick(x, y)
        text = self.scene.catalogue[picked].name if picked and self.scene.catalogue else ""
        self.hover_label.setText(text)
        self.plotter.interactor.setToolTip(text)

    def _still(self) -> None:
        self.scene.set_still_quality(True)
        self.plotter.render()

    def set_presentation(self, on: bool) -> None:
        """Full screen, panels and menus hidden, large labels, an info overlay; F11 again leaves."""
        self.presenting = on
        for dock in self.docks:
            dock.setVisible(not on)
        self.menuBar().setVisible(not on)
        self.statusBar().setVisible(not on)
        self.view_bar.setVisible(not on)
        if self.scene.labels is not None:
            self.scene.labels.set_font_size(PRESENTATION_LABEL_PT if on else NORMAL_LABEL_PT)
            self.scene.landmark_actors.set_point_size(PRESENTATION_POINT_SIZE if on else NORMAL_POINT_SIZE)
        self.showFullScreen() if on else self.showNormal()
        self._update_overlay()
        self.plotter.render()

    def show_shortcuts(self) -> ShortcutSheet:
        sheet = ShortcutSheet(self.actions_by_name.values(), self)
        sheet.show()
        return sheet

    # --- figures and saved views -------------------------------------------------------------
    def current_panel(self) -> dict:
        return panel_from_scene(self.scene, self.state)

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
        view = load_view(path, self.scene.annotations)
        self.animator.stop()
        apply_panel(self.scene, self.state, view["panels"][0], self.scene.annotations)
        self.plotter.render()

    def _save_view_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save view", "view.json", "View (*.json)")
        if name:
            try:
                self.save_view(Path(name))
            except OSError as exc:
                QMessageBox.warning(self, "Save failed", f"{name}: {exc.strerror}")

    def _open_view_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open view", "", "View (*.json)")
        if name:
            try:
                self.open_view(Path(name))
            except InputError as exc:
                QMessageBox.warning(self, "Cannot open view", str(exc))

    # --- state -> window ---------------------------------------------------------------------
    def _on_state(self, what: str) -> None:
        if what in ("selection", "pose"):
            self._update_overlay()
        self.plotter.render()

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
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        self.actions_by_name["labels"].setChecked(self.settings.value("view/labels", True, type=bool))
        self.actions_by_name["dark"].setChecked(self.settings.value("view/dark", False, type=bool))

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("view/labels", self.state.labels_on)
        self.settings.setValue("view/dark", self.actions_by_name["dark"].isChecked())
        self.settings.sync()

    def closeEvent(self, event) -> None:
        self.animator.stop()
        self.auto_rotate.stop()
        self.save_settings()
        self.plotter.close()
        super().closeEvent(event)
