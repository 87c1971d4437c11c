"""Quiz questions generated from the annotations and the muscle model, so new content makes new questions.

Three kinds: click a named landmark in the view; say which muscle attaches at a highlighted
point; say whether a pose lengthens or shortens a muscle (answered by the model, not by hand).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.catalogue import Catalogue
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.names import in_sentence

LENGTH_CHOICES = ("Lengthens", "Shortens", "Hardly changes")
SAME_WITHIN = 0.01  # within 1% of the standing length counts as no change
SIDES_DIFFER_DEG = 10.0  # a pose whose thighs differ more than this says which side does what


def base_name(name: str) -> str:
    """'Psoas major (right)' -> 'Psoas major'."""
    return name.split(" (")[0]


@dataclass(frozen=True)
class Question:
    kind: str  # "click" or "choice"
    prompt: str
    answer: str  # a structure id for click questions, an option for choice questions
    options: tuple[str, ...] = ()
    subject: str | None = None  # what to highlight while asking (and after answering)
    pose: Pose = field(default_factory=Pose)
    explanation: str = ""

    def is_right(self, response: str | None) -> bool:
        return response == self.answer


def first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def click_questions(catalogue: Catalogue, shown: set[str]) -> list[Question]:
    return [
        Question("click", f"Click the {in_sentence(s.name)}.", s.id,
                 explanation=f"{catalogue[s.bone].name}: {first_sentence(s.description)}")
        for s in catalogue.of_kind("landmark")
        if s.landmark_kind == "landmark" and s.id in shown
    ]


def attachment_questions(catalogue: Catalogue, shown: set[str]) -> list[Question]:
    muscles = sorted({base_name(m.name) for m in catalogue.of_kind("muscle")})
    questions = []
    for landmark_id, attachments in catalogue.at_landmark.items():
        names = {base_name(catalogue[a.muscle].name) for a in attachments}
        if landmark_id not in shown or len(names) != 1:
            continue
        (answer,) = names
        role = attachments[0].role
        questions.append(
            Question("choice", f"Which muscle has its {role} at the highlighted point?", answer, tuple(muscles), landmark_id,
                     explanation=f"{catalogue[landmark_id].name}: {answer}, {role}.")
        )
    return questions


def pose_in_words(name: str, pose: Pose) -> str:
    """A named pose with its sides said: "Knee lift (left hip bent to 90°, right at 0°)"."""
    right, left = pose.hip_flexion_r, pose.hip_flexion_l
    if abs(right - left) < SIDES_DIFFER_DEG:
        return name
    (more, high), (other, low) = sorted((("right", right), ("left", left)), key=lambda side: -side[1])
    return f"{name} ({more} thigh at {high:.0f}°, {other} at {low:.0f}°)"


def length_questions(annotations: Annotations, model: MuscleModel) -> list[Question]:
    questions = []
    for pose_id, named in annotations.poses.items():
        if pose_id == "standing":
            continue
        for muscle_id in ("psoas_major_r", "psoas_major_l", "iliacus_r"):
            if muscle_id not in model.muscles:
                continue
            ratio = model.length(muscle_id, named.pose) / model.length(muscle_id, Pose())
            answer = LENGTH_CHOICES[2] if abs(ratio - 1) < SAME_WITHIN else LENGTH_CHOICES[0] if ratio > 1 else LENGTH_CHOICES[1]
            name = in_sentence(model.muscles[muscle_id].name)
            questions.append(
                Question("choice", f"{pose_in_words(named.name, named.pose)}: compared with standing, what happens to the {name}?",
                         answer, LENGTH_CHOICES, muscle_id, named.pose,
                         explanation=f"In this model it changes by {100 * (ratio - 1):+.0f}% ({in_sentence(named.name)}).")
            )
    return questions


def make_quiz(annotations: Annotations, catalogue: Catalogue, model: MuscleModel, shown: set[str], count: int = 8, seed: int | None = None) -> list[Question]:
    """A round mixing the three kinds, drawn from what the scene shows; a new draw each time unless ``seed`` is given."""
    rng = random.Random(time.time_ns() if seed is None else seed)
    pools = [click_questions(catalogue, shown), attachment_questions(catalogue, shown), length_questions(annotations, model)]
    for pool in pools:
        rng.shuffle(pool)
    questions: list[Question] = []
    while len(questions) < count and any(pools):
        for pool in pools:
            if pool and len(questions) < count:
                questions.append(pool.pop())
    return questions


@dataclass
class QuizRound:
    """Answers given so far, the score and the mistakes."""

    questions: list[Question]
    responses: list[str | None] = field(default_factory=list)

    @property
    def current(self) -> Question | None:
        return self.questions[len(self.responses)] if len(self.responses) < len(self.questions) else None

    def answer(self, response: str | None) -> bool:
        question = self.current
        self.responses.append(response)
        return question.is_right(response)

    @property
    def score(self) -> int:
        return sum(q.is_right(r) for q, r in zip(self.questions, self.responses))

    @property
    def finished(self) -> bool:
        return self.current is None

    def mistakes(self) -> list[tuple[Question, str | None]]:
        return [(q, r) for q, r in zip(self.questions, self.responses) if not q.is_right(r)]
