"""Each user action in the real window, from the call to the first updated frame (run under a display).

    xvfb-run -a -s "-screen 0 1280x800x24" python benchmarks/actions.py [repeats]

Prints one JSON object: action name -> {"p95_ms", "median_ms", "baseline_ms", "baseline"}. The
baseline of every action is the same reference, measured in the same run: an annotation edit
the way it was done before (rebuild the muscle and landmark actors, then a full-quality frame),
the slowest path of the window. Timing ends when the window has drawn its first frame after the
call on the screen, that is rendered in the view's paint, which shows it (the event loop runs
meanwhile, as it would; a render from outside a paint only fills VTK's buffers); animations (pose transitions, camera flights)
are timed to their first frame, as the user sees it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def measure(repeats: int) -> dict:
    import tempfile

    from PyQt5.QtCore import QSettings
    from PyQt5.QtWidgets import QApplication

    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.body_shape import BodyShape
    from viewer.anatomy.mesh_pack import load_pack
    from viewer.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp()
    win = MainWindow(load_pack(), load_annotations(), QSettings(f"{folder}/settings.ini", QSettings.IniFormat))
    win.resize(1280, 800)
    win.show()
    app.processEvents()
    win.show_view("anterior")
    window = win.plotter.render_window
    window.Render()
    frames: list[float] = []
    # a frame counts once it is on the screen: rendered in the view's paint, which shows it (a
    # render from outside a paint goes to VTK's own buffers; the paint it schedules renders again)
    window.AddObserver("EndEvent", lambda *_: frames.append(time.perf_counter()) if win.plotter._in_paint else None)
    times: dict[str, list[float]] = {}

    def timed(name: str, action) -> None:
        """From the call to the end of the first frame the window draws after it (the event loop
        runs as it would, so a slot queued by the action and the frame it asks for both count).
        Each action starts from a settled window: the previous one's full-quality frame is drawn, and
        the muscle fit of a settled body (off the GUI thread, a second or two) is done."""
        while win._still_timer.isActive() or win.body_panel.fitting.busy:  # a settled body's muscle fit runs apart
            app.processEvents()
        app.processEvents()
        frames.clear()
        start = time.perf_counter()
        action()
        while not frames and time.perf_counter() - start < 30:
            app.processEvents()
        times.setdefault(name, []).append(1000 * (frames[0] - start))

    femur = win.scene.pack.bones["femur_r"].mesh
    shaft = femur.vertices[np.argsort(np.abs(femur.vertices[:, 2] - np.median(femur.vertices[:, 2])))[:40]]
    quiz, lessons = win.learn_panel.quiz, win.learn_panel.lessons
    poses = list(win.pose_panel.pose_buttons)
    bodies = win.body_panel.bodies  # the first body change ties the sites to the bones, once: done here
    start = time.perf_counter()
    _ = (bodies.binding, bodies.shaper.mean_fits, bodies.mean_overlap)  # the one-time work, timed apart
    first_body_ms = 1000 * (time.perf_counter() - start)
    for k in range(repeats):
        timed("full_rebuild_baseline", lambda: (win.scene.set_annotations(win.session.annotations, rebuild=True),
                                                win.scene.set_still_quality(True), window.Render()))
        win.body_panel.set_shape(BodyShape())  # landmarks are edited on the mean body (the window allows no other)
        win.actions_by_name["edit_landmarks"].setChecked(True)
        point = shaft[k % len(shaft)]
        added = []
        timed("add_landmark", lambda: added.append(win.session.add("femur_r", point)))
        timed("move_landmark", lambda: win.session.move(added[0], shaft[(k + 7) % len(shaft)]))
        timed("undo", win.session.undo_stack.undo)
        timed("redo", win.session.undo_stack.redo)
        timed("delete_landmark", lambda: win.session.delete(added[0]))
        win.actions_by_name["edit_landmarks"].setChecked(False)
        quiz.new_round(seed=k)
        question = quiz.round.current
        timed("quiz_answer", lambda: quiz.respond(question.answer if question.kind == "click" else question.options[0]))
        timed("quiz_next_question", quiz.ask)
        win.flight.stop()
        timed("lesson", lambda: lessons.show_lesson(k % len(lessons.lessons)))
        win.animator.stop()
        win.flight.stop()
        button = win.pose_panel.pose_buttons[poses[k % len(poses)]]
        timed("pose_button_first_frame", button.click)
        win.animator.stop()
        win.flight.stop()
        target = ["lesser_trochanter_r", "asis_l", "l3_tp_r", "iliac_crest_r"][k % 4]
        timed("search_selection", lambda: win.structure_panel.search_chosen.emit(target))
        win.flight.stop()
        slider = win.body_panel.sliders[k % 2]  # body size, then pelvis width: a slider step, as while dragging
        win.scene.set_still_quality(False)
        timed("body_shape_slider_step", lambda: slider.setValue(slider.value() + (5 if k % 4 < 2 else -5)))
        win.scene.set_still_quality(True)
    baseline = times.pop("full_rebuild_baseline")
    win.close()
    out = {name: {"p95_ms": p95(values), "median_ms": float(np.median(values)), "baseline_ms": p95(baseline),
                  "baseline": "rebuild muscles and landmarks, full-quality frame"} for name, values in times.items()}
    out["body_shape_first_binding"] = {"p95_ms": first_body_ms, "median_ms": first_body_ms, "baseline_ms": p95(baseline),
                                       "baseline": "once per window: sites tied to the mean bones"}
    return out


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
