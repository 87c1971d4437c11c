"""The body panel under Xvfb: shape sliders change the bones in place and the muscles follow."""

from __future__ import annotations

import os

import numpy as np
import pytest

from viewer.anatomy.body_shape import BodyShape
from viewer.anatomy.clearance import bone_solids, deepest_vertex
from viewer.anatomy.kinematics import Pose, bone_transforms

if not os.environ.get("DISPLAY"):
    pytest.fail("GUI tests need an X display: install xvfb and xauth (see .ci/run)", pytrace=False)


def test_size_slider_changes_the_bones_in_place_and_the_muscles_follow(win, qtbot):
    panel = win.body_panel
    femur = win.scene._bone_surfaces["femur_r"][1]  # the light surface, drawn while things move
    points_before = femur.GetPoints()
    height_before = np.ptp(np.asarray(femur.points)[:, 2])
    psoas_before = win.scene.muscle_model.length("psoas_major_r", Pose())
    curve_before = win.pose_panel.plot.curves["psoas_major_r"].copy()
    bars_before = [r.get("psoas_major", "r").mm for r in win.learn_panel.stretch_lab.results if r.get("psoas_major", "r")]
    panel.sliders[0].setValue(20)  # body size +2 SD
    qtbot.waitUntil(lambda: panel.shape == BodyShape((2.0, 0.0, 0.0)), timeout=10000)
    assert femur.GetPoints() is points_before  # the same VTK points, new positions
    assert np.ptp(np.asarray(femur.points)[:, 2]) > height_before + 25
    psoas_after = win.scene.muscle_model.length("psoas_major_r", Pose())
    assert psoas_after > psoas_before + 8
    # the plot, readout and Stretch lab are measured once the body has settled (a pause after the step)
    qtbot.waitUntil(lambda: "+2.0 SD" in panel.readout.text(), timeout=10000)
    assert win.pose_panel.plot.curves["psoas_major_r"][0] > curve_before[0] + 8
    assert "+2.0 SD" in panel.readout.text() and f"{psoas_after:.0f} mm" in panel.readout.text()
    bars_after = [r.get("psoas_major", "r").mm for r in win.learn_panel.stretch_lab.results if r.get("psoas_major", "r")]
    assert bars_after != bars_before
    assert not win.actions_by_name["edit_landmarks"].isEnabled()  # landmarks are edited on the mean body
    panel.mean_button.click()
    assert panel.shape.is_mean
    assert win.scene.muscle_model.length("psoas_major_r", Pose()) == pytest.approx(psoas_before)
    assert win.actions_by_name["edit_landmarks"].isEnabled()


def test_a_held_slider_draws_quick_frames_and_settles_when_let_go(win, qtbot):
    """While a shape slider is held each step is drawn at the moving quality and nothing is measured;
    letting go measures the body and the full-quality frame follows."""
    panel, slider = win.body_panel, win.body_panel.sliders[1]
    curve_before = win.pose_panel.plot.curves["psoas_major_r"].copy()
    settled = []
    panel.body_settled.connect(lambda: settled.append(panel.shape))
    slider.sliderPressed.emit()
    assert panel.dragging and win.scene.resolution.moving
    for value in (3, 6, 10):
        slider.setValue(value)
        qtbot.waitUntil(lambda score=value / 10: panel.shape.scores[1] == score, timeout=10000)
    qtbot.wait(600)  # longer than the settling pause: a held slider does not settle
    assert settled == [] and win.scene.resolution.moving
    assert win.pose_panel.plot.curves["psoas_major_r"][0] == pytest.approx(curve_before[0])
    slider.sliderReleased.emit()
    assert settled == [BodyShape((0.0, 1.0, 0.0))] and not panel.dragging
    assert win.pose_panel.plot.curves["psoas_major_r"][0] != pytest.approx(curve_before[0])
    qtbot.waitUntil(lambda: not win.scene.resolution.moving, timeout=10000)  # full quality once let go
    slider.sliderPressed.emit()  # held and let go without a step: nothing to measure again
    slider.sliderReleased.emit()
    assert settled == [BodyShape((0.0, 1.0, 0.0))]


def _deepest_muscle_vertex(scene) -> float:
    """How deep the drawn muscle surfaces go into the shown body's bones (ray parity), standing."""
    actors = scene.muscle_actors
    surfaces = {mid: actors.vertices[slice(*actors.shapes.vertex_ranges[mid])] for mid in actors.order}
    return deepest_vertex(surfaces, bone_solids(scene.pack), bone_transforms(Pose(), scene.skeleton))[0]


