"""The 3D view widget: pyvistaqt's interactor with our click, hover and quality handling.

Keys go to the window's actions only (VTK's own letter bindings such as wireframe or stereo are
not wanted here). A press-release without a drag is a click; moving without a button is a hover.
When ``grab`` says yes to a press, the drag that follows moves that thing instead of the camera.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QElapsedTimer, Qt, pyqtSignal
from pyvistaqt import QtInteractor

CLICK_SLOP_PX = 4
HOVER_INTERVAL_MS = 60


class ViewerInteractor(QtInteractor):
    """Emits ``clicked(x, y)`` and ``hovered(x, y)`` in VTK display coordinates (origin bottom left)."""

    clicked = pyqtSignal(float, float)
    hovered = pyqtSignal(float, float)
    interaction_started = pyqtSignal()
    interaction_ended = pyqtSignal()
    dragged = pyqtSignal(float, float)
    dropped = pyqtSignal(float, float)

    def __init__(self, parent=None):
        # No auto-update timer: pyvistaqt's default redraws five times a second forever, each a
        # full-quality frame (hundreds of milliseconds in software), so an idle window kept a core
        # busy and every action waited behind a frame. The window asks for each frame it needs.
        super().__init__(parent, auto_update=False)
        self._press = None
        self.grab: Callable[[float, float], bool] | None = None
        self._dragging = False
        self._hover_clock = QElapsedTimer()
        self._hover_clock.start()
        self.interactor.setMouseTracking(True)

    def _display(self, event) -> tuple[float, float]:
        ratio = self.interactor.devicePixelRatioF()
        return event.x() * ratio, (self.interactor.height() - event.y() - 1) * ratio

    def keyPressEvent(self, event) -> None:
        event.ignore()

    def keyReleaseEvent(self, event) -> None:
        event.ignore()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.grab is not None and self.grab(*self._display(event)):
            self._dragging = True
            return
        self._press = (event.x(), event.y())
        self.interaction_started.emit()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._dragging:
            self._dragging = False
            self.dropped.emit(*self._display(event))
            return
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        self.interaction_ended.emit()
        if press and abs(event.x() - press[0]) <= CLICK_SLOP_PX and abs(event.y() - press[1]) <= CLICK_SLOP_PX:
            self.clicked.emit(*self._display(event))

    def mouseMoveEvent(self, event) -> None:
        if self._dragging:
            self.dragged.emit(*self._display(event))
            return
        super().mouseMoveEvent(event)
        if self._press is None and self._hover_clock.elapsed() >= HOVER_INTERVAL_MS:
            self._hover_clock.restart()
            self.hovered.emit(*self._display(event))

    def wheelEvent(self, event) -> None:
        super().wheelEvent(event)
        self.interaction_ended.emit()
