"""Lessons (``viewer.anatomy.lessons``) against a stand-in muscle model whose numbers are known,
so each filled-in number and each refusal can be checked exactly. Written to kill the mutants
mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.lessons import Lesson, load_lessons
from viewer.anatomy.view_file import normalised


class StandInModel:
    """Lengths in mm by pose: 200 (psoas) and 100 (iliacus) standing; at 90 degrees of hip flexion as given, 200.9 otherwise; moment arms in mm."""

    muscles = {"psoas_major_r": None, "iliacus_r": None}
    skipped = {"psoas_minor_r"}

    def length(self, muscle_id, pose):
        if pose == Pose():
            return {"psoas_major_r": 200.0, "iliacus_r": 100.0}[muscle_id]
        return {"psoas_major_r": 177.2, "iliacus_r": 106.0}[muscle_id] if pose.hip_flexion_r == 90 else 200.9

    def hip_flexion_moment_arm(self, muscle_id, pose):
        return {"psoas_major_r": 23.46, "iliacus_r": 9.94}[muscle_id] + (0 if pose == Pose() else 10)


def _with_lessons(annotations, lessons):
    document = copy.deepcopy(annotations.document)
    if lessons is None:
        del document["lessons"]
    else:
        document["lessons"] = lessons
    return dataclasses.replace(annotations, document=document)


PANEL = {"camera": {"preset": "oblique"}, "pose": "sitting", "selection": "psoas_major_r", "labels": ["l1_body"]}


def test_numbers_are_filled_in_from_the_model(annotations):
    lessons = load_lessons(_with_lessons(annotations, [
        {"id": "one", "title": "One", "panel": PANEL, "animation": "hip_flexion", "see": "quiz",
         "text": ["Sitting: {change:sitting:psoas_major_r} and {change:sitting:iliacus_r}.",
                  "Arm {arm:standing:psoas_major_r}, {arm:sitting:iliacus_r}; rest {change:constructive_rest:psoas_major_r}.",
                  "Standing {change:standing:iliacus_r}; no braces here {x:y}."]},
        {"id": "two", "title": "Two", "panel": {"camera": {"preset": "anterior"}, "pose": "standing"}, "text": []},
    ]), StandInModel())
    assert lessons[0] == Lesson(
        "one", "One",
        ("Sitting: \u221211% and +6%.",  # 177.2 / 200 - 1 = -11.4%, with a real minus sign; 106 / 100 - 1 = +6%
         "Arm 2.3 cm, 2.0 cm; rest +0%.",  # 23.46 mm; 19.94 mm; 200.9 / 200 - 1 = +0.45%
         "Standing +0%; no braces here {x:y}."),
        normalised({"format_version": 1, "panels": [PANEL]})["panels"][0], "hip_flexion", "quiz")
    assert lessons[1] == Lesson("two", "Two", (), normalised({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": "standing"}]})["panels"][0], None, None)
    assert load_lessons(_with_lessons(annotations, None), StandInModel()) == []


def test_a_muscle_whose_bones_the_pack_lacks_is_said_not_measured(annotations):
    [lesson] = load_lessons(_with_lessons(annotations, [
        {"id": "x", "title": "X", "panel": PANEL, "text": ["It is {change:sitting:psoas_minor_r} / {arm:standing:psoas_minor_r}."]}]),
        StandInModel())
    note = "(not measured: the anatomy pack lacks this muscle's bones)"
    assert lesson.paragraphs == (f"It is {note} / {note}.",)


@pytest.mark.parametrize("text", ["{change:nope:psoas_major_r}", "{arm:sitting:nope}", "{change:nope:psoas_minor_r}"])
def test_an_unknown_pose_or_muscle_is_refused_with_its_place(annotations, text):
    document = _with_lessons(annotations, [
        {"id": "a", "title": "A", "panel": PANEL, "text": ["fine"]},
        {"id": "b", "title": "B", "panel": PANEL, "text": ["fine", f"Then {text}."]}])
    with pytest.raises(InputError) as caught:
        load_lessons(document, StandInModel())
    assert caught.value.path == annotations.path
    assert caught.value.where == "$.lessons[1].text"
    assert caught.value.detail == f"{text} names an unknown pose or muscle"


def test_a_bad_panel_is_refused_at_the_lesson(annotations):
    document = _with_lessons(annotations, [
        {"id": "a", "title": "A", "panel": PANEL, "text": []},
        {"id": "b", "title": "B", "panel": {"camera": {"preset": "anterior"}, "pose": "no_such_pose"}, "text": []}])
    with pytest.raises(InputError) as caught:
        load_lessons(document, StandInModel())
    assert caught.value.path == annotations.path
    assert caught.value.where == "$.lessons[1].panel"
    assert "no_such_pose" in caught.value.detail and "$.panels" not in str(caught.value)
