"""The main window under Xvfb: picking, panels, poses, search, presentation mode, settings."""

from __future__ import annotations

import os

import numpy as np
import pytest

from viewer.anatomy.kinematics import Pose
from viewer.anatomy.mesh_pack import load_pack

if not os.environ.get("DISPLAY"):
    pytest.fail(
        "GUI tests need an X display: install xvfb and xauth (see .ci/run) so pytest-xvfb can start one",
        pytrace=False,
    )

from PyQt5.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PyQt5.QtWidgets import QApplication  # noqa: E402

from viewer.scene.projection import world_to_display  # noqa: E402


@pytest.fixture
def window(qtbot, content, settings):
    from viewer.app.main_window import MainWindow

    def open_window(pack=None, annotations="default", settings_=None):
        pack = pack if pack is not None else content[0]
        annotations = content[1] if annotations == "default" else annotations
        win = MainWindow(pack, annotations, settings_ if settings_ is not None else settings)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        # Xvfb has no window manager to activate windows, and shortcuts need an active one
        QApplication.setActiveWindow(win)
        win.show_view("anterior")
        return win

    return open_window


def rendered_pixels(win) -> np.ndarray:
    win.plotter.render_window.Render()
    return np.asarray(win.plotter.screenshot(return_img=True))


def widget_position(win, world_point) -> QPoint:
    """Where a world point appears in the 3D widget, in Qt widget coordinates."""
    win.plotter.render_window.Render()
    (x, y), = world_to_display(win.plotter.renderer, np.asarray(world_point)[None])[0]
    ratio = win.plotter.interactor.devicePixelRatioF()
    return QPoint(int(round(x / ratio)), int(round(win.plotter.interactor.height() - 1 - y / ratio)))


def look_at_landmark(win, landmark_id):
    """Point the camera at a landmark as the window does when it is chosen (swung round until no bone
    or disc hides it: along the surface normal, the L5/S1 disc hides the sacral promontory), muscles
    hidden; return the point."""
    win.flight.stop()  # a flight to an earlier answer must not move the camera afterwards
    for muscle_id in win.scene.muscle_actors.actors:
        win.state.set_visible(muscle_id, False)
    landmarks = win.scene.landmark_actors
    point = landmarks.points[landmarks.index[landmark_id]]
    position, focal = win.scene.focus_camera(landmark_id)
    direction = (position - focal) / np.linalg.norm(position - focal)
    camera = win.plotter.camera
    camera.focal_point, camera.position = point, point + 500 * direction
    camera.up = (1, 0, 0) if abs(direction[2]) > 0.9 else (0, 0, 1)
    win.plotter.reset_camera_clipping_range()
    win.plotter.render_window.Render()
    return point


def test_window_renders_bones_and_muscles(window):
    win = window()
    pixels = rendered_pixels(win)
    height, width = pixels.shape[:2]
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    bone = (r > 90) & (r - b > 12) & (g - b > 4)
    muscle = (r > 110) & (r - g > 50) & (r - b > 50)
    assert bone.mean() > 0.03 and muscle.sum() > 500
    assert win.missing_label.text() == "15 bones and 6 discs loaded"


def test_clicking_a_landmark_shows_it_in_the_info_panel(window, qtbot):
    win = window()
    landmarks = win.scene.landmark_actors
    target = "greater_trochanter_r"
    point = landmarks.points[landmarks.index[target]]
    position = widget_position(win, point)
    ratio = win.plotter.interactor.devicePixelRatioF()
    win.plotter.hovered.emit(position.x() * ratio, (win.plotter.interactor.height() - 1 - position.y()) * ratio)
    assert win.hover_label.text() == "Greater trochanter (right)"
    qtbot.mouseClick(win.plotter.interactor, Qt.LeftButton, pos=position)
    assert win.state.selection == target
    text = win.info_panel.toPlainText()
    assert "Greater trochanter (right)" in text and "Right femur" in text
    # a click on empty background clears the selection
    qtbot.mouseClick(win.plotter.interactor, Qt.LeftButton, pos=QPoint(5, 5))
    assert win.state.selection is None


