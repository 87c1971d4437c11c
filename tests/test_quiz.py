"""Quiz rounds without a window: answers, score and mistakes; nothing (a click on empty background) is never right."""

from __future__ import annotations

from viewer.anatomy.quiz import LENGTH_CHOICES, Question, QuizRound, base_name, first_sentence


def two_questions() -> list[Question]:
    return [Question("click", "Click the anterior superior iliac spine.", "asis_r"),
            Question("choice", "Sitting: what happens to the psoas major?", "Shortens", LENGTH_CHOICES, "psoas_major_r")]


def test_a_click_on_empty_background_is_a_wrong_answer():
    quiz = QuizRound(two_questions())
    assert quiz.answer(None) is False
    assert quiz.score == 0 and quiz.responses == [None]
    assert quiz.mistakes() == [(quiz.questions[0], None)]
    assert quiz.current is quiz.questions[1] and not quiz.finished


def test_a_round_counts_right_answers_and_lists_the_mistakes():
    quiz = QuizRound(two_questions())
    assert quiz.answer("asis_r") is True
    assert quiz.answer("Lengthens") is False
    assert quiz.finished and quiz.current is None
    assert quiz.score == 1
    assert quiz.mistakes() == [(quiz.questions[1], "Lengthens")]


def test_names_and_explanations_are_shortened_for_questions():
    assert base_name("Psoas major (right)") == "Psoas major"
    assert base_name("Iliacus") == "Iliacus"
    assert first_sentence("Front of the hip. Felt under the skin.") == "Front of the hip."
    assert first_sentence("One sentence only.") == "One sentence only."
    assert first_sentence("Shown in plate IX.") == "Shown in plate IX."
    assert first_sentence("") == ""
