"""Saved views between a scene and a panel, against a stand-in scene that records what it is
told (the real scene is tested in test_scene.py; this one needs no rendering, so mutation
testing can run it for every mutant). Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from viewer.anatomy.kinematics import Pose
from viewer.scene.saved_views import apply_camera, apply_panel, panel_from_scene, state_for_panel
from viewer.scene.viewer_state import ViewerState

IDS = ["femur_r", "femur_l", "psoas_major_r", "psoas_minor_r", "asis_r"]


class StandInScene:
    """What saved_views uses of AnatomyScene: a camera, the structure ids, default visibility, presets."""

    def __init__(self):
        self.calls: list[str] = []
        camera = SimpleNamespace(position=(1, 2, 3), focal_point=(4, 5, 6), up=(0, 1, 0), view_angle=30)
        self.plotter = SimpleNamespace(camera=camera, reset_camera_clipping_range=lambda: self.calls.append("clip"))
        self.label_focus = {"stale"}

    def structure_ids(self):
        return list(IDS)

    def default_hidden(self):
        return {"psoas_minor_r"}

    def set_view(self, preset):
        self.calls.append(f"view {preset}")


ANNOTATIONS = SimpleNamespace(poses={"sitting": SimpleNamespace(pose=Pose(hip_flexion_r=90.0, hip_flexion_l=90.0))})


def _panel(**changes):
    panel = {
        "camera": {"position": [10.0, 20.0, 30.0], "focal_point": [1.0, 2.0, 3.0], "up": [0.0, 0.0, 1.0], "view_angle": 25.0},
        "pose": {"hip_flexion_r": 40.0, "lumbar_flexion": 5.0},
        "hidden": ["femur_l"],
        "opacity": {"psoas_major_r": 0.4},
        "selection": "asis_r",
        "labels": "auto",
        "strain": True,
    }
    panel.update(changes)
    return panel


def test_a_panel_holds_camera_pose_display_and_selection_as_plain_values():
    scene = StandInScene()
    state = ViewerState(IDS, hidden={"psoas_minor_r", "femur_l"}, pose=Pose(hip_flexion_r=30, knee_flexion_l=12),
                        selection="femur_r", opacity={"psoas_major_r": 0.5, "femur_l": 1}, labels_on=False, strain_on=True)
    panel = panel_from_scene(scene, state)
    assert panel == {
        "camera": {"position": [1.0, 2.0, 3.0], "focal_point": [4.0, 5.0, 6.0], "up": [0.0, 1.0, 0.0], "view_angle": 30.0},
        "pose": {**{name: 0.0 for name in Pose.__dataclass_fields__}, "hip_flexion_r": 30.0, "knee_flexion_l": 12.0},
        "hidden": ["femur_l", "psoas_minor_r"],
        "opacity": {"femur_l": 1.0, "psoas_major_r": 0.5},
        "selection": "femur_r",
        "labels": "none",
        "strain": True,
    }
    assert list(panel["opacity"]) == ["femur_l", "psoas_major_r"]  # sorted, so saved files compare line by line
    numbers = [*panel["camera"]["position"], *panel["camera"]["focal_point"], *panel["camera"]["up"], panel["camera"]["view_angle"],
               *panel["pose"].values(), *panel["opacity"].values()]
    assert all(type(v) is float for v in numbers)  # JSON-ready, whatever types the camera and state hold
    state.labels_on, state.strain_on = True, False
    assert (panel_from_scene(scene, state)["labels"], panel_from_scene(scene, state)["strain"]) == ("auto", False)


def test_a_panel_becomes_a_fresh_state():
    state = state_for_panel(StandInScene(), _panel(), ANNOTATIONS)
    assert state.structures == IDS
    assert state.hidden == {"femur_l"}
    assert state.pose == Pose(hip_flexion_r=40.0, lumbar_flexion=5.0)
    assert state.selection == "asis_r"
    assert state.opacity == {"psoas_major_r": 0.4}
    assert (state.labels_on, state.strain_on) == (True, True)
    # a named pose, no "hidden" (the scene's default), a selection this scene lacks, labels off
    other = state_for_panel(StandInScene(), _panel(pose="sitting", selection="l9", labels="none", strain=False), ANNOTATIONS)
    no_hidden = _panel()
    del no_hidden["hidden"]
    assert state_for_panel(StandInScene(), no_hidden, ANNOTATIONS).hidden == {"psoas_minor_r"}
    assert other.pose == Pose(hip_flexion_r=90.0, hip_flexion_l=90.0)
    assert other.selection is None
    assert (other.labels_on, other.strain_on) == (False, False)
    # labels limited to a list of structures still means labels on
    assert state_for_panel(StandInScene(), _panel(labels=["asis_r"]), ANNOTATIONS).labels_on is True
    # the state owns its own copy of the panel's opacity
    panel = _panel()
    state = state_for_panel(StandInScene(), panel, ANNOTATIONS)
    state.opacity["femur_r"] = 0.2
    assert panel["opacity"] == {"psoas_major_r": 0.4}


def test_applying_a_panel_changes_the_bound_state_and_the_camera():
    scene = StandInScene()
    state = ViewerState(IDS, hidden={"psoas_minor_r"}, labels_on=False)
    heard = []
    state.subscribe(heard.append)
    apply_panel(scene, state, _panel(labels=["asis_r", "femur_r"]), ANNOTATIONS)
    assert state.hidden == {"femur_l"} and state.opacity == {"psoas_major_r": 0.4}
    assert (state.labels_on, state.strain_on) == (True, True)
    assert state.pose == Pose(hip_flexion_r=40.0, lumbar_flexion=5.0)
    assert state.selection == "asis_r"
    assert scene.label_focus == {"asis_r", "femur_r"}
    assert heard == ["visibility", "opacity", "display", "pose", "selection"]
    camera = scene.plotter.camera
    assert (camera.position, camera.focal_point, camera.up, camera.view_angle) == ([10.0, 20.0, 30.0], [1.0, 2.0, 3.0], [0.0, 0.0, 1.0], 25.0)
    assert scene.calls == ["clip"]
    # labels "auto" or "none": no focus list
    apply_panel(scene, state, _panel(labels="auto", selection="nowhere"), ANNOTATIONS)
    assert scene.label_focus == set()
    assert state.selection is None
    apply_panel(scene, state, _panel(pose="sitting"), ANNOTATIONS)  # a named pose, looked up in the annotations
    assert state.pose == Pose(hip_flexion_r=90.0, hip_flexion_l=90.0)


def test_a_camera_preset_is_handed_to_the_scene():
    scene = StandInScene()
    before = vars(scene.plotter.camera).copy()
    apply_camera(scene, {"preset": "left"})
    assert scene.calls == ["view left"]
    assert vars(scene.plotter.camera) == before


@pytest.mark.parametrize("labels_on", [True, False])
def test_scene_to_panel_and_back_is_the_same_state(labels_on):
    scene = StandInScene()
    state = ViewerState(IDS, hidden={"femur_r"}, pose=Pose(lumbar_rotation=-7.5), selection="psoas_major_r",
                        opacity={"asis_r": 0.3}, labels_on=labels_on, strain_on=not labels_on)
    back = state_for_panel(scene, panel_from_scene(scene, state), ANNOTATIONS)
    assert (back.hidden, back.pose, back.selection, back.opacity, back.labels_on, back.strain_on) == (
        state.hidden, state.pose, state.selection, state.opacity, state.labels_on, state.strain_on)
