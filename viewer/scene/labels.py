"""Landmark labels with leader lines, laid out again before every render.

Text is drawn by VTK text actors on a dark box for contrast; their sizes come from VTK's text
renderer, so the layout (see :mod:`viewer.scene.label_layout`) knows the real boxes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkTextActor, vtkTextRenderer

from viewer.scene.label_layout import LabelBox, layout_labels
from viewer.scene.projection import world_to_display


class LabelOverlay:
    """Labels for a changing set of 3D points on one renderer."""

    def __init__(self, plotter: pv.Plotter, font_size: int = 14,
                 hidden_by_bone: Callable[[np.ndarray], np.ndarray] | None = None):
        """``hidden_by_bone(points)`` says which points the camera cannot see: they get no label
        (unless highlighted), since a leader line into a bone points at nothing the viewer sees."""
        self.renderer = plotter.renderer
        self.hidden_by_bone = hidden_by_bone
        self.font_size = font_size
        self.texts: list[str] = []
        self.points: Callable[[], np.ndarray] = lambda: np.zeros((0, 3))
        self.priority = np.zeros(0)
        self.placed: list[LabelBox] = []
        self.enabled = True
        self.reserve_bottom = 0.0  # pixels kept free at the bottom (for the info overlay)
        self.highlight: int | None = None
        self._actors: list[vtkTextActor] = []
        self._lines = pv.PolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._lines)
        self._line_actor = vtkActor2D()
        self._line_actor.SetMapper(mapper)
        self._line_actor.GetProperty().SetColor(0.95, 0.95, 0.95)
        self._line_actor.GetProperty().SetLineWidth(1.5)
        self.renderer.AddViewProp(self._line_actor)
        self.renderer.AddObserver("StartEvent", lambda *_: self.relayout())

    def set_labels(
        self, texts: list[str], points: Callable[[], np.ndarray], priority: np.ndarray | None = None, highlight: int | None = None
    ) -> None:
        """Label ``texts``; ``points()`` gives their current world positions; ``highlight`` stands out."""
        self.texts = list(texts)
        self.highlight = highlight
        self.points = points
        self.priority = np.zeros(len(texts)) if priority is None else np.asarray(priority, float)
        while len(self._actors) < len(self.texts):
            actor = vtkTextActor()
            prop = actor.GetTextProperty()
            prop.SetColor(1, 1, 1)
            prop.SetBackgroundColor(0.08, 0.09, 0.11)
            prop.SetBackgroundOpacity(0.78)
            prop.SetFrame(False)
            self.renderer.AddViewProp(actor)
            self._actors.append(actor)
        for actor, text in zip(self._actors, self.texts):
            actor.SetInput(text)
        self.set_font_size(self.font_size)

    def set_font_size(self, size: int) -> None:
        self.font_size = size
        for actor in self._actors:
            actor.GetTextProperty().SetFontSize(size)

    def text_sizes(self) -> np.ndarray:
        """Width and height in pixels of each label's text box."""
        renderer = vtkTextRenderer.GetInstance()
        sizes = np.zeros((len(self.texts), 2))
        pad = 0.3 * self.font_size
        for k, (actor, text) in enumerate(zip(self._actors, self.texts)):
            box = [0, 0, 0, 0]
            renderer.GetBoundingBox(actor.GetTextProperty(), text, box, 72)
            sizes[k] = (box[1] - box[0] + pad, box[3] - box[2] + pad)
        return sizes

    def relayout(self) -> None:
        """Place the labels for the current camera and update the text and line actors."""
        anchors = np.zeros((0, 2))
        if not self.enabled or not self.texts:
            self.placed = []
        else:
            points = self.points()
            anchors, in_front = world_to_display(self.renderer, points)
            if self.hidden_by_bone is not None and len(points):
                hidden = self.hidden_by_bone(points)
                if self.highlight is not None:
                    hidden[self.highlight] = False
                in_front &= ~hidden
            anchors = np.where(in_front[:, None], anchors, -1e6)
            width, height = self.renderer.GetSize()
            placed = layout_labels(anchors - [0, self.reserve_bottom], self.text_sizes(), (width, max(1, height - self.reserve_bottom)), self.priority)
            self.placed = [_shifted(label, self.reserve_bottom) for label in placed]
        shown = {label.index: label for label in self.placed}
        ends: list[tuple[float, float, float]] = []
        lines = []
        for k, actor in enumerate(self._actors):
            label = shown.get(k)
            actor.SetVisibility(label is not None)
            if label is None:
                continue
            background = (0.85, 0.45, 0.12) if k == self.highlight else (0.08, 0.09, 0.11)
            actor.GetTextProperty().SetBackgroundColor(*background)
            x0, y0, _, _ = label.box
            actor.SetDisplayPosition(int(round(x0 + 0.15 * self.font_size)), int(round(y0 + 0.15 * self.font_size)))
            ends += [(anchors[k, 0], anchors[k, 1], 0.0), (label.leader_end[0], label.leader_end[1], 0.0)]
            lines.append((2, len(ends) - 2, len(ends) - 1))
        self._lines.points = np.array(ends, dtype=float).reshape(-1, 3)
        self._lines.lines = np.array(lines, dtype=np.int64).ravel()
        self._line_actor.SetVisibility(bool(lines))


def _shifted(label: LabelBox, dy: float) -> LabelBox:
    x0, y0, x1, y1 = label.box
    return LabelBox(label.index, (x0, y0 + dy, x1, y1 + dy), (label.leader_end[0], label.leader_end[1] + dy))
