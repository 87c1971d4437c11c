"""The content document ``annotations.json``: bones, landmarks, muscles and named poses.

Loaded in two checks: the JSON Schema (shape and types), then the cross-references the schema
cannot see (unique ids, landmarks on known bones, muscles naming existing landmarks, poses
inside the joint limits). Either failure is an :class:`InputError` naming the file and place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.anatomy.json_input import InputError, check_schema, read_json
from viewer.anatomy.kinematics import Pose, PoseError

SCHEMA_NAME = "annotations.schema.json"


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
    document: dict
    landmarks: dict[str, Landmark]
    muscles: dict[str, dict]
    poses: dict[str, NamedPose]

    @property
    def bone_ids(self) -> list[str]:
        return [bone["id"] for bone in self.document["bones"]]


def default_annotations_path() -> Path:
    """The annotations shipped with the viewer (``annotations.json`` in the source tree)."""
    from importlib import resources

    installed = resources.files("viewer").joinpath("default_content", "annotations.json")
    if installed.is_file():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "annotations.json"


def _check_references(doc: dict, path: Path) -> None:
    seen: dict[str, str] = {}
    for collection in ("bones", "landmarks", "muscles", "poses"):
        for index, item in enumerate(doc[collection]):
            where = f"$.{collection}[{index}].id"
            if item["id"] in seen:
                raise InputError(path, f"id {item['id']!r} is already used at {seen[item['id']]}", where)
            seen[item["id"]] = where
    bones = {bone["id"] for bone in doc["bones"]}
    landmarks = {landmark["id"] for landmark in doc["landmarks"]}

    def need(kind: str, known: set, value: str, where: str) -> None:
        if value not in known:
            raise InputError(path, f"{kind} {value!r} is not defined in this file", where)

    for index, landmark in enumerate(doc["landmarks"]):
        need("bone", bones, landmark["bone"], f"$.landmarks[{index}].bone")
    for index, muscle in enumerate(doc["muscles"]):
        base = f"$.muscles[{index}]"
        for k, fascicle in enumerate(muscle["fascicles"]):
            need("landmark", landmarks, fascicle["origin"], f"{base}.fascicles[{k}].origin")
        need("landmark", landmarks, muscle["insertion"], f"{base}.insertion")
        for k, step in enumerate(muscle["path"]):
            need("bone", bones, step["bone"], f"{base}.path[{k}].bone")
        for k, point in enumerate(muscle.get("belly", [])):
            need("bone", bones, point["bone"], f"{base}.belly[{k}].bone")
        if muscle["tube"] == "belly" and not muscle.get("belly"):
            raise InputError(path, "a muscle drawn as one belly tube needs belly points", f"{base}.belly")
        fractions = [f for f, _ in muscle["radius_profile"]]
        if fractions != sorted(fractions) or fractions[0] != 0 or fractions[-1] != 1:
            raise InputError(path, "fractions must rise from 0 to 1", f"{base}.radius_profile")


def _pose(entry: dict, index: int, path: Path) -> NamedPose:
    try:
        pose = Pose(**entry["angles"])
    except PoseError as exc:
        raise InputError(path, str(exc), f"$.poses[{index}].angles") from None
    return NamedPose(entry["id"], entry["name"], pose, entry.get("description", ""))


def load_annotations(path: Path | None = None) -> Annotations:
    """Read and check an annotations file (the shipped one by default)."""
    path = Path(path) if path is not None else default_annotations_path()
    doc = read_json(path)
    check_schema(doc, SCHEMA_NAME, path)
    _check_references(doc, path)
    landmarks = {
        item["id"]: Landmark(
            item["id"], item["name"], item["bone"], np.asarray(item["position"], float), item["kind"], item.get("description", "")
        )
        for item in doc["landmarks"]
    }
    poses = {entry["id"]: _pose(entry, index, path) for index, entry in enumerate(doc["poses"])}
    return Annotations(path, doc, landmarks, {m["id"]: m for m in doc["muscles"]}, poses)
