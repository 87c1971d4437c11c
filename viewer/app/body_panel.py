"""The body panel: sliders for the first three modes of the LLP26 shape model, the 26 people it
was built from as presets, and the mean body. The bones change shape in place, the muscles
follow (:mod:`viewer.anatomy.bodies`); a shape the model cannot give is refused and explained.
Once a body settles, its muscle surfaces are fitted to its own bones off the GUI thread."""

from __future__ import annotations

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.bodies import Bodies
from viewer.anatomy.body_shape import MODES, SD_LIMIT, BodyShape, ShapeError
from viewer.anatomy.kinematics import Pose
from viewer.app import guard
from viewer.app.background import Background
from viewer.scene.anatomy_scene import AnatomyScene

STEPS_PER_SD = 10  # the sliders move in tenths of a standard deviation
SETTLE_MS = 300  # a body stepped to by keys is settled (plot, Stretch lab) this long after its last step
READOUT_MUSCLE = "psoas_major_r"


class BodyPanel(QWidget):
    """Shape sliders, people and the mean body.

    Emits :attr:`body_changed` after each new body is set in the scene (its bones, muscles and
    landmarks: a quick frame answers it), :attr:`body_settled` once the body stops changing (a
    slider let go, a pause after keyboard steps, a person or the mean body chosen): then what is
    measured on the whole body (length plot, readouts, Stretch lab) is worth redoing. While a
    slider is held, :attr:`dragging` is set and :attr:`dragged` says so when it changes. A settled
    body's muscle surfaces are then fitted to its bones in the background; :attr:`muscles_fitted`
    follows once they are drawn from that fit.
    """

    body_changed = pyqtSignal()
    body_settled = pyqtSignal()
    dragged = pyqtSignal(bool)
    muscles_fitted = pyqtSignal()

    def __init__(self, scene: AnatomyScene, bodies: Bodies, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.bodies = bodies
        self.shape = BodyShape()
        model = bodies.model
        layout = QVBoxLayout(self)
        intro = QLabel("People differ. These sliders move the pelvis and lower limbs along the three main ways "
                       "in which the 26 adults of the LLP26 shape model differ, in standard deviations (SD) "
                       "from their mean; the spine and the muscles follow.", wordWrap=True)
        layout.addWidget(intro)
        grid = QGridLayout()
        self.sliders: list[QSlider] = []
        self.values: list[QLabel] = []
        for row, mode in enumerate(MODES):
            slider = QSlider(Qt.Horizontal)
            slider.setRange(-int(SD_LIMIT * STEPS_PER_SD), int(SD_LIMIT * STEPS_PER_SD))
            slider.setAccessibleName(mode.name)
            low, high = model.data_range(row) if model is not None else (0.0, 0.0)
            share = 100 * model.variance_share[row] if model is not None else 0.0
            slider.setToolTip(guard.plain_tooltip(
                f"{mode.name}: + gives {mode.change}. Mode {row + 1} of the model, {share:.0f}% of the shape variation. "
                f"The 26 people measured lie between {low:+.1f} and {high:+.1f} SD; beyond that the model extrapolates."))
            slider.valueChanged.connect(self._changed)
            slider.sliderPressed.connect(lambda: self._drag(True))
            slider.sliderReleased.connect(lambda: self._drag(False))
            value = QLabel("+0.0 SD")
            value.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
            name = QLabel(mode.name, wordWrap=True)  # wraps rather than widen the dock (the 3D view keeps its 60%)
            grid.addWidget(name, 2 * row, 0)  # name and value above a full-width slider
            grid.addWidget(value, 2 * row, 1)
            grid.addWidget(slider, 2 * row + 1, 0, 1, 2)
            self.sliders.append(slider)
            self.values.append(value)
        layout.addLayout(grid)
        self.people = QComboBox()
        self.people.setAccessibleName("measured people")
        self.people.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)  # long names must not widen the dock
        self.people.setMinimumContentsLength(12)
        self.people.addItem("Choose one of the 26 people…")
        for k in range(len(model.people) if model is not None else 0):
            self.people.addItem(f"Person {k + 1}: {model.person(k).describe()}")
        self.people.activated.connect(self._person_chosen)
        layout.addWidget(self.people)
        self.mean_button = QPushButton("Mean body")
        self.mean_button.clicked.connect(lambda: self.set_shape(BodyShape()))
        layout.addWidget(self.mean_button)
        self.message = QLabel(wordWrap=True)
        self.message.setTextFormat(Qt.PlainText)
        layout.addWidget(self.message)
        self.readout = QLabel(wordWrap=True)
        self.readout.setTextFormat(Qt.PlainText)
        layout.addWidget(self.readout)
        layout.addStretch(1)
        self._pending = QTimer(self)  # a dragged slider sends many values: draw the last one, once
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self._apply)
        self.dragging = False
        self._measured = self.shape  # the body the plot, readouts and Stretch lab were last measured on
        self._settle = QTimer(self)  # keyboard steps: settle once they pause
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self.fitting = Background(self)  # the muscle surfaces of a settled body, fitted to its bones
        self.fitting.finished.connect(self._fitted)
        self.fitting.failed.connect(self._not_fitted)
        self.setEnabled(bodies.available)
        if not bodies.available:
            self.message.setText(bodies.problem or "This anatomy pack has no shape model: only its own body can be shown.")
        self._show_readout()

    def slider_shape(self) -> BodyShape:
        return BodyShape(tuple(slider.value() / STEPS_PER_SD for slider in self.sliders))

    def set_shape(self, shape: BodyShape) -> None:
        """Move the sliders to ``shape`` and draw it."""
        self._set_sliders(shape)
        self._apply()
        self._settled()

    def _drag(self, down: bool) -> None:
        """A slider is held (quick frames, nothing measured) or let go (the last value drawn, then settled)."""
        self.dragging = down
        self.dragged.emit(down)
        if not down:
            self._pending.stop()
            self._apply()
            self._settled()

    def _set_sliders(self, shape: BodyShape) -> None:
        for slider, value, score in zip(self.sliders, self.values, shape.scores):
            slider.blockSignals(True)
            slider.setValue(round(score * STEPS_PER_SD))
            slider.blockSignals(False)
            value.setText(f"{score:+.1f} SD")

    def _changed(self) -> None:
        for slider, value in zip(self.sliders, self.values):
            value.setText(f"{slider.value() / STEPS_PER_SD:+.1f} SD")
        self._pending.start()

    def _person_chosen(self, index: int) -> None:
        if index > 0:
            self.set_shape(self.bodies.model.person(index - 1))

    @guard.guarded("Changing the body")
    def _apply(self) -> None:
        shape = self.slider_shape()
        if shape == self.shape:
            return
        try:
            pack, annotations = self.bodies.shaped(shape)
        except ShapeError as exc:
            self.message.setText(f"Not shown: {exc}. The sliders are back at the last body shown.")
            self._set_sliders(self.shape)
            return
        self.message.setText("")
        self.scene.set_still_quality(False)  # drawn first as a moving view is; full quality once settled
        self.scene.set_body(pack, annotations)
        self.shape = shape
        self.body_changed.emit()
        if not self.dragging:
            self._settle.start()

    @guard.guarded("Measuring the new body")
    def _settled(self) -> None:
        self._settle.stop()
        if self.shape == self._measured:  # a slider clicked and let go without a step, a refused shape
            return
        self._measured = self.shape
        self._show_readout()
        self.fitting.run(self.scene.body, self.scene.body_fit())
        self.body_settled.emit()

    @guard.guarded("Drawing the muscles on the new body")
    def _fitted(self, body, shapes) -> None:
        if self.scene.use_muscle_shapes(shapes, body):  # else a newer body came meanwhile: its own fit follows
            self.muscles_fitted.emit()

    @guard.guarded("Drawing the muscles on the new body")
    def _not_fitted(self, body, problem: str) -> None:
        if all(a is b for a, b in zip(body, self.scene.body)):
            self.message.setText(f"The muscles could not be fitted to this body's bones ({problem}); "
                                 "they are drawn with the sections of the body they were built on.")

    def _show_readout(self) -> None:
        model = self.scene.muscle_model
        if model is None or READOUT_MUSCLE not in model.muscles:
            self.readout.setText("")
            return
        length = model.length(READOUT_MUSCLE, Pose())
        arm = model.hip_flexion_moment_arm(READOUT_MUSCLE, Pose())
        described = self.shape.describe()
        self.readout.setText(f"{described[:1].upper()}{described[1:]}: right psoas major {length:.0f} mm long standing, "
                             f"hip flexion moment arm {arm / 10:.1f} cm.")

    def reset(self, annotations: Annotations) -> None:
        """New annotations (an opened or edited file): back to the mean body, tied to them afresh."""
        if not self.shape.is_mean:
            self.scene.set_body(self.bodies.pack, None)
        self.bodies = self.bodies.for_annotations(annotations)
        self._set_sliders(BodyShape())
        self.shape = self._measured = BodyShape()
        self.message.setText("")
        self._show_readout()
