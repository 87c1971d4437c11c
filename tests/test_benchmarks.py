"""The benchmark scripts run and report every figure beside its baseline (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(
    "script, arguments, keys",
    [
        ("pose_update.py", ["--repeats", "3"], ["in_place_ms_median", "naive_rebuild_ms_median", "speedup"]),
        (
            "interaction.py",
            ["--frames", "2", "--clicks", "3"],
            ["frame_interactive_median_ms", "frame_full_quality_median_ms", "click_median_ms", "click_naive_median_ms"],
        ),
    ],
)
def test_benchmark_reports_its_figures(script, arguments, keys):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}  # off-screen, as in CI without Xvfb
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *arguments], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads((BENCHMARKS / "results" / script.replace(".py", ".json")).read_text())
    for key in keys:
        assert report[key] > 0
    assert "naive" in result.stdout  # the baseline is printed beside the figure
