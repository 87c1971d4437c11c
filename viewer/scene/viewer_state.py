"""The one object that holds what the user is looking at; the scene and the panels follow it.

Plain Python with listeners, no Qt: panels call its methods (user intents flow up as calls)
and redraw from it when told what changed (state flows down). Nobody else owns this truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from viewer.anatomy.kinematics import HipLimits, Pose

GHOST_OPACITY = 0.15

Listener = Callable[[str], None]


@dataclass
class ViewerState:
    """Pose, selection, visibility, opacity and display switches of one viewer."""

    structures: list[str]
    hidden: set[str] = field(default_factory=set)
    pose: Pose = field(default_factory=Pose)
    selection: str | None = None
    opacity: dict[str, float] = field(default_factory=dict)
    labels_on: bool = True
    strain_on: bool = False
    lines_on: bool = False
    limits: HipLimits | None = None  # the hips' coupled limits: a motion stops where the bones meet
    limit_note: str = ""  # why the last pose change stopped short, or empty
    _listeners: list[Listener] = field(default_factory=list, repr=False)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(what)`` after each change; ``what`` is pose, selection, visibility, opacity or display."""
        self._listeners.append(listener)

    def _changed(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)

    def set_pose(self, pose: Pose) -> None:
        """Move to ``pose``, or as far towards it as the bones allow (``limit_note`` says why not further)."""
        if self.limits is not None:
            pose, note = self.limits.clamp(self.pose, pose)
            self.limit_note = note or ""
        self.pose = pose
        self._changed("pose")

    def select(self, structure_id: str | None) -> None:
        if structure_id is not None and structure_id not in self.structures:
            raise KeyError(structure_id)
        self.selection = structure_id
        self._changed("selection")

    def is_visible(self, structure_id: str) -> bool:
        return structure_id not in self.hidden

    def set_visible(self, structure_id: str, visible: bool) -> None:
        (self.hidden.discard if visible else self.hidden.add)(structure_id)
        self._changed("visibility")

    def set_opacity(self, structure_id: str, opacity: float) -> None:
        self.opacity[structure_id] = min(1.0, max(0.0, float(opacity)))
        self._changed("opacity")

    def isolate(self, keep: set[str]) -> None:
        """Show only ``keep``."""
        self.hidden = set(self.structures) - set(keep)
        self._changed("visibility")

    def ghost_others(self, keep: set[str]) -> None:
        """Make everything but ``keep`` faint, and ``keep`` solid."""
        self.opacity = {s: (1.0 if s in keep else GHOST_OPACITY) for s in self.structures}
        self._changed("opacity")

    def show_all(self) -> None:
        """Everything visible and solid again."""
        self.hidden = set()
        self.opacity = {}
        self._changed("visibility")
        self._changed("opacity")

    def replace_display(self, hidden: set[str], opacity: dict[str, float], labels_on: bool, strain_on: bool) -> None:
        """Take visibility, opacity and the display switches from a saved view, all at once."""
        self.hidden, self.opacity = set(hidden), dict(opacity)
        self.labels_on, self.strain_on = labels_on, strain_on
        for what in ("visibility", "opacity", "display"):
            self._changed(what)

    def set_labels(self, on: bool) -> None:
        self.labels_on = on
        self._changed("display")

    def set_strain(self, on: bool) -> None:
        self.strain_on = on
        self._changed("display")

    def set_lines_of_action(self, on: bool) -> None:
        self.lines_on = on
        self._changed("display")
