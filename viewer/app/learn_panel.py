"""Lessons and quiz: a topic list that drives the view, and a quiz with feedback and a review."""

from __future__ import annotations

import html

from PyQt5.QtCore import QElapsedTimer, Qt, QTimer
from PyQt5.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from viewer.anatomy.lessons import Lesson
from viewer.anatomy.quiz import QuizRound, base_name, make_quiz
from viewer.app import guard
from viewer.app.animation import gait_pose, hip_flexion_pose
from viewer.app.stretch_lab import StretchLabPanel
from viewer.scene.saved_views import apply_panel

ANIMATIONS = {"hip_flexion": hip_flexion_pose, "walking": gait_pose}
RIGHT, WRONG = "#2e9e5b", "#c0392b"
MUSCLE_GHOST = 0.35
BEST_TIMED_KEY = "quiz/best_timed"  # "score,milliseconds" of the best timed round
STRETCH_LAB_LINK = "tab:stretch_lab"


class LessonsPanel(QWidget):
    """Choosing a lesson sets pose, camera, visibility and highlights, and shows its text.

    A lesson that asks for strain colours turns them on; they go off again when the lesson is
    left (another lesson, another tab of the Learn panel or of its dock: :meth:`left`), unless the
    user had them on before or switched them on their own meanwhile. A lesson never turns them off.
    Presentation mode, folded panels or a minimised window do not leave the lesson.
    """

    def __init__(self, window, lessons: list[Lesson], parent=None):
        super().__init__(parent)
        self.window, self.lessons = window, lessons
        self.strain_from_lesson = False  # the current lesson turned strain colours on
        self.list = QListWidget()
        self.list.addItems([lesson.title for lesson in lessons])
        self.list.currentRowChanged.connect(self.show_lesson)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.text, 2)

    def show_lesson(self, row: int) -> None:
        if not 0 <= row < len(self.lessons):
            return
        lesson = self.lessons[row]
        window = self.window
        window.animator.stop()
        self.leave()
        strain_before = window.state.strain_on
        camera = window.plotter.camera
        before = (camera.position, camera.focal_point, camera.up)
        apply_panel(window.scene, window.state, lesson.panel, window.scene.annotations)
        if not lesson.panel["strain"] and strain_before:
            window.state.set_strain(True)  # the user's own choice stays
        self.strain_from_lesson = lesson.panel["strain"] and not strain_before
        after = (camera.position, camera.focal_point)
        camera.position, camera.focal_point, camera.up = before  # glide there rather than jump
        window.fly(*after)
        if lesson.animation:
            window.animator.play_cycle(ANIMATIONS[lesson.animation])
        see = f'<p><a href="{STRETCH_LAB_LINK}">Every popular psoas stretch, measured: open the Stretch lab</a></p>' if lesson.see == "stretch_lab" else ""
        self.text.setHtml(f"<h3>{html.escape(lesson.title)}</h3>" + "".join(f"<p>{html.escape(p)}</p>" for p in lesson.paragraphs) + see)

    def leave(self) -> None:
        """The current lesson is left: strain colours it turned on go off again."""
        if self.strain_from_lesson:
            self.strain_from_lesson = False
            self.window.state.set_strain(False)

    def strain_set_by_user(self) -> None:
        """The user switched strain colours themselves: leaving the lesson keeps their choice."""
        self.strain_from_lesson = False

    def left(self) -> None:
        """The user went to another tab of the Learn panel or of its dock: no lesson is current now,
        so choosing the same one again shows it again."""
        self.leave()
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)


