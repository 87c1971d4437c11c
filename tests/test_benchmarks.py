"""``benchmarks/run.py`` runs and reports every figure beside its baseline (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
FIGURES = [
    "first_frame_s", "first_frame_naive_s", "frame_interactive_ms", "frame_quick_ms", "frame_full_quality_ms", "pose_update_ms",
    "pose_update_naive_ms", "poses_batch_s", "poses_one_by_one_s", "click_ms", "click_naive_ms", "export_4k_s", "export_4k_naive_s", "export_4k_process_s",
    "first_frame_rss_mb", "first_frame_naive_rss_mb", "export_4k_rss_mb", "export_4k_naive_rss_mb",
]


def test_run_reports_every_figure_beside_its_baseline(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # off-screen, as in CI without Xvfb
    out = tmp_path / "run.json"
    result = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--out", str(out)],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    for key in FIGURES:
        assert report["figures"][key] > 0, key
    assert set(report["targets"]) == {"first_frame_s", "frame_interactive_ms", "pose_update_ms", "pose_update_speedup",
                                      "click_ms", "export_4k_s", "first_frame_rss_mb", "poses_batch_s",
                                      "long_class_growth_mb", "long_class_peak_mb"}
    assert report["figures"]["long_class_peak_mb"] >= report["figures"]["long_class_first_round_mb"] > 0
    assert "long class (2 rounds)" in result.stdout
    assert "llvmpipe" in report["machine"] or "cores" in report["machine"]
    actions = {"add_landmark", "move_landmark", "delete_landmark", "undo", "redo", "quiz_answer", "quiz_next_question",
               "lesson", "pose_button_first_frame", "search_selection", "body_shape_slider_step", "body_shape_first_binding"}
    assert set(report["actions"]) == actions  # each action's latency is reported, beside its baseline
    assert all(figures["p95_ms"] > 0 and figures["baseline_ms"] > 0 for figures in report["actions"].values())
    assert "pose_button_first_frame" in result.stdout
    for label in ("bare pyvista script", "full quality, SSAA", "spline+tube+new actors", "project every vertex"):
        assert label in result.stdout  # each baseline is printed beside its figure
