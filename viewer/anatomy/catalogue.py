"""Every structure a user can select (bones, muscles, landmarks) and what is known of each.

One place that answers "what is this id, what is it called, what attaches where", so the
panels, the search and the info text never read the raw document themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from viewer.anatomy.annotations import Annotations

KINDS = ("bone", "disc", "muscle", "landmark")
# An attachment this close to an anatomical landmark on the same bone is listed with it, so the
# lesser trochanter says what inserts there even though the insertion point is a separate landmark.
NEARBY_MM = 20.0


@dataclass(frozen=True)
class Structure:
    id: str
    kind: str  # "bone", "disc" (an intervertebral disc), "muscle" or "landmark"
    name: str
    bone: str | None = None  # the bone a landmark sits on
    landmark_kind: str | None = None  # origin, insertion, via, landmark
    description: str = ""
    references: tuple[str, ...] = ()
    ontology: dict = field(default_factory=dict)
    innervation: str = ""  # muscles only, as are actions and relations
    actions: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A muscle attached at a landmark, and how."""

    muscle: str
    role: str  # "origin" or "insertion"


class Catalogue:
    """Structures by id, with attachments indexed both ways."""

    def __init__(self, annotations: Annotations, pack_bones: dict[str, str] | None = None):
        """``pack_bones``: id and name of each bone drawn; those the annotations do not describe are listed by name."""
        doc = annotations.document
        self.structures: dict[str, Structure] = {}
        for bone in doc["bones"]:
            self._add(Structure(bone["id"], bone.get("kind", "bone"), bone["name"], None, None, bone.get("description", ""),
                                tuple(bone.get("references", ())), bone.get("ontology", {})))
        for bone_id, name in (pack_bones or {}).items():
            if bone_id not in self.structures:
                self._add(Structure(bone_id, "bone", name, description="A bone of the anatomy pack that the annotations do not describe."))
        for muscle in doc["muscles"]:
            self._add(Structure(muscle["id"], "muscle", muscle["name"], None, None, muscle.get("description", ""),
                                tuple(muscle.get("references", ())), muscle.get("ontology", {}), muscle.get("innervation", ""),
                                tuple(muscle.get("actions", ())), tuple(muscle.get("relations", ()))))
        for item in doc["landmarks"]:
            self._add(Structure(item["id"], "landmark", item["name"], item["bone"], item["kind"], item.get("description", ""),
                                tuple(item.get("references", ())), item.get("ontology", {})))
        self.positions = {lid: lm.position for lid, lm in annotations.landmarks.items()}
        self.at_landmark: dict[str, list[Attachment]] = {}
        self.of_muscle: dict[str, list[tuple[str, str]]] = {}
        for muscle in doc["muscles"]:
            roles = [(f["origin"], "origin") for f in muscle["fascicles"]] + [(muscle["insertion"], "insertion")]
            self.of_muscle[muscle["id"]] = roles
            for landmark, role in roles:
                self.at_landmark.setdefault(landmark, []).append(Attachment(muscle["id"], role))

    def _add(self, structure: Structure) -> None:
        self.structures[structure.id] = structure

    def __getitem__(self, structure_id: str) -> Structure:
        return self.structures[structure_id]

    def __contains__(self, structure_id: str) -> bool:
        return structure_id in self.structures

    def of_kind(self, kind: str) -> list[Structure]:
        return [s for s in self.structures.values() if s.kind == kind]

    def landmarks_on(self, bone_id: str) -> list[Structure]:
        return [s for s in self.structures.values() if s.kind == "landmark" and s.bone == bone_id]

    def attached_near(self, landmark_id: str) -> list[Attachment]:
        """Attachments at this landmark or at attachment points of the same bone close to it."""
        here = self.structures[landmark_id]
        found = list(self.at_landmark.get(landmark_id, []))
        for other, attachments in self.at_landmark.items():
            close = np.linalg.norm(self.positions[other] - self.positions[landmark_id]) <= NEARBY_MM
            if other != landmark_id and self.structures[other].bone == here.bone and close:
                found += [a for a in attachments if a not in found]
        return found

    def muscles_on(self, bone_id: str) -> list[str]:
        """Muscles with an origin or insertion on a bone."""
        found = []
        for muscle_id, roles in self.of_muscle.items():
            if any(self.structures[landmark].bone == bone_id for landmark, _ in roles) and muscle_id not in found:
                found.append(muscle_id)
        return found


@dataclass(frozen=True)
class InfoLine:
    """One line of a structure's description: text, and the id it links to (if any)."""

    text: str
    link: str | None = None


def describe(catalogue: Catalogue, structure_id: str) -> list[tuple[str, list[InfoLine]]]:
    """What the info panel shows for a structure, as (heading, lines) sections.

    Plain data: the window turns it into (escaped) rich text, an export or a test reads it as is.
    """
    s = catalogue[structure_id]
    kind_words = {"origin": "origin of a muscle", "insertion": "insertion of a muscle", "via": "point a muscle passes", "landmark": "landmark"}
    if s.kind == "landmark":
        sections = [("Kind", [InfoLine(kind_words[s.landmark_kind])]), ("On", [InfoLine(catalogue[s.bone].name, s.bone)])]
        attached = catalogue.attached_near(s.id)
        if attached:
            sections.append(("Attached here", [InfoLine(f"{catalogue[a.muscle].name}: {a.role}", a.muscle) for a in attached]))
    elif s.kind == "muscle":
        roles = catalogue.of_muscle[s.id]
        sections = [
            ("Origins", [InfoLine(catalogue[lid].name, lid) for lid, role in roles if role == "origin"]),
            ("Insertion", [InfoLine(catalogue[lid].name, lid) for lid, role in roles if role == "insertion"]),
        ]
    else:
        sections = [("Landmarks", [InfoLine(lm.name, lm.id) for lm in catalogue.landmarks_on(s.id)])]
        muscles = catalogue.muscles_on(s.id)
        if muscles:
            sections.append(("Muscles attached", [InfoLine(catalogue[m].name, m) for m in muscles]))
    if s.description:
        sections.append(("Description", [InfoLine(s.description)]))
    if s.innervation:
        sections.append(("Nerve supply", [InfoLine(s.innervation)]))
    if s.actions:
        sections.append(("Actions", [InfoLine(a) for a in s.actions]))
    if s.relations:
        sections.append(("Relations", [InfoLine(r) for r in s.relations]))
    if s.references:
        sections.append(("References", [InfoLine(r) for r in s.references]))
    ontology = [InfoLine(f"{key.upper()} {value}") for key, value in s.ontology.items()]
    if ontology:
        sections.append(("Ontology", ontology))
    return sections