def test_clicking_a_bone_and_following_a_link(window, qtbot):
    win = window()
    femur = win.scene.pack.bones["femur_l"].mesh
    centre = femur.vertices[np.abs(femur.vertices[:, 2] + 250) < 5].mean(axis=0)
    qtbot.mouseClick(win.plotter.interactor, Qt.LeftButton, pos=widget_position(win, centre))
    assert win.state.selection == "femur_l"
    assert "Lesser trochanter (left)" in win.info_panel.toPlainText()
    win.info_panel.link_chosen.emit("lesser_trochanter_l")
    assert win.state.selection == "lesser_trochanter_l"
    assert "Psoas major (left): insertion" in win.info_panel.toPlainText()


def test_visibility_checkbox_hides_the_bone_and_its_landmarks(window):
    win = window()
    item = win.structure_panel.items["femur_l"]
    item.setCheckState(0, Qt.Unchecked)
    assert not win.scene.bone_actors["femur_l"].visibility
    landmarks = win.scene.landmark_actors
    on_femur = [k for k, bone in enumerate(landmarks.bones) if bone == "femur_l"]
    assert not landmarks.visible[on_femur].any()
    assert landmarks.visible.sum() > 0
    item.setCheckState(0, Qt.Checked)
    assert win.scene.bone_actors["femur_l"].visibility


def test_isolate_and_ghost(window):
    win = window()
    win.state.select("psoas_major_r")
    win.structure_panel.isolate()
    visible = {s for s in win.state.structures if win.state.is_visible(s)}
    assert "psoas_major_r" in visible and "l3" in visible and "femur_r" in visible
    assert "femur_l" not in visible and "iliacus_r" not in visible
    win.state.show_all()
    win.structure_panel.ghost()
    assert win.scene.bone_actors["femur_l"].prop.opacity < 0.3
    assert win.scene.muscle_actors.actors["psoas_major_r"].prop.opacity == 1.0


def test_named_pose_changes_muscle_lengths(window, qtbot):
    win = window()
    before = win.pose_panel.readout.text()
    assert "+0.0%" in before
    qtbot.mouseClick(win.pose_panel.pose_buttons["sitting"], Qt.LeftButton)
    qtbot.waitUntil(lambda: not win.animator.timer.isActive(), timeout=5000)
    assert win.state.pose.hip_flexion_r == pytest.approx(90)
    lines = {line.split("  ")[0].strip(): line for line in win.pose_panel.readout_lines()}
    model = win.scene.muscle_model
    change = 100 * (model.length("psoas_major_r", win.state.pose) / model.length("psoas_major_r", Pose()) - 1)
    assert change < -10 and f"{change:+.1f}%" in lines["R psoas major"]
    assert win.pose_panel.sliders["hip_flexion_r"].value() == 90  # the thigh; the pelvis tilts back 15
    assert win.pose_panel.plot.current["psoas_major_r"][0] == pytest.approx(75)  # the hip joint


def test_slider_moves_the_hip(window):
    win = window()
    win.pose_panel.sliders["hip_flexion_l"].setValue(45)
    assert win.state.pose.hip_flexion_l == 45
    assert win.scene.bone_actors["femur_l"].user_matrix[2, 1] == pytest.approx(np.sin(np.radians(45)))


def test_a_slider_stops_where_the_femur_meets_the_hip_bone(window):
    """Extended, adducted and turned out, the lesser trochanter meets the ischium: the rotation
    slider stops there, says why, and the pose stays one the bones allow."""
    win = window()
    sliders = win.pose_panel.sliders
    sliders["hip_flexion_r"].setValue(-30)
    sliders["hip_adduction_r"].setValue(10)
    assert not win.pose_panel.limit_note.text()
    for value in range(0, -31, -1):  # a drag, a degree at a time
        sliders["hip_rotation_r"].setValue(value)
    pose = win.state.pose
    assert -30 < pose.hip_rotation_r < 0 and pose.hip_flexion_r == -30 and pose.hip_adduction_r == 10
    assert win.scene.hip_limits.allows(pose) and win.scene.pose == pose
    assert "right femur" in win.pose_panel.limit_note.text() and not win.pose_panel.limit_note.isHidden()
    assert "right femur" in win.statusBar().currentMessage()  # said where it is seen too
    assert sliders["hip_rotation_r"].value() == round(pose.hip_rotation_r)  # the slider snaps back to where the hip stopped
    sliders["hip_rotation_r"].setValue(0)  # back out: free again
    assert win.state.pose.hip_rotation_r == 0 and win.pose_panel.limit_note.isHidden()