class QuizPanel(QWidget):
    """One round at a time: a question, answer buttons or a click in the view, feedback, score, review."""

    ROUND = 8

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.round: QuizRound | None = None
        self._ghosted: dict[str, float] = {}
        self.start = QPushButton("Start a quiz")
        self.start.clicked.connect(lambda: self.new_round())  # clicked(bool) must not become the seed
        self.timed = QCheckBox("Timed round")
        self.timed.setToolTip("Against the clock; the best score is kept")
        self.clock = QElapsedTimer()
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._show_progress)
        self.best = QLabel(self._best_text(), wordWrap=True)
        self.progress = QLabel()
        self.prompt = QLabel(wordWrap=True)
        self.prompt.setTextFormat(Qt.PlainText)
        font = self.prompt.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.prompt.setFont(font)
        self.option_row = QGridLayout()  # two answers a row: the panel stays narrow beside the view
        self.option_buttons: list[QPushButton] = []
        self.feedback = QLabel(wordWrap=True)
        self.feedback.setTextFormat(Qt.PlainText)
        self.next = QPushButton("Next question")
        self.next.clicked.connect(self.ask)
        self.next.setEnabled(False)
        self.review = QTextBrowser()
        layout = QVBoxLayout(self)
        for widget in (self.start, self.timed, self.best, self.progress, self.prompt):
            layout.addWidget(widget)
        layout.addLayout(self.option_row)
        layout.addWidget(self.feedback)
        layout.addWidget(self.next)
        layout.addWidget(self.review, 1)

    @property
    def waiting_for_click(self) -> bool:
        return self._question_open() and self.round.current.kind == "click"

    def new_round(self, seed: int | None = None) -> None:
        """A fresh round: new questions in a new order each time, unless a ``seed`` is given (tests)."""
        scene = self.window.scene
        shown = {s for s in self.window.state.structures if self.window.state.is_visible(s)}
        questions = make_quiz(scene.annotations, scene.catalogue, scene.muscle_model, shown, self.ROUND, seed)
        self.round = QuizRound(questions)
        self.review.clear()
        self.clock.start()
        (self.ticker.start if self.timed.isChecked() else self.ticker.stop)()
        self.ask()

    def _show_progress(self) -> None:
        if self.round is None:
            return
        asked = len(self.round.responses) + (0 if self.next.isEnabled() or self.round.finished else 1)
        timed = f" · {self.clock.elapsed() / 1000:.0f} s" if self.ticker.isActive() else ""
        self.progress.setText(f"Question {asked} of {len(self.round.questions)} · score {self.round.score}{timed}")

    def best_timed(self) -> tuple[int, int] | None:
        """The best timed round so far: (score, milliseconds), more right first, then faster."""
        value = self.window.settings.value(BEST_TIMED_KEY)
        try:
            score, ms = (int(v) for v in str(value).split(","))
        except ValueError:
            return None
        return score, ms

    def _best_text(self) -> str:
        best = self.best_timed()
        return f"Best timed round: {best[0]} right in {best[1] / 1000:.0f} s" if best else ""

    def ask(self) -> None:
        question = self.round.current
        self.next.setEnabled(False)
        self.feedback.clear()
        self._clear_options()
        if question is None:
            self._finish()
            return
        window, state = self.window, self.window.state
        window.animator.stop()
        state.set_pose(question.pose)
        state.set_strain(False)  # colours, labels, details and lengths would give answers away
        state.set_labels(False)
        self._conceal(True)
        if question.subject in window.scene.catalogue and window.scene.catalogue[question.subject].kind == "landmark":
            window.select_and_fly(question.subject)
        else:
            state.select(question.subject if question.subject in state.structures else None)
            window.frame_anatomy(question.pose, force=True)  # the whole of what the question is about in view
        self._show_progress()
        self.prompt.setText(question.prompt + ("  (click it in the view)" if question.kind == "click" else ""))
        for k, option in enumerate(question.options):
            button = QPushButton(option.replace("&", "&&"))  # a name's & is text, not a shortcut mark
            button.clicked.connect(lambda _=False, o=option: self.respond(o))
            self.option_row.addWidget(button, k // 2, k % 2)
            self.option_buttons.append(button)

    def _clear_options(self) -> None:
        for button in self.option_buttons:
            self.option_row.removeWidget(button)
            button.setParent(None)
        self.option_buttons = []

    def respond(self, response: str | None) -> bool:
        """Record an answer (an option, or the id clicked), show right or wrong, highlight the answer."""
        question = self.round.current
        right = self.round.answer(response)
        self._conceal(False)
        self._show_the_answer(question)
        self.window.state.set_labels(True)
        if question.kind == "click":
            if right:
                self.window.state.select(question.answer)
            else:
                self.window.select_and_fly(question.answer)
            truth = self.window.scene.catalogue[question.answer].name
        else:
            if question.subject in self.window.scene.muscle_model.muscles:
                self.window.state.set_strain(True)
            truth = question.answer
            for button in self.option_buttons:
                button.setEnabled(False)
                if button.text() == question.answer:
                    button.setStyleSheet(f"background: {RIGHT}; color: white; font-weight: bold")
        verdict = "Right!" if right else f"Not quite: the answer is {truth}."
        self.feedback.setText(f"{verdict} {question.explanation}")
        self.feedback.setStyleSheet(f"color: {RIGHT if right else WRONG}; font-weight: bold")
        self.next.setEnabled(True)
        self._show_progress()
        self.next.setText("See the review" if self.round.finished else "Next question")
        return right

    def _show_the_answer(self, question) -> None:
        """Make the answer visible even where it is hidden by default (the psoas minor)."""
        state, catalogue = self.window.state, self.window.scene.catalogue
        shown = {question.answer, question.subject}
        if question.subject in catalogue.at_landmark:
            shown |= {a.muscle for a in catalogue.at_landmark[question.subject] if base_name(catalogue[a.muscle].name) == question.answer}
        for structure_id in shown & set(state.structures):
            if not state.is_visible(structure_id):
                state.set_visible(structure_id, True)
            if catalogue[structure_id].kind == "landmark" and not state.is_visible(catalogue[structure_id].bone):
                state.set_visible(catalogue[structure_id].bone, True)

    def _conceal(self, on: bool) -> None:
        """Hide what would give the answer away; ghost the muscles so a highlighted point under one shows."""
        state = self.window.state
        self.window.hide_answers(on)
        if on and not self._ghosted:
            self._ghosted = {m: state.opacity.get(m, 1.0) for m in self.window.scene.muscle_model.muscles}
            for muscle_id in self._ghosted:
                state.set_opacity(muscle_id, min(MUSCLE_GHOST, self._ghosted[muscle_id]))
        elif not on and self._ghosted:
            for muscle_id, opacity in self._ghosted.items():
                state.set_opacity(muscle_id, opacity)
            self._ghosted = {}

    def _question_open(self) -> bool:
        return self.round is not None and self.round.current is not None and not self.next.isEnabled()

    def hideEvent(self, event) -> None:  # leaving the quiz tab gives the window back
        self._conceal(False)
        super().hideEvent(event)

    def showEvent(self, event) -> None:
        if self._question_open():
            self._conceal(True)
        super().showEvent(event)

    def _finish(self) -> None:
        self._conceal(False)
        if self.ticker.isActive():
            self.ticker.stop()
            result, best = (self.round.score, self.clock.elapsed()), self.best_timed()
            if best is None or (result[0], -result[1]) > (best[0], -best[1]):
                self.window.settings.setValue(BEST_TIMED_KEY, f"{result[0]},{result[1]}")
            self.best.setText(self._best_text())
        self.next.setText("Next question")
        self.start.setText("Start another quiz")
        self.prompt.setText(f"Done: {self.round.score} of {len(self.round.questions)} right.")
        self.progress.clear()
        rows = []
        for question, response in self.round.mistakes():
            given = "nothing" if response is None else (
                self.window.scene.catalogue[response].name if question.kind == "click" and response in self.window.scene.catalogue else response)
            truth = self.window.scene.catalogue[question.answer].name if question.kind == "click" else question.answer
            rows.append(f"<li><b>{html.escape(question.prompt)}</b><br>you answered {html.escape(given)}; "
                        f"the answer is {html.escape(truth)}. {html.escape(question.explanation)}</li>")
        self.review.setHtml("<h4>Review of mistakes</h4><ul>" + "".join(rows) + "</ul>" if rows else "<p>No mistakes.</p>")


class LearnPanel(QTabWidget):
    """The lessons, the quiz and the Stretch lab, side by side as tabs."""

    def __init__(self, window, lessons: list[Lesson], stretch_lab: StretchLabPanel, parent=None):
        super().__init__(parent)
        self.lessons = LessonsPanel(window, lessons)
        self.quiz = QuizPanel(window)
        self.stretch_lab = stretch_lab
        self.addTab(self.lessons, "Lessons")
        self.addTab(self.quiz, "Quiz")
        self.addTab(self.stretch_lab, "Stretch lab")
        self.currentChanged.connect(self._tab_changed)
        self.lessons.text.anchorClicked.connect(lambda url: self.setCurrentWidget(self.stretch_lab)
                                                if url.toString() == STRETCH_LAB_LINK else None)

    @guard.guarded("Leaving the lesson", quiet=True)
    def _tab_changed(self, _index: int) -> None:
        if self.currentWidget() is not self.lessons:
            self.lessons.left()
