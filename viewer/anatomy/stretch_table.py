"""The Stretch lab's ranking as text: an aligned table to read, CSV or JSON to analyse."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

from viewer.anatomy.kinematics import Pose
from viewer.anatomy.stretches import MUSCLE_NAMES, Change, StretchResult

CSV_COLUMNS = ["rank", "pose", "pose_name", "stretched_side", "muscle", "side", "part",
               "standing_mm", "posed_mm", "change_mm", "change_percent"]


def _change(c: Change) -> dict:
    return {"muscle": c.muscle, "side": c.side, "part": c.part, "standing_mm": round(c.standing_mm, 2),
            "posed_mm": round(c.posed_mm, 2), "change_mm": round(c.mm, 2), "change_percent": round(c.percent, 2)}


def rows(results: list[StretchResult]) -> list[dict]:
    """One row per pose, muscle, side and part (the whole muscle, or a psoas major slip)."""
    return [
        {"rank": rank, "pose": r.stretch.id, "pose_name": r.stretch.name, "stretched_side": r.stretch.side, **_change(c)}
        for rank, r in enumerate(results, start=1)
        for c in r.changes
    ]


def _angles(pose: Pose) -> dict[str, float]:
    return {f.name: getattr(pose, f.name) for f in dataclasses.fields(pose) if getattr(pose, f.name) != 0.0}


def format_stretches(results: list[StretchResult], fmt: str) -> str:
    """Ranked results as ``table``, ``csv`` or ``json``."""
    if fmt == "json":
        poses = [
            {"rank": rank, "id": r.stretch.id, "name": r.stretch.name, "stretched_side": r.stretch.side,
             "angles": _angles(r.stretch.pose), "source": r.stretch.source, "changes": [_change(c) for c in r.changes]}
            for rank, r in enumerate(results, start=1)
        ]
        return json.dumps({"reference_pose": "standing", "poses": poses}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(results))
        return out.getvalue().rstrip("\n")
    return _table(results)


def _cell(result: StretchResult, muscle: str, side: str, part: str = "whole") -> str:
    change = result.get(muscle, side, part)
    if change is None:
        return "-"
    return f"{_signed(change.mm)} ({_signed(change.percent)}%)"


def _slip(result: StretchResult, side: str, slip: str) -> str:
    change = result.get("psoas_major", side, slip)
    return _signed(change.percent) if change is not None else "-"


def _signed(value: float) -> str:
    """One decimal with its sign, and no "-0.0" for a change that rounds to nothing."""
    return f"{round(value, 1) + 0.0:+.1f}"


def _table(results: list[StretchResult]) -> str:
    name_width = max(len(r.stretch.name) for r in results) if results else 10
    lines = ["Change of length against standing, mm (%), ranked by the psoas major of the stretched side",
             "(side 'both': a symmetric pose, ranked by the right side)", ""]
    columns = [(m, s) for m in MUSCLE_NAMES for s in "rl"]
    header = f"{'#':>2}  {'pose':<{name_width}}  side " + "".join(f"{MUSCLE_NAMES[m] + ' ' + s.upper():>18}" for m, s in columns)
    lines += [header, "-" * len(header)]
    for rank, r in enumerate(results, start=1):
        cells = "".join(f"{_cell(r, m, s):>18}" for m, s in columns)
        lines.append(f"{rank:>2}  {r.stretch.name:<{name_width}}  {r.stretch.side:<4} " + cells)
    slips = [c.part for c in results[0].changes if c.muscle == "psoas_major" and c.side == "r" and c.part != "whole"] if results else []
    for side, word in (("r", "right"), ("l", "left")):
        lines += ["", f"Psoas major slips, {word} side: change of length against standing, %"]
        header = f"{'#':>2}  {'pose':<{name_width}}  " + "".join(f"{slip:>10}" for slip in slips)
        lines += [header, "-" * len(header)]
        for rank, r in enumerate(results, start=1):
            cells = "".join(f"{_slip(r, side, slip):>10}" for slip in slips)
            lines.append(f"{rank:>2}  {r.stretch.name:<{name_width}}  " + cells)
    return "\n".join(lines)