def test_a_view_file_with_a_pose_the_bones_refuse_is_named(window, tmp_path):
    from viewer.anatomy.json_input import InputError

    win = window()
    path = tmp_path / "impinged.json"
    path.write_text('{"format_version": 1, "panels": [{"camera": {"preset": "anterior"},'
                    ' "pose": {"hip_flexion_r": -30, "hip_adduction_r": 15, "hip_rotation_r": -30}}]}')
    with pytest.raises(InputError, match=r"impinged\.json.*panels\[0\]\.pose.*right femur would run"):
        win.open_view(path)
    assert win.state.pose == Pose()


def test_search_selects_and_flies_to_the_result(window, qtbot):
    win = window()
    box = win.structure_panel.search_box
    box.setFocus()
    qtbot.keyClicks(box, "lesser troch")
    qtbot.keyClick(box, Qt.Key_Return)
    assert win.state.selection in ("lesser_trochanter_l", "lesser_trochanter_r")
    assert "Lesser trochanter" in win.info_panel.toPlainText()
    target = win.scene.structure_centre(win.state.selection)
    qtbot.waitUntil(lambda: not win.flight.timer.isActive(), timeout=5000)
    np.testing.assert_allclose(win.plotter.camera.focal_point, target, atol=1e-6)


def test_keyboard_cycles_landmarks_and_escape_clears(window, qtbot):
    win = window()
    qtbot.keyClick(win.plotter.interactor, Qt.Key_Tab)
    first = win.state.selection
    assert first in win.scene.landmark_actors.ids
    qtbot.keyClick(win.plotter.interactor, Qt.Key_Tab)
    assert win.state.selection != first
    qtbot.keyClick(win.plotter.interactor, Qt.Key_Escape)
    assert win.state.selection is None


def test_view_keys_move_the_camera(window, qtbot):
    win = window()
    before = np.array(win.plotter.camera.position)
    qtbot.keyClick(win.plotter.interactor, Qt.Key_3)  # left view
    assert np.array(win.plotter.camera.position)[0] < before[0] - 100
    qtbot.keyClick(win.plotter.interactor, Qt.Key_Right)
    qtbot.keyClick(win.plotter.interactor, Qt.Key_R)
    np.testing.assert_allclose(win.plotter.camera.position, before, atol=1e-6)


def test_labels_switch_and_layout(window, qtbot):
    win = window()
    win.plotter.render_window.Render()
    placed = win.scene.labels.placed
    from viewer.scene.label_plan import MAX_LABELS

    assert 6 <= len(placed) <= MAX_LABELS  # enough to learn from, few enough to read
    boxes = [label.box for label in placed]
    from viewer.scene.label_layout import overlaps

    assert not overlaps(boxes)
    qtbot.keyClick(win.plotter.interactor, Qt.Key_L)
    win.plotter.render_window.Render()
    assert win.scene.labels.placed == []


def test_presentation_mode_round_trip(window, qtbot):
    win = window()
    qtbot.keyClick(win.plotter.interactor, Qt.Key_F11)
    assert win.presenting and win.isFullScreen()
    assert not win.menuBar().isVisible() and not any(d.isVisible() for d in win.docks)
    assert not win.view_bar.isVisible()
    assert win.scene.labels.font_size == 24
    win.state.select("asis_r")
    assert "Anterior superior iliac spine (right)" in win.scene.overlay.GetInput()
    qtbot.keyClick(win.plotter.interactor, Qt.Key_F11)
    assert not win.presenting and not win.isFullScreen()
    assert win.menuBar().isVisible() and all(d.isVisible() for d in win.docks)
    assert win.scene.labels.font_size == 14 and win.scene.overlay.GetInput() == ""


