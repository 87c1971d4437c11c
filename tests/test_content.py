"""Teaching content: every structure described and referenced, lessons with the model's numbers."""

from __future__ import annotations

import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.catalogue import Catalogue
from viewer.anatomy.kinematics import Pose, Skeleton
from viewer.anatomy.lessons import load_lessons
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.quiz import LENGTH_CHOICES, attachment_questions, click_questions, length_questions, make_quiz


@pytest.fixture(scope="module")
def annotations():
    return load_annotations()


@pytest.fixture(scope="module")
def model(annotations):
    return MuscleModel(annotations, Skeleton.from_manifest(load_pack().manifest))


def test_every_structure_has_a_description_and_references(annotations):
    doc = annotations.document
    for collection in ("bones", "muscles", "landmarks"):
        for item in doc[collection]:
            assert len(item.get("description", "")) >= 40, item["id"]
            assert item.get("references"), item["id"]
            assert item["name"] and item["id"]


def test_ontology_ids_where_known(annotations):
    fma = {item["id"]: item.get("ontology", {}).get("fma") for item in annotations.document["bones"] + annotations.document["muscles"]}
    assert fma["l3"] == 13074 and fma["sacrum"] == 16202 and fma["femur_l"] == 24475
    assert fma["psoas_major_r"] == 22342 and fma["iliacus_l"] == 22323
    assert fma["psoas_minor_r"] is None  # no checked id yet: better none than a wrong one


def test_muscles_carry_innervation_actions_and_relations(annotations):
    psoas = annotations.muscles["psoas_major_r"]
    assert "L1" in psoas["innervation"] and "L3" in psoas["innervation"]
    relations = " ".join(psoas["relations"])
    for needed in ("lumbar plexus", "femoral nerve", "genitofemoral", "inguinal ligament", "brim"):
        assert needed in relations or needed in psoas["description"], needed
    assert any("flexes the hip" in a.lower() for a in psoas["actions"])
    assert "Femoral nerve" in annotations.muscles["iliacus_l"]["innervation"]
    assert "does not cross the hip" in annotations.muscles["psoas_minor_l"]["description"]


def test_text_teaches_the_anatomy_not_the_myths(annotations):
    text = " ".join(
        [item.get("description", "") for c in ("bones", "muscles", "landmarks") for item in annotations.document[c]]
        + [p for lesson in annotations.document["lessons"] for p in lesson["text"]]
    ).lower()
    assert "outside the vertebral canal" in text
    assert "iliopsoas" in text
    assert "'psoas' on its own means this muscle" in text
    assert "muscle of the soul" in text and "no evidence" in text


def test_lessons_cover_the_topics_and_quote_the_model(annotations, model):
    lessons = {lesson.id: lesson for lesson in load_lessons(annotations, model)}
    assert list(lessons) == ["where_is_the_psoas", "what_does_it_do", "sitting_and_the_psoas", "stretching_the_hip_flexors", "psoas_minor", "myths_and_facts", "bodies_differ"]
    sitting = lessons["sitting_and_the_psoas"]
    change = 100 * (model.length("psoas_major_r", annotations.poses["sitting"].pose) / model.length("psoas_major_r", Pose()) - 1)
    assert f"{change:+.0f}%".replace("-", "\u2212") in " ".join(sitting.paragraphs)
    assert all("{" not in p for lesson in lessons.values() for p in lesson.paragraphs)
    assert lessons["what_does_it_do"].animation == "hip_flexion"
    assert lessons["psoas_minor"].panel["hidden"] == []


def test_quiz_questions_come_from_the_content(annotations, model):
    catalogue = Catalogue(annotations)
    shown = set(catalogue.structures)
    clicks = click_questions(catalogue, shown)
    assert {q.answer for q in clicks} >= {"lesser_trochanter_r", "asis_l", "sacral_promontory"}
    attachments = attachment_questions(catalogue, shown)
    by_point = {q.subject: q.answer for q in attachments}
    assert by_point["psoas_insertion_r"] == "Psoas major" and by_point["iliacus_origin_3_l"] == "Iliacus"
    lengths = {(q.subject, q.prompt.split(":")[0].split(" (")[0]): q.answer for q in length_questions(annotations, model)}
    prompts = [q.prompt for q in length_questions(annotations, model)]
    # a pose whose sides differ says which does what, and names are written as in a sentence
    assert any(p.startswith("Knee lift (right thigh at 90°, left at 0°)") for p in prompts)
    assert any(p.endswith("what happens to the right psoas major?") for p in prompts)
    assert lengths[("psoas_major_r", "Sitting")] == "Shortens"
    assert lengths[("psoas_major_r", "Lunge stretch")] == "Lengthens"
    assert lengths[("psoas_major_l", "Knee lift")] == "Hardly changes"  # the left hip stays straight
    assert all(q.answer in LENGTH_CHOICES for q in length_questions(annotations, model))
    round_ = make_quiz(annotations, catalogue, model, shown, count=9, seed=5)
    assert len(round_) == 9 and {q.kind for q in round_} == {"click", "choice"}


