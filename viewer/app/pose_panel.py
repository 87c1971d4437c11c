"""The pose panel: a slider per joint angle, named poses, the walking cycle, live lengths."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import LIMITS, PoseError
from viewer.anatomy.names import in_sentence
from viewer.app import guard
from viewer.app.animation import PoseAnimator
from viewer.app.length_plot import LengthPlot
from viewer.scene.anatomy_scene import AnatomyScene
from viewer.scene.viewer_state import ViewerState

SLIDERS = [
    ("hip_flexion_r", "Right thigh flexion", "hip_flexion"),
    ("hip_flexion_l", "Left thigh flexion", "hip_flexion"),
    ("hip_adduction_r", "Right hip adduction", "hip_adduction"),
    ("hip_adduction_l", "Left hip adduction", "hip_adduction"),
    ("hip_rotation_r", "Right thigh internal rotation", "hip_rotation"),
    ("hip_rotation_l", "Left thigh internal rotation", "hip_rotation"),
    ("lumbar_flexion", "Lumbar flexion", "lumbar_flexion"),
    ("lumbar_bending", "Lumbar bending (right +)", "lumbar_bending"),
    ("lumbar_rotation", "Lumbar rotation (right +)", "lumbar_rotation"),
    ("pelvic_tilt", "Pelvic tilt (anterior +)", "pelvic_tilt"),
    ("pelvic_rotation", "Pelvic rotation (right +)", "pelvic_rotation"),
    ("knee_flexion_r", "Right knee flexion", "knee_flexion"),
    ("knee_flexion_l", "Left knee flexion", "knee_flexion"),
]
# Thigh angles are in the room (the hip joint's angle is the thigh's less the pelvis's tilt or
# rotation), so their range is the joint's widened by what the pelvis can turn.
LIMIT_NOTE_MS = 6000  # how long the status bar repeats why a motion stopped
THIGH_FIELDS = {"hip_flexion_r", "hip_flexion_l", "hip_rotation_r", "hip_rotation_l"}
WIDENED_BY = {"hip_flexion": "pelvic_tilt", "hip_rotation": "pelvic_rotation"}


def slider_range(limit: str) -> tuple[int, int]:
    low, high = LIMITS[limit]
    if limit in WIDENED_BY:
        pelvis_low, pelvis_high = LIMITS[WIDENED_BY[limit]]
        low, high = low - pelvis_high, high - pelvis_low
    return int(low), int(high)


class PosePanel(QWidget):
    """Sliders and buttons that set the state's pose; a readout and plot that follow it."""

    def __init__(self, scene: AnatomyScene, state: ViewerState, annotations: Annotations, animator: PoseAnimator, parent=None):
        super().__init__(parent)
        self.scene, self.state, self.animator = scene, state, animator
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        for row, (field, text, limit) in enumerate(SLIDERS):
            slider = QSlider(Qt.Horizontal)
            slider.setRange(*slider_range(limit))
            slider.valueChanged.connect(lambda value, f=field: self._slider_moved(f, value))
            value = QLabel("0°")
            value.setMinimumWidth(40)
            name = QLabel(text)
            if field in THIGH_FIELDS:
                name.setToolTip("The thigh's angle in the room; the hip joint's is this plus the pelvis's anterior tilt")
            grid.addWidget(name, 2 * row, 0, 1, 2)  # name above its slider: the panel stays narrow
            grid.addWidget(slider, 2 * row + 1, 0)
            grid.addWidget(value, 2 * row + 1, 1)
            self.sliders[field], self.values[field] = slider, value
        angles = QGroupBox("Joint angles")
        angles.setLayout(grid)

        self.pose_buttons: dict[str, QPushButton] = {}
        named = QGridLayout()
        for k, (pose_id, named_pose) in enumerate(annotations.poses.items()):
            button = QPushButton(named_pose.name.replace("&", "&&"))  # a name's & is text, not a shortcut mark
            button.setToolTip(guard.plain_tooltip(named_pose.description))
            button.clicked.connect(lambda _checked=False, p=named_pose.pose: animator.go_to(p))
            named.addWidget(button, k // 2, k % 2)
            self.pose_buttons[pose_id] = button
        poses = QGroupBox("Poses")
        poses.setLayout(named)

        self.play = QPushButton("Play walking")
        self.play.setCheckable(True)
        self.play.toggled.connect(animator.play_gait)
        self.speed = QSlider(Qt.Horizontal)
        self.speed.setRange(25, 200)
        self.speed.setValue(100)
        self.speed.setToolTip("Walking speed")
        self.speed.valueChanged.connect(lambda v: setattr(animator, "speed", v / 100))
        walking = QHBoxLayout()
        walking.addWidget(self.play)
        walking.addWidget(self.speed, 1)  # its tooltip names it: the panel stays narrow
        animator.moving.connect(lambda on: self.play.setChecked(animator.gait_playing) if not on else None)

        self.limit_note = QLabel()  # why the last motion stopped short: the bones met
        self.limit_note.setWordWrap(True)
        self.limit_note.setTextFormat(Qt.PlainText)
        self.readout = QLabel()
        self.readout.setFont(QFont("monospace"))
        self.readout.setTextFormat(Qt.PlainText)
        plotted: list[str] = [m for m in ("psoas_major_r", "iliacus_r", "psoas_major_l", "iliacus_l") if m in scene.muscle_model.muscles]
        self.plot = LengthPlot(scene.muscle_model, plotted)

        layout = QVBoxLayout(self)
        layout.addWidget(poses)
        layout.addLayout(walking)
        layout.addWidget(angles)
        layout.addWidget(self.limit_note)
        layout.addWidget(self.readout)
        layout.addWidget(self.plot)
        layout.addStretch(1)
        state.subscribe(self._on_state)
        self._on_state("pose")

    def _slider_moved(self, field: str, value: int) -> None:
        if getattr(self.state.pose, field) == value:
            return
        self.animator.stop()
        try:
            self.state.set_pose(self.state.pose.replace(**{field: float(value)}))
        except PoseError:
            self._sync_sliders()  # the combination leaves the joint range: snap back

    def _sync_sliders(self) -> None:
        pose = self.state.pose
        for field, slider in self.sliders.items():
            slider.blockSignals(True)
            slider.setValue(int(round(getattr(pose, field))))
            slider.blockSignals(False)
            self.values[field].setText(f"{getattr(pose, field):.0f}°")

    def lengths(self) -> dict[str, float]:
        return {mid: state.length for mid, state in self.scene.muscle_states.items()}

    def readout_lines(self) -> list[str]:
        """The hip joints' angles (thigh less pelvis), then per visible muscle its length and change from standing."""
        pose = self.state.pose
        lines = [f"hip joint flexion R {pose.hip_joint_flexion('r'):.0f}°, L {pose.hip_joint_flexion('l'):.0f}°"]
        for muscle_id, length in self.lengths().items():
            if not self.state.is_visible(muscle_id):
                continue
            change = 100 * (length / self.scene.standing_lengths[muscle_id] - 1)
            name = in_sentence(self.scene.muscle_model.muscles[muscle_id].name).replace("right ", "R ").replace("left ", "L ")
            lines.append(f"{name:15s}{length:4.0f} mm {change:+5.1f}%")
        return lines

    def show_body(self) -> None:
        """Another body: the plot's curves and the readout from the scene's new muscle model."""
        self.plot.set_model(self.scene.muscle_model)
        self._on_state("pose")

    def _on_state(self, what: str) -> None:
        if what == "pose":
            self._sync_sliders()
            note = f"Stopped where the bones meet: {self.state.limit_note}." if self.state.limit_note else ""
            self.limit_note.setText(note)
            self.limit_note.setVisible(bool(note))
            window = self.window()
            if note and isinstance(window, QMainWindow):  # the panel's note may be scrolled out of sight
                window.statusBar().showMessage(note, LIMIT_NOTE_MS)
            self.plot.set_current(self.state.pose, self.lengths())
        if what in ("pose", "visibility"):
            self.readout.setText("\n".join(["Length, change from standing"] + self.readout_lines()))
