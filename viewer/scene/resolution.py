"""The 3D scene drawn at a fraction of the window's resolution while the user turns it.

In software rendering most of a frame's time is per pixel (bones 1280x800 against 640x400:
about three times the time, see benchmarks/interaction.py), so while the view is dragged the
scene renderer draws into the lower-left part of the frame and that part is scaled up to the
whole window before the layer above it (labels and text, drawn at full resolution) is drawn.
Points and lines are drawn thinner by the same factor so that they keep their size on screen.
"""

from __future__ import annotations

from vtkmodules.vtkRenderingCore import vtkProperty, vtkRenderer
from vtkmodules.vtkRenderingOpenGL2 import vtkOpenGLFramebufferObject

MOVING_SCALE = 0.5
_READ, _DRAW, _COLOUR, _NEAREST, _LINEAR = 0x8CA8, 0x8CA9, 0x4000, 0x2600, 0x2601  # OpenGL enums


class MovingResolution:
    """Switches a scene renderer between full resolution and :data:`MOVING_SCALE` of it."""

    def __init__(self, renderer: vtkRenderer, scale: float = MOVING_SCALE):
        self.renderer = renderer
        self.scale = scale
        self.on = False
        self._copy = vtkOpenGLFramebufferObject()
        self._thinned: list[tuple[vtkProperty, float, float]] = []
        renderer.AddObserver("EndEvent", lambda *_: self._scale_up())

    def set(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        s = self.scale if on else 1.0
        self.renderer.SetViewport(0.0, 0.0, s, s)
        if on:
            props = [actor.GetProperty() for actor in self.renderer.GetActors() if actor.GetVisibility()]
            self._thinned = [(p, p.GetPointSize(), p.GetLineWidth()) for p in props]
            for prop, point, line in self._thinned:
                prop.SetPointSize(point * s)
                prop.SetLineWidth(max(1.0, line * s))
        else:
            for prop, point, line in self._thinned:
                prop.SetPointSize(point)
                prop.SetLineWidth(line)
            self._thinned = []

    def _scale_up(self) -> None:
        """Stretch the part the scene was drawn in over the whole frame (through a copy: a blit
        within one framebuffer must not overlap itself)."""
        if not self.on:
            return
        window = self.renderer.GetRenderWindow()
        width, height = window.GetSize()
        small = max(1, round(width * self.scale)), max(1, round(height * self.scale))
        state = window.GetState()
        state.PushFramebufferBindings()
        if self._copy.GetContext() is None:
            self._copy.SetContext(window)
        if tuple(self._copy.GetLastSize()) != small:
            self._copy.Resize(*small) if self._copy.GetFBOIndex() else self._copy.PopulateFramebuffer(*small, True, 1, 3, False, False, 0, False)
        frame = window.GetRenderFramebuffer()
        frame.Bind(_READ)
        self._copy.Bind(_DRAW)
        state.vtkglBlitFramebuffer(0, 0, *small, 0, 0, *small, _COLOUR, _NEAREST)
        self._copy.Bind(_READ)
        frame.Bind(_DRAW)
        state.vtkglBlitFramebuffer(0, 0, *small, 0, 0, width, height, _COLOUR, _LINEAR)
        state.PopFramebufferBindings()
