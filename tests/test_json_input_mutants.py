"""The JSON gate (``viewer.anatomy.json_input``) case by case: number literals, unusable values by
path, JSON paths, shortened messages, value offsets, lines and columns, the problem list.
Written to kill the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from viewer.anatomy import json_input as gate
from viewer.anatomy.json_input import InputError, Problem, ProblemsError


def test_number_literals():
    assert gate._number("12") == 12 and type(gate._number("12")) is int
    assert gate._number("1.5") == 1.5 and gate._number("1e3") == 1000.0 and gate._number("2E1") == 20.0
    assert type(gate._number("1e3")) is float
    assert gate._number("1000000000000") == 10**12 and gate._number("-1e12") == -1e12  # the limit itself
    for literal in ("1000000000001", "-1.1e12", "1" * 65):
        value = gate._number(literal)
        assert isinstance(value, gate.OutOfRange) and value == math.inf
    assert gate._number("0." + "0" * 62) == 0  # 64 characters: still converted
    assert gate._number("1" * 13).literal == "111111111111…" and gate._number("-1" + "0" * 11 + "1").literal == "-10000000000…"
    assert gate._number("2" * 12 + "0").literal == "222222222222…"
    short = gate.OutOfRange("9e99")
    assert short.literal == "9e99"
    assert gate.OutOfRange("123456789012").literal == "123456789012"


def test_unusable_values_by_path_in_document_order():
    document = gate._loads('{"a": [1, NaN, {"b c": 1e13}], "d": "ok", "e": -Infinity, "f": 1' + "0" * 70 + ', "g": true, "h": 1e12}')
    assert gate.unusable_values(document) == [
        ("$.a[1]", "NaN or infinite numbers are not allowed"),
        ('$.a[2]["b c"]', "number 1e13 is too long, infinite or larger than 1e+12"),
        ("$.e", "NaN or infinite numbers are not allowed"),
        ("$.f", "number 100000000000… is too long, infinite or larger than 1e+12"),
    ]
    assert gate.unusable_values({"x": 10**13, "y": -10**13, "z": 1e12, "w": True}) == [
        ("$.x", "number larger than 1e+12"), ("$.y", "number larger than 1e+12")]
    assert gate.unusable_values({"a": ["fine", "bad \udc80"], "b": {"k\ud800": 1, "j": float("nan")}}) == [
        ("$.a[1]", "text is not valid Unicode (it holds a lone surrogate escape such as \\udc80)"),
        ("$.b", "a key is not valid Unicode (it holds a lone surrogate escape)"),
    ]
    assert gate.unusable_values([1, "a", None, {}, []]) == []


def test_nesting_is_checked_to_the_limit_and_not_below():
    def nested(depth, inner):
        value = inner
        for _ in range(depth):
            value = [value]
        return value

    assert gate.unusable_values(nested(gate.MAX_DEPTH, 1)) == []
    assert gate.unusable_values(nested(gate.MAX_DEPTH, [])) == [("$" + "[0]" * gate.MAX_DEPTH, "nested more than 48 levels deep")]
    assert gate.unusable_values(nested(gate.MAX_DEPTH, {"a": math.nan})) == [("$" + "[0]" * gate.MAX_DEPTH, gate.TOO_DEEP)]
    assert gate.unusable_values(nested(gate.MAX_DEPTH - 1, {"a": math.nan})) == [
        ("$" + "[0]" * (gate.MAX_DEPTH - 1) + ".a", "NaN or infinite numbers are not allowed")]


def test_json_paths():
    assert gate.json_path([]) == "$"
    assert gate.json_path(["landmarks", 3, "bone"]) == "$.landmarks[3].bone"
    assert gate.json_path(["_a1", "1a", "a b", 'q"', "é"]) == '$._a1["1a"]["a b"]["q\\""]["\\u00e9"]'
    assert gate.json_path(["A_z9"]) == "$.A_z9"


def test_long_messages_are_cut_in_the_middle():
    assert gate._shorten("x" * 160) == "x" * 160
    cut = gate._shorten("a" * 100 + "b" * 100)
    assert cut == "a" * 79 + "\u2026" + "b" * 79 and len(cut) == 159
    assert gate._shorten("abcdefghij", limit=5) == "ab\u2026ij"


def test_check_schema_names_the_first_problem_and_counts_the_rest(tmp_path):
    view = {"format_version": 1, "panels": [{"pose": "standing", "camera": {"preset": "nowhere"}}, {"pose": "standing", "camera": 3}]}
    with pytest.raises(InputError) as caught:
        gate.check_schema(view, "view.schema.json", tmp_path / "v.json")
    assert caught.value.where == "$.panels[0].camera"
    assert caught.value.detail == "{'preset': 'nowhere'} is not valid under any of the given schemas (and 1 more problems)"
    with pytest.raises(InputError) as caught:
        gate.check_schema({"format_version": 1, "panels": [{"pose": "standing", "camera": 3}]}, "view.schema.json", tmp_path / "v.json")
    assert caught.value.detail == "3 is not valid under any of the given schemas" and caught.value.where == "$.panels[0].camera"
    # in document order, sorted by path: the top level before the panels
    assert gate.schema_errors({"format_version": 1, "panels": [{"camera": {"preset": "anterior"}}], "zz": 1}, "view.schema.json") == [
        ("$", "Additional properties are not allowed ('zz' was unexpected)"), ("$.panels[0]", "'pose' is a required property")]
    gate.check_schema({"format_version": 1, "panels": [{"pose": "standing", "camera": {"preset": "anterior"}}]}, "view.schema.json", tmp_path / "v.json")
    assert gate.schema_errors({"format_version": 1}, "annotations.schema.json", required=["format_version"]) == []
    assert gate.schema_errors({}, "annotations.schema.json", required=[]) == []
    assert [w for w, _ in gate.schema_errors({"format_version": 1}, "annotations.schema.json")] == ["$"] * len(
        gate.schema("annotations.schema.json")["required"][1:])


def test_schema_problems_come_in_document_order_past_the_tenth_item():
    """Indices sort as numbers: item 2 before item 10 (as text, "10" sorted before "2")."""
    landmarks = [{"id": f"p{k}", "name": "P", "bone": "femur_r", "position": [0, 0, 0], "kind": "landmark"} for k in range(12)]
    landmarks[2]["kind"], landmarks[10]["kind"] = "nowhere", "elsewhere"
    errors = gate.schema_errors({"format_version": 1, "landmarks": landmarks}, "annotations.schema.json", required=["format_version"])
    assert [where for where, _ in errors] == ["$.landmarks[2].kind", "$.landmarks[10].kind"]


def test_problems_read_as_lines_with_their_places():
    assert str(Problem(Path("/a.json"), "$.x", "bad", 3, 7)) == "/a.json, line 3, column 7, at $.x: bad"
    assert str(Problem(Path("/a.json"), None, "bad")) == "/a.json: bad"
    assert str(Problem(Path("/a.json"), "$", "bad", 1, 1)) == "/a.json, line 1, column 1, at $: bad"
    many = ProblemsError([Problem(Path("/a.json"), f"$[{k}]", "bad") for k in range(22)])
    lines = str(many).split("\n")
    assert len(lines) == 21 and lines[19] == "/a.json, at $[19]: bad" and lines[20] == "\u2026 and 2 more problems"
    assert many.where == "$[0]" and many.detail == "bad" and len(many.problems) == 22
    assert str(ProblemsError([Problem(Path("/a.json"), f"$[{k}]", "bad") for k in range(20)])).count("\n") == 19


def test_parse_lenient_places_syntax_errors_and_lets_nan_through():
    assert math.isnan(gate.parse_lenient('{"a": NaN}', Path("x"))["a"])
    with pytest.raises(ProblemsError) as caught:
        gate.parse_lenient('{\n  "a": [1,,]\n}', Path("x.json"))
    [problem] = caught.value.problems
    assert (problem.path, problem.where, problem.line, problem.column) == (Path("x.json"), None, 2, 11)
    with pytest.raises(ProblemsError) as caught:
        gate.parse_lenient("[" * 100000 + "]" * 100000, Path("x.json"))
    assert caught.value.problems[0].message == "nested too deeply"


def test_value_offsets_of_every_value():
    text = '{ "a" : [ 1 , { } , [ ] , { "b" : "x" , "c d" : null } ] ,\n"e": {"f": [true]}, "g": []}'
    offsets = gate.value_offsets(text)
    decoder = json.JSONDecoder()
    expected = json.loads(text)
    for where, value in [("$", expected), ("$.a", expected["a"]), ("$.a[0]", 1), ("$.a[1]", {}), ("$.a[2]", []), ("$.a[3]", expected["a"][3]),
                         ("$.a[3].b", "x"), ('$.a[3]["c d"]', None), ("$.e", {"f": [True]}), ("$.e.f", [True]), ("$.e.f[0]", True),
                         ("$.g", [])]:
        assert decoder.raw_decode(text, offsets[where])[0] == value, where
    assert len(offsets) == 12
    assert gate.value_offsets("  7 ") == {"$": 2}
    assert gate.value_offsets('[[1, 2], [3]]') == {"$": 0, "$[0]": 1, "$[0][0]": 2, "$[0][1]": 5, "$[1]": 9, "$[1][0]": 10}


def test_problems_are_placed_by_line_and_column():
    text = '{\n  "a": 1,\n  "b": [\n    2,\n    NaN\n  ]\n}\n'
    problems = gate.placed([("$.b[1]", "bad"), ("$.a", "worse"), ("$.zz", "unknown place"), (None, "no place")], Path("p.json"), text)
    assert [(p.where, p.line, p.column, p.message) for p in problems] == [
        ("$.b[1]", 5, 5, "bad"), ("$.a", 2, 8, "worse"), ("$.zz", None, None, "unknown place"), (None, None, None, "no place")]
    assert gate.placed([("$", "x")], Path("p.json"), None) == [Problem(Path("p.json"), "$", "x")]
    assert gate.placed([], Path("p.json"), "not json at all") == []
    assert gate.placed([("$", "x")], Path("p.json"), "\n\n  {}")[0].line == 3


def test_read_json_places_each_kind_of_problem(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{\n "a": [1,\n  1e999]\n}')
    with pytest.raises(InputError) as caught:
        gate.read_json(path)
    assert caught.value.where == "line 3, column 3, $.a[1]" and "1e999" in caught.value.detail
    path.write_text('{"a" 1}')
    with pytest.raises(InputError) as caught:
        gate.read_json(path)
    assert caught.value.where == "line 1, column 6" and caught.value.detail == "Expecting ':' delimiter"
    path.write_text('{"a": NaN}')
    with pytest.raises(InputError) as caught:
        gate.read_json(path)
    assert caught.value.detail == "NaN is not a number JSON allows" and caught.value.where is None
    path.write_text("[" * 100000)
    with pytest.raises(InputError) as caught:
        gate.read_json(path)
    assert caught.value.detail == "nested too deeply" and caught.value.path == path
    path.write_text('{"a": [2, {"b": "ok"}]}')
    assert gate.read_json(path) == {"a": [2, {"b": "ok"}]}
    assert os.path.realpath(path) in gate.files_read()


def test_read_text_refusals_name_the_file(tmp_path, monkeypatch):
    with pytest.raises(InputError) as caught:
        gate.read_text(tmp_path / "missing.json")
    assert caught.value.detail == "file not found" and caught.value.path == tmp_path / "missing.json"
    with pytest.raises(InputError) as caught:
        gate.read_text(tmp_path)
    assert caught.value.detail == "is a folder, not a file"
    (tmp_path / "latin.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(InputError) as caught:
        gate.read_text(tmp_path / "latin.json")
    assert caught.value.detail == "not UTF-8 text (invalid continuation byte at byte 7)"
    monkeypatch.setattr(gate, "MAX_JSON_BYTES", 10)
    (tmp_path / "big.json").write_text("[1, 2, 3, 4]")
    with pytest.raises(InputError) as caught:
        gate.read_text(tmp_path / "big.json")
    assert caught.value.detail == "file is 12 bytes, more than the 10 allowed"
    (tmp_path / "fits.json").write_text("[1, 2, 34]")
    assert gate.read_text(tmp_path / "fits.json") == "[1, 2, 34]"


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as caught:
        gate.read_text(fifo)
    assert caught.value.path == fifo
    assert caught.value.detail == "is not a regular file (a device, pipe or socket); give a file"


def test_an_input_error_names_the_file_and_the_place_only_when_there_is_one():
    assert str(InputError(Path("/a/b.json"), "bad")) == "/a/b.json: bad"
    assert str(InputError(Path("/a/b.json"), "bad", "$.x")) == "/a/b.json at $.x: bad"
    assert str(InputError("/a/b.json", "bad", "")) == "/a/b.json: bad"


def test_read_text_names_the_file_when_the_system_refuses_it(tmp_path, monkeypatch):
    blocker = tmp_path / "plain.json"
    blocker.write_text("{}")
    with pytest.raises(InputError) as caught:
        gate.read_text(blocker / "inner.json")  # a path through a file, not a folder
    assert str(caught.value) == f"{blocker / 'inner.json'}: cannot be read (Not a directory)"
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    with pytest.raises(InputError) as caught:
        gate.read_text(loop)
    assert str(caught.value) == f"{loop}: cannot be read (Too many levels of symbolic links)"
    # where opening a folder fails at once (EISDIR, as some systems answer) it is still called a folder
    real_open = os.open

    def refuse_folders(path, flags, *args):
        if Path(path) == tmp_path:
            raise IsADirectoryError(21, "Is a directory")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse_folders)
    with pytest.raises(InputError) as caught:
        gate.read_text(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a folder, not a file" and caught.value.path == tmp_path


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_read_text_names_the_file_when_reading_fails_after_it_opened():
    with pytest.raises(InputError) as caught:
        gate.read_text(Path("/proc/self/mem"))  # a regular file whose first page is never mapped
    assert str(caught.value) == "/proc/self/mem: cannot be read (Input/output error)"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_file_longer_than_it_said_is_read_no_further_than_one_byte_past_the_limit(monkeypatch):
    """/proc files report size 0 and then hold more: the gate reads at most the limit and one byte."""
    asked = []
    real_fdopen = os.fdopen

    class Counted:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def read(self, size=-1):
            asked.append(size)
            return self.stream.read(size)

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Counted(real_fdopen(fd, mode)))
    monkeypatch.setattr(gate, "MAX_JSON_BYTES", 10)
    with pytest.raises(InputError) as caught:
        gate.read_text(Path("/proc/self/status"))
    assert str(caught.value) == "/proc/self/status: file grew past the 10 bytes allowed while it was read"
    assert asked == [11]


def test_a_too_deep_container_does_not_stop_the_walk_over_its_siblings():
    deep: list = []
    for _ in range(gate.MAX_DEPTH - 1):
        deep = [deep]
    assert gate.unusable_values([deep, math.nan, {"a": 1e13}]) == [
        ("$[0]" + "[0]" * (gate.MAX_DEPTH - 1), gate.TOO_DEEP),
        ("$[1]", "NaN or infinite numbers are not allowed"),
        ("$[2].a", "number larger than 1e+12"),
    ]


def test_check_schema_remembers_a_document_by_its_text_whatever_the_order_of_its_keys(tmp_path):
    gate._text_schema_errors.cache_clear()
    view = {"format_version": 1, "panels": [{"pose": "standing", "camera": {"preset": "anterior"}}]}
    gate.check_schema(view, "view.schema.json", tmp_path / "v.json")
    gate.check_schema({"panels": [{"camera": {"preset": "anterior"}, "pose": "standing"}], "format_version": 1},
                      "view.schema.json", tmp_path / "v.json")
    info = gate._text_schema_errors.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_check_schema_still_checks_a_document_that_is_not_json_text(tmp_path):
    """A set cannot be written as JSON, so it is not remembered; it is checked all the same."""
    gate._text_schema_errors.cache_clear()
    view = {"format_version": 1, "panels": [{"pose": "standing", "camera": {"preset": {"anterior"}}}]}
    with pytest.raises(InputError) as caught:
        gate.check_schema(view, "view.schema.json", tmp_path / "v.json")
    assert caught.value.where == "$.panels[0].camera" and caught.value.path == tmp_path / "v.json"
    assert caught.value.detail == "{'preset': {'anterior'}} is not valid under any of the given schemas"
    assert gate._text_schema_errors.cache_info().currsize == 0


def test_parse_lenient_says_what_the_syntax_error_is():
    with pytest.raises(ProblemsError) as caught:
        gate.parse_lenient('{\n  "a": [1,,]\n}', Path("x.json"))
    assert caught.value.problems[0].message == "Expecting value"
    assert str(caught.value) == "x.json, line 2, column 11: Expecting value"


def test_value_offsets_of_compact_text_and_of_numbers_too_long_to_convert():
    text = '{"a":12,"b":[30,40],"c":{"d":5,"e":[]}}'
    assert gate.value_offsets(text) == {"$": 0, "$.a": 5, "$.b": 12, "$.b[0]": 13, "$.b[1]": 16, "$.c": 24, "$.c.d": 29,
                                        "$.c.e": 35}
    long_integer = "[" + "7" * 5000 + ", 1." + "5" * 5000 + "]"  # Python refuses to turn 5000 digits into an int
    assert gate.value_offsets(long_integer) == {"$": 0, "$[0]": 1, "$[1]": 5003}


def test_problems_on_the_first_line_have_their_column_from_one():
    text = '{"a": 1, "b": [2, 3]}'
    assert [(p.line, p.column) for p in gate.placed([("$", "x"), ("$.a", "y"), ("$.b[1]", "z")], Path("p.json"), text)] == [
        (1, 1), (1, 7), (1, 19)]
