"""The content document ``annotations.json``: bones, landmarks, muscles and named poses.

A user's own file (a *layer*) has the same shape, every part optional, and lies on top of the
shipped document: an item with a shipped id replaces it, a new id adds one. Both are checked
together: the JSON Schema (shape, types, sizes), NaN or infinite numbers, then what the schema
cannot see (unique ids, landmarks on known bones and near their surface, muscles naming existing
landmarks, poses inside the joint limits). Every problem is collected, each naming its file,
JSON path, line and column, and raised as one :class:`ProblemsError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from viewer.anatomy.json_input import (
    TOO_DEEP,
    InputError,
    Problem,
    ProblemsError,
    parse_lenient,
    placed,
    read_text,
    schema_errors,
    unusable_values,
)
from viewer.anatomy.kinematics import Pose, PoseError, outside_ranges

SCHEMA_NAME = "annotations.schema.json"
LAYER_REQUIRED = ["format_version"]
COLLECTIONS = ("bones", "landmarks", "muscles", "poses", "views", "lessons")
SURFACE_TOLERANCE_MM = 5.0


@dataclass(frozen=True)
class Landmark:
    id: str
    name: str
    bone: str
    position: np.ndarray  # mm, in the bone's local frame
    kind: str
    description: str = ""


@dataclass(frozen=True)
class NamedPose:
    id: str
    name: str
    pose: Pose
    description: str = ""


@dataclass
class Annotations:
    """A checked annotations document with typed views of its parts."""

    path: Path
    document: dict  # the shipped document with the layer merged in
    landmarks: dict[str, Landmark]
    muscles: dict[str, dict]
    poses: dict[str, NamedPose]
    layer: dict | None = None  # the user's own document, as written
    layer_path: Path | None = None
    shipped_landmarks: frozenset[str] = frozenset()  # ids the base document defines
    base: Source | None = field(default=None, repr=False, compare=False)  # the base file as read and checked

    @property
    def bone_ids(self) -> list[str]:
        return [bone["id"] for bone in self.document["bones"]]


def shipped_content_path(name: str) -> Path:
    """A content file shipped with the viewer: installed in ``viewer/default_content``, or at the
    root of the source tree when running from a checkout."""
    from importlib import resources

    installed = resources.files("viewer").joinpath("default_content").joinpath(name)
    if installed.is_file():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / name


def default_annotations_path() -> Path:
    """The annotations shipped with the viewer (``annotations.json`` in the source tree)."""
    return shipped_content_path("annotations.json")


@dataclass
class Source:
    """One annotations file as read: its path, parsed document and text (for lines and columns)."""

    path: Path
    document: Any
    text: str | None = None
    # its schema problems once found, by top-level requirement: the shipped document is checked
    # again with every edit of a layer over it, and it does not change (the document is never mutated)
    checked: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, path: Path) -> Source:
        """Read a file; unreadable text or bad JSON syntax raises :class:`ProblemsError`."""
        path = Path(path)
        try:
            text = read_text(path)
        except ProblemsError:
            raise
        except InputError as exc:
            raise ProblemsError([Problem(path, exc.where, exc.detail)]) from None
        return cls(path, parse_lenient(text, path), text)


def _records(container: object, key: str):
    """(index, item) for each object in ``container[key]``, skipping what is not an object."""
    items = container.get(key) if isinstance(container, dict) else None
    return [(k, item) for k, item in enumerate(items) if isinstance(item, dict)] if isinstance(items, list) else []


def _id(item: dict) -> str | None:
    """An item's id when it is a string (a broken file may hold anything there)."""
    value = item.get("id")
    return value if isinstance(value, str) else None


def _merge(base: dict, layer: dict | None) -> tuple[dict, dict[tuple[str, int], tuple[int, int]]]:
    """The layer laid over the base, and for each merged item (file number, index in that file)."""
    merged = {key: value for key, value in base.items() if key not in COLLECTIONS}
    origin: dict[tuple[str, int], tuple[int, int]] = {}
    for collection in COLLECTIONS:
        if collection not in base and (layer is None or collection not in layer):
            continue
        items = [item for _, item in _records(base, collection)]
        sources = [(0, k) for k, _ in _records(base, collection)]
        slots = {_id(item): n for n, item in enumerate(items) if _id(item)}
        for k, item in _records(layer, collection) if layer is not None else []:
            slot = slots.pop(_id(item), None)
            if slot is None:
                items.append(item)
                sources.append((1, k))
            else:
                items[slot], sources[slot] = item, (1, k)
        merged[collection] = items
        origin.update({(collection, n): source for n, source in enumerate(sources)})
    return merged, origin


