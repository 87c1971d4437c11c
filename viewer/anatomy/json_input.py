"""Reading JSON documents the user may have written: parse, then check against a schema.

Every failure becomes an :class:`InputError` that names the file and the place in it
(line and column for syntax, JSON path for content), so the app can show it as is.
"""

from __future__ import annotations

import json
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
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.msg, f"line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:
        raise InputError(path, str(exc)) from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """A JSON Schema shipped in ``viewer/anatomy/schemas``."""
    text = resources.files("viewer.anatomy").joinpath("schemas", name).read_text(encoding="utf-8")
    return json.loads(text)


def schema_errors(document: object, schema_name: str) -> list[tuple[str, str]]:
    """Every schema violation as (JSON path, message), in document order."""
    validator_cls = jsonschema.validators.validator_for(schema(schema_name))
    validator = validator_cls(schema(schema_name))
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [(error.json_path, _shorten(error.message)) for error in errors]


def _shorten(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "\u2026"


def check_schema(document: object, schema_name: str, path: Path) -> None:
    """Raise an :class:`InputError` for the first schema violation, naming its JSON path."""
    errors = schema_errors(document, schema_name)
    if errors:
        where, message = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise InputError(path, message + more, where)
