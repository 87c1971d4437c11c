"""A small plot of muscle length against hip flexion, with the current pose marked."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QPainter, QPainterPath, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from viewer.anatomy.kinematics import LIMITS, Pose
from viewer.anatomy.muscle_paths import MuscleModel

ANGLES = np.arange(LIMITS["hip_flexion"][0], LIMITS["hip_flexion"][1] + 1, 5.0)


class LengthPlot(QWidget):
    """Length (mm) of the plotted muscles against their hip's flexion; a dot marks now."""

    def __init__(self, model: MuscleModel, muscle_ids: list[str], parent=None):
        super().__init__(parent)
        self.muscle_ids = muscle_ids
        self.set_model(model)
        self.current: dict[str, tuple[float, float]] = {}
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def set_model(self, model: MuscleModel) -> None:
        """The curves of a (new) muscle model, for example another body's."""
        self.model = model
        self.curves = {}
        for muscle_id in self.muscle_ids:
            side = model.muscles[muscle_id].side
            self.curves[muscle_id] = np.array(
                [model.length(muscle_id, Pose(**{f"hip_flexion_{side}": float(a)})) for a in ANGLES]
            )
        self.update()

    def set_current(self, pose: Pose, lengths: dict[str, float]) -> None:
        """Mark each plotted muscle's length at its hip's joint angle in ``pose``."""
        self.current = {
            mid: (pose.hip_joint_flexion(self.model.muscles[mid].side), lengths[mid]) for mid in self.curves if mid in lengths
        }
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        frame = QRectF(self.rect()).adjusted(42, 8, -8, -22)
        painter.fillRect(self.rect(), QColor("#1f232b"))
        lows = [c.min() for c in self.curves.values()] + [length for _, length in self.current.values()]
        highs = [c.max() for c in self.curves.values()] + [length for _, length in self.current.values()]
        low, high = min(lows) - 5, max(highs) + 5

        def point(angle: float, length: float) -> QPointF:
            x = frame.left() + (angle - ANGLES[0]) / (ANGLES[-1] - ANGLES[0]) * frame.width()
            y = frame.bottom() - (length - low) / (high - low) * frame.height()
            return QPointF(x, y)

        painter.setPen(QPen(QColor("#8a93a3"), 1))
        painter.drawRect(frame)
        painter.drawText(QRectF(frame.left(), frame.bottom() + 2, frame.width(), 18), Qt.AlignCenter, "hip flexion (°)  −30 … 120")
        painter.drawText(QRectF(0, frame.top(), 40, 16), Qt.AlignRight, f"{high:.0f}")
        painter.drawText(QRectF(0, frame.bottom() - 16, 40, 16), Qt.AlignRight, f"{low:.0f}")
        for muscle_id, curve in self.curves.items():
            colour = QColor(self.model.muscles[muscle_id].colour)
            path = QPainterPath(point(ANGLES[0], curve[0]))
            for angle, length in zip(ANGLES[1:], curve[1:]):
                path.lineTo(point(angle, length))
            painter.setPen(QPen(colour, 2))
            painter.drawPath(path)
            if muscle_id in self.current:
                painter.setBrush(colour.lighter(150))
                painter.drawEllipse(point(*self.current[muscle_id]), 5, 5)
        painter.end()
