"""The structure panel: search, a tree of bones, muscles and landmarks, visibility and opacity."""

from __future__ import annotations

from PyQt5.QtCore import QEvent, QStringListModel, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.anatomy.catalogue import Catalogue
from viewer.anatomy.search import search
from viewer.scene.viewer_state import ViewerState

ID_ROLE = Qt.UserRole


class StructurePanel(QWidget):
    """Lists every structure; checkboxes follow and set visibility; search finds by name."""

    search_chosen = pyqtSignal(str)
    keys_released = pyqtSignal()  # Enter or Escape in the search box: the keys go back to the view

    def __init__(self, catalogue: Catalogue, state: ViewerState, bones: list[str], parent=None):
        super().__init__(parent)
        self.catalogue, self.state = catalogue, state
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search: lesser troch, L3 TP, ASIS…")
        self.search_box.setClearButtonEnabled(True)
        self._results = QStringListModel()
        self._result_ids: dict[str, str] = {}
        completer = QCompleter(self._results, self)
        completer.setCompletionMode(QCompleter.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.activated[str].connect(self._choose_text)
        self.search_box.setCompleter(completer)
        self.search_box.textEdited.connect(self._update_results)
        self.search_box.returnPressed.connect(self._choose_first)
        self.search_box.installEventFilter(self)

        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.bones = bones
        self._build_tree(bones)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_changed)

        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.opacity.setToolTip("Opacity of the selected structure")
        self.opacity.valueChanged.connect(self._opacity_changed)
        isolate = QPushButton("Isolate")
        isolate.setToolTip("Show only the selected structure (and its bone)")
        isolate.clicked.connect(self.isolate)
        ghost = QPushButton("Ghost others")
        ghost.setToolTip("Make everything but the selection faint")
        ghost.clicked.connect(self.ghost)
        show_all = QPushButton("Show all")
        show_all.clicked.connect(state.show_all)
        buttons = QGridLayout()  # two rows, so the panel can stay narrow beside the view
        buttons.addWidget(isolate, 0, 0)
        buttons.addWidget(ghost, 0, 1)
        buttons.addWidget(show_all, 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.tree, 1)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel("Opacity"))
        opacity_row.addWidget(self.opacity, 1)
        layout.addLayout(opacity_row)
        layout.addLayout(buttons)
        state.subscribe(self._on_state)

    def _item(self, parent, text: str, structure_id: str | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        if structure_id is not None:
            item.setData(0, ID_ROLE, structure_id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(0, Qt.Checked if self.state.is_visible(structure_id) else Qt.Unchecked)
            self.items[structure_id] = item
        return item

    def _build_tree(self, bones: list[str]) -> None:
        bones_root = self._item(self.tree, "Bones", None)
        discs = [b for b in bones if self.catalogue[b].kind == "disc"]
        discs_root = self._item(self.tree, "Intervertebral discs", None) if discs else None
        muscles_root = self._item(self.tree, "Muscles", None)
        landmarks_root = self._item(self.tree, "Landmarks", None)
        for bone_id in bones:
            self._item(discs_root if bone_id in discs else bones_root, self.catalogue[bone_id].name, bone_id)
        for muscle in self.catalogue.of_kind("muscle"):
            if muscle.id in self.state.structures:
                self._item(muscles_root, muscle.name, muscle.id)
        for bone_id in bones:
            group = self._item(landmarks_root, self.catalogue[bone_id].name, None)
            for landmark in self.catalogue.landmarks_on(bone_id):
                self._item(group, landmark.name, landmark.id)
        bones_root.setExpanded(True)
        muscles_root.setExpanded(True)

    def set_catalogue(self, catalogue: Catalogue) -> None:
        """List the structures of a changed annotations document."""
        self.catalogue = catalogue
        self.tree.blockSignals(True)
        self.tree.clear()
        self.items = {}
        self._build_tree(self.bones)
        self.tree.blockSignals(False)

    # user intents -> state
    def _item_changed(self, item: QTreeWidgetItem) -> None:
        structure_id = item.data(0, ID_ROLE)
        if structure_id is not None:
            visible = item.checkState(0) == Qt.Checked
            if visible != self.state.is_visible(structure_id):
                self.state.set_visible(structure_id, visible)

    def _current_changed(self, item: QTreeWidgetItem, _previous) -> None:
        structure_id = item.data(0, ID_ROLE) if item is not None else None
        if structure_id is not None and structure_id != self.state.selection:
            self.state.select(structure_id)

    def _opacity_changed(self, value: int) -> None:
        if self.state.selection is not None:
            self.state.set_opacity(self.state.selection, value / 100)

    def _keep_set(self) -> set[str]:
        selected = self.state.selection
        keep = {selected}
        structure = self.catalogue[selected]
        if structure.bone:
            keep.add(structure.bone)
        if structure.kind == "muscle":
            keep |= {lid for lid, _ in self.catalogue.of_muscle[selected]}
            keep |= {self.catalogue[lid].bone for lid, _ in self.catalogue.of_muscle[selected]}
        return keep & set(self.state.structures)

    def isolate(self) -> None:
        if self.state.selection is not None:
            self.state.isolate(self._keep_set())

    def ghost(self) -> None:
        if self.state.selection is not None:
            self.state.ghost_others(self._keep_set())

    def _update_results(self, text: str) -> None:
        found = [s for s in search(self.catalogue, text) if s.id in self.state.structures]
        self._result_ids = {s.name: s.id for s in found}
        self._results.setStringList([s.name for s in found])

    def _choose_text(self, text: str) -> None:
        if text in self._result_ids:
            self.search_chosen.emit(self._result_ids[text])
        self._release_keys()

    def _choose_first(self) -> None:
        self._update_results(self.search_box.text())
        names = self._results.stringList()
        if names:
            self.search_box.completer().popup().hide()
            self.search_chosen.emit(self._result_ids[names[0]])
        self._release_keys()

    def _release_keys(self) -> None:
        # after the completer's popup has closed, which gives the focus back to the box
        QTimer.singleShot(0, self.keys_released.emit)

    def eventFilter(self, watched, event) -> bool:
        """Escape in the search box leaves it (before the window's Escape, which clears the selection)."""
        if watched is self.search_box and event.type() in (QEvent.ShortcutOverride, QEvent.KeyPress) and event.key() == Qt.Key_Escape:
            event.accept()
            if event.type() == QEvent.KeyPress:
                self.search_box.completer().popup().hide()
                self._release_keys()
            return event.type() == QEvent.KeyPress
        return super().eventFilter(watched, event)

    # state -> widgets
    def _on_state(self, what: str) -> None:
        if what == "visibility":
            self.tree.blockSignals(True)
            for structure_id, item in self.items.items():
                item.setCheckState(0, Qt.Checked if self.state.is_visible(structure_id) else Qt.Unchecked)
            self.tree.blockSignals(False)
        elif what == "selection":
            selected = self.state.selection
            item = self.items.get(selected)
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item) if item is not None else self.tree.clearSelection()
            self.tree.blockSignals(False)
            if item is not None:
                self.tree.scrollToItem(item)
            self.opacity.blockSignals(True)
            self.opacity.setValue(int(round(100 * self.state.opacity.get(selected, 1.0))) if selected else 100)
            self.opacity.blockSignals(False)