def test_walking_plays_and_pauses(window, qtbot):
    win = window()
    qtbot.keyClick(win.plotter.interactor, Qt.Key_Space)
    assert win.animator.gait_playing
    first = win.state.pose.hip_flexion_r
    qtbot.waitUntil(lambda: abs(win.state.pose.hip_flexion_r - first) > 5, timeout=5000)
    qtbot.keyClick(win.plotter.interactor, Qt.Key_Space)
    assert not win.animator.gait_playing


def test_shortcut_sheet_lists_the_keys(window):
    from PyQt5.QtWidgets import QTextBrowser

    win = window()
    sheet = win.show_shortcuts()
    cells = sheet.findChild(QTextBrowser).toPlainText().strip().split("\n")
    rows = dict(zip(cells[0::2], cells[1::2]))  # key, then what it does
    expected = {"1": "Anterior view", "7": "Oblique view", "R": "Reset view", "Left": "Rotate left", "+, =": "Zoom in",
                "A": "Slow auto-rotate", "L": "Labels", "S": "Colour muscles by length change", "D": "Dark background",
                "Space": "Play / pause walking", "Tab": "Next landmark", "Shift+Tab": "Previous landmark",
                "Esc": "Clear selection", "F11": "Presentation mode", "F1, ?": "Keyboard shortcuts", "Ctrl+S": "Save view…"}
    assert {key: rows.get(key) for key in expected} == expected
    assert sheet.rows == len(rows) >= 20
    sheet.close()


def test_settings_persist(window, settings):
    win = window()
    win.actions_by_name["labels"].setChecked(False)
    win.actions_by_name["dark"].setChecked(True)
    win.close()
    again = window(settings_=QSettings(settings.fileName(), QSettings.IniFormat))
    assert not again.state.labels_on
    assert again.actions_by_name["dark"].isChecked()


def test_missing_bone_is_named_in_the_status_bar(window, pack_copy, content):
    (pack_copy / "hip_bone_l.ply").write_bytes(b"ply\nbroken")
    win = window(load_pack(pack_copy), content[1])
    assert "hip_bone_l" in win.missing_label.text()
    assert "hip_bone_l" not in win.scene.bone_actors
    assert "iliacus_l" not in win.scene.muscle_actors.actors  # its origins are on the missing bone
    assert len(win.scene.bone_actors) == 14 + 6  # and the six discs


def test_window_without_annotations_shows_bones(window, content):
    win = window(content[0], None)
    assert len(win.scene.bone_actors) == 15 + 6 and win.scene.muscle_actors is None  # bones and discs


def test_export_dialog_previews_and_writes(window, tmp_path):
    win = window()
    dialog = win.show_export_dialog()
    assert not dialog.preview.pixmap().isNull()
    dialog.title.setText("My figure")
    dialog.size.setCurrentText("1280x800")
    out = tmp_path / "fig.png"
    dialog.export_to(out)
    from PIL import Image

    assert Image.open(out).size == (1280, 800)
    dialog.export_to(tmp_path / "scene.glb")
    assert (tmp_path / "scene.glb").stat().st_size > 10_000
    dialog.close()
    from PyQt5 import sip
    from PyQt5.QtCore import QEvent

    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)

    assert sip.isdeleted(dialog)  # a closed dialog goes, or each File > Export would keep one


def test_saved_view_opens_back_exactly(window, tmp_path):
    win = window()
    win.state.set_pose(win.state.pose.replace(hip_flexion_r=60.0, lumbar_flexion=10.0))
    win.state.set_visible("femur_l", False)
    win.state.select("asis_r")
    win.state.set_opacity("iliacus_r", 0.3)
    win.actions_by_name["strain"].setChecked(True)
    win.actions_by_name["labels"].setChecked(False)
    win._orbit(25, 10)
    camera = np.array(win.plotter.camera.position)
    path = tmp_path / "view.json"
    win.save_view(path)
    win.state.show_all()
    win.state.set_pose(win.state.pose.replace(hip_flexion_r=0.0, lumbar_flexion=0.0))
    win.state.select(None)
    win.state.set_opacity("iliacus_r", 1.0)
    win.actions_by_name["strain"].setChecked(False)
    win.actions_by_name["labels"].setChecked(True)
    win.show_view("left")
    win.open_view(path)
    assert win.state.pose.hip_flexion_r == 60.0 and win.state.pose.lumbar_flexion == 10.0
    assert not win.state.is_visible("femur_l") and win.state.selection == "asis_r"
    assert win.state.opacity["iliacus_r"] == 0.3 and win.state.strain_on and not win.state.labels_on
    assert win.actions_by_name["strain"].isChecked() and not win.actions_by_name["labels"].isChecked()  # the menu agrees
    np.testing.assert_allclose(win.plotter.camera.position, camera, atol=1e-6)


