"""Reading JSON documents the user may have written: the one gate every JSON file passes.

The gate reads regular files only (a FIFO, a device or a folder is refused before any read),
at most :data:`MAX_JSON_BYTES`, and after parsing checks what later code cannot survive:
nesting deeper than :data:`MAX_DEPTH`, numbers that are not finite or exceed
:data:`MAX_NUMBER` (a 5000-digit literal included) and text that is not valid Unicode (a lone
surrogate written as an escape). Every failure becomes an :class:`InputError` that names the
file and the place in it (line and column for syntax, JSON path for content).
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

MAX_JSON_BYTES = 5_000_000
MAX_DEPTH = 48  # containers inside containers; the deepest shipped file nests 6
MAX_NUMBER = 1e12  # no length, angle or count in these files comes near it
MAX_NUMBER_CHARS = 64  # a longer number literal is refused before Python converts it
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """A user-supplied file is unusable; ``str()`` names the file and the place."""

    def __init__(self, path: Path | str, message: str, where: str | None = None):
        self.path = Path(path)
        self.where = where
        self.detail = message
        place = f" at {where}" if where else ""
        super().__init__(f"{self.path}{place}: {message}")


def read_json(path: Path) -> Any:
    """Parse a JSON file through the gate; the first problem raises :class:`InputError` with its place."""
    text = read_text(path)
    try:
        document = _loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.msg, f"line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    except RecursionError:
        raise InputError(path, "nested too deeply") from None
    problems = unusable_values(document)
    if problems:
        where, message = problems[0]
        place = placed([(where, message)], Path(path), text)[0]
        position = f"line {place.line}, column {place.column}, " if place.line is not None else ""
        raise InputError(path, message, position + where)
    return document


class OutOfRange(float):
    """A number literal too long or too large to use: kept as infinity so the checks report it by place."""

    literal: str

    def __new__(cls, literal: str):
        value = super().__new__(cls, math.inf)
        value.literal = literal[:12] + ("…" if len(literal) > 12 else "")
        return value


def _number(literal: str) -> float | int:
    if len(literal) > MAX_NUMBER_CHARS:
        return OutOfRange(literal)
    value = float(literal) if any(c in literal for c in ".eE") else int(literal)
    return value if abs(value) <= MAX_NUMBER else OutOfRange(literal)


def _loads(text: str, **hooks) -> object:
    return json.loads(text, parse_int=_number, parse_float=_number, **hooks)


_files_read: set[str] = set()


def files_read() -> frozenset[str]:
    """The real paths of every file read through the gate in this process (outputs never replace them)."""
    return frozenset(_files_read)


def read_text(path: Path) -> str:
    """A user's text file: a regular file, at most :data:`MAX_JSON_BYTES`, UTF-8; else :class:`InputError`.

    It is opened without blocking and checked with ``fstat`` before anything is read, so a FIFO
    cannot hang the program and ``/dev/zero`` cannot fill its memory.
    """
    path = Path(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            os.close(handle)
            raise InputError(path, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            os.close(handle)
            raise InputError(path, "is not a regular file (a device, pipe or socket); give a file")
        if info.st_size > MAX_JSON_BYTES:
            os.close(handle)
            raise InputError(path, f"file is {info.st_size} bytes, more than the {MAX_JSON_BYTES} allowed")
        with os.fdopen(handle, "rb") as stream:
            data = stream.read(MAX_JSON_BYTES + 1)
        _files_read.add(os.path.realpath(path))
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from None
    if len(data) > MAX_JSON_BYTES:
        raise InputError(path, f"file grew past the {MAX_JSON_BYTES} bytes allowed while it was read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def unusable_values(document: object) -> list[tuple[str, str]]:
    """(JSON path, message) for what no later step can use: nesting deeper than :data:`MAX_DEPTH`,
    numbers that are not finite or too large, text with lone surrogates. Iterative, linear, in
    document order; nothing below a too-deep container is looked at.
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[object, tuple]] = [(document, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            found.append((json_path(parts), _number_problem(value)))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            found.append((json_path(parts), f"number larger than {MAX_NUMBER:g}"))
        elif isinstance(value, str) and _SURROGATE.search(value):
            found.append((json_path(parts), "text is not valid Unicode (it holds a lone surrogate escape such as \\udc80)"))
        elif isinstance(value, (dict, list)):
            if len(parts) >= MAX_DEPTH:
                found.append((json_path(parts), TOO_DEEP))
                continue
            if isinstance(value, dict):
                for key in value:
                    if _SURROGATE.search(key):
                        found.append((json_path(parts), "a key is not valid Unicode (it holds a lone surrogate escape)"))
                        break
                else:
                    stack.extend((item, parts + (key,)) for key, item in reversed(value.items()))
            else:
                stack.extend((item, parts + (k,)) for k, item in reversed(list(enumerate(value))))
    return found


def _number_problem(value: float) -> str:
    if isinstance(value, OutOfRange):
        return f"number {value.literal} is too long, infinite or larger than {MAX_NUMBER:g}"
    return "NaN or infinite numbers are not allowed"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


@cache
def schema(name: str) -> dict:
    """A JSON Schema shipped in ``viewer/anatomy/schemas``."""
    text = resources.files("viewer.anatomy").joinpath("schemas").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


def schema_errors(document: object, schema_name: str, required: list[str] | None = None) -> list[tuple[str, str]]:
    """Every schema violation as (JSON path, message), in document order.

    ``required`` replaces the top-level required properties (a partial document, such as a
    user's annotations layer, is checked by the same schema with fewer required parts).
    """
    validator = _validator(schema_name, None if required is None else tuple(required))
    # indices compare as numbers (item 2 before item 10); two paths differ first inside one
    # container, so the parts compared are both indices or both keys
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [(json_path(error.absolute_path), _shorten(error.message)) for error in errors]


@cache
def _validator(schema_name: str, required: tuple[str, ...] | None):
    """One validator per schema (and top-level requirement): it keeps its resolved references."""
    rules = schema(schema_name) if required is None else {**schema(schema_name), "required": list(required)}
    return jsonschema.validators.validator_for(rules)(rules)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(parts) -> str:
    """A JSON path such as ``$.landmarks[3].bone`` from keys and indices."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part) + "]"
    return out


def _shorten(message: str, limit: int = 160) -> str:
    """Cut a long message in the middle: jsonschema quotes the value first and says what is wrong last."""
    if len(message) <= limit:
        return message
    half = (limit - 1) // 2
    return message[:half] + "\u2026" + message[-half:]


def check_schema(document: object, schema_name: str, path: Path) -> None:
    """Raise an :class:`InputError` for the first schema violation, naming its JSON path.

    For the small documents checked again and again (every view and lesson is checked on each
    annotation edit), the answer is remembered by the document's JSON text."""
    try:
        text = json.dumps(document, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        errors = schema_errors(document, schema_name)
    else:
        errors = list(_text_schema_errors(text, schema_name))
    if errors:
        where, message = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise InputError(path, message + more, where)


@lru_cache(maxsize=256)
def _text_schema_errors(text: str, schema_name: str) -> tuple[tuple[str, str], ...]:
    return tuple(schema_errors(json.loads(text), schema_name))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's file: where (JSON path, line and column) and what."""

    path: Path
    where: str | None
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        place = f", line {self.line}, column {self.column}" if self.line is not None else ""
        where = f", at {self.where}" if self.where else ""
        return f"{self.path}{place}{where}: {self.message}"


class ProblemsError(InputError):
    """A user's file has one or more problems; ``problems`` lists every one."""

    MAX_LISTED = 20

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.path, first.message, first.where)

    def __str__(self) -> str:
        lines = [str(problem) for problem in self.problems[: self.MAX_LISTED]]
        if len(self.problems) > self.MAX_LISTED:
            lines.append(f"… and {len(self.problems) - self.MAX_LISTED} more problems")
        return "\n".join(lines)


def parse_lenient(text: str, path: Path) -> Any:
    """Parse JSON text, letting NaN and infinities through so that checks can report each by place."""
    try:
        return _loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemsError([Problem(path, None, exc.msg, exc.lineno, exc.colno)]) from None
    except ValueError as exc:
        raise ProblemsError([Problem(path, None, str(exc))]) from None
    except RecursionError:
        raise ProblemsError([Problem(path, None, "nested too deeply")]) from None


_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # public in the module, absent from its stubs
_SPACE = re.compile(r"[ \t\n\r]*")


def value_offsets(text: str) -> dict[str, int]:
    """Where each value of a valid JSON text starts, keyed by its JSON path (iterative, any depth)."""
    decoder = json.JSONDecoder(parse_int=str, parse_float=str)  # only where values end matters here
    offsets: dict[str, int] = {}
    stack: list[tuple[str, list]] = []  # (closing bracket, path parts of the open container)
    i, parts = 0, []  # type: int, list
    expecting_value = True
    while True:
        i = _SPACE.match(text, i).end()
        if expecting_value:
            offsets.setdefault(json_path(parts), i)
            if text[i] in "{[":
                closing = "}" if text[i] == "{" else "]"
                i = _SPACE.match(text, i + 1).end()
                if text[i] == closing:
                    i += 1
                    expecting_value = False
                elif closing == "]":
                    stack.append(("]", parts))
                    parts = parts + [0]
                    continue
                else:
                    stack.append(("}", parts))
                    key, i = _scanstring(text, i + 1)
                    i = _SPACE.match(text, i).end() + 1  # the colon
                    parts = parts + [key]
                    continue
            else:
                _, i = decoder.raw_decode(text, i)
                expecting_value = False
        if not stack:
            return offsets
        i = _SPACE.match(text, i).end()
        closing, container = stack[-1]
        if text[i] == ",":
            i = _SPACE.match(text, i + 1).end()
            if closing == "]":
                parts = container + [parts[-1] + 1]
            else:
                key, i = _scanstring(text, i + 1)
                i = _SPACE.match(text, i).end() + 1
                parts = container + [key]
            expecting_value = True
        else:
            stack.pop()
            parts = container
            i += 1


class _Positions:
    """Where each value of a text starts and where its lines start, found once per text."""

    def __init__(self, text: str):
        self.offsets = value_offsets(text)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1


@lru_cache(maxsize=4)
def _positions(text: str) -> _Positions:
    return _Positions(text)


def placed(problems: list[tuple[str | None, str]], path: Path, text: str | None) -> list[Problem]:
    """Problems given as (JSON path, message), with the line and column of each path in ``text``.

    The positions of a text are found once and kept (a few texts), so placing many problems
    one call at a time stays linear.
    """
    positions = _positions(text) if text is not None and problems else None
    out = []
    for where, message in problems:
        position: tuple[int | None, int | None] = (None, None)
        if positions is not None and where is not None and where in positions.offsets:
            position = positions.line_column(positions.offsets[where])
        out.append(Problem(path, where, message, *position))
    return out
