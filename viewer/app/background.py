"""Work off the GUI thread: a job runs on a worker thread and its result comes back as a signal,
delivered on the GUI thread (Qt queues a signal emitted on another thread), so a slot may draw it.

Used for the muscle fit of a new body (a second or two, :meth:`AnatomyScene.body_fit`): the window
keeps answering meanwhile. One worker; a job asked for while another runs waits, and is dropped
when a newer one is asked for first (only the last body's fit is worth having).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PyQt5.QtCore import QObject, pyqtSignal

from viewer.app import guard


class Background(QObject):
    """Runs jobs one after another on a worker thread; :attr:`finished` (tag, result) or :attr:`failed`
    (tag, what went wrong) follows each, on the GUI thread. ``tag`` is the caller's, handed back to
    tell an answer to an old question from the answer to the last one."""

    finished = pyqtSignal(object, object)
    failed = pyqtSignal(object, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="psoas-viewer background")
        self._futures: list[Future] = []
        self.destroyed.connect(lambda: self._pool.shutdown(wait=False, cancel_futures=True))

    def run(self, tag: object, job: Callable[[], object]) -> None:
        for waiting in self._futures:
            waiting.cancel()  # does nothing to the one running
        future = self._pool.submit(job)
        self._futures = [f for f in self._futures if not f.done()] + [future]
        future.add_done_callback(lambda done: self._report(tag, done))

    @property
    def busy(self) -> bool:
        """Whether a job is still running or waiting (its signal may still be on its way after)."""
        return any(not future.done() for future in self._futures)

    def _report(self, tag: object, future: Future) -> None:
        """On the worker thread: hand the outcome to the GUI thread (an exception here would only be logged)."""
        if future.cancelled():
            return
        problem = future.exception()
        try:
            if problem is None:
                self.finished.emit(tag, future.result())
            else:
                self.failed.emit(tag, guard.describe(problem))
        except RuntimeError:  # the window, and this object with it, closed meanwhile: nobody to tell
            pass
