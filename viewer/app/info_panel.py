"""The info panel: name, kind, attachments (as links), description and references.

Content comes from annotation files a user may have written, so every text is escaped: it is
shown as plain text inside our own markup, and the browser never follows or loads a link itself.
"""

from __future__ import annotations

import html

from PyQt5.QtCore import QUrl, pyqtSignal
from PyQt5.QtWidgets import QTextBrowser

from viewer.anatomy.catalogue import Catalogue, describe
from viewer.scene.viewer_state import ViewerState

LINK_SCHEME = "structure"


class InfoPanel(QTextBrowser):
    """Describes the selected structure; clicking a link selects that structure."""

    link_chosen = pyqtSignal(str)

    def __init__(self, catalogue: Catalogue, state: ViewerState, parent=None):
        super().__init__(parent)
        self.catalogue, self.state = catalogue, state
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.held: str | None = None
        state.subscribe(self._on_state)
        self._show()

    def loadResource(self, kind, url):  # never fetch images or style sheets named in content
        return None

    def _clicked(self, url: QUrl) -> None:
        if url.scheme() == LINK_SCHEME:
            self.link_chosen.emit(url.path())

    def _on_state(self, what: str) -> None:
        if what in ("selection", "pose"):
            self._show()

    def hold(self, message: str | None) -> None:
        """Show a message instead of the selection (a quiz question must not be answered here); None resumes."""
        self.held = message
        self._show()

    def _show(self) -> None:
        selected = self.state.selection
        if self.held is not None:
            self.setHtml(f"<p><i>{html.escape(self.held)}</i></p>")
            return
        if selected is None:
            self.setHtml("<p><i>Click a landmark, bone or muscle, or search for one.</i></p>")
            return
        structure = self.catalogue[selected]
        parts = [f"<h2>{html.escape(structure.name)}</h2>"]
        if structure.kind != "landmark":  # a landmark's kind is its first section
            kind = "intervertebral disc" if structure.kind == "disc" else structure.kind
            parts.append(f"<p><i>{html.escape(kind)}</i></p>")
        for heading, lines in describe(self.catalogue, selected):
            parts.append(f"<h4>{html.escape(heading)}</h4><ul>")
            for line in lines:
                text = html.escape(line.text)
                if line.link:
                    text = f'<a href="{LINK_SCHEME}:{html.escape(line.link)}">{text}</a>'
                parts.append(f"<li>{text}</li>")
            parts.append("</ul>")
        self.setHtml("".join(parts))
