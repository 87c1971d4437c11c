"""Saved views: what a figure shows, as a small JSON file that loads back exactly.

A view has one to four panels side by side (two for "sitting versus standing"); each panel
fixes camera, pose, visibility, opacity, selection and labels. The figure-wide switches say
which annotations are drawn (title, caption, legend, scale bar, pose readout, credit line).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.json_input import InputError, check_schema, read_json
from viewer.anatomy.kinematics import HipLimits, Pose, PoseError

SCHEMA_NAME = "view.schema.json"
DEFAULTS = {"legend": True, "scale_bar": True, "pose_readout": True, "credit": True, "background": "#2b323d"}
# "hidden" has no default here: a panel without it shows the scene's default visibility.
PANEL_DEFAULTS = {"opacity": {}, "selection": None, "labels": "auto", "strain": False}


def normalised(view: dict) -> dict:
    """The view with every optional field filled in, so saving and loading compare equal."""
    out = {**DEFAULTS, **copy.deepcopy(view)}
    out["panels"] = [{**PANEL_DEFAULTS, **panel} for panel in out["panels"]]
    return out


def check_view(view: dict, path: Path, annotations: Annotations, known_ids: set[str], limits: HipLimits | None = None) -> dict:
    """Schema and meaning: ids that exist, poses inside the joint limits (and, given the hip
    limits of the bones it will be shown on, poses those bones allow). Returns the normalised view."""
    check_schema(view, SCHEMA_NAME, path)
    view = normalised(view)
    for k, panel in enumerate(view["panels"]):
        where = f"$.panels[{k}]"
        pose = panel["pose"]
        if isinstance(pose, str) and pose not in annotations.poses:
            raise InputError(path, f"no pose named {pose!r}", f"{where}.pose")
        if isinstance(pose, dict):
            try:
                Pose(**pose)
            except (PoseError, TypeError) as exc:
                raise InputError(path, str(exc), f"{where}.pose") from None
        why = limits.refusal(panel_pose(panel, annotations)) if limits is not None else None
        if why:
            named_pose = f"pose {pose!r}" if isinstance(pose, str) else "the pose"
            raise InputError(path, f"the bones do not allow {named_pose}: {why}", f"{where}.pose")
        named = list(panel.get("hidden", [])) + list(panel["opacity"]) + ([panel["selection"]] if panel["selection"] else [])
        if isinstance(panel["labels"], list):
            named += panel["labels"]
        for structure_id in named:
            if structure_id not in known_ids:
                raise InputError(path, f"unknown structure {structure_id!r}", where)
    return view


def panel_pose(panel: dict, annotations: Annotations) -> Pose:
    pose = panel["pose"]
    return annotations.poses[pose].pose if isinstance(pose, str) else Pose(**pose)


def structure_ids(annotations: Annotations) -> set[str]:
    """Every id a view may name: bones, landmarks and muscles of the annotations."""
    return set(annotations.bone_ids) | set(annotations.landmarks) | set(annotations.muscles)


def builtin_views(annotations: Annotations) -> dict[str, dict]:
    """The figures that ship in the annotations file, checked, by id."""
    known_ids = structure_ids(annotations)
    views = {}
    for k, view in enumerate(annotations.document.get("views", [])):
        try:
            views[view["id"]] = check_view(view, annotations.path, annotations, known_ids)
        except InputError as exc:
            raise InputError(annotations.path, exc.detail, f"$.views[{k}]" + (exc.where or "$")[1:]) from None
    return views


def load_view(path: Path, annotations: Annotations, limits: HipLimits | None = None) -> dict:
    """Read and check a saved view; :class:`InputError` names the file and place."""
    view = read_json(path)
    return check_view(view, Path(path), annotations, structure_ids(annotations), limits)


def dumps(view: dict) -> str:
    """Stable text for a view: sorted keys, two-space indent, newline at the end (diffs cleanly)."""
    return json.dumps(normalised(view), indent=2, sort_keys=True) + "\n"
