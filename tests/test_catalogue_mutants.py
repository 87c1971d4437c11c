"""The catalogue, the info sections and the search, on a small made-up document whose every
answer is written out here (the shipped content is tested in test_catalogue_and_search.py).
Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.anatomy.annotations import Annotations, Landmark
from viewer.anatomy.catalogue import NEARBY_MM, Catalogue, InfoLine, describe
from viewer.anatomy.search import search

# three names of 19 characters, one of each kind, and two landmarks of 25 on one bone
BONES = [
    {"id": "femur_r", "name": "Femur (right)", "description": "The thigh bone.", "references": ["Gray 42"],
     "ontology": {"fma": "9611", "uberon": "0000981"}},
    {"id": "pelvic_bone_r", "name": "Pelvic bone (right)"},
    {"id": "l3", "name": "L3"},
]
MUSCLES = [
    {"id": "psoas_minor_r", "name": "Psoas minor (right)", "description": "Thin, often absent.",
     "references": ["Gray 42", "Moore 7"], "ontology": {"fma": "22344"}, "innervation": "L1 ventral ramus",
     "actions": ["flexes the trunk"], "relations": ["in front of psoas major"],
     "fascicles": [{"origin": "l3_tp_r"}, {"origin": "l3_body_r"}], "insertion": "lesser_trochanter_r"},
    {"id": "iliacus_r", "name": "Iliacus (right)", "fascicles": [{"origin": "iliac_crest_r"}, {"origin": "l3_tp_r"}],
     "insertion": "adductor_tubercle_r"},
]
LANDMARKS = {  # id: name, bone, position, kind
    "lesser_trochanter_r": ("Lesser trochanter (right)", "femur_r", (0.0, 0, 0), "insertion"),
    "adductor_tubercle_r": ("Adductor tubercle (right)", "femur_r", (0.0, NEARBY_MM, 0), "insertion"),  # exactly at the limit
    "far_point_r": ("Far point (right)", "femur_r", (0.0, -NEARBY_MM - 0.01, 0), "landmark"),
    "iliac_crest_r": ("Iliac crest (right)", "pelvic_bone_r", (1.0, 0, 0), "origin"),  # close, but another bone
    "l3_tp_r": ("Transverse process of L3 (right)", "l3", (0.0, 0, 0), "origin"),
    "l3_body_r": ("Body of L3 (right)", "l3", (0.0, 0, 5), "via"),
    "asis_r": ("Anterior superior iliac spine (right)", "pelvic_bone_r", (0.0, 90, 0), "landmark"),
}


def _annotations(bones=BONES, muscles=MUSCLES, landmarks_=LANDMARKS) -> Annotations:
    landmarks = {k: Landmark(k, name, bone, np.array(pos), kind) for k, (name, bone, pos, kind) in landmarks_.items()}
    document = {
        "bones": bones,
        "muscles": muscles,
        "landmarks": [{"id": k, "name": name, "bone": bone, "kind": kind, "description": f"About {k}.",
                       "references": [f"Ref {k}"], "ontology": {"fma": k.upper()}} if k == "asis_r" else
                      {"id": k, "name": name, "bone": bone, "kind": kind} for k, (name, bone, pos, kind) in landmarks_.items()],
    }
    return Annotations(Path("made_up.json"), document, landmarks, {m["id"]: m for m in muscles}, {})


@pytest.fixture  # per test, not per module: mutmut credits a module fixture's calls to its first test only
def catalogue():
    return Catalogue(_annotations(), {"femur_r": "Another name", "patella_r": "Patella (right)"})


def test_every_structure_is_catalogued_with_what_the_document_says(catalogue):
    assert list(catalogue.structures) == ["femur_r", "pelvic_bone_r", "l3", "patella_r", "psoas_minor_r", "iliacus_r", *LANDMARKS]
    femur = catalogue["femur_r"]
    assert (femur.kind, femur.name, femur.bone, femur.landmark_kind) == ("bone", "Femur (right)", None, None)
    assert (femur.description, femur.references, femur.ontology) == ("The thigh bone.", ("Gray 42",), {"fma": "9611", "uberon": "0000981"})
    patella = catalogue["patella_r"]  # drawn by the pack, unknown to the annotations
    assert (patella.kind, patella.name) == ("bone", "Patella (right)")
    assert patella.description == "A bone of the anatomy pack that the annotations do not describe."
    bare = catalogue["l3"]
    assert (bare.description, bare.references, bare.ontology) == ("", (), {})
    psoas = catalogue["psoas_minor_r"]
    assert (psoas.kind, psoas.bone, psoas.landmark_kind, psoas.description) == ("muscle", None, None, "Thin, often absent.")
    assert (psoas.references, psoas.ontology, psoas.innervation) == (("Gray 42", "Moore 7"), {"fma": "22344"}, "L1 ventral ramus")
    assert (psoas.actions, psoas.relations) == (("flexes the trunk",), ("in front of psoas major",))
    iliacus = catalogue["iliacus_r"]
    assert (iliacus.description, iliacus.references, iliacus.ontology) == ("", (), {})
    assert (iliacus.innervation, iliacus.actions, iliacus.relations) == ("", (), ())
    tp = catalogue["l3_tp_r"]
    assert (tp.kind, tp.name, tp.bone, tp.landmark_kind) == ("landmark", "Transverse process of L3 (right)", "l3", "origin")
    assert (tp.description, tp.references, tp.ontology) == ("", (), {})
    asis = catalogue["asis_r"]
    assert (asis.description, asis.references, asis.ontology) == ("About asis_r.", ("Ref asis_r",), {"fma": "ASIS_R"})
    assert "l3" in catalogue and "l4" not in catalogue
    assert [s.id for s in catalogue.of_kind("muscle")] == ["psoas_minor_r", "iliacus_r"]
    assert [s.id for s in catalogue.landmarks_on("pelvic_bone_r")] == ["iliac_crest_r", "asis_r"]
    assert catalogue.landmarks_on("patella_r") == []


def test_a_catalogue_without_pack_bones_lists_the_documents_bones_only():
    assert [s.id for s in Catalogue(_annotations()).of_kind("bone")] == ["femur_r", "pelvic_bone_r", "l3"]


def test_attachments_are_indexed_both_ways(catalogue):
    assert catalogue.of_muscle == {
        "psoas_minor_r": [("l3_tp_r", "origin"), ("l3_body_r", "origin"), ("lesser_trochanter_r", "insertion")],
        "iliacus_r": [("iliac_crest_r", "origin"), ("l3_tp_r", "origin"), ("adductor_tubercle_r", "insertion")],
    }
    assert [(a.muscle, a.role) for a in catalogue.at_landmark["l3_tp_r"]] == [("psoas_minor_r", "origin"), ("iliacus_r", "origin")]
    assert catalogue.muscles_on("l3") == ["psoas_minor_r", "iliacus_r"]  # each listed once
    assert catalogue.muscles_on("femur_r") == ["psoas_minor_r", "iliacus_r"]
    assert catalogue.muscles_on("pelvic_bone_r") == ["iliacus_r"]
    assert catalogue.muscles_on("patella_r") == []


def test_attachments_near_a_landmark_on_the_same_bone_are_listed_with_it(catalogue):
    def near(landmark_id):
        return [(a.muscle, a.role) for a in catalogue.attached_near(landmark_id)]

    # the adductor tubercle is exactly NEARBY_MM away on the femur: listed; the iliac crest is 1 mm away on another bone: not
    assert near("lesser_trochanter_r") == [("psoas_minor_r", "insertion"), ("iliacus_r", "insertion")]
    assert near("far_point_r") == []  # 0.01 mm past the limit from the trochanter
    assert near("l3_body_r") == [("psoas_minor_r", "origin"), ("iliacus_r", "origin")]  # the shared origin once
    assert near("asis_r") == []


def _describe(catalogue, structure_id):
    return [(heading, [(line.text, line.link) for line in lines]) for heading, lines in describe(catalogue, structure_id)]


def test_a_landmark_says_its_kind_bone_and_what_attaches(catalogue):
    assert _describe(catalogue, "lesser_trochanter_r") == [
        ("Kind", [("insertion of a muscle", None)]),
        ("On", [("Femur (right)", "femur_r")]),
        ("Attached here", [("Psoas minor (right): insertion", "psoas_minor_r"), ("Iliacus (right): insertion", "iliacus_r")]),
    ]
    assert _describe(catalogue, "asis_r") == [
        ("Kind", [("landmark", None)]),
        ("On", [("Pelvic bone (right)", "pelvic_bone_r")]),
        ("Description", [("About asis_r.", None)]),
        ("References", [("Ref asis_r", None)]),
        ("Ontology", [("FMA ASIS_R", None)]),
    ]
    assert _describe(catalogue, "l3_tp_r")[0] == ("Kind", [("origin of a muscle", None)])
    assert _describe(catalogue, "l3_body_r")[0] == ("Kind", [("point a muscle passes", None)])


def test_a_muscle_lists_origins_insertion_and_what_is_known(catalogue):
    assert _describe(catalogue, "psoas_minor_r") == [
        ("Origins", [("Transverse process of L3 (right)", "l3_tp_r"), ("Body of L3 (right)", "l3_body_r")]),
        ("Insertion", [("Lesser trochanter (right)", "lesser_trochanter_r")]),
        ("Description", [("Thin, often absent.", None)]),
        ("Nerve supply", [("L1 ventral ramus", None)]),
        ("Actions", [("flexes the trunk", None)]),
        ("Relations", [("in front of psoas major", None)]),
        ("References", [("Gray 42", None), ("Moore 7", None)]),
        ("Ontology", [("FMA 22344", None)]),
    ]
    assert [heading for heading, _ in _describe(catalogue, "iliacus_r")] == ["Origins", "Insertion"]


def test_a_bone_lists_its_landmarks_and_muscles(catalogue):
    assert _describe(catalogue, "femur_r") == [
        ("Landmarks", [("Lesser trochanter (right)", "lesser_trochanter_r"), ("Adductor tubercle (right)", "adductor_tubercle_r"),
                       ("Far point (right)", "far_point_r")]),
        ("Muscles attached", [("Psoas minor (right)", "psoas_minor_r"), ("Iliacus (right)", "iliacus_r")]),
        ("Description", [("The thigh bone.", None)]),
        ("References", [("Gray 42", None)]),
        ("Ontology", [("FMA 9611", None), ("UBERON 0000981", None)]),
    ]
    assert _describe(catalogue, "patella_r") == [
        ("Landmarks", []), ("Description", [("A bone of the anatomy pack that the annotations do not describe.", None)])]
    assert InfoLine("x") == InfoLine("x", None)


def _ids(catalogue, query, limit=20):
    return [s.id for s in search(catalogue, query, limit)]


def test_search_ranks_full_words_then_short_names_then_kind_then_name(catalogue):
    # all match "right" in full; by length, then kind (landmark, muscle, bone), then name: the three of
    # 19 characters come landmark, muscle, bone (not alphabetically); the two of 25 alphabetically
    assert _ids(catalogue, "right") == [
        "femur_r", "iliacus_r", "patella_r", "far_point_r", "l3_body_r", "iliac_crest_r", "psoas_minor_r", "pelvic_bone_r",
        "adductor_tubercle_r", "lesser_trochanter_r", "l3_tp_r", "asis_r"]
    # a full word beats a prefix even on a longer name
    assert _ids(catalogue, "iliac") == ["iliac_crest_r", "asis_r", "iliacus_r"]
    assert _ids(catalogue, "l3") == ["l3", "l3_body_r", "l3_tp_r"]
    # two words in full beat one in full and one begun
    assert _ids(catalogue, "iliac right") == ["iliac_crest_r", "asis_r", "iliacus_r"]
    assert _ids(catalogue, "tro") == ["lesser_trochanter_r"]


def test_search_knows_abbreviations_both_ways(catalogue):
    assert _ids(catalogue, "L3 TP") == ["l3_tp_r"]
    assert _ids(catalogue, "l3-tp right") == ["l3_tp_r"]
    assert _ids(catalogue, "asis") == ["asis_r"]  # the query spelled out: every word of the expansion is in the name
    assert _ids(catalogue, "lt") == ["lesser_trochanter_r"]
    assert _ids(catalogue, "anterior sup") == ["asis_r"]
    assert _ids(catalogue, "psoas min r") == ["psoas_minor_r"]
    assert _ids(catalogue, "psoas maj") == []
    assert _ids(catalogue, "gt") == []  # greater trochanter: not in this document, and "gt" begins no word
    assert _ids(catalogue, "vb") == []


def test_search_limit_and_empty_queries(catalogue):
    assert _ids(catalogue, "r", limit=2) == _ids(catalogue, "right")[:2]
    assert len(_ids(catalogue, "r")) == 12
    assert len(search(catalogue, "r")) == 12
    assert _ids(catalogue, "") == [] and _ids(catalogue, " -/ ") == []
    assert _ids(catalogue, "zzz") == []
    assert _ids(catalogue, "x") == []  # begins no word of any name or id
    assert _ids(catalogue, "femur zzz") == []


def test_search_ranks_kind_before_the_alphabet_and_keeps_equal_names():
    """Three names of 19 characters whose alphabetical order is the reverse of landmark, muscle,
    bone; a pack bone with the same name as a described one; an id whose abbreviation the name lacks."""
    catalogue = Catalogue(_annotations(
        [{"id": "pelvic_bone_r", "name": "Pelvic bone (right)"}],
        [{"id": "psoas_minor_r", "name": "Psoas minor (right)", "fascicles": [{"origin": "pubic_crest_r"}], "insertion": "lt_r"}],
        {"pubic_crest_r": ("Pubic crest (right)", "pelvic_bone_r", (0.0, 0, 0), "landmark"),
         "lt_r": ("Trochanter minor (right)", "pelvic_bone_r", (0.0, 0, 0), "insertion")}),
        {"pelvis_r": "Pelvic bone (right)"})
    assert _ids(catalogue, "right") == ["pubic_crest_r", "psoas_minor_r", "pelvic_bone_r", "pelvis_r", "lt_r"]
    assert _ids(catalogue, "pelvic bone") == ["pelvic_bone_r", "pelvis_r"]
    assert _ids(catalogue, "lesser") == ["lt_r"]  # "lt" in its id stands for lesser trochanter


def test_search_gives_twenty_results_unless_asked_for_more():
    bones = [{"id": f"bone_{k}", "name": f"Bone {k}"} for k in range(25)]
    catalogue = Catalogue(_annotations(bones, [], {}))
    assert len(search(catalogue, "bone")) == 20
    assert len(search(catalogue, "bone", 30)) == 25
