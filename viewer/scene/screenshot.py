"""Off-screen rendering of the default scene to a PNG file (no X server needed)."""

from __future__ import annotations

import os
from pathlib import Path

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.mesh_pack import MeshPack


def use_offscreen_backend() -> None:
    """Render through EGL when there is no display, instead of VTK trying X first and warning."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")


def render_png(
    pack: MeshPack,
    out: Path,
    view: str = "anterior",
    size: tuple[int, int] = (1280, 800),
    annotations: Annotations | None = None,
    pose: Pose | None = None,
    strain: bool = False,
) -> Path:
    """Render the anatomy from a named view into ``out`` at full quality; return the path.

    The picture is written beside ``out`` first and renamed over it when complete, so an
    existing file is never left half-written.
    """
    use_offscreen_backend()
    import pyvista as pv

    from viewer.scene.anatomy_scene import AnatomyScene

    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        scene = AnatomyScene(plotter, pack, annotations)
        if pose is not None:
            scene.set_pose(pose)
        if strain and scene.muscle_actors is not None:
            scene.muscle_actors.set_strain_colouring(True)
        scene.set_view(view)
        plotter.enable_anti_aliasing("ssaa")
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.stem}.partial{out.suffix}")
        plotter.screenshot(str(partial))
        os.replace(partial, out)
    finally:
        plotter.close()
    return out
