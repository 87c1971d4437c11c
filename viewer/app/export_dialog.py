"""File > Export figure: options, a preview made by the same exporter, and the save."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from viewer.app import guard
from viewer.app.memory import give_back_freed_memory
from viewer.scene.export import export_figure

SIZES = ["1280x800", "1920x1080", "2560x1440", "3840x2160"]
PREVIEW_WIDTH = 640
FILTERS = "PNG image (*.png);;SVG vector (*.svg);;PDF (*.pdf);;3D scene, glTF binary (*.glb)"


class ExportDialog(QDialog):
    """Builds a view from the window's current panel plus these options, previews and writes it."""

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.setAttribute(Qt.WA_DeleteOnClose)  # each File > Export makes a new dialog: closed ones go
        self.window = window
        self.setWindowTitle("Export figure")
        self.preview = QLabel(alignment=Qt.AlignCenter)
        self.preview.setMinimumSize(PREVIEW_WIDTH, PREVIEW_WIDTH * 9 // 16)
        self.title = QLineEdit()
        self.caption = QLineEdit()
        self.size = QComboBox()
        self.size.addItems(SIZES)
        self.size.setCurrentText("1920x1080")
        self.labels = QComboBox()
        self.labels.addItems(["As shown", "Selection only", "None"])
        self.legend, self.scale_bar, self.readout, self.credit = (QCheckBox(t) for t in ("Legend", "Scale bar", "Pose readout", "Credit line"))
        for box in (self.legend, self.scale_bar, self.readout, self.credit):
            box.setChecked(True)
        self.transparent = QCheckBox("Transparent background")
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Caption", self.caption)
        form.addRow("Size", self.size)
        form.addRow("Labels", self.labels)
        switches = QHBoxLayout()
        for box in (self.legend, self.scale_bar, self.readout, self.credit, self.transparent):
            switches.addWidget(box)
        refresh = QPushButton("Update preview")
        refresh.clicked.connect(self.update_preview)
        save = QPushButton("Export…")
        save.setDefault(True)
        save.clicked.connect(self._choose_and_export)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(refresh)
        buttons.addStretch(1)
        buttons.addWidget(save)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addLayout(form)
        layout.addLayout(switches)
        layout.addLayout(buttons)

    def view(self) -> dict:
        panel = self.window.current_panel()
        choice = self.labels.currentText()
        if choice == "Selection only":
            panel["labels"] = [panel["selection"]] if panel["selection"] in self.window.scene.landmark_actors.index else "none"
        elif choice == "None":
            panel["labels"] = "none"
        view = {
            "format_version": 1,
            "panels": [panel],
            "legend": self.legend.isChecked(),
            "scale_bar": self.scale_bar.isChecked(),
            "pose_readout": self.readout.isChecked(),
            "credit": self.credit.isChecked(),
        }
        if self.transparent.isChecked():
            view["background"] = "transparent"
        for key, field in (("title", self.title), ("caption", self.caption)):
            if field.text().strip():
                view[key] = field.text().strip()
        return view

    def figure_size(self) -> tuple[int, int]:
        width, height = (int(v) for v in self.size.currentText().split("x"))
        return width, height

    @guard.guarded("The preview")
    def update_preview(self) -> None:
        width, height = self.figure_size()
        small = (PREVIEW_WIDTH, round(PREVIEW_WIDTH * height / width))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "preview.png"
            export_figure(self.window.scene.pack, self.window.scene.annotations, self.view(), path, small)
            self.preview.setPixmap(QPixmap(str(path)))
        give_back_freed_memory()

    def export_to(self, path: Path) -> None:
        """Write the figure (or, for .glb, the posed 3D scene) to ``path``."""
        if path.suffix.lower() == ".glb":
            from viewer.scene.gltf_export import export_glb  # trimesh, imported only when a scene is exported

            export_glb(self.window.scene, path)
        else:
            export_figure(self.window.scene.pack, self.window.scene.annotations, self.view(), path, self.figure_size())
        give_back_freed_memory()  # the figure's scene and pixels (memory.py)

    @guard.guarded("Export")
    def _choose_and_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export figure", "figure.png", FILTERS)
        if not name:
            return
        try:
            self.export_to(Path(name))
        except (OSError, ValueError) as exc:
            guard.warn(self, "Export failed", str(exc))
            return
        self.window.statusBar().showMessage(f"Wrote {name}", 5000)
