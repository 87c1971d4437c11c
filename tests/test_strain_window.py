"""Strain colours in the window: the legend over the 3D view while they are on, and a lesson that
turned them on turns them off again when it is left (the user's own choice is kept)."""

from __future__ import annotations

import os

import numpy as np
import pytest

if not os.environ.get("DISPLAY"):
    pytest.fail("GUI tests need an X display (see .ci/run)", pytrace=False)

from viewer.scene import style  # noqa: E402
from viewer.scene.label_layout import overlaps  # noqa: E402

SITTING, WHAT_IT_DOES = "Sitting and the psoas", "What does it do?"  # the first asks for strain colours, the second not


def frame(win) -> np.ndarray:
    """The window's 3D view as drawn now, bottom row first (display pixels)."""
    win.plotter.render_window.Render()
    return np.asarray(win.plotter.screenshot(return_img=True))[::-1]


def legend_pixels(image: np.ndarray, box, colour: str) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return np.abs(image[y0:y1, x0:x1, :3].astype(int) - target).sum(axis=2) < 30


def open_lessons(win):
    """The Learn dock raised and its Lessons tab shown, as a user would have them."""
    win.docks[1].raise_()
    win.learn_panel.setCurrentWidget(win.learn_panel.lessons)
    lessons = win.learn_panel.lessons
    assert lessons.isVisible()
    return lessons


def choose(lessons, title: str) -> None:
    lessons.list.setCurrentRow([lesson.title for lesson in lessons.lessons].index(title))
    lessons.window.animator.stop()


def test_the_legend_shows_over_the_view_exactly_while_strain_colours_are_on(win):
    win.state.set_pose(win.scene.annotations.poses["sitting"].pose)
    assert win.strain_legend.box is None
    before = frame(win)
    win.actions_by_name["strain"].trigger()  # S
    assert win.state.strain_on
    image = frame(win)
    box = win.strain_legend.box
    width, height = win.plotter.render_window.GetSize()
    assert box is not None and box[2] > 0.8 * width and box[1] < 0.2 * height  # bottom right
    blue, red = legend_pixels(image, box, style.STRAIN_SHORTER), legend_pixels(image, box, style.STRAIN_LONGER)
    assert blue.sum() > 20 and red.sum() > 20
    assert np.nonzero(blue)[1].mean() < np.nonzero(red)[1].mean()  # shorter on the left, longer on the right
    assert [win.strain_legend.shorter.GetInput(), win.strain_legend.longer.GetInput()] == list(style.strain_end_texts()[1:])
    assert "25%" in win.strain_legend.shorter.GetInput()
    placed = [label.box for label in win.scene.labels.placed]
    assert placed and not any(overlaps([label, box]) for label in placed)  # the labels keep clear of it
    assert not legend_pixels(before, box, style.STRAIN_LONGER).any()  # it was not there before
    win.actions_by_name["strain"].trigger()
    assert win.strain_legend.box is None
    assert not legend_pixels(frame(win), box, style.STRAIN_LONGER).any()


def test_the_legend_follows_the_window_corner(win, qtbot):
    from viewer.scene.strain_legend import MARGIN_PX

    win.state.set_strain(True)
    frame(win)
    width, _ = win.plotter.render_window.GetSize()
    assert win.strain_legend.box[2] == width - MARGIN_PX and win.strain_legend.box[1] == MARGIN_PX
    win.resize(win.width() - 150, win.height())
    qtbot.waitUntil(lambda: win.plotter.render_window.GetSize()[0] < width, timeout=3000)
    frame(win)
    narrower, _ = win.plotter.render_window.GetSize()
    assert win.strain_legend.box[2] == narrower - MARGIN_PX


def test_the_legend_grows_with_presentation_mode(win, qtbot):
    win.state.set_strain(True)
    frame(win)
    small = win.strain_legend.box
    win.set_presentation(True)
    qtbot.wait(50)
    frame(win)
    large = win.strain_legend.box
    assert large[3] - large[1] > 1.4 * (small[3] - small[1])
    win.state.select("psoas_major_r")  # the info overlay, bottom left, names it
    frame(win)
    labels = win.scene.labels
    width, _ = win.plotter.render_window.GetSize()
    clear = labels.kept_clear(width)
    assert len(clear) == 2 and large in clear  # the overlay's band and the legend
    assert labels.placed and not any(overlaps([label.box, box]) for label in labels.placed for box in clear)
    win.set_presentation(False)


def test_leaving_a_lesson_turns_off_the_strain_colours_it_turned_on(win):
    lessons = open_lessons(win)
    choose(lessons, SITTING)
    assert win.state.strain_on and win.actions_by_name["strain"].isChecked()
    frame(win)
    assert win.strain_legend.box is not None
    choose(lessons, WHAT_IT_DOES)  # another lesson
    assert not win.state.strain_on and not win.actions_by_name["strain"].isChecked()
    frame(win)
    assert win.strain_legend.box is None

    choose(lessons, SITTING)
    win.learn_panel.setCurrentWidget(win.learn_panel.quiz)  # another tab of the Learn panel
    assert not win.state.strain_on
    win.learn_panel.setCurrentWidget(lessons)
    assert lessons.list.currentRow() == -1  # left: choosing it again shows it again
    choose(lessons, SITTING)
    assert win.state.strain_on
    win.docks[0].raise_()  # another tab of the dock (Structures)
    assert not win.state.strain_on


def test_a_lesson_keeps_strain_colours_the_user_turned_on(win):
    lessons = open_lessons(win)
    win.actions_by_name["strain"].trigger()  # the user's own S, before any lesson
    choose(lessons, SITTING)
    choose(lessons, WHAT_IT_DOES)  # a lesson that does not ask for them does not turn them off either
    assert win.state.strain_on
    choose(lessons, SITTING)
    win.learn_panel.setCurrentWidget(win.learn_panel.quiz)
    assert win.state.strain_on


def test_strain_colours_the_user_took_over_stay_on_and_presenting_is_not_leaving(win):
    lessons = open_lessons(win)
    choose(lessons, SITTING)
    win.set_presentation(True)  # the lesson, full screen: still the lesson
    assert win.state.strain_on
    win.set_presentation(False)
    win.fold_panels(True)  # panels folded to strips: still the lesson
    win.fold_panels(False)
    assert win.state.strain_on
    assert not win.docks[1].visibleRegion().isEmpty() and lessons.list.currentRow() >= 0  # the lesson is back on top
    win.actions_by_name["strain"].trigger()  # off and on again by the user: theirs now
    win.actions_by_name["strain"].trigger()
    choose(lessons, WHAT_IT_DOES)
    assert win.state.strain_on
