"""A long class in the real window: does memory grow? (run under a display)

    xvfb-run -a -s "-screen 0 1280x800x24" python benchmarks/long_class.py [--quick] [--trace]

Drives the MainWindow through its own slots, as a user's clicks would: each round makes 50 pose
changes (a hip or spine slider step, each drawn as a frame, and one pose button played to its
end), a quiz round of eight questions answered, a lesson (its camera flight flown) and an export
from File > Export figure (the dialog, its preview and a 1920x1080 PNG), then lets the window
settle. The default 20 rounds make 1000 pose changes, 20 quiz rounds, 20 lessons and 20 exports.

Prints one JSON object: the resident memory after each round (``rss_mb``), its growth from the
end of the first round to the end of the last (``growth_mb``) and the process's peak
(``peak_mb``, VmHWM). ``--trace`` also lists the Python allocations that grew most from the first
round to the last (tracemalloc; VTK's and Qt's own memory is not traced). ``--quick`` runs two
small rounds (two questions each) to check that the script works; its figures are not measurements.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SLIDERS = ("hip_flexion_r", "hip_flexion_l", "hip_adduction_r", "lumbar_flexion")


def memory_mb() -> tuple[float, float]:
    """This process's resident memory now and its peak (VmRSS, VmHWM), in MB."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def run(rounds: int, pose_changes: int, trace: bool, questions: int = 8) -> dict:
    import tracemalloc

    from PyQt5.QtCore import QSettings
    from PyQt5.QtWidgets import QApplication

    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.mesh_pack import load_pack
    from viewer.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    win = MainWindow(load_pack(), load_annotations(), QSettings(str(folder / "settings.ini"), QSettings.IniFormat))
    win.resize(1280, 800)
    win.show()
    app.processEvents()
    window = win.plotter.render_window
    frames: list[float] = []
    window.AddObserver("EndEvent", lambda *_: frames.append(time.perf_counter()))

    def frame() -> None:
        """Run the event loop until the window has drawn a frame (at most 10 s)."""
        frames.clear()
        start = time.perf_counter()
        while not frames and time.perf_counter() - start < 10:
            app.processEvents()

    def settle(at_most: float = 20, still: bool = True) -> None:
        """Let flights and pose animations finish, and with ``still`` the full-quality frame after them."""
        start = time.perf_counter()
        while time.perf_counter() - start < at_most and (win.animator.timer.isActive() or win.flight.timer.isActive()
                                                         or (still and win._still_timer.isActive())):
            app.processEvents()
            time.sleep(0.005)
        app.processEvents()

    quiz, lessons = win.learn_panel.quiz, win.learn_panel.lessons
    buttons = list(win.pose_panel.pose_buttons.values())
    sliders = [win.pose_panel.sliders[name] for name in SLIDERS if name in win.pose_panel.sliders]
    rss, seconds = [], []
    snapshot = None
    for k in range(rounds):
        start = time.perf_counter()
        buttons[k % len(buttons)].click()  # a pose button, played to its end
        settle()
        for step in range(pose_changes - 1):  # slider steps, as while dragging one
            slider = sliders[step % len(sliders)]
            low, high = slider.minimum(), slider.maximum()
            slider.setValue(low + (step * 7 + k * 3) % (high - low + 1))
            frame()
        settle()
        quiz.new_round(seed=k)
        settle()
        for _ in range(questions):  # the round's eight questions (quick: fewer)
            if quiz.round.current is None:
                break
            question = quiz.round.current
            right = k % 2 == 0  # every other round answered wrong: the review has rows
            if question.kind == "click":
                quiz.respond(question.answer if right else None)
            else:
                quiz.respond(question.answer if right else next(o for o in question.options if o != question.answer))
            settle(still=False)  # a student answers before the view sharpens: the still frame waits for the round's end
            quiz.ask()
            settle(still=False)
        lessons.show_lesson(k % len(lessons.lessons))
        settle(at_most=3)  # a lesson with a movement plays it in a loop: watched for a while, then stopped
        win.animator.stop()
        settle()
        dialog = win.show_export_dialog()
        dialog.export_to(folder / f"figure{k % 2}.png")
        dialog.close()
        settle()
        seconds.append(time.perf_counter() - start)
        rss.append(memory_mb()[0])
        if trace and k == 0:
            tracemalloc.start(12)
            snapshot = tracemalloc.take_snapshot()
        print(f"round {k + 1}: {rss[-1]:.0f} MB, {seconds[-1]:.1f} s", file=sys.stderr, flush=True)
    out = {"rounds": rounds, "pose_changes_per_round": pose_changes, "rss_mb": rss, "round_s": seconds,
           "growth_mb": rss[-1] - rss[0], "peak_mb": memory_mb()[1]}
    if snapshot is not None:
        grown = tracemalloc.take_snapshot().compare_to(snapshot, "traceback")
        out["grown"] = [f"{stat.size_diff / 1024:.0f} KiB in {stat.count_diff} blocks: " + " <- ".join(
            f"{Path(f.filename).name}:{f.lineno}" for f in list(stat.traceback)[::-1][:6]) for stat in grown[:15]]
    win.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small rounds: checks the script, measures nothing")
    parser.add_argument("--trace", action="store_true", help="list the Python allocations that grew most")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--poses", type=int, default=50, help="pose changes a round")
    args = parser.parse_args()
    rounds, pose_changes, questions = (2, 3, 2) if args.quick else (args.rounds, args.poses, 8)
    print(json.dumps(run(rounds, pose_changes, args.trace, questions)))


if __name__ == "__main__":
    main()