def test_a_settled_body_gets_muscles_fitted_to_its_own_bones(win, qtbot):
    """A new body is drawn at once with the muscle sections of the body before, carried on its
    lines; once it settles, the surfaces are fitted to its own bones off the GUI thread and drawn
    from that fit. Measured at body size -3 SD: 5.0 mm into the hip bone before, under 1 after."""
    panel = win.body_panel
    fitted = []
    panel.muscles_fitted.connect(lambda: fitted.append(panel.shape))
    mean_shapes = win.scene.muscle_actors.shapes
    panel.set_shape(BodyShape((-3.0, 0.0, 0.0)))
    assert panel.fitting.busy and win.scene.muscle_actors.shapes is mean_shapes  # drawn at once, fitted apart
    assert _deepest_muscle_vertex(win.scene) > 3.0
    qtbot.waitUntil(lambda: bool(fitted), timeout=60000)
    assert fitted == [BodyShape((-3.0, 0.0, 0.0))] and win.scene.muscle_actors.shapes is not mean_shapes
    assert _deepest_muscle_vertex(win.scene) <= 1.0
    panel.mean_button.click()  # back to the mean body: its own fit again (kept, so soon there)
    qtbot.waitUntil(lambda: len(fitted) == 2, timeout=60000)
    assert _deepest_muscle_vertex(win.scene) <= 1.0


def test_only_the_last_of_several_bodies_is_drawn_from_its_fit(win, qtbot):
    """Bodies chosen faster than they are fitted: a fit that finishes after another body came is
    not drawn on it (that body's own fit follows)."""
    panel = win.body_panel
    fitted = []
    panel.muscles_fitted.connect(lambda: fitted.append(panel.shape))
    panel.set_shape(BodyShape((-3.0, 0.0, 0.0)))
    panel.set_shape(BodyShape((3.0, 0.0, 0.0)))
    qtbot.waitUntil(lambda: not panel.fitting.busy, timeout=60000)
    qtbot.wait(50)  # the last result's signal, queued to this thread
    assert fitted == [BodyShape((3.0, 0.0, 0.0))]
    assert _deepest_muscle_vertex(win.scene) <= 1.0


def test_a_failed_fit_is_explained_and_the_body_stays_drawn(win, qtbot, monkeypatch):
    from viewer.anatomy.muscle_shapes import MuscleShapes

    def broken(pack, annotations):
        raise ValueError("no bones near the muscles")

    monkeypatch.setattr(MuscleShapes, "of_body", broken)
    panel = win.body_panel
    panel.set_shape(BodyShape((2.0, 0.0, 0.0)))
    qtbot.waitUntil(lambda: "could not be fitted" in panel.message.text(), timeout=60000)
    assert "no bones near the muscles" in panel.message.text()
    assert panel.shape == BodyShape((2.0, 0.0, 0.0)) and win.isVisible()


def test_a_refused_shape_is_explained_and_the_body_stays(win, qtbot):
    panel = win.body_panel
    panel.sliders[1].setValue(-30)  # pelvis -3 SD: the pubic bones would overlap
    qtbot.waitUntil(lambda: "pubic bones" in panel.message.text(), timeout=10000)
    assert panel.sliders[1].value() == 0 and panel.shape.is_mean


def test_a_person_preset_sets_the_sliders(win, qtbot):
    panel = win.body_panel
    assert panel.people.count() == 27
    panel.people.setCurrentIndex(1)
    panel.people.activated.emit(1)
    person = win.body_panel.bodies.model.person(0)
    assert panel.shape == person
    assert [s.value() for s in panel.sliders] == [round(v * 10) for v in person.scores]


def test_a_new_bodys_still_frame_builds_the_line_of_sight_trees(win, qtbot):
    """The bones' line-of-sight trees (for the labels) are built for a new body in its still frame,
    not in whatever action next plans labels (30 ms measured inside a quiz answer)."""
    win.body_panel.set_shape(BodyShape((1.0, 0.0, 0.0)))
    qtbot.waitUntil(lambda: not win.scene._body_pending, timeout=10000)
    occlusion = win.scene.occlusion
    assert set(occlusion._trees) == set(occlusion.surfaces)


def test_a_keyboard_step_is_drawn_as_a_moving_view_then_sharpened(win, qtbot):
    """A step of a slider (a key press) is a body on the way: its first frame is drawn at the
    moving resolution, and the full-quality frame follows once it settles."""
    panel = win.body_panel
    assert not win.scene.resolution.moving
    panel.sliders[2].setValue(5)
    qtbot.waitUntil(lambda: panel.shape == BodyShape((0.0, 0.0, 0.5)), timeout=10000)
    assert win.scene.resolution.moving
    qtbot.waitUntil(lambda: not win.scene.resolution.moving, timeout=10000)
