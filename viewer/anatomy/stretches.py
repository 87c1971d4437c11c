"""The Stretch lab's model: popular "psoas stretches" as poses, and what each does to every slip.

Each pose in ``stretches.json`` names the side guides say it stretches and where its angles
come from. :func:`measure` compares every psoas major slip, the whole psoas major, the iliacus
and the psoas minor on both sides with standing; :func:`ranked` orders poses by how much they
lengthen the psoas major of the stretched side. Text may quote the numbers with placeholders
``{pct:POSE:MUSCLE}`` or ``{mm:POSE:MUSCLE.SLIP}``, so the words always match the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from viewer.anatomy.annotations import shipped_content_path
from viewer.anatomy.json_input import InputError, check_schema, read_json
from viewer.anatomy.kinematics import Pose, PoseError, outside_ranges
from viewer.anatomy.muscle_paths import MuscleModel

SCHEMA_NAME = "stretches.schema.json"
MUSCLE_NAMES = {"psoas_major": "Psoas major", "iliacus": "Iliacus", "psoas_minor": "Psoas minor"}
MEASURED = tuple(MUSCLE_NAMES)
WITH_SLIPS = "psoas_major"
PLACEHOLDER = re.compile(r"\{(pct|mm):([a-z0-9_]+):([a-z0-9_]+)(?:\.([a-z0-9_]+))?\}")


@dataclass(frozen=True)
class Stretch:
    id: str
    name: str
    side: str  # "r", "l" or "both"
    pose: Pose
    source: str
    description: str
    cited_ranges: dict[str, list[float]] = field(default_factory=dict, hash=False)  # angle name -> [low, high] its source cites

    @property
    def stretched_side(self) -> str:
        """The side the ranking looks at: the right one for symmetric poses."""
        return "l" if self.side == "l" else "r"


@dataclass(frozen=True)
class Change:
    """One muscle (or one slip) in one pose against standing."""

    muscle: str  # e.g. "psoas_major"
    side: str
    part: str  # "whole" or a slip id such as "l3_tp"
    standing_mm: float
    posed_mm: float

    @property
    def mm(self) -> float:
        return self.posed_mm - self.standing_mm

    @property
    def percent(self) -> float:
        return 100.0 * self.mm / self.standing_mm


@dataclass(frozen=True)
class StretchResult:
    stretch: Stretch
    changes: tuple[Change, ...]

    def get(self, muscle: str, side: str, part: str = "whole") -> Change | None:
        """That muscle's (or slip's) change; None where the pack lacks a bone the muscle needs."""
        return next((c for c in self.changes if (c.muscle, c.side, c.part) == (muscle, side, part)), None)

    @property
    def score(self) -> float:
        """Percent change of the stretched side's psoas major: what the ranking sorts by."""
        change = self.get(WITH_SLIPS, self.stretch.stretched_side)
        return change.percent if change is not None else float("-inf")


@dataclass(frozen=True)
class StretchLibrary:
    path: Path
    stretches: tuple[Stretch, ...]
    findings: tuple[str, ...]


def load_stretches(path: Path | None = None) -> StretchLibrary:
    """Read and check a stretch library (the shipped one by default)."""
    path = Path(path) if path is not None else shipped_content_path("stretches.json")
    doc = read_json(path)
    check_schema(doc, SCHEMA_NAME, path)
    stretches, seen = [], set()
    for k, entry in enumerate(doc["poses"]):
        if entry["id"] in seen:
            raise InputError(path, f"id {entry['id']!r} is used twice", f"$.poses[{k}].id")
        seen.add(entry["id"])
        try:
            pose = Pose(**entry["angles"])
        except PoseError as exc:
            raise InputError(path, str(exc), f"$.poses[{k}].angles") from None
        ranges = entry.get("cited_ranges", {})
        problems = outside_ranges(pose, ranges)
        if problems:
            raise InputError(path, "; ".join(problems), f"$.poses[{k}].cited_ranges")
        stretches.append(Stretch(entry["id"], entry["name"], entry["side"], pose, entry["source"], entry["description"], ranges))
    return StretchLibrary(path, tuple(stretches), tuple(doc["findings"]))


def measure(stretch: Stretch, model: MuscleModel, standing: dict | None = None) -> StretchResult:
    """Every measured muscle and psoas major slip, both sides, against standing."""
    standing = standing if standing is not None else model.evaluate(Pose())
    posed = model.evaluate(stretch.pose)
    changes = []
    for muscle in MEASURED:
        for side in "rl":
            muscle_id = f"{muscle}_{side}"
            if muscle_id not in posed:
                continue
            before, after = standing[muscle_id].fascicle_lengths, posed[muscle_id].fascicle_lengths
            changes.append(Change(muscle, side, "whole", float(before.mean()), float(after.mean())))
            if muscle == WITH_SLIPS:
                slips = model.muscles[muscle_id].fascicle_ids
                changes += [Change(muscle, side, slip, float(b), float(a)) for slip, b, a in zip(slips, before, after)]
    return StretchResult(stretch, tuple(changes))


def measure_all(library: StretchLibrary, model: MuscleModel) -> list[StretchResult]:
    standing = model.evaluate(Pose())
    return [measure(stretch, model, standing) for stretch in library.stretches]


def largest_percent(results: list[StretchResult]) -> float:
    """The largest change of either psoas major in any pose, in percent (for a common bar scale)."""
    changes = [r.get(WITH_SLIPS, side) for r in results for side in "rl"]
    return max((abs(c.percent) for c in changes if c is not None), default=1.0)


def ranked(results: list[StretchResult]) -> list[StretchResult]:
    """Most lengthening first."""
    return sorted(results, key=lambda r: -r.score)


def fill(text: str, results: list[StretchResult], path: Path, where: str) -> str:
    """Replace the number placeholders of a text with the model's numbers."""
    by_id = {r.stretch.id: r for r in results}

    def number(match: re.Match) -> str:
        unit, pose_id, muscle_id, slip = match.groups()
        muscle, _, side = muscle_id.rpartition("_")
        change = by_id[pose_id].get(muscle, side, slip or "whole") if pose_id in by_id else None
        if change is None:
            raise InputError(path, f"{match.group(0)} names an unknown pose, muscle or slip", where)
        value = change.percent if unit == "pct" else change.mm
        return (f"{value:+.1f}%" if unit == "pct" else f"{value:+.1f} mm").replace("-", "\u2212")

    return PLACEHOLDER.sub(number, text)


def findings(library: StretchLibrary, results: list[StretchResult]) -> list[str]:
    """The library's findings with numbers; one naming a muscle this scene lacks is left out."""
    out = []
    for k, text in enumerate(library.findings):
        try:
            out.append(fill(text, results, library.path, f"$.findings[{k}]"))
        except InputError:
            if not _names_missing_muscle(text, results):
                raise
    return out


def _names_missing_muscle(text: str, results: list[StretchResult]) -> bool:
    measured = {f"{c.muscle}_{c.side}" for r in results for c in r.changes}
    return any(match.group(3) not in measured and match.group(3).rpartition("_")[0] in MEASURED
               for match in PLACEHOLDER.finditer(text))
