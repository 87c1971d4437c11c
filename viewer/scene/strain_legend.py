"""The strain legend over the 3D view: what blue and red mean, with the range in percent.

Drawn on the scene's text layer in the bottom right corner while muscles are coloured by length
change: a title, the colour bar of :func:`viewer.scene.style.strain_colour_map` and its two ends
("shorter −25%", "+25% longer"), on a dark box that reads on a projector. It places itself before
each render, ahead of the labels (a higher observer priority), so the labels keep clear of
:attr:`StrainLegend.box` in the same frame.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkPolyDataMapper2D, vtkRenderer, vtkTextActor, vtkTextRenderer

from viewer.scene import style

BAR_STEPS = 64
MARGIN_PX = 12
PLACE_FIRST = 1.0  # observer priority: before the labels' layout (priority 0)


def _quads(corners: np.ndarray) -> vtkPolyData:
    """Polygons from an (n, 4, 2) array of corners in display pixels."""
    poly = vtkPolyData()
    points = vtkPoints()
    points.SetData(numpy_to_vtk(np.c_[corners.reshape(-1, 2), np.zeros(len(corners) * 4)].astype(float), deep=True))
    cells = vtkCellArray()
    for k in range(len(corners)):
        cells.InsertNextCell(4, [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3])
    poly.SetPoints(points)
    poly.SetPolys(cells)
    return poly


def _actor(poly: vtkPolyData) -> vtkActor2D:
    mapper = vtkPolyDataMapper2D()
    mapper.SetInputData(poly)
    actor = vtkActor2D()
    actor.SetMapper(mapper)
    return actor


class StrainLegend:
    """The legend's actors on ``renderer``; hidden until :meth:`set_visible`."""

    def __init__(self, renderer: vtkRenderer, font_size: int = 14):
        self.renderer = renderer
        self.font_size = font_size
        self.visible = False
        self.box: tuple[float, float, float, float] | None = None  # where it is drawn, display pixels; None when hidden
        self._placed_for: tuple | None = None  # (visible, font size, renderer width) of the last placing
        self.title, self.shorter, self.longer = (vtkTextActor() for _ in range(3))
        for actor, text in zip((self.title, self.shorter, self.longer), style.strain_end_texts()):
            actor.SetInput(text)
            actor.GetTextProperty().SetColor(1, 1, 1)
        self._background = _actor(_quads(np.zeros((1, 4, 2))))
        self._background.GetProperty().SetColor(0.08, 0.09, 0.11)
        self._background.GetProperty().SetOpacity(0.78)
        self._bar = _actor(_quads(np.zeros((BAR_STEPS, 4, 2))))
        mapper = self._bar.GetMapper()
        colours = style.strain_colour_map()((np.arange(BAR_STEPS) + 0.5) / BAR_STEPS)[:, :3]
        mapper.GetInput().GetCellData().SetScalars(numpy_to_vtk((255 * colours).round().astype(np.uint8), deep=True))
        mapper.SetScalarModeToUseCellData()
        mapper.SetColorModeToDirectScalars()
        self.actors = [self._background, self._bar, self.title, self.shorter, self.longer]
        for actor in self.actors:
            actor.SetVisibility(False)
            renderer.AddViewProp(actor)
        self.set_font_size(font_size)
        renderer.AddObserver("StartEvent", lambda *_: self.place(), PLACE_FIRST)

    def set_font_size(self, size: int) -> None:
        self.font_size = size
        for actor in (self.title, self.shorter, self.longer):
            actor.GetTextProperty().SetFontSize(size)
        self.place()

    def set_visible(self, on: bool) -> None:
        self.visible = on
        self.place()

    def _size(self, actor: vtkTextActor) -> tuple[float, float]:
        box = [0, 0, 0, 0]
        vtkTextRenderer.GetInstance().GetBoundingBox(actor.GetTextProperty(), actor.GetInput(), box, 72)
        return box[1] - box[0], box[3] - box[2]

    def place(self) -> None:
        """Put the legend in the bottom right corner of the renderer as it is now (or hide it); nothing
        to do if neither the window's width nor the legend changed since the last frame."""
        width, _ = self.renderer.GetSize()
        if (self.visible, self.font_size, width) == self._placed_for:
            return
        self._placed_for = (self.visible, self.font_size, width)
        for actor in self.actors:
            actor.SetVisibility(self.visible)
        if not self.visible:
            self.box = None
            return
        f = self.font_size
        pad, gap, bar_height = 0.6 * f, 0.35 * f, 1.1 * f
        (title_w, title_h), (short_w, end_h), (long_w, _) = (self._size(a) for a in (self.title, self.shorter, self.longer))
        bar_width = max(title_w, short_w + long_w + 2 * f)
        x0, y0 = width - MARGIN_PX - bar_width - 2 * pad, MARGIN_PX
        x1, y1 = width - MARGIN_PX, y0 + 2 * pad + end_h + bar_height + title_h + 2 * gap
        self.box = (float(x0), float(y0), float(x1), float(y1))
        bx, by = x0 + pad, y0 + pad + end_h + gap
        self._set_corners(self._background, np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], float))
        edges = bx + bar_width * np.arange(BAR_STEPS + 1) / BAR_STEPS
        steps = np.stack([np.c_[edges[:-1], np.full(BAR_STEPS, by)], np.c_[edges[1:], np.full(BAR_STEPS, by)],
                          np.c_[edges[1:], np.full(BAR_STEPS, by + bar_height)], np.c_[edges[:-1], np.full(BAR_STEPS, by + bar_height)]], axis=1)
        self._set_corners(self._bar, steps)
        self.shorter.SetDisplayPosition(int(round(bx)), int(round(y0 + pad)))
        self.longer.SetDisplayPosition(int(round(bx + bar_width - long_w)), int(round(y0 + pad)))
        self.title.SetDisplayPosition(int(round(bx + (bar_width - title_w) / 2)), int(round(by + bar_height + gap)))

    @staticmethod
    def _set_corners(actor: vtkActor2D, corners: np.ndarray) -> None:
        poly = actor.GetMapper().GetInput()
        poly.GetPoints().SetData(numpy_to_vtk(np.c_[corners.reshape(-1, 2), np.zeros(corners.size // 2)].astype(float), deep=True))
        poly.Modified()
