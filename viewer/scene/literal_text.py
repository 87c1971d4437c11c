"""User text is drawn as written: names and titles with ``$`` are not run as mathtext.

Both matplotlib (figures) and VTK (labels in the view, which hands ``$...$`` to matplotlib's
mathtext) would otherwise parse a landmark name such as ``Trochanter $\\invalidcommand$``; a
crafted one could recurse without end.
"""

from __future__ import annotations

import functools


def literal_text(build):
    """Decorate a function that builds a matplotlib figure: every text made inside it is drawn literally."""

    @functools.wraps(build)
    def run(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return build(*args, **kwargs)

    return run


def literal_vtk_text() -> None:
    """Make VTK draw every text with FreeType (no mathtext); call once a render window exists."""
    from vtkmodules.vtkRenderingCore import vtkTextRenderer

    renderer = vtkTextRenderer.GetInstance()
    if renderer is not None:
        renderer.SetDefaultBackend(vtkTextRenderer.FreeType)
