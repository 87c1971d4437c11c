"""Failures stay in the window: slots that meet user files report what went wrong and return.

PyQt5 aborts the whole process when an exception escapes a slot, taking unsaved edits with it.
:func:`guarded` wraps a slot so that any exception becomes a message in the window (a warning
dialog, or the status bar for background work) and the slot returns normally;
:func:`install_excepthook` is the net under everything else. Every text shown here is plain
text: a file's names and fields are never run as markup.
"""

from __future__ import annotations

import functools
import html
import inspect
import sys
import traceback

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

EXPECTED = (ValueError, OSError)  # InputError, ProblemsError, OutputError, EditError, PoseError and their kin


def describe(exc: BaseException) -> str:
    """What went wrong in a line or a list: our errors name their file; anything else names itself."""
    if isinstance(exc, EXPECTED):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


def warn(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """Show a warning with ``text`` as plain text; it does not block (the window keeps running)."""
    box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, parent)
    box.setTextFormat(Qt.PlainText)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()
    return box


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question with ``text`` as plain text; True for yes."""
    box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.Yes | QMessageBox.No, parent)
    box.setTextFormat(Qt.PlainText)
    return box.exec_() == QMessageBox.Yes


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally (Qt would render a tooltip that looks like HTML)."""
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


def status(widget: QWidget | None, text: str, timeout_ms: int = 0) -> None:
    """Show ``text`` in the status bar of ``widget``'s main window (plain text), if it has one."""
    window = QWidget.window(widget) if widget is not None else None  # some panels keep a .window attribute
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text.replace("\n", "  "), timeout_ms)


def report(widget: QWidget | None, what: str, exc: BaseException, quiet: bool = False) -> None:
    """Tell the user that ``what`` failed and why: in the status bar when ``quiet``, else a warning."""
    if not isinstance(exc, EXPECTED):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if quiet:
        status(widget, f"{what} failed: {describe(exc)}")
    else:
        warn(QWidget.window(widget) if widget is not None else None, f"{what} failed", describe(exc))


def guarded(what: str, quiet: bool = False):
    """Decorate a slot method of a widget: an exception is reported (see :func:`report`), the slot returns None.

    Signal arguments beyond those the method takes are dropped, as PyQt itself does for slots.
    """

    def wrap(method):
        parameters = inspect.signature(method).parameters.values()
        takes_any = any(p.kind is p.VAR_POSITIONAL for p in parameters)
        most = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)

        @functools.wraps(method)
        def run(self, *args, **kwargs):
            try:
                return method(self, *(args if takes_any else args[: most - 1]), **kwargs)
            except Exception as exc:  # noqa: BLE001 - the point: nothing escapes a slot
                report(self, what, exc, quiet)
                return None

        return run

    return wrap


def install_excepthook() -> None:
    """Anything that still escapes a slot is shown in the active window instead of aborting the program."""

    def hook(kind, exc, tb):
        traceback.print_exception(kind, exc, tb, file=sys.stderr)
        if issubclass(kind, Exception):
            report(QApplication.activeWindow(), "An action", exc, quiet=True)

    sys.excepthook = hook