def test_broken_view_file_changes_nothing(window, tmp_path):
    from viewer.anatomy.json_input import InputError

    win = window()
    win.state.set_pose(win.state.pose.replace(hip_flexion_r=30.0))
    path = tmp_path / "broken.json"
    path.write_text('{"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "handstand"}]}')
    with pytest.raises(InputError, match="handstand"):
        win.open_view(path)
    assert win.state.pose.hip_flexion_r == 30.0
    assert path.read_text().startswith('{"format_version": 1')  # the user's file is untouched


def test_lesson_sets_pose_view_and_text(window, qtbot):
    win = window()
    lessons = win.learn_panel.lessons
    titles = [lesson.title for lesson in lessons.lessons]
    assert titles[:2] == ["Where is the psoas?", "What does it do?"] and "Myths and facts" in titles
    sitting = titles.index("Sitting and the psoas")
    lessons.list.setCurrentRow(sitting)
    assert win.state.pose.hip_flexion_r == 90 and win.state.strain_on
    qtbot.waitUntil(lambda: not win.flight.timer.isActive(), timeout=5000)  # the camera glides there
    assert win.plotter.camera.position[0] > 500  # the right view
    text = lessons.text.toPlainText()
    model = win.scene.muscle_model
    change = 100 * (model.length("psoas_major_r", win.state.pose) / model.length("psoas_major_r", Pose()) - 1)
    assert change < -10 and f"\u2212{-change:.0f}%" in text and "{change" not in text  # the model's number, filled in
    lessons.list.setCurrentRow(titles.index("Psoas minor: not everyone has one"))
    assert win.state.is_visible("psoas_minor_r") and win.state.selection == "psoas_minor_r"
    lessons.list.setCurrentRow(titles.index("What does it do?"))
    qtbot.waitUntil(lambda: win.state.pose.hip_flexion_r > 20, timeout=5000)
    win.animator.stop()


def test_quiz_round_with_right_and_wrong_answers(window, qtbot):
    win = window()
    quiz = win.learn_panel.quiz
    quiz.new_round(seed=3)
    kinds = [q.kind for q in quiz.round.questions]
    assert len(kinds) == 8 and "click" in kinds and "choice" in kinds
    answered_wrong = 0
    while not quiz.round.finished:
        question = quiz.round.current
        wrong_now = answered_wrong < 2
        # nothing on screen gives the answer away: no details, lengths or labels, muscles ghosted
        assert "Answer the question first" in win.info_panel.toPlainText()
        assert not win.pose_panel.readout.isVisible() and not win.state.labels_on
        assert win.state.opacity["psoas_major_r"] < 0.5
        if question.kind == "click":
            landmarks = win.scene.landmark_actors
            anatomical = [lid for k, lid in enumerate(landmarks.ids) if landmarks.kinds[k] == "landmark"]
            target = question.answer if not wrong_now else next(lid for lid in anatomical if lid != question.answer)
            point = look_at_landmark(win, target)
            quiz_expected = question.answer
            qtbot.mouseClick(win.plotter.interactor, Qt.LeftButton, pos=widget_position(win, point))
            assert quiz.round.responses[-1] == target  # the click reached the quiz as that landmark
            assert win.state.selection == quiz_expected  # the right answer is highlighted
        else:
            assert [b.text() for b in quiz.option_buttons] == list(question.options)  # only this question's buttons
            length_question = question.subject in win.scene.muscle_model.muscles
            assert not win.state.strain_on  # strain colours would give the answer away
            option = question.answer if not wrong_now else next(o for o in question.options if o != question.answer)
            button = next(b for b in quiz.option_buttons if b.text() == option)
            qtbot.mouseClick(button, Qt.LeftButton)
            right_button = next(b for b in quiz.option_buttons if b.text() == question.answer)
            assert "background" in right_button.styleSheet()
            assert win.state.strain_on == length_question  # after answering, the colours show it
        assert ("Right!" in quiz.feedback.text()) == (not wrong_now)
        assert win.pose_panel.readout.isVisible() and win.state.opacity["psoas_major_r"] == 1.0
        answered_wrong += wrong_now
        qtbot.mouseClick(quiz.next, Qt.LeftButton)
    assert quiz.round.score == 8 - 2
    assert "Done: 6 of 8 right." == quiz.prompt.text()
    review = quiz.review.toPlainText()
    assert "Review of mistakes" in review and review.count("the answer is") == 2
    assert quiz.option_buttons == [] and quiz.start.text() == "Start another quiz"