def test_new_annotations_make_new_questions(annotations, model, tmp_path):
    import json

    doc = json.loads(annotations.path.read_text())
    doc["landmarks"].append({"id": "adductor_tubercle_r", "name": "Adductor tubercle (right)", "bone": "femur_r",
                             "position": [0, 0, -400], "kind": "landmark", "description": "x" * 40, "references": ["r"]})
    path = tmp_path / "more.json"
    path.write_text(json.dumps(doc))
    catalogue = Catalogue(load_annotations(path))
    assert "adductor_tubercle_r" in {q.answer for q in click_questions(catalogue, set(catalogue.structures))}


def test_quiz_questions_read_as_a_student_sees_them(annotations, model):
    from viewer.anatomy.quiz import first_sentence

    catalogue = Catalogue(annotations)
    shown = set(catalogue.structures)
    asis = next(q for q in click_questions(catalogue, shown) if q.answer == "asis_r")
    assert asis.prompt == "Click the right anterior superior iliac spine."
    assert asis.explanation == f"Right hip bone: {first_sentence(catalogue['asis_r'].description)}" and asis.options == ()
    assert [q.answer for q in click_questions(catalogue, {"asis_r", "psoas_insertion_r"})] == ["asis_r"]  # shown anatomical landmarks only
    insertion = next(q for q in attachment_questions(catalogue, shown) if q.subject == "psoas_insertion_r")
    assert insertion.prompt == "Which muscle has its insertion at the highlighted point?"
    assert insertion.options == ("Iliacus", "Psoas major", "Psoas minor")
    assert insertion.explanation == "Psoas major insertion (right): Psoas major, insertion."
    assert attachment_questions(catalogue, shown - {"psoas_insertion_r"}) != [] and "psoas_insertion_r" not in {
        q.subject for q in attachment_questions(catalogue, shown - {"psoas_insertion_r"})}
    questions = length_questions(annotations, model)
    sitting = next(q for q in questions if q.subject == "psoas_major_r" and q.prompt.startswith("Sitting"))
    assert sitting.prompt == "Sitting: compared with standing, what happens to the right psoas major?"
    change = 100 * (model.length("psoas_major_r", annotations.poses["sitting"].pose) / model.length("psoas_major_r", Pose()) - 1)
    assert sitting.explanation == f"In this model it changes by {change:+.0f}% (sitting)."
    assert sitting.options == LENGTH_CHOICES and sitting.pose == annotations.poses["sitting"].pose
    assert {q.subject for q in questions} == {"psoas_major_r", "psoas_major_l", "iliacus_r"}
    assert not any(q.prompt.startswith("Standing") for q in questions)
    assert len(questions) == 3 * (len(annotations.poses) - 1)


def test_a_quiz_round_takes_turns_between_the_kinds_and_repeats_with_its_seed(annotations, model):
    catalogue = Catalogue(annotations)
    shown = set(catalogue.structures)
    round_ = make_quiz(annotations, catalogue, model, shown, count=6, seed=11)
    assert [q.kind for q in round_] == ["click", "choice", "choice"] * 2
    assert [q.prompt.startswith("Which muscle") for q in round_[1:3]] == [True, False]  # an attachment, then a length
    assert make_quiz(annotations, catalogue, model, shown, count=6, seed=11) == round_
    assert make_quiz(annotations, catalogue, model, shown, count=6, seed=12) != round_
    assert len(make_quiz(annotations, catalogue, model, shown, count=8, seed=11)) == 8  # not a multiple of the three kinds
    few = {"asis_r"}
    everything = make_quiz(annotations, catalogue, model, few, count=100, seed=1)
    assert len(everything) == 1 + len(length_questions(annotations, model))  # every question there is, each once


def test_questions_skip_what_is_hidden_or_missing_and_keep_the_rest(annotations, model):
    catalogue = Catalogue(annotations)
    shown = set(catalogue.structures)
    subjects = [q.subject for q in attachment_questions(catalogue, shown)]
    assert {q.subject for q in attachment_questions(catalogue, shown - {subjects[0]})} == set(subjects) - {subjects[0]}
    pack = load_pack()
    without_right_femur = MuscleModel(annotations, Skeleton.from_manifest(pack.manifest), set(pack.bones) - {"femur_r"})
    assert {q.subject for q in length_questions(annotations, without_right_femur)} == {"psoas_major_l"}
