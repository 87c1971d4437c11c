"""Structure catalogue, info lines and forgiving search."""

from __future__ import annotations

import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.catalogue import Catalogue, describe
from viewer.anatomy.search import search


@pytest.fixture(scope="module")
def catalogue():
    return Catalogue(load_annotations())


@pytest.mark.parametrize(
    "query, expected",
    [
        ("lesser troch", {"lesser_trochanter_l", "lesser_trochanter_r"}),
        ("L3 TP", {"l3_tp_l", "l3_tp_r"}),
        ("l3 tp left", {"l3_tp_l"}),
        ("ASIS", {"asis_l", "asis_r"}),
        ("anterior sup", {"asis_l", "asis_r"}),
        ("psoas min", {"psoas_minor_l", "psoas_minor_r"}),
        ("troch r", {"lesser_trochanter_r", "greater_trochanter_r"}),
    ],
)
def test_forgiving_queries_find_the_structure_first(catalogue, query, expected):
    found = [s.id for s in search(catalogue, query)]
    assert set(found[: len(expected)]) == expected


def test_nonsense_finds_nothing(catalogue):
    assert search(catalogue, "zzz") == []
    assert search(catalogue, "   ") == []


def test_lesser_trochanter_says_what_inserts_there(catalogue):
    sections = dict(describe(catalogue, "lesser_trochanter_r"))
    attached = [(line.text, line.link) for line in sections["Attached here"]]
    assert ("Psoas major (right): insertion", "psoas_major_r") in attached
    assert ("Iliacus (right): insertion", "iliacus_r") in attached
    assert sections["On"][0].link == "femur_r"


def test_muscle_lists_its_origins_and_insertion(catalogue):
    sections = dict(describe(catalogue, "psoas_major_l"))
    assert len(sections["Origins"]) == 12
    assert [line.link for line in sections["Insertion"]] == ["psoas_insertion_l"]
    assert sections["Ontology"][0].text == "FMA 22343"


def test_bone_lists_landmarks_and_muscles(catalogue):
    sections = dict(describe(catalogue, "hip_bone_r"))
    assert any(line.link == "asis_r" for line in sections["Landmarks"])
    assert {line.link for line in sections["Muscles attached"]} >= {"iliacus_r", "psoas_minor_r"}
