"""The 3D scene drawn at a fraction of the window's resolution while the user turns it.

In software rendering most of a frame's time is per pixel (bones 1280x800 against 640x400:
about three times the time, see benchmarks/interaction.py), so while the view is dragged the
scene renderer draws into the lower-left part of the frame and that part is scaled up to the
whole window before the layer above it (labels and text, drawn at full resolution) is drawn.
Points and lines are drawn thinner by the same factor so that they keep their size on screen,
and one headlight stands in for the light kit.

The same holds the other way for a picture drawn larger and sampled down (VTK's SSAA, the still
frame's and the figures' anti-aliasing, draws at :data:`SSAA_SCALE` times the size): points and
lines are drawn larger, or the landmark dots shrink to a fifth of their area. (FXAA would cost
less, but on this VTK build it leaves the scene black, in the window as off-screen.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vtkmodules.vtkRenderingCore import vtkLight, vtkProperty, vtkRenderer
from vtkmodules.vtkRenderingOpenGL2 import vtkOpenGLFramebufferObject

MOVING_SCALE = 0.5
SSAA_SCALE = 5 ** 0.5  # vtkSSAAPass draws at sqrt(5) times the width and height (dot areas measured: 5.4 times)
_READ, _DRAW, _COLOUR, _NEAREST, _LINEAR = 0x8CA8, 0x8CA9, 0x4000, 0x2600, 0x2601  # OpenGL enums


class FrameResolution:
    """How many pixels the scene renderer draws per pixel of the window: :data:`MOVING_SCALE` of
    them while dragged, :data:`SSAA_SCALE` times them when supersampled, one otherwise; points and
    lines are sized to match, so they look the same on screen in every case."""

    def __init__(self, renderer: vtkRenderer):
        self.renderer = renderer
        self.moving = False
        self.supersampled = False
        self._copy = vtkOpenGLFramebufferObject()
        self._base: dict[vtkProperty, tuple[float, float]] = {}  # point size and line width as set by the scene
        self._applied: dict[vtkProperty, tuple[float, float]] = {}  # what this class set them to
        self._kit: list[vtkLight] = []  # the scene's lights, put aside while dragged
        renderer.AddObserver("EndEvent", lambda *_: self._scale_up())

    @property
    def scale(self) -> float:
        return MOVING_SCALE if self.moving else SSAA_SCALE if self.supersampled else 1.0

    def set(self, moving: bool | None = None, supersampled: bool | None = None) -> None:
        if moving is not None and moving != self.moving:
            self._swap_lights(moving)
        self.moving = self.moving if moving is None else moving
        self.supersampled = self.supersampled if supersampled is None else supersampled
        viewport = MOVING_SCALE if self.moving else 1.0
        self.renderer.SetViewport(0.0, 0.0, viewport, viewport)
        self.refresh()

    @contextmanager
    def whole_window(self) -> Iterator[None]:
        """The scene renderer spread over the whole window for a while, as a still frame draws it:
        a pick or a projection of window pixels is then right even while the view moves."""
        viewport = self.renderer.GetViewport()
        self.renderer.SetViewport(0.0, 0.0, 1.0, 1.0)
        try:
            yield
        finally:
            self.renderer.SetViewport(*viewport)

    def _swap_lights(self, moving: bool) -> None:
        """While dragged, one headlight instead of the light kit's five: each light is paid per
        pixel, and a headlight looks closest to the kit (compared side by side; 10-15% of the
        dragged frame, benchmarks/interaction.py)."""
        lights = self.renderer.GetLights()
        if moving:
            self._kit = [lights.GetItemAsObject(k) for k in range(lights.GetNumberOfItems())]
            head = vtkLight()
            head.SetLightTypeToHeadlight()
            self.renderer.RemoveAllLights()
            self.renderer.AddLight(head)
        elif self._kit:
            self.renderer.RemoveAllLights()
            for light in self._kit:
                self.renderer.AddLight(light)
            self._kit = []

    def refresh(self) -> None:
        """Size the points and lines of every actor for the current scale. A size the scene set
        since (a new actor, a bigger point in presentation mode) is taken as that actor's own."""
        scale, base = self.scale, {}
        for actor in self.renderer.GetActors():
            prop = actor.GetProperty()
            now = (prop.GetPointSize(), prop.GetLineWidth())
            own = self._base[prop] if self._applied.get(prop) == now else now
            base[prop] = own
            sized = (own[0] * scale, max(1.0, own[1] * scale)) if scale != 1.0 else own
            prop.SetPointSize(sized[0])
            prop.SetLineWidth(sized[1])
            self._applied[prop] = (prop.GetPointSize(), prop.GetLineWidth())
        self._base = base
        self._applied = {prop: self._applied[prop] for prop in base}

    def _scale_up(self) -> None:
        """Stretch the part the scene was drawn in over the whole frame (through a copy: a blit
        within one framebuffer must not overlap itself). The stretch costs about 12 ms of CPU
        at 1280x800 on llvmpipe, as much as a textured quad (both measured, interleaved): the
        scene at half size saves 14 ms of CPU and, spread over llvmpipe's threads, about 11 ms
        of the frame's wall time (38.5 against 49.3 ms, quiet machine)."""
        if not self.moving:
            return
        window = self.renderer.GetRenderWindow()
        width, height = window.GetSize()
        small = max(1, round(width * MOVING_SCALE)), max(1, round(height * MOVING_SCALE))
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
