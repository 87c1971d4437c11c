"""Smooth pose transitions, the walking cycle, and camera flights, driven by a Qt timer."""

from __future__ import annotations

import dataclasses

import numpy as np
from PyQt5.QtCore import QElapsedTimer, QObject, QTimer, pyqtSignal

from viewer.anatomy.kinematics import Pose
from viewer.scene.viewer_state import ViewerState

FRAME_MS = 33
TRANSITION_MS = 700
STRIDE_SECONDS = 1.1  # one gait cycle at normal walking speed
FIELDS = [f.name for f in dataclasses.fields(Pose)]


def blend(start: Pose, end: Pose, t: float) -> Pose:
    """The pose a fraction ``t`` of the way from ``start`` to ``end``, eased in and out."""
    eased = t * t * (3 - 2 * t)
    return Pose(**{f: getattr(start, f) + (getattr(end, f) - getattr(start, f)) * eased for f in FIELDS})


def hip_flexion_pose(phase: float) -> Pose:
    """The right hip bending from straight to 90 degrees and back, once per cycle."""
    return Pose(hip_flexion_r=45.0 - 45.0 * np.cos(phase))


def gait_pose(phase: float) -> Pose:
    """Hips in a walking cycle: each swings between about 10 degrees extension (late stance)
    and 35 degrees flexion (knee lifted in swing), the two sides half a cycle apart."""
    return Pose(hip_flexion_r=12.5 + 22.5 * np.sin(phase), hip_flexion_l=12.5 - 22.5 * np.sin(phase))


class PoseAnimator(QObject):
    """Moves the state's pose over time: to a target pose, or round the gait cycle."""

    moving = pyqtSignal(bool)
    heading_to = pyqtSignal(object)  # the Pose a transition ends in, so the camera can frame it

    def __init__(self, state: ViewerState, parent=None):
        super().__init__(parent)
        self.state = state
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.speed = 1.0
        self._mode: str | None = None
        self._start = self._end = Pose()
        self._phase = 0.0
        self._cycle = gait_pose

    @property
    def gait_playing(self) -> bool:
        return self._mode == "cycle" and self._cycle is gait_pose

    def go_to(self, target: Pose) -> None:
        self._mode, self._start, self._end = "transition", self.state.pose, target
        self._run()
        self.heading_to.emit(target)

    def play_gait(self, on: bool) -> None:
        if on:
            self.play_cycle(gait_pose)
        elif self.gait_playing:
            self.stop()

    def play_cycle(self, pose_of_phase) -> None:
        """Loop a movement given as a function from phase (radians) to pose."""
        self._mode, self._cycle, self._phase, self._last = "cycle", pose_of_phase, 0.0, 0
        self._run()

    def _run(self) -> None:
        self.clock.start()
        if not self.timer.isActive():
            self.timer.start()
            self.moving.emit(True)

    def stop(self) -> None:
        self._mode = None
        if self.timer.isActive():
            self.timer.stop()
            self.moving.emit(False)

    def _tick(self) -> None:
        elapsed = self.clock.elapsed()
        if self._mode == "transition":
            t = min(1.0, elapsed / TRANSITION_MS)
            self.state.set_pose(blend(self._start, self._end, t))
            if t >= 1.0:
                self.stop()
        elif self._mode == "cycle":
            self._phase += 2 * np.pi * self.speed * (elapsed - self._last) / 1000 / STRIDE_SECONDS
            self._last = elapsed
            self.state.set_pose(self._cycle(self._phase))


class CameraFlight(QObject):
    """Flies the camera to a new position and focal point; ``moving(bool)`` when a flight starts and ends."""

    moving = pyqtSignal(bool)

    def __init__(self, plotter, parent=None):
        super().__init__(parent)
        self.plotter = plotter
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()

    def fly_to(self, position, focal, duration_ms: int = 450) -> None:
        """Swing round the focal point (never through the model) while the focal point glides."""
        camera = self.plotter.camera
        start_focal, end_focal = np.array(camera.focal_point), np.asarray(focal, float)
        start_offset = np.array(camera.position) - start_focal
        end_offset = np.asarray(position, float) - end_focal
        self._focal = (start_focal, end_focal)
        self._distance = (np.linalg.norm(start_offset), np.linalg.norm(end_offset))
        self._direction = (start_offset / self._distance[0], end_offset / self._distance[1])
        self._duration = duration_ms
        self.clock.start()
        if not self.timer.isActive():
            self.timer.start()
            self.moving.emit(True)

    def stop(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.moving.emit(False)

    def _tick(self) -> None:
        t = min(1.0, self.clock.elapsed() / self._duration)
        eased = t * t * (3 - 2 * t)
        camera = self.plotter.camera
        direction = slerp(*self._direction, eased)
        distance = self._distance[0] + (self._distance[1] - self._distance[0]) * eased
        camera.focal_point = self._focal[0] + (self._focal[1] - self._focal[0]) * eased
        camera.position = camera.focal_point + direction * distance
        if abs(np.dot(camera.up, direction)) > 0.95:  # looking along the up vector: pick another up
            camera.up = (1, 0, 0) if abs(direction[2]) > 0.9 else (0, 0, 1)
        camera.OrthogonalizeViewUp()
        self.plotter.reset_camera_clipping_range()
        self.plotter.update()  # rendered and shown in the next paint, once (MainWindow.draw)
        if t >= 1.0:
            self.stop()


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Unit vector a fraction t of the way from unit vector a to b along the great circle."""
    angle = np.arccos(np.clip(a @ b, -1.0, 1.0))
    if angle < 1e-6:
        return b
    if np.pi - angle < 1e-6:  # opposite: turn about any axis at right angles to a
        axis = np.cross(a, (0, 0, 1) if abs(a[2]) < 0.9 else (1, 0, 0))
        b = np.cross(axis / np.linalg.norm(axis), a)
        return slerp(a, b, 2 * t) if t < 0.5 else slerp(b, -a, 2 * t - 1)
    return (np.sin((1 - t) * angle) * a + np.sin(t * angle) * b) / np.sin(angle)
