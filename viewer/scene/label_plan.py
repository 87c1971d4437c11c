"""Which landmarks get a label in the current view, and how: one rule for window, presentation and figures.

A label is a promise that its leader ends on what it names. So a landmark gets one only where
the camera sees it: a bone or a solid muscle in front of it (a ghosted or hidden one does not
count) drops its label, unless the landmark matters here (the selection, the lesson's or
question's subject, what attaches to the selection); then the label says what it lies behind
and its leader is dashed. Among the rest the most relevant come first, then those that spread
the labels over the picture; the layout keeps at most :data:`MAX_LABELS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.anatomy.names import in_sentence
from viewer.scene.label_layout import spread_priority
from viewer.scene.occlusion import surfaces_in_way
from viewer.scene.projection import world_to_display

MAX_LABELS = 12
SELECTED, FOCUS, RELATED, OTHER = 3.0, 2.0, 1.0, 0.0
SOLID_OPACITY = 0.5  # a muscle at least this opaque hides what lies behind it (as for picking)


@dataclass
class LabelPlan:
    """Labels for one camera: texts, anchors in display pixels, priorities, dashed leaders."""

    ids: list[str]
    texts: list[str]
    anchors: np.ndarray  # (n, 2), origin bottom left
    priority: np.ndarray
    dashed: np.ndarray  # the landmark lies behind something: the leader is dashed
    highlight: int | None
    limit: int | None = MAX_LABELS
    points: np.ndarray | None = None  # (n, 3) the landmarks in the scene, to follow a moving camera

    def followed(self, renderer) -> LabelPlan:
        """The same labels for a camera that has moved: anchors projected again, those now behind the
        camera dropped. What hides what is not asked again (that is most of a plan's cost), so a
        moving view keeps the labels it started with until it stops."""
        anchors, in_front = world_to_display(renderer, self.points.reshape(-1, 3))
        keep = np.nonzero(in_front)[0]
        highlight = int(np.nonzero(keep == self.highlight)[0][0]) if self.highlight in keep else None
        return LabelPlan([self.ids[k] for k in keep], [self.texts[k] for k in keep], anchors[keep].reshape(-1, 2),
                         self.priority[keep], self.dashed[keep], highlight, self.limit, self.points[keep])


def related_landmarks(catalogue, structure_id: str | None) -> set[str]:
    """Landmarks that go with a selection: a muscle's attachments, a bone's landmarks, a landmark's bone-mates."""
    if structure_id is None or structure_id not in catalogue:
        return set()
    structure = catalogue[structure_id]
    if structure.kind == "muscle":
        return {landmark for landmark, _ in catalogue.of_muscle.get(structure_id, [])}
    bone = structure_id if structure.kind in ("bone", "disc") else structure.bone
    return {s.id for s in catalogue.landmarks_on(bone) if s.landmark_kind == "landmark"}


def plan_labels(scene, selection: str | None, focus: frozenset[str] | set[str] = frozenset(), only: list[str] | None = None) -> LabelPlan:
    """The labels for the scene's current camera.

    Candidates are the visible anatomical landmarks plus the selection, ``focus`` and what
    relates to the selection; ``only`` names the candidates instead (a figure's own list, no cap).
    """
    landmarks, catalogue = scene.landmark_actors, scene.catalogue
    related = related_landmarks(catalogue, selection)
    if only is not None:
        chosen = [landmarks.index[i] for i in only if i in landmarks.index]
    else:
        chosen = [k for k, lid in enumerate(landmarks.ids) if landmarks.visible[k]
                  and (landmarks.kinds[k] == "landmark" or lid == selection or lid in focus or lid in related)]
    # a point being added is drawn before the catalogue knows it: it gets its label once it is added
    chosen = [k for k in chosen if landmarks.ids[k] in catalogue.structures]
    ids = [landmarks.ids[k] for k in chosen]
    relevance = np.array([SELECTED if i == selection else FOCUS if (i in focus or only is not None) else RELATED if i in related else OTHER
                          for i in ids])
    points = landmarks.points[chosen].reshape(-1, 3)
    anchors, in_front = world_to_display(scene.label_renderer, points)
    blockers = what_hides(scene, ids, points)
    keep, texts, dashed = [], [], []
    for k, (lid, blocker) in enumerate(zip(ids, blockers)):
        name = catalogue[lid].name
        if not in_front[k]:
            continue
        if blocker is None:
            keep.append(k)
            texts.append(name)
            dashed.append(False)
        elif relevance[k] >= (FOCUS if blocker == "bone" else RELATED):
            behind = "far side" if blocker == "bone" else f"behind {in_sentence(catalogue[blocker].name)}"
            keep.append(k)
            texts.append(f"{name}\n{behind}")  # two lines: fits a column
            dashed.append(True)
    anchors, relevance = anchors[keep].reshape(-1, 2), relevance[keep]
    ids = [ids[k] for k in keep]
    highlight = ids.index(selection) if selection in ids else None
    return LabelPlan(ids, texts, anchors, spread_priority(anchors, relevance), np.array(dashed, dtype=bool), highlight,
                     None if only is not None else MAX_LABELS, points[keep].reshape(-1, 3))


def what_hides(scene, ids: list[str], points: np.ndarray) -> list[str | None]:
    """For each landmark: None if the camera sees it, "bone", or the id of the solid muscle in front."""
    if not len(points):
        return []
    eye = np.broadcast_to(np.array(scene.plotter.camera.position, float), points.shape)
    blockers: list[str | None] = [None if clear else "bone" for clear in scene.occlusion.clear(points, eye, scene.transforms)]
    actors = scene.muscle_actors
    if actors is None:
        return blockers
    solid = [mid for mid in actors.order if actors.actors[mid].visibility and actors.actors[mid].prop.opacity >= SOLID_OPACITY]
    if not solid:
        return blockers
    # a muscle attaching at the landmark does not hide it: the attachment is where it is
    own = np.array([[mid in {a.muscle for a in scene.catalogue.at_landmark.get(lid, [])} for mid in solid] for lid in ids])
    open_ = np.array([b is None for b in blockers])
    faces = np.vstack([actors.shapes.faces[mid] + actors.shapes.vertex_ranges[mid][0] for mid in solid])
    owner = np.concatenate([np.full(len(actors.shapes.faces[mid]), k) for k, mid in enumerate(solid)])
    renderer = scene.plotter.renderer
    screen, _, depth = world_to_display(renderer, actors.vertices, depth=True)
    at, _, at_depth = world_to_display(renderer, points[open_], depth=True)
    hidden = surfaces_in_way(at, at_depth, screen[faces], depth[faces], owner, own[open_])
    for k, muscle in zip(np.nonzero(open_)[0], hidden):
        if muscle >= 0:
            blockers[k] = solid[muscle]
    return blockers
