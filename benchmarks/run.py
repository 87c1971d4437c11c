"""Every speed figure of the viewer in one run, each beside a naive baseline measured in the same run.

    python benchmarks/run.py [--quick] [--out FILE]

On a shared, noisy machine a time alone says little; a time beside its baseline, measured
minutes apart on the same machine, says how much the viewer's way of doing it buys.

- first frame: ``psoas-viewer screenshot`` as a new process, from start to the written first
  frame, against a bare pyvista script drawing the same bone meshes (``bare_pyvista.py``);
- frame while rotating at 1280x800: dragging or animating (half resolution) and an action's quick frame (full resolution) against full quality (``interaction.py``);
- pose update of all muscles on both sides, render excluded, against a rebuild with a pyvista
  spline, the tube filter and new actors (``pose_update.py``);
- lengths of all muscles in 1000 poses in one batched call, against evaluating them one by one;
- click to selection against a naive pick projecting every vertex (``interaction.py``);
- 3840x2160 annotated export in a running viewer (imports done, as File > Export), against a
  plain SSAA screenshot laid out by matplotlib; and the whole ``psoas-viewer export`` process;
- peak RSS of the first-frame and the export processes, against their bare counterparts;
- "actions": each user action in the real window (edits, undo, quiz steps, a lesson, a pose
  button's first frame, a search selection), p95 to the first updated frame (``actions.py``,
  under ``xvfb-run`` when there is no display);
- "long class": resident memory over 20 rounds of poses, quiz, lesson and export in the real
  window, its growth after the first round and its peak (``long_class.py``).

Prints a table and writes JSON (default ``benchmarks/results/run.json``). ``--quick`` runs each
part once, small, to check that the command works; its figures are not measurements.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from timing import machine, run_child

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent))  # measure this checkout's viewer, not an installed copy
EXPORT_SIZE = "3840x2160"
# figure: (target, "max" or "min")
TARGETS = {
    "first_frame_s": (2.0, "max"),
    "frame_interactive_ms": (33.0, "max"),
    "pose_update_ms": (2.0, "max"),
    "pose_update_speedup": (10.0, "min"),
    "poses_batch_s": (0.3, "max"),
    "click_ms": (30.0, "max"),
    "export_4k_s": (3.0, "max"),
    "first_frame_rss_mb": (400.0, "max"),
    "long_class_growth_mb": (50.0, "max"),
    "long_class_peak_mb": (600.0, "max"),
}


def export_child(out: str, size: str) -> None:
    """In a fresh process: import what the window has imported, then time one CLI export."""
    from viewer.scene.offscreen import use_offscreen_backend

    use_offscreen_backend()
    import matplotlib.backends.backend_agg  # noqa: F401  (already loaded in a running viewer)
    import PIL.Image  # noqa: F401

    import viewer.scene.anatomy_scene  # noqa: F401
    import viewer.scene.gltf_export  # noqa: F401
    from viewer.cli import main

    start = time.perf_counter()
    if main(["export", "--size", size, "--out", out]) != 0:
        raise SystemExit("export failed")
    print(json.dumps({"export_s": time.perf_counter() - start}))


def processes(repeats: int, export_size: str) -> dict:
    """Start-up, export and peak memory, each a new process, ours and the bare baseline."""
    python = sys.executable
    figures: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        figures.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            wall, rss, _ = run_child([python, "-m", "viewer", "screenshot", f"{folder}/first.png"])
            add("first_frame_s", wall)
            add("first_frame_rss_mb", rss)
            wall, rss, _ = run_child([python, str(HERE / "bare_pyvista.py"), "first-frame", f"{folder}/bare.png"])
            add("first_frame_naive_s", wall)
            add("first_frame_naive_rss_mb", rss)
        wall, rss, out = run_child([python, str(HERE / "run.py"), "--export-child", f"{folder}/figure.png", export_size])
        add("export_4k_s", json.loads(out.splitlines()[-1])["export_s"])
        add("export_4k_process_s", wall)
        add("export_4k_rss_mb", rss)
        wall, rss, out = run_child([python, str(HERE / "bare_pyvista.py"), "export", f"{folder}/bare.png", export_size])
        add("export_4k_naive_s", json.loads(out)["export_s"])
        add("export_4k_naive_process_s", wall)
        add("export_4k_naive_rss_mb", rss)
    return {key: statistics.median(values) for key, values in figures.items()}


ROWS = [
    # label, ours, baseline, baseline's label, unit
    ("first frame, new process (s)", "first_frame_s", "first_frame_naive_s", "bare pyvista script", "s"),
    ("frame while dragging 1280x800 (ms)", "frame_interactive_ms", "frame_full_quality_ms", "full quality, SSAA", "ms"),
    ("quick frame after an action (ms)", "frame_quick_ms", "frame_full_quality_ms", "full quality, SSAA", "ms"),
    ("pose update, all muscles (ms)", "pose_update_ms", "pose_update_naive_ms", "spline+tube+new actors", "ms"),
    ("pose update, paths only (ms)", "pose_paths_ms", "pose_update_ms", "the whole pose update", "ms"),
    ("hip limits, one pose (ms)", "hip_limits_ms", "hip_limits_exact_ms", "ray parity+exact distance", "ms"),
    ("1000 poses, lengths of all (s)", "poses_batch_s", "poses_one_by_one_s", "one pose at a time", "s"),
    ("click to selection (ms)", "click_ms", "click_naive_ms", "project every vertex", "ms"),
    ("annotated export, in viewer (s)", "export_4k_s", "export_4k_naive_s", "SSAA shot+matplotlib", "s"),
    ("export, whole process (s)", "export_4k_process_s", "export_4k_naive_process_s", "same, whole process", "s"),
    ("peak RSS, first frame (MB)", "first_frame_rss_mb", "first_frame_naive_rss_mb", "bare pyvista script", "MB"),
    ("peak RSS, export (MB)", "export_4k_rss_mb", "export_4k_naive_rss_mb", "SSAA shot+matplotlib", "MB"),
]


def actions(repeats: int) -> dict:
    """The window's actions, measured by ``actions.py`` in a process of its own with a display."""
    import os
    import shutil
    import subprocess

    command = [sys.executable, str(HERE / "actions.py"), str(repeats)]
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"] + command
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def long_class(quick: bool) -> dict:
    """Memory over a long class in the real window (``long_class.py``, own process, with a display)."""
    import os
    import shutil
    import subprocess

    command = [sys.executable, str(HERE / "long_class.py")] + (["--quick"] if quick else [])
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"] + command
    out = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    return {"long_class_growth_mb": out["growth_mb"], "long_class_peak_mb": out["peak_mb"],
            "long_class_first_round_mb": out["rss_mb"][0], "long_class_rounds": out["rounds"]}


