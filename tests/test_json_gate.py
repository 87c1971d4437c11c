"""The one gate every JSON file passes: regular files only, bounded reads, depth, numbers, Unicode;
`validate` checks views and lessons of a layer, names the right file, and places problems in linear time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from viewer.anatomy import json_input
from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.json_input import MAX_DEPTH, InputError, ProblemsError, read_json
from viewer.anatomy.view_file import load_view


def validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "viewer", "validate", *args], capture_output=True, text=True, timeout=120)


def test_special_files_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # no writer: reading it would wait forever
    for path, reason in ((fifo, "is not a regular file"), (Path("/dev/zero"), "is not a regular file"), (tmp_path, "is a folder")):
        result = validate(str(path))  # the subprocess timeout turns a hang into a failure
        assert result.returncode == 1 and result.stdout.startswith(f"{path}: {reason}"), result
        assert "Traceback" not in result.stderr and len(result.stdout.strip().splitlines()) == 1
        with pytest.raises(InputError, match=reason):
            read_json(path)


def test_a_file_is_read_no_further_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(json_input, "MAX_JSON_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"format_version": 1, "x": "y" * 200}))
    with pytest.raises(InputError, match="more than the 100 allowed"):
        read_json(path)


def layer_text(tmp_path, text: str) -> Path:
    path = tmp_path / "mine.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, where, message", [
    ('{"format_version": 1, "landmarks": [{"id": "p", "name": "Bad \\udc80 name", "bone": "femur_r",'
     ' "position": [0, 0, 0], "kind": "landmark"}]}', "$.landmarks[0].name", "lone surrogate"),
    ('{"format_version": 1, "landmarks": [{"id": "p", "name": "P", "bone": "femur_r",'
     ' "position": [' + "1" * 5000 + ', 0, 0], "kind": "landmark"}]}', "$.landmarks[0].position[0]", "too long"),
    ('{"format_version": 1, "landmarks": [{"id": "p", "name": "P", "bone": "femur_r",'
     ' "position": [1e300, 0, 0], "kind": "landmark"}]}', "$.landmarks[0].position[0]", "larger than"),
    ('{"format_version": 1, "views": [{"id": "v", "title": "T", "panels": [{"camera": ' + "[" * 500 + "]" * 500 + "}]}]}",
     "$.views[0].panels[0].camera", "nested more than"),
])
def test_values_no_later_step_could_use_are_problems_with_their_place(tmp_path, text, where, message):
    path = layer_text(tmp_path, text)
    with pytest.raises(ProblemsError) as caught:
        load_annotations(layer=path)
    found = [p for p in caught.value.problems if message in p.message]
    assert found and found[0].path == path and found[0].where.startswith(where) and found[0].line == 1
    result = validate(str(path))
    assert result.returncode == 1 and message in result.stdout and "Traceback" not in result.stderr


def test_the_strict_reader_refuses_the_same_values_by_place(tmp_path):
    path = tmp_path / "view.json"
    path.write_text('{"format_version": 1,\n "panels": [{"camera": {"preset": "anterior"}, "pose": {"hip_flexion_r": 1e999}}]}')
    with pytest.raises(InputError) as caught:
        read_json(path)
    assert "line 2" in str(caught.value) and "$.panels[0].pose.hip_flexion_r" in str(caught.value)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    with pytest.raises(InputError, match="nested more than"):
        read_json(deep)


def test_views_and_lessons_of_a_layer_are_checked_and_blame_the_layer(tmp_path):
    layer = {"format_version": 1,
             "views": [{"id": "mine", "title": "Mine", "format_version": 1,
                        "panels": [{"camera": {"preset": "anterior"}, "pose": "no_such_pose"}]}],
             "lessons": [{"id": "my_lesson", "title": "Mine", "text": ["Plain"],
                          "panel": {"camera": {"preset": "anterior"}, "pose": "standing", "selection": "no_such_landmark"}},
                         {"id": "my_other", "title": "Other", "text": ["{change:no_such_pose:psoas_major_r}"],
                          "panel": {"camera": {"preset": "anterior"}, "pose": "standing"}}]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(layer, indent=2))
    with pytest.raises(ProblemsError) as caught:
        load_annotations(layer=path)
    found = {p.where: p.message for p in caught.value.problems}
    assert all(p.path == path for p in caught.value.problems)
    assert "no pose named 'no_such_pose'" in found["$.views[0].panels[0].pose"]
    assert "unknown structure 'no_such_landmark'" in found["$.lessons[0].panel"]
    assert "names an unknown pose or muscle" in found["$.lessons[1].text[0]"]


def test_many_problems_are_placed_in_one_pass_over_the_text(tmp_path, monkeypatch):
    """1000 duplicate pose ids: each file's positions are found once, not once per problem (that was quadratic)."""
    poses = [{"id": "dup", "name": "Dup", "angles": {}} for _ in range(1000)]
    path = tmp_path / "dups.json"
    text = json.dumps({"format_version": 1, "poses": poses}, indent=2)
    path.write_text(text)
    calls = []
    real = json_input.value_offsets
    monkeypatch.setattr(json_input, "value_offsets", lambda text: calls.append(len(text)) or real(text))
    json_input._positions.cache_clear()
    with pytest.raises(ProblemsError) as caught:
        load_annotations(layer=path)
    assert len(caught.value.problems) == 1000
    last = text.rfind('"dup"')
    assert (caught.value.problems[-1].line, caught.value.problems[-1].column) == (text.count("\n", 0, last) + 1, last - text.rfind("\n", 0, last))
    assert len(calls) <= 2  # the layer's text, and at most the shipped one


def test_a_view_file_with_a_5000_digit_number_is_refused_by_place(tmp_path, content):
    path = tmp_path / "view.json"
    path.write_text('{"format_version": 1, "panels": [{"camera": {"preset": "anterior"}, "pose": {"hip_flexion_r": '
                    + "9" * 5000 + "}}]}")
    with pytest.raises(InputError) as caught:
        load_view(path, content[1])
    assert "too long" in str(caught.value) and "$.panels[0].pose.hip_flexion_r" in str(caught.value)
