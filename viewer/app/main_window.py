"""The main window: the 3D view, the view presets, and a status line for missing bones."""

from __future__ import annotations

from pyvistaqt import QtInteractor
from PyQt5.QtWidgets import QAction, QLabel, QMainWindow

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.mesh_pack import MeshPack
from viewer.scene.anatomy_scene import AnatomyScene
from viewer.scene.views import VIEWS


class MainWindow(QMainWindow):
    """A window around one :class:`AnatomyScene`, drawn by pyvistaqt's ``QtInteractor``."""

    def __init__(self, pack: MeshPack, annotations: Annotations | None = None):
        super().__init__()
        self.setWindowTitle("Psoas viewer")
        self.resize(1280, 800)
        self.plotter = QtInteractor(self)
        self.setCentralWidget(self.plotter.interactor)
        self.scene = AnatomyScene(self.plotter, pack, annotations)
        self._build_view_menu()
        self.missing_label = QLabel(self._missing_text(pack))
        self.statusBar().addPermanentWidget(self.missing_label)

    def _build_view_menu(self) -> None:
        menu = self.menuBar().addMenu("&View")
        for number, name in enumerate(VIEWS, start=1):
            action = QAction(name.capitalize(), self)
            action.setShortcut(str(number))
            action.triggered.connect(lambda _checked=False, view=name: self.show_view(view))
            menu.addAction(action)

    @staticmethod
    def _missing_text(pack: MeshPack) -> str:
        if not pack.problems:
            return f"{len(pack.bones)} bones loaded"
        return "Not shown: " + "; ".join(str(problem) for problem in pack.problems)

    def show_view(self, name: str) -> None:
        self.scene.set_view(name)
        self.plotter.render()

    def closeEvent(self, event) -> None:
        self.plotter.close()
        super().closeEvent(event)
