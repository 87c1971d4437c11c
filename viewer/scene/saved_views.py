"""Between a live scene and a saved view: capture what is on screen, or put a view on screen."""

from __future__ import annotations

import dataclasses

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.view_file import panel_pose
from viewer.scene.viewer_state import ViewerState


def panel_from_scene(scene, state: ViewerState) -> dict:
    """The current camera, pose, visibility, opacity, selection and labels as a view panel."""
    camera = scene.plotter.camera
    return {
        "camera": {
            "position": [float(v) for v in camera.position],
            "focal_point": [float(v) for v in camera.focal_point],
            "up": [float(v) for v in camera.up],
            "view_angle": float(camera.view_angle),
        },
        "pose": {f.name: float(getattr(state.pose, f.name)) for f in dataclasses.fields(state.pose)},
        "hidden": sorted(state.hidden),
        "opacity": {k: float(v) for k, v in sorted(state.opacity.items())},
        "selection": state.selection,
        "labels": "auto" if state.labels_on else "none",
        "strain": state.strain_on,
    }


def state_for_panel(scene, panel: dict, annotations: Annotations) -> ViewerState:
    """A fresh state holding what a panel shows (unbound)."""
    ids = scene.structure_ids()
    return ViewerState(
        ids,
        hidden=set(panel["hidden"]) if "hidden" in panel else scene.default_hidden(),
        pose=panel_pose(panel, annotations),
        selection=panel["selection"] if panel["selection"] in ids else None,
        opacity=dict(panel["opacity"]),
        labels_on=panel["labels"] != "none",
        strain_on=panel["strain"],
    )


def apply_camera(scene, camera: dict) -> None:
    if "preset" in camera:
        scene.set_view(camera["preset"])
        return
    cam = scene.plotter.camera
    cam.position, cam.focal_point, cam.up = camera["position"], camera["focal_point"], camera["up"]
    cam.view_angle = camera["view_angle"]
    scene.plotter.reset_camera_clipping_range()


def apply_panel(scene, state: ViewerState, panel: dict, annotations: Annotations) -> None:
    """Make an existing, bound state and the camera show ``panel``."""
    target = state_for_panel(scene, panel, annotations)
    state.replace_display(target.hidden, target.opacity, target.labels_on, target.strain_on)
    state.set_pose(target.pose)
    scene.label_focus = set(panel["labels"]) if isinstance(panel["labels"], list) else set()
    state.select(target.selection)
    apply_camera(scene, panel["camera"])
