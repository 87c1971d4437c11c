"""The landmark form shown under the info panel in edit mode: name, kind, description, references.

Every field is plain text (QLineEdit, QPlainTextEdit): whatever a user types is stored and shown
as text, never interpreted as markup.
"""

from __future__ import annotations

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from viewer.anatomy.annotations import Annotations

KINDS = ("landmark", "origin", "insertion", "via")


class LandmarkEditor(QWidget):
    """Edits the selected landmark; emits ``applied(id, changes)`` and ``delete_requested(id)``."""

    applied = pyqtSignal(str, dict)
    delete_requested = pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.landmark_id: str | None = None
        self.heading = QLabel()
        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("In your own words")
        self.references = QPlainTextEdit()
        self.references.setPlaceholderText("One reference a line")
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self._apply)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(lambda: self.delete_requested.emit(self.landmark_id))
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Description", self.description)
        form.addRow("References", self.references)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.show_landmark(None, None)

    def show_landmark(self, annotations: Annotations | None, landmark_id: str | None) -> None:
        """Fill the form from a landmark of ``annotations``, or empty it when none is selected."""
        entry = None
        if annotations is not None and landmark_id in annotations.landmarks:
            entry = next(item for item in annotations.document["landmarks"] if item["id"] == landmark_id)
        self.landmark_id = entry["id"] if entry else None
        for widget in (self.name, self.kind, self.description, self.references, self.apply_button, self.delete_button):
            widget.setEnabled(entry is not None)
        self.heading.setText(f"Editing {entry['id']} on {entry['bone']}" if entry else
                             "Click a bone to add a landmark, or a landmark to edit it; drag a landmark to move it.")
        self.heading.setWordWrap(True)
        self.name.setText(entry["name"] if entry else "")
        self.kind.setCurrentText(entry["kind"] if entry else KINDS[0])
        self.description.setPlainText(entry.get("description", "") if entry else "")
        self.references.setPlainText("\n".join(entry.get("references", [])) if entry else "")

    def changes(self) -> dict:
        """The form's values as landmark fields."""
        references = [line.strip() for line in self.references.toPlainText().splitlines() if line.strip()]
        return {"name": self.name.text().strip(), "kind": self.kind.currentText(),
                "description": self.description.toPlainText().strip(), "references": references}

    def _apply(self) -> None:
        if self.landmark_id is not None:
            self.applied.emit(self.landmark_id, self.changes())
