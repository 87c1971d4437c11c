"""Reading JSON documents the user may have written: parse, then check against a schema.

Every failure becomes an :class:`InputError` that names the file and the place in it
(line and column for syntax, JSON path for content), so the app can show it as is.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema

MAX_JSON_BYTES = 5_000_000


class InputError(ValueError):
    """A user-supplied file is unusable; ``str()`` names the file and the place."""

    def __init__(self, path: Path | str, message: str, where: str | None = None):
        self.path = Path(path)
        self.where = where
        self.detail = message
        place = f" at {where}" if where else ""
        super().__init__(f"{self.path}{place}: {message}")


def read_json(path: Path) -> object:
    """Parse a JSON file, refusing oversize files and reporting syntax errors by line."""
    text = read_text(path)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.msg, f"line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    except RecursionError:
        raise InputError(path, "nested too deeply") from None


def read_text(path: Path) -> str:
    """A user's text file, refused when oversize, missing, unreadable or not UTF-8."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise InputError(path, f"file is {size} bytes, more than the {MAX_JSON_BYTES} allowed")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from None
    return text


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """A JSON Schema shipped in ``viewer/anatomy/schemas``."""
    text = resources.files("viewer.anatomy").joinpath("schemas", name).read_text(encoding="utf-8")
    return json.loads(text)


def schema_errors(document: object, schema_name: str, required: list[str] | None = None) -> list[tuple[str, str]]:
    """Every schema violation as (JSON path, message), in document order.

    ``required`` replaces the top-level required properties (a partial document, such as a
    user's annotations layer, is checked by the same schema with fewer required parts).
    """
    rules = schema(schema_name) if required is None else {**schema(schema_name), "required": required}
    validator = jsonschema.validators.validator_for(rules)(rules)
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [(json_path(error.absolute_path), _shorten(error.message)) for error in errors]


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
    """Raise an :class:`InputError` for the first schema violation, naming its JSON path."""
    errors = schema_errors(document, schema_name)
    if errors:
        where, message = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise InputError(path, message + more, where)


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


def parse_lenient(text: str, path: Path) -> object:
    """Parse JSON text, letting NaN and infinities through so that checks can report each by place."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemsError([Problem(path, None, exc.msg, exc.lineno, exc.colno)]) from None
    except RecursionError:
        raise ProblemsError([Problem(path, None, "nested too deeply")]) from None


def non_finite_numbers(document: object) -> list[str]:
    """JSON paths of every NaN or infinite number in a parsed document."""
    found, stack = [], [(document, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            found.append(json_path(parts))
        elif isinstance(value, dict):
            stack.extend((item, parts + (key,)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, parts + (k,)) for k, item in enumerate(value))
    return sorted(found)


_SPACE = re.compile(r"[ \t\n\r]*")


def value_offsets(text: str) -> dict[str, int]:
    """Where each value of a valid JSON text starts, keyed by its JSON path (iterative, any depth)."""
    decoder = json.JSONDecoder()
    offsets: dict[str, int] = {}
    stack: list[tuple[str, list]] = []  # (closing bracket, path parts of the open container)
    i, parts = 0, []
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
                    key, i = json.decoder.scanstring(text, i + 1)
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
                key, i = json.decoder.scanstring(text, i + 1)
                i = _SPACE.match(text, i).end() + 1
                parts = container + [key]
            expecting_value = True
        else:
            stack.pop()
            parts = container
            i += 1


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def placed(problems: list[tuple[str | None, str]], path: Path, text: str | None) -> list[Problem]:
    """Problems given as (JSON path, message), with the line and column of each path in ``text``."""
    offsets = value_offsets(text) if text is not None and problems else {}
    out = []
    for where, message in problems:
        position = (None, None)
        if where is not None and where in offsets:
            position = line_column(text, offsets[where])
        out.append(Problem(path, where, message, *position))
    return out