def _reference_problems(doc: dict) -> list[tuple[str, int, str, str]]:
    """What the schema cannot see, as (collection, index, path below the item, message)."""
    found: list[tuple[str, int, str, str]] = []
    seen: dict[str, str] = {}
    for collection in ("bones", "landmarks", "muscles", "poses"):
        for index, item in _records(doc, collection):
            item_id = _id(item)
            if item_id is None:
                continue
            if item_id in seen:
                found.append((collection, index, ".id", f"id {item_id!r} is already used by {seen[item_id]}"))
            seen.setdefault(item_id, f"{collection[:-1]} {item_id!r}")
    bones = {_id(item) for _, item in _records(doc, "bones")}
    landmarks = {_id(item) for _, item in _records(doc, "landmarks")}

    def need(kind: str, known: set, value: object, collection: str, index: int, below: str) -> None:
        if isinstance(value, str) and value not in known:
            found.append((collection, index, below, f"{kind} {value!r} is not defined"))

    for index, landmark in _records(doc, "landmarks"):
        need("bone", bones, landmark.get("bone"), "landmarks", index, ".bone")
    for index, muscle in _records(doc, "muscles"):
        for k, fascicle in _records(muscle, "fascicles"):
            need("landmark", landmarks, fascicle.get("origin"), "muscles", index, f".fascicles[{k}].origin")
        need("landmark", landmarks, muscle.get("insertion"), "muscles", index, ".insertion")
        for part in ("path", "belly", "lane"):
            for k, step in _records(muscle, part):
                need("bone", bones, step.get("bone"), "muscles", index, f".{part}[{k}].bone")
        if muscle.get("tube") == "belly" and not muscle.get("belly"):
            found.append(("muscles", index, ".belly", "a muscle drawn as one belly tube needs belly points"))
        profile = muscle.get("radius_profile")
        if isinstance(profile, list) and all(isinstance(p, list) and p and _is_number(p[0]) for p in profile) and profile:
            fractions = [p[0] for p in profile]
            if fractions != sorted(fractions) or fractions[0] != 0 or fractions[-1] != 1:
                found.append(("muscles", index, ".radius_profile", "fractions must rise from 0 to 1"))
    for index, entry in _records(doc, "poses"):
        angles = entry.get("angles")
        if isinstance(angles, dict) and all(_is_number(v) for v in angles.values()):
            try:
                pose = Pose(**angles)
            except (PoseError, TypeError) as exc:
                found.append(("poses", index, ".angles", str(exc)))
            else:
                found += [("poses", index, ".cited_ranges", message) for message in outside_ranges(pose, entry.get("cited_ranges", {}))]
    return found


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _position(value: object) -> np.ndarray | None:
    if isinstance(value, list) and len(value) == 3 and all(_is_number(v) for v in value):
        position = np.asarray(value, float)
        return position if np.isfinite(position).all() else None
    return None


def _surface_problems(doc: dict, pack) -> list[tuple[str, int, str, str]]:
    """Landmarks further than :data:`SURFACE_TOLERANCE_MM` from their bone's surface in ``pack``."""
    by_bone: dict[str, list[tuple[int, np.ndarray]]] = {}
    for index, landmark in _records(doc, "landmarks"):
        position = _position(landmark.get("position"))
        if position is not None and isinstance(landmark.get("bone"), str) and landmark["bone"] in pack.bones:
            by_bone.setdefault(landmark["bone"], []).append((index, position))
    found = []
    for bone_id, entries in by_bone.items():
        bone = pack.bones[bone_id]
        distances = _surface_distances(bone.mesh, np.array([p for _, p in entries]) + bone.frame_origin)
        for (index, _), distance in zip(entries, distances):
            if distance > SURFACE_TOLERANCE_MM:
                message = f"position is {distance:.1f} mm from the surface of {bone_id!r} (at most {SURFACE_TOLERANCE_MM:g} mm allowed)"
                found.append(("landmarks", index, ".position", message))
    return found


_DISTANCES: WeakKeyDictionary = WeakKeyDictionary()  # bone mesh -> {point as bytes: distance to its surface}


def _surface_distances(mesh, points: np.ndarray) -> np.ndarray:
    """Distances from ``points`` to the surface of ``mesh``, remembered per mesh, so an edit
    measures only the landmark it changed (a check of the shipped file and a one-landmark layer
    took 186 ms here, 14 ms with this and the schema memo of ``check_schema``). A bone's mesh is never
    changed in place (a new body makes new bones), so the mesh object is the key."""
    import trimesh

    known = _DISTANCES.setdefault(mesh, {})
    keys = [point.tobytes() for point in points]
    missing = [k for k, key in enumerate(keys) if key not in known]
    if missing:
        _, distances, _ = trimesh.proximity.closest_point(mesh, points[missing])
        known.update((keys[k], float(d)) for k, d in zip(missing, distances))
    return np.array([known[key] for key in keys])


