"""The Stretch lab: popular psoas stretches ranked by what they do to the psoas major, as bars.

Choosing a pose animates the body from standing into it with strain colours on, and the text
below says what the numbers show, in numbers taken from the model.
"""

from __future__ import annotations

import html

from PyQt5.QtCore import QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPainter
from PyQt5.QtWidgets import QFileDialog, QLabel, QPushButton, QScrollArea, QSizePolicy, QTextBrowser, QVBoxLayout, QWidget

from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.stretches import MUSCLE_NAMES, StretchLibrary, StretchResult, findings, largest_percent, measure_all, ranked
from viewer.app import guard
from viewer.scene.stretch_chart import SIDE_COLOURS

ROW_HEIGHT = 38
AXIS_HEIGHT = 24  # under the rows: the percent scale
NAME_SHARE = 0.5  # of the width, for the pose names


class StretchBars(QWidget):
    """One row per pose: its name, and a bar per side for the psoas major's change (right dark, left light),
    its value at the bar's end, and a percent scale underneath."""

    chosen = pyqtSignal(int)

    def __init__(self, results: list[StretchResult], parent=None):
        super().__init__(parent)
        self.results = results
        self.current = -1
        self.limit = largest_percent(results) * 1.1
        self.setMinimumHeight(ROW_HEIGHT * len(results) + AXIS_HEIGHT + 6)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setCursor(Qt.PointingHandCursor)

    def row_at(self, y: float) -> int:
        row = int(y // ROW_HEIGHT)
        return row if 0 <= row < len(self.results) else -1

    def mousePressEvent(self, event) -> None:
        row = self.row_at(event.pos().y())
        if row >= 0:
            self.chosen.emit(row)

    def set_current(self, row: int) -> None:
        self.current = row
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        width = self.width()
        names, plot = width * NAME_SHARE, width * (1 - NAME_SHARE) - 8
        zero = names + plot / 2
        scale = plot / 2 / self.limit
        palette = self.palette()
        for k, result in enumerate(self.results):
            top = k * ROW_HEIGHT
            if k == self.current:
                painter.fillRect(QRectF(0, top, width, ROW_HEIGHT), palette.highlight())
                painter.setPen(palette.highlightedText().color())
            else:
                painter.setPen(palette.text().color())
            painter.drawText(QRectF(4, top, names - 8, ROW_HEIGHT), Qt.AlignVCenter | Qt.TextWordWrap,
                             f"{k + 1}. {result.stretch.name}")
            for slot, side in enumerate("rl"):
                found = result.get("psoas_major", side)
                if found is None:
                    continue
                change = found.percent
                bar_top = top + 6 + slot * (ROW_HEIGHT - 12) / 2
                length = change * scale
                rect = QRectF(min(zero, zero + length), bar_top, abs(length), (ROW_HEIGHT - 14) / 2)
                painter.fillRect(rect, QColor(SIDE_COLOURS[side]))
                text = QRectF(zero + length + 3 if change >= 0 else zero + length - 43, bar_top - 3, 40, (ROW_HEIGHT - 8) / 2)
                painter.drawText(text, (Qt.AlignLeft if change >= 0 else Qt.AlignRight) | Qt.AlignVCenter, f"{change:+.1f}%")
            painter.setPen(QColor("#777777"))
            painter.drawLine(int(zero), top + 3, int(zero), top + ROW_HEIGHT - 3)
        self._axis(painter, zero, scale, ROW_HEIGHT * len(self.results) + 4)

    def _axis(self, painter: QPainter, zero: float, scale: float, y: float) -> None:
        """The percent scale: a line with ticks at round values, labelled."""
        painter.setPen(self.palette().text().color())
        painter.drawLine(int(zero - self.limit * scale), int(y), int(zero + self.limit * scale), int(y))
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if s >= self.limit / 2.5)
        tick = -int(self.limit // step) * step
        while tick <= self.limit:
            x = zero + tick * scale
            painter.drawLine(int(x), int(y), int(x), int(y + 4))
            painter.drawText(QRectF(x - 24, y + 4, 48, AXIS_HEIGHT - 6), Qt.AlignCenter, f"{tick:+d}%" if tick else "0")
            tick += step


class StretchLabPanel(QWidget):
    """The ranked bars, the chosen pose's numbers and sources, what the numbers show, and chart export."""

    def __init__(self, window, library: StretchLibrary | None, problem: str = "", parent=None):
        super().__init__(parent)
        self.window = window
        layout = QVBoxLayout(self)
        intro = QLabel("Popular psoas stretches, ranked by how much they lengthen the psoas major of the side "
                       "they are meant for. Bars: change from standing, dark right, light left; right of the "
                       "line = longer. Click one to see it. Poses are drawn in the body's own frame, "
                       "trunk upright, whether the person stands, kneels or lies.", wordWrap=True)
        layout.addWidget(intro)
        self.results: list[StretchResult] = []
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.library = library
        if library is None:
            self.text.setPlainText(f"The stretch library could not be loaded: {problem}")
            layout.addWidget(self.text)
            return
        model = window.scene.muscle_model
        self.results = ranked(measure_all(library, model))
        self.findings = findings(library, self.results)
        self.bars = StretchBars(self.results)
        self.bars.chosen.connect(self.choose)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.bars)
        layout.addWidget(scroll, 3)
        layout.addWidget(self.text, 2)
        self.export_button = QPushButton("Export chart…")
        self.export_button.clicked.connect(self._export_dialog)
        layout.addWidget(self.export_button)
        self._show_text(None)

    def measure_again(self) -> None:
        """Rank the stretches on the scene's muscle model again (another body)."""
        if self.library is None:
            return
        self.results = ranked(measure_all(self.library, self.window.scene.muscle_model))
        self.findings = findings(self.library, self.results)
        self.bars.results = self.results
        self.bars.limit = largest_percent(self.results) * 1.1
        self.bars.set_current(-1)
        self._show_text(None)

    def choose(self, row: int) -> None:
        """Animate from standing into the pose, strain colours on, seen from the right."""
        result = self.results[row]
        window = self.window
        self.bars.set_current(row)
        window.animator.stop()
        window.state.set_strain(True)
        window.state.set_labels(False)  # the muscles' colours are the point here
        window.state.set_pose(Pose())
        camera = window.plotter.camera
        before = (camera.position, camera.focal_point)
        window.scene.frame_for_pose(result.stretch.pose, "right")
        after = (camera.position, camera.focal_point)
        camera.position, camera.focal_point = before  # glide round to the side rather than jump
        window.fly(*after)
        window.animator.go_to(result.stretch.pose)
        self._show_text(result)

    def _show_text(self, result: StretchResult | None) -> None:
        parts = []
        if result is not None:
            s = result.stretch
            parts.append(f"<h3>{html.escape(s.name)}</h3><p>{html.escape(s.description)}</p><ul>")
            for muscle, muscle_name in MUSCLE_NAMES.items():
                cells = []
                for side, word in (("r", "right"), ("l", "left")):
                    change = result.get(muscle, side)
                    if change is None:
                        continue
                    cells.append(f"{word} {change.mm:+.1f} mm ({change.percent:+.1f}%)")
                parts.append(f"<li>{muscle_name}: {html.escape(', '.join(cells))}</li>")
            side = s.stretched_side
            upper, lower = result.get("psoas_major", side, "l1_vb"), result.get("psoas_major", side, "l5_vb")
            if upper is not None and lower is not None:
                parts.append(f"<li>Slips of the {'right' if side == 'r' else 'left'} psoas major: L1 body "
                             f"{upper.percent:+.1f}%, L5 body {lower.percent:+.1f}%</li>")
            parts.append("</ul>")
            parts.append(f"<p><i>Angles: {html.escape(s.source)}</i></p>")
        parts.append("<h4>What the numbers show</h4>" + "".join(f"<p>{html.escape(t)}</p>" for t in self.findings))
        self.text.setHtml("".join(parts))

    def export_chart(self, path) -> None:
        from viewer.scene.stretch_chart import export_chart

        scene = self.window.scene
        export_chart(scene.pack, scene.annotations, self.results, path)

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the stretch chart", "psoas-stretches.png", "PNG (*.png);;SVG (*.svg)")
        if not path:
            return
        try:
            self.export_chart(path)
        except (OSError, ValueError, InputError) as exc:
            guard.warn(self, "Cannot export the chart", str(exc))
            return
        self.window.statusBar().showMessage(f"Wrote {path}", 5000)