def test_a_click_on_empty_background_is_a_wrong_quiz_answer(window, qtbot):
    win = window()
    quiz = win.learn_panel.quiz
    quiz.new_round(seed=3)
    while quiz.round.current.kind != "click":
        quiz.respond(quiz.round.current.answer)
        quiz.ask()
    question, score = quiz.round.current, quiz.round.score
    qtbot.mouseClick(win.plotter.interactor, Qt.LeftButton, pos=QPoint(4, 4))  # a corner: background
    assert quiz.round.responses[-1] is None
    assert quiz.round.score == score and quiz.round.mistakes()[-1] == (question, None)
    assert quiz.feedback.text().startswith("Not quite")
    assert win.state.selection == question.answer  # the right answer is shown


def test_stretch_lab_ranks_poses_and_animates_into_the_chosen_one(window, qtbot, tmp_path):
    win = window()
    learn = win.learn_panel
    lessons = learn.lessons
    lessons.list.setCurrentRow([lesson.title for lesson in lessons.lessons].index("Stretching the hip flexors"))
    from PyQt5.QtCore import QUrl

    lessons.text.anchorClicked.emit(QUrl("tab:stretch_lab"))  # the lesson's link
    assert learn.currentWidget() is learn.stretch_lab
    lab = learn.stretch_lab
    scores = [r.score for r in lab.results]
    assert len(scores) >= 15 and scores == sorted(scores, reverse=True)
    row = [r.stretch.id for r in lab.results].index("kneeling_lunge_tucked")
    qtbot.mouseClick(lab.bars, Qt.LeftButton, pos=QPoint(20, row * 38 + 19))
    target = lab.results[row].stretch.pose
    assert lab.bars.current == row and win.state.strain_on
    qtbot.waitUntil(lambda: win.state.pose == target, timeout=5000)
    text = lab.text.toPlainText()
    assert "Kneeling lunge, pelvis tucked" in text and "What the numbers show" in text and "Roach and Miles" in text
    camera = win.plotter.camera
    assert camera.position[0] - camera.focal_point[0] > 300  # seen from the right
    out = tmp_path / "stretches.svg"
    lab.export_chart(out)
    assert out.read_text().count("<image") == len(lab.results)


def test_the_built_window_is_kept_out_of_pythons_full_collections(qtbot, content, settings):
    """The objects a window is built from are frozen (memory.freeze_what_the_window_holds): a full
    collection no longer walks them (80 ms inside an action here)."""
    import gc

    from viewer.app.main_window import MainWindow

    gc.unfreeze()
    window = MainWindow(content[0], content[1], settings)
    qtbot.addWidget(window)
    assert gc.get_freeze_count() > 100_000


def test_an_action_is_drawn_by_one_render_in_the_views_paint(win, qtbot):
    """The window draws through the view's paint, which renders and shows the frame: a render asked
    for from outside a paint renders, then its paint renders the same frame again (two renders a
    frame, about 30 ms more to the screen for every action here)."""
    renders = []
    win.plotter.render_window.AddObserver("EndEvent", lambda *_: renders.append(win.plotter._in_paint))
    qtbot.wait(50)
    renders.clear()
    win.state.select("asis_r")
    qtbot.waitUntil(lambda: bool(renders), timeout=5000)
    qtbot.wait(50)  # well before the still frame
    assert renders == [True]
