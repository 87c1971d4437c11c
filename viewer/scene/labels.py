"""Landmark labels with leader lines, laid out again before every render.

What to label comes from :func:`viewer.scene.label_plan.plan_labels` (the same rule as figures);
text is drawn by VTK text actors on a dark box for contrast, their sizes come from VTK's text
renderer, so the layout (see :mod:`viewer.scene.label_layout`) knows the real boxes. A landmark
that lies behind something gets a dashed leader. Other things drawn over the view (the info
overlay, the strain legend) are kept clear, as a figure keeps its footer and scale bar clear.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyvista as pv
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkRenderer, vtkTextActor, vtkTextRenderer

from viewer.scene.label_layout import Box, LabelBox, layout_labels
from viewer.scene.label_plan import LabelPlan

DASH_PX, GAP_PX = 6.0, 4.0


class LabelOverlay:
    """Labels on one renderer, planned for its camera before every render."""

    def __init__(self, renderer: vtkRenderer, plan: Callable[[], LabelPlan], font_size: int = 14):
        """``plan()`` says what to label for the current camera; it is asked again only when the
        camera or :attr:`generation` (bumped by the scene on any change of content) has changed.
        While :attr:`moving` the last plan follows the camera instead of being asked again."""
        self.renderer = renderer
        self.plan_for_camera = plan
        self.font_size = font_size
        self.plan: LabelPlan | None = None
        self.placed: list[LabelBox] = []
        self.enabled = True
        self.reserve_bottom = 0.0  # pixels kept free at the bottom (for the info overlay)
        # other boxes kept free, each asked for where it is now (None: not shown), in display pixels
        self.keep_out: dict[str, Callable[[], Box | None]] = {}
        self.generation = 0
        self.moving = False
        self._planned_for: tuple | None = None
        self._actors: list[vtkTextActor] = []
        self._line_actors = {dashed: self._lines_actor() for dashed in (False, True)}
        self.renderer.AddObserver("StartEvent", lambda *_: self.relayout())

    def _lines_actor(self) -> tuple[pv.PolyData, vtkActor2D]:
        lines = pv.PolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(lines)
        actor = vtkActor2D()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(0.95, 0.95, 0.95)
        actor.GetProperty().SetLineWidth(1.5)
        self.renderer.AddViewProp(actor)
        return lines, actor

    @property
    def texts(self) -> list[str]:
        return self.plan.texts if self.plan is not None else []

    def changed(self) -> None:
        """The scene's content changed (pose, visibility, selection): plan again at the next render."""
        self.generation += 1

    def follow(self, points_of: Callable[[list[str]], np.ndarray]) -> None:
        """The scene's content changed and its landmarks moved (another body) while the view moves:
        the labels of the last plan follow them to ``points_of(ids)`` at the next render, without
        asking again what hides what (planned afresh once still, as for a moving camera)."""
        if not (self.moving and self.plan is not None and self.plan.points is not None and self._planned_for is not None):
            return
        self.plan.points = points_of(self.plan.ids)
        self._planned_for = (None, self.generation, *self._planned_for[2:])  # the content is followed, not planned again

    def set_moving(self, moving: bool) -> None:
        """While the view moves labels follow their plan; once it stops they are planned afresh."""
        if self.moving and not moving:
            self.changed()
        self.moving = moving

    def set_font_size(self, size: int) -> None:
        self.font_size = size
        for actor in self._actors:
            actor.GetTextProperty().SetFontSize(size)
        self.changed()

    def _text_actor(self, k: int) -> vtkTextActor:
        while len(self._actors) <= k:
            actor = vtkTextActor()
            prop = actor.GetTextProperty()
            prop.SetColor(1, 1, 1)
            prop.SetBackgroundOpacity(0.78)
            prop.SetFrame(False)
            prop.SetFontSize(self.font_size)
            self.renderer.AddViewProp(actor)
            self._actors.append(actor)
        return self._actors[k]

    def kept_clear(self, width: float) -> tuple[Box, ...]:
        """The boxes labels keep clear of now: the reserved bottom band and each shown ``keep_out`` box."""
        boxes = [(0.0, 0.0, float(width), self.reserve_bottom)] if self.reserve_bottom > 0 else []
        boxes += [box for box in (where() for where in self.keep_out.values()) if box is not None]
        return tuple((float(box[0]), float(box[1]), float(box[2]), float(box[3])) for box in boxes)

    def text_sizes(self) -> np.ndarray:
        """Width and height in pixels of each planned label's text box."""
        renderer = vtkTextRenderer.GetInstance()
        sizes = np.zeros((len(self.texts), 2))
        pad = 0.3 * self.font_size
        for k, text in enumerate(self.texts):
            box = [0, 0, 0, 0]
            renderer.GetBoundingBox(self._text_actor(k).GetTextProperty(), text, box, 72)
            sizes[k] = (box[1] - box[0] + pad, box[3] - box[2] + pad)
        return sizes

    def relayout(self) -> None:
        """Plan (if the camera or the content moved) and place the labels; update text and line actors."""
        width, height = self.renderer.GetSize()
        kept_clear = self.kept_clear(width)
        key = (self.renderer.GetActiveCamera().GetMTime(), self.generation, width, height, kept_clear, self.enabled)
        if key == self._planned_for:
            return
        follow = self.moving and self.plan is not None and self._planned_for is not None and key[1:] == self._planned_for[1:]
        self._planned_for = key
        self.placed = []
        if follow and self.plan is not None and self.plan.points is not None:
            self.plan = self.plan.followed(self.renderer)
        else:
            self.plan = self.plan_for_camera() if self.enabled else None
        if self.plan is not None and self.plan.ids:
            for k, text in enumerate(self.plan.texts):
                self._text_actor(k).SetInput(text)
            self.placed = layout_labels(self.plan.anchors, self.text_sizes(), (width, height), self.plan.priority,
                                        limit=self.plan.limit, keep_out=kept_clear)
        shown = {label.index: label for label in self.placed}
        segments: dict[bool, list] = {False: [], True: []}
        for k, actor in enumerate(self._actors):
            label = shown.get(k)
            actor.SetVisibility(label is not None)
            if label is None:
                continue
            background = (0.85, 0.45, 0.12) if k == self.plan.highlight else (0.08, 0.09, 0.11)
            actor.GetTextProperty().SetBackgroundColor(*background)
            x0, y0, _, _ = label.box
            actor.SetDisplayPosition(int(round(x0 + 0.15 * self.font_size)), int(round(y0 + 0.15 * self.font_size)))
            dashed = bool(self.plan.dashed[k])
            segments[dashed] += _dashes(self.plan.anchors[k], label.leader_end) if dashed else [(self.plan.anchors[k], label.leader_end)]
        for dashed, (lines, actor) in self._line_actors.items():
            points = np.array([(*p, 0.0) for segment in segments[dashed] for p in segment], dtype=float).reshape(-1, 3)
            lines.points = points
            lines.lines = np.c_[np.full(len(points) // 2, 2), np.arange(0, len(points), 2), np.arange(1, len(points), 2)].astype(np.int64).ravel()
            actor.SetVisibility(bool(len(points)))


def _dashes(start, end) -> list[tuple[np.ndarray, np.ndarray]]:
    """A dashed line from ``start`` to ``end`` as short segments."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    length = np.linalg.norm(end - start)
    if length < 1e-6:
        return []
    step = (end - start) / length
    return [(start + step * s, start + step * min(length, s + DASH_PX)) for s in np.arange(0, length, DASH_PX + GAP_PX)]
