"""Side panels that leave the 3D view most of the window, and fold to a thin strip on demand.

The view is what a student looks at, so at first start each side's panels take a fixed share
of the window (the view keeps at least 60% of the width), and the window's first size follows
the screen. A folded panel keeps only its title bar, turned on its side, as a strip to unfold from.
"""

from __future__ import annotations

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtWidgets import QApplication, QDockWidget, QMainWindow

SIDE_SHARE = {Qt.LeftDockWidgetArea: 0.16, Qt.RightDockWidgetArea: 0.21}  # of the window's width
MIN_SIDE_PX, MAX_SIDE_PX = 200, 360
SCREEN_SHARE = 0.95  # a first window fills this much of the screen
FIRST_SIZE_CAP = QSize(1600, 1000)
STRIP_PX = 26


def first_size(window: QMainWindow) -> QSize:
    """The window's size on first start: most of the screen it opens on, never more than the cap."""
    screen = window.screen() if hasattr(window, "screen") else None
    screen = screen or QApplication.primaryScreen()
    if screen is None:
        return QSize(1280, 800)
    available = screen.availableGeometry()
    return QSize(min(FIRST_SIZE_CAP.width(), int(available.width() * SCREEN_SHARE)),
                 min(FIRST_SIZE_CAP.height(), int(available.height() * SCREEN_SHARE)))


def share_width(window: QMainWindow, docks: list[QDockWidget]) -> None:
    """Give each side's panels its share of the window's width (the rest is the 3D view)."""
    widths = [int(min(MAX_SIDE_PX, max(MIN_SIDE_PX, SIDE_SHARE[window.dockWidgetArea(dock)] * window.width()))) for dock in docks]
    window.resizeDocks(docks, widths, Qt.Horizontal)


def set_folded(dock: QDockWidget, folded: bool) -> None:
    """Fold a panel to a vertical strip carrying its title, or unfold it."""
    features = dock.features()
    if folded:
        dock.setFeatures(features | QDockWidget.DockWidgetVerticalTitleBar)
        dock.widget().hide()
        dock.setMaximumWidth(STRIP_PX)
    else:
        dock.setFeatures(features & ~QDockWidget.DockWidgetVerticalTitleBar)
        dock.widget().show()
        dock.setMaximumWidth(16777215)
