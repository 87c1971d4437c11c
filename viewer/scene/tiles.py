"""A picture bigger than one render, drawn in tiles through the camera's own projection.

A 4K figure drawn in one go makes the OpenGL driver hold the whole frame (and, with MSAA, its
samples) at once: about 600 MB on Mesa llvmpipe, and the first frame of a window that size costs
seconds before a pixel is drawn. Here the window stays at most one tile big, and each tile is
rendered with the full picture's projection matrix, scaled and shifted so that the tile's pixels
are exactly the full picture's pixels there (same pixel centres, so no seams from resampling).

Each tile is drawn with a margin that is cut off again: OpenGL drops a point sprite whose centre
lies outside the viewport, so without the margin a landmark dot across a seam would lose its half.
Lights that follow the camera, point sizes and line widths are all per view or per pixel, and the
view itself does not change, so a tiled picture matches one drawn whole.
"""

from __future__ import annotations

import math

import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter

TILE = (1920, 1080)  # the most pixels one render draws
MARGIN = 48  # pixels drawn round each tile and cut off: more than the radius of any dot or line


def tile_projection(projection: np.ndarray, size: tuple[int, int], window: tuple[int, int, int, int]) -> np.ndarray:
    """The projection that draws pixels ``window`` = (x0, y0, width, height) of a ``size`` picture.

    ``projection`` maps the view to the whole picture's clip space; x0 and y0 count from the
    bottom left. Pixel ``p`` of the picture has its centre at ``2 (p + 0.5) / W - 1``; the tile's
    clip space puts the same point at ``2 (p - x0 + 0.5) / w - 1``.
    """
    width, height = size
    x0, y0, w, h = window
    crop = np.array([
        [width / w, 0, 0, (width - 2 * x0) / w - 1],
        [0, height / h, 0, (height - 2 * y0) / h - 1],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
    ])
    return crop @ projection


def _vtk_matrix(matrix: np.ndarray) -> vtkMatrix4x4:
    out = vtkMatrix4x4()
    for i in range(4):
        for j in range(4):
            out.SetElement(i, j, float(matrix[i, j]))
    return out


def _pixels(render_window, alpha: bool) -> np.ndarray:
    """The window's last frame, bottom row first, (h, w, 3 or 4) uint8."""
    grab = vtkWindowToImageFilter()
    grab.SetInput(render_window)
    grab.SetInputBufferTypeToRGBA() if alpha else grab.SetInputBufferTypeToRGB()
    grab.ReadFrontBufferOn()
    grab.ShouldRerenderOff()
    grab.Update()
    data = grab.GetOutput()
    w, h, _ = data.GetDimensions()
    return vtk_to_numpy(data.GetPointData().GetScalars()).reshape(h, w, -1)


def render_in_tiles(plotter, size: tuple[int, int], alpha: bool = False, tile: tuple[int, int] = TILE,
                    margin: int = MARGIN) -> np.ndarray:
    """Render ``plotter``'s view at ``size`` tile by tile; (height, width, 3 or 4) uint8, top row first.

    The camera must already be set (its clipping range included); the window is left at ``size``.
    """
    width, height = size
    columns, rows = math.ceil(width / tile[0]), math.ceil(height / tile[1])
    tile_w, tile_h = math.ceil(width / columns), math.ceil(height / rows)
    camera = plotter.renderer.GetActiveCamera()
    whole = camera.GetProjectionTransformMatrix(width / height, -1, 1)
    projection = np.array([[whole.GetElement(i, j) for j in range(4)] for i in range(4)])
    window = plotter.render_window
    image = np.empty((height, width, 4 if alpha else 3), np.uint8)
    window.SetSize(tile_w + 2 * margin, tile_h + 2 * margin)
    camera.UseExplicitProjectionTransformMatrixOn()
    try:
        for row in range(rows):
            for column in range(columns):
                x0, y0 = column * tile_w, row * tile_h
                w, h = min(tile_w, width - x0), min(tile_h, height - y0)
                drawn = (x0 - margin, y0 - margin, tile_w + 2 * margin, tile_h + 2 * margin)
                camera.SetExplicitProjectionTransformMatrix(_vtk_matrix(tile_projection(projection, size, drawn)))
                window.Render()
                pixels = _pixels(window, alpha)[margin:margin + h, margin:margin + w]
                image[height - y0 - h:height - y0, x0:x0 + w] = pixels[::-1]
    finally:
        camera.UseExplicitProjectionTransformMatrixOff()
        window.SetSize(width, height)
    return image
