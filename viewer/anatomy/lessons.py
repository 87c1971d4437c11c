"""Lessons: short topics whose text quotes the model's own numbers and whose view is a saved-view panel.

Text may say ``{change:sitting:psoas_major_r}``; it is replaced by that muscle's length change
from standing in that pose, computed by the muscle model, so the numbers always match the model.
``{arm:standing:psoas_major_r}`` gives the muscle's hip-flexion moment arm in that pose, in cm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.view_file import check_view, normalised, structure_ids

PLACEHOLDER = re.compile(r"\{(change|arm):([a-z0-9_]+):([a-z0-9_]+)\}")


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    panel: dict
    animation: str | None
    see: str | None = None  # another part of the Learn panel this lesson points to


def load_lessons(annotations: Annotations, model: MuscleModel) -> list[Lesson]:
    """The lessons of an annotations document, checked, with their numbers filled in."""
    lessons = []
    for k, entry in enumerate(annotations.document.get("lessons", [])):
        where = f"$.lessons[{k}]"
        try:
            view = check_view({"format_version": 1, "panels": [entry["panel"]]}, annotations.path, annotations, structure_ids(annotations))
        except InputError as exc:
            raise InputError(annotations.path, exc.detail, where + ".panel") from None
        paragraphs = tuple(_fill(text, annotations, model, where) for text in entry["text"])
        lessons.append(Lesson(entry["id"], entry["title"], paragraphs, normalised(view)["panels"][0], entry.get("animation"), entry.get("see")))
    return lessons


def _fill(text: str, annotations: Annotations, model: MuscleModel, where: str) -> str:
    def number(match: re.Match) -> str:
        kind, pose_id, muscle_id = match.groups()
        if pose_id in annotations.poses and muscle_id in model.skipped:  # a user's pack lacks one of its bones
            return "(not measured: the anatomy pack lacks this muscle's bones)"
        if pose_id not in annotations.poses or muscle_id not in model.muscles:
            raise InputError(annotations.path, f"{match.group(0)} names an unknown pose or muscle", where + ".text")
        pose = annotations.poses[pose_id].pose
        if kind == "arm":
            return f"{model.hip_flexion_moment_arm(muscle_id, pose) / 10:.1f} cm"
        percent = 100 * (model.length(muscle_id, pose) / model.length(muscle_id, Pose()) - 1)
        return f"{percent:+.0f}%".replace("-", "\u2212")

    return PLACEHOLDER.sub(number, text)
