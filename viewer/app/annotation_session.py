"""The user's annotations in the window: edits through an undo stack, open, save, autosave, recovery.

The session owns the user's layer over the shipped annotations (see
:mod:`viewer.anatomy.annotation_layer`). Each edit is checked before it is pushed, so the window
only ever shows a valid document; a rejected edit raises :class:`ProblemsError` and changes nothing.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

from PyQt5.QtCore import QObject, QTimer, pyqtSignal
from PyQt5.QtWidgets import QUndoCommand, QUndoStack

from viewer.anatomy import annotation_layer as edits
from viewer.anatomy.annotations import Annotations, Source, check_annotations, load_annotations
from viewer.anatomy.mesh_pack import MeshPack

AUTOSAVE_DELAY_MS = 2000
AUTOSAVE_RETRY_MS = 10_000


class LayerChange(QUndoCommand):
    """One edit: the layer before and after it (each with its checked document, so that undo and
    redo never check again), and what to select after redo and after undo."""

    def __init__(self, session: AnnotationSession, text: str, before: tuple[dict, Annotations], after: tuple[dict, Annotations],
                 select_after: str | None, select_before: str | None):
        super().__init__(text)
        self.session, self.before, self.after = session, before, after
        self.select_after, self.select_before = select_after, select_before

    def redo(self) -> None:
        self.session.install(*self.after, self.select_after)

    def undo(self) -> None:
        self.session.install(*self.before, self.select_before)


class AnnotationSession(QObject):
    """Emits ``changed(annotations, selection)`` after every edit, undo, redo, open or restore,
    and ``autosave_failed(message)`` when the recovery file cannot be written (it is retried)."""

    changed = pyqtSignal(object, object)
    autosave_failed = pyqtSignal(str)

    def __init__(self, annotations: Annotations, pack: MeshPack, recovery_path: Path, parent=None):
        super().__init__(parent)
        self.pack = pack
        self.base = annotations.base or Source.read(annotations.path)  # its schema answer is kept with it
        self.annotations = annotations
        self.layer = copy.deepcopy(annotations.layer) if annotations.layer is not None else edits.empty_layer()
        self.layer_path = annotations.layer_path
        self.recovery_path = Path(recovery_path)
        self.undo_stack = QUndoStack(self)
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave.timeout.connect(self.write_recovery)
        self.undo_stack.indexChanged.connect(self._edited)  # a bound slot: disconnected when the session goes

    def _edited(self, _index: int) -> None:
        self.autosave.start()

    # --- checking and installing -------------------------------------------------------------
    def _check(self, layer: dict) -> Annotations:
        return check_annotations(self.base, Source(self.layer_path or Path("(unsaved annotations)"), layer))

    def install(self, layer: dict, annotations: Annotations, selection: str | None) -> None:
        """Make ``layer`` current with its document (checked when its edit was pushed) and tell the window."""
        self.annotations = annotations
        self.layer = layer
        self.changed.emit(self.annotations, selection)

    def apply(self, text: str, layer: dict, selection: str | None = None) -> None:
        """Check a changed layer and push it as one undo step; :class:`ProblemsError` if it is invalid."""
        after = self._check(layer)
        before = None
        if selection is not None and selection in self.annotations.landmarks:
            before = selection
        self.undo_stack.push(LayerChange(self, text, (self.layer, self.annotations), (layer, after), selection, before))

    # --- edits --------------------------------------------------------------------------------
    def add(self, bone_id: str, standing_point) -> str:
        """Add a landmark on a bone, snapped to its surface; returns the new id."""
        position = edits.snap_to_bone(self.pack.bones[bone_id], standing_point)
        layer, landmark_id = edits.add_landmark(self.layer, self.annotations, bone_id, position)
        self.apply("Add landmark", layer, landmark_id)
        return landmark_id

    def snapped(self, landmark_id: str, standing_point) -> list[float]:
        """Where a landmark lands if dropped near ``standing_point``: on its own bone's surface."""
        return edits.snap_to_bone(self.pack.bones[self.annotations.landmarks[landmark_id].bone], standing_point)

    def move(self, landmark_id: str, standing_point) -> None:
        layer = edits.move_landmark(self.layer, self.annotations, landmark_id, self.snapped(landmark_id, standing_point))
        self.apply(f"Move {landmark_id}", layer, landmark_id)

    def edit(self, landmark_id: str, **changes) -> None:
        self.apply(f"Edit {landmark_id}", edits.edit_landmark(self.layer, self.annotations, landmark_id, **changes), landmark_id)

    def delete(self, landmark_id: str) -> None:
        layer = edits.delete_landmark(self.layer, self.annotations, landmark_id)
        self.undo_stack.push(LayerChange(self, f"Delete {landmark_id}", (self.layer, self.annotations), (layer, self._check(layer)),
                                         None, landmark_id))

    # --- files --------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def open(self, path: Path) -> None:
        """Load a user's file over the shipped annotations; a broken one raises and changes nothing."""
        annotations = load_annotations(self.base.path, layer=path, pack=self.pack)
        self.undo_stack.clear()
        self.layer, self.layer_path, self.annotations = copy.deepcopy(annotations.layer), Path(path), annotations
        self.changed.emit(annotations, None)

    def save(self, path: Path | None = None) -> Path:
        """Save the layer (atomic, with a backup); the recovery file is no longer needed afterwards."""
        path = Path(path) if path is not None else self.layer_path
        if path is None:
            raise ValueError("the annotations have no file yet: choose one")
        edits.save_layer(path, self.layer)
        self.layer_path = path
        self.undo_stack.setClean()
        self.autosave.stop()
        with contextlib.suppress(OSError):  # the save itself worked; a stale recovery file is harmless
            self.recovery_path.unlink(missing_ok=True)
        return path

    def write_recovery(self) -> bool:
        """Write unsaved edits to the recovery file, or remove it when there are none.

        A failure (full disk, the path a folder, no permission) is announced through
        ``autosave_failed`` and retried after :data:`AUTOSAVE_RETRY_MS`; the edits stay in the
        window. Returns whether the unsaved edits are now safe on disk.
        """
        try:
            if self.dirty:
                edits.write_recovery(self.recovery_path, self.layer, self.layer_path)
            else:
                self.recovery_path.unlink(missing_ok=True)
        except (OSError, ValueError) as exc:
            self.autosave.start(AUTOSAVE_RETRY_MS)
            self.autosave_failed.emit(f"Autosave failed: {exc}. Your edits are kept in the window; "
                                      f"trying again in {AUTOSAVE_RETRY_MS // 1000} s (or save them with File > Save annotations as…)")
            return False
        self.autosave.setInterval(AUTOSAVE_DELAY_MS)
        return True

    def recovery(self) -> tuple[dict, Path | None, str] | None:
        """What a recovery file left by an earlier run holds, or None when there is none."""
        return edits.read_recovery(self.recovery_path) if self.recovery_path.exists() else None

    def restore_recovery(self) -> None:
        """Take back the edits of the recovery file as one undoable, unsaved step; the file is kept aside."""
        layer, layer_path, _ = edits.read_recovery(self.recovery_path)
        check_annotations(self.base, Source(self.recovery_path, layer), self.pack)
        self.layer_path = layer_path
        self.apply("Restore unsaved edits", layer)
        edits.set_aside(self.recovery_path)

    def decline_recovery(self) -> Path:
        return edits.set_aside(self.recovery_path)