def _file_problems(source: Source, required: list[str] | None) -> list[Problem]:
    """Schema violations and unusable values (non-finite or huge numbers, lone surrogates, deep nesting) of one file.

    A file nested too deeply is not shown to the schema validator, which recurses.
    """
    key = None if required is None else tuple(required)
    if key not in source.checked:
        unusable = unusable_values(source.document)
        if any(message == TOO_DEEP for _, message in unusable):
            source.checked[key] = placed(unusable, source.path, source.text)
        else:
            seen = {where for where, _ in unusable}
            problems = [(where, message) for where, message in schema_errors(source.document, SCHEMA_NAME, required) if where not in seen]
            source.checked[key] = placed(problems + unusable, source.path, source.text)
    return list(source.checked[key])


def check_annotations(base: Source, layer: Source | None = None, pack=None) -> Annotations:
    """Check a base document and an optional layer over it; raise :class:`ProblemsError` listing every problem.

    With a ``pack``, landmark positions are also checked against its bone surfaces.
    """
    try:
        problems = _file_problems(base, None)
        if layer is not None:
            problems += _file_problems(layer, LAYER_REQUIRED)
        base_doc = base.document if isinstance(base.document, dict) else {}
        layer_doc = layer.document if layer is not None and isinstance(layer.document, dict) else None
        merged, origin = _merge(base_doc, layer_doc)
        found = _reference_problems(merged) + (_surface_problems(merged, pack) if pack is not None else [])
    except RecursionError:
        raise ProblemsError([Problem((layer or base).path, None, "nested too deeply")]) from None
    sources = [base, layer]
    for collection, index, below, message in found:
        number, original = origin[(collection, index)]
        source = sources[number]
        problems += placed([(f"$.{collection}[{original}]{below}", message)], source.path, source.text)
    if not problems:
        annotations = _typed(merged, base, layer, frozenset(item["id"] for item in base_doc["landmarks"]))
        for collection, index, below, message in _figure_problems(annotations):
            number, original = origin[(collection, index)]
            source = sources[number]
            problems += placed([(f"$.{collection}[{original}]{below}", message)], source.path, source.text)
    if problems:
        raise ProblemsError(sorted(problems, key=lambda p: (p.path != base.path, p.line or 0, p.column or 0)))
    return annotations


def _figure_problems(annotations: Annotations) -> list[tuple[str, int, str, str]]:
    """Views and lessons checked as saved views (poses, structure ids), and the lesson
    placeholders' poses and muscles: the first problem of each, as (collection, index, path, message)."""
    from viewer.anatomy.lessons import PLACEHOLDER
    from viewer.anatomy.view_file import check_view, structure_ids

    known = structure_ids(annotations)
    found = []
    for collection in ("views", "lessons"):
        for index, item in enumerate(annotations.document.get(collection, [])):
            view = item if collection == "views" else {"format_version": 1, "panels": [item["panel"]]}
            try:
                check_view(view, annotations.path, annotations, known)
            except InputError as exc:
                where = (exc.where or "$")[1:]
                if collection == "lessons":
                    where = ".panel" + where.removeprefix(".panels[0]")
                found.append((collection, index, where, exc.detail))
                continue
            if collection == "lessons":
                for k, text in enumerate(item["text"]):
                    for match in PLACEHOLDER.finditer(text):
                        _, pose_id, muscle_id = match.groups()
                        if pose_id not in annotations.poses or muscle_id not in annotations.muscles:
                            found.append((collection, index, f".text[{k}]", f"{match.group(0)} names an unknown pose or muscle"))
    return found


def _typed(doc: dict, base: Source, layer: Source | None, shipped: frozenset[str]) -> Annotations:
    landmarks = {
        item["id"]: Landmark(
            item["id"], item["name"], item["bone"], np.asarray(item["position"], float), item["kind"], item.get("description", "")
        )
        for item in doc["landmarks"]
    }
    poses = {entry["id"]: NamedPose(entry["id"], entry["name"], Pose(**entry["angles"]), entry.get("description", "")) for entry in doc["poses"]}
    return Annotations(
        base.path, doc, landmarks, {m["id"]: m for m in doc["muscles"]}, poses,
        layer=layer.document if layer is not None else None, layer_path=layer.path if layer is not None else None,
        shipped_landmarks=shipped, base=base,
    )


def load_annotations(path: Path | None = None, layer: Path | None = None, pack=None) -> Annotations:
    """Read and check an annotations file (the shipped one by default), with an optional layer over it."""
    base = Source.read(Path(path) if path is not None else default_annotations_path())
    return check_annotations(base, Source.read(layer) if layer is not None else None, pack)
