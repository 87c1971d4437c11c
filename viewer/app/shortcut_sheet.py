"""F1 / ?: every keyboard shortcut of the window, read from its actions."""

from __future__ import annotations

import html

from PyQt5.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout


class ShortcutSheet(QDialog):
    """A large, plain list of shortcut keys and what they do."""

    def __init__(self, actions, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = []
        for action in actions:
            keys = ", ".join(s.toString() for s in action.shortcuts() if not s.isEmpty())
            if keys:
                rows.append(f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(action.text().replace('&', ''))}</td></tr>")
        self.rows = len(rows)
        text = QTextBrowser()
        text.setHtml("<table cellpadding='6' style='font-size:15pt'>" + "".join(rows) + "</table>")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(560, 640)