def actions_table(measured: dict) -> str:
    lines = [f"{'action, to the first updated frame':36s} {'p95 ms':>9s} {'baseline':>9s}  baseline is"]
    for name, figures in measured.items():
        lines.append(f"{name:36s} {figures['p95_ms']:9.0f} {figures['baseline_ms']:9.0f}  {figures['baseline']}")
    return "\n".join(lines)


def verdicts(figures: dict) -> dict:
    """For each target: the figure, the target and whether it is met."""
    out = {}
    for key, (target, kind) in TARGETS.items():
        value = figures[key]
        out[key] = {"value": value, "target": target, "met": value <= target if kind == "max" else value >= target}
    return out


def table(report: dict) -> str:
    figures, checks = report["figures"], report["targets"]
    lines = [
        f"psoas viewer benchmarks, {report['date']}, {report['machine']}" + (" (QUICK: not a measurement)" if report["quick"] else ""),
        f"{'figure':36s} {'viewer':>9s} {'baseline':>9s}  {'baseline is':22s} {'ratio':>6s}  target",
    ]
    for label, ours, base, base_label, unit in ROWS:
        ratio = figures[base] / figures[ours]
        check = checks.get(ours)
        target = f"<= {check['target']:g} {unit}: {'met' if check['met'] else 'MISSED'}" if check else ""
        lines.append(f"{label:36s} {figures[ours]:9.2f} {figures[base]:9.2f}  {base_label:22s} {ratio:5.1f}x  {target}")
    speed = checks["pose_update_speedup"]
    lines.append(f"pose update speed-up over the naive rebuild: {speed['value']:.1f}x (target >= 10x: {'met' if speed['met'] else 'MISSED'})")
    lines.append(f"{figures['muscles']} muscles in {figures['surfaces']} surfaces (bellies, slips and fans); export size {report['export_size']}")
    growth, peak = checks["long_class_growth_mb"], checks["long_class_peak_mb"]
    lines.append(f"long class ({figures['long_class_rounds']} rounds): {figures['long_class_first_round_mb']:.0f} MB after the first round, "
                 f"grew {growth['value']:.0f} MB after it (target < 50: {'met' if growth['met'] else 'MISSED'}), "
                 f"peak {peak['value']:.0f} MB (target <= 600: {'met' if peak['met'] else 'MISSED'})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each part once and small: checks the command, measures nothing")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "run.json", help="JSON file to write")
    parser.add_argument("--export-child", nargs=2, metavar=("OUT", "WxH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child)
        return
    from interaction import measure as measure_interaction
    from pose_update import measure as measure_pose_update
    from pose_update import measure_hip_limits, measure_many

    export_size = "640x360" if args.quick else EXPORT_SIZE
    figures = processes(1 if args.quick else 3, export_size)
    figures.update(measure_interaction(3, 3) if args.quick else measure_interaction(40, 40))
    figures.update(measure_pose_update(3 if args.quick else 60))
    figures["pose_update_speedup"] = figures["pose_update_naive_ms"] / figures["pose_update_ms"]
    figures.update(measure_many(1000, 1 if args.quick else 15))
    figures.update(measure_hip_limits(3 if args.quick else 60))
    figures.update(long_class(args.quick))
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "quick": args.quick,
        "export_size": export_size,
        "figures": figures,
    }
    report["targets"] = verdicts(figures)
    report["actions"] = actions(1 if args.quick else 20)
    print(table(report))
    print(actions_table(report["actions"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
