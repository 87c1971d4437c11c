"""The viewer state: one truth, listeners told what changed."""

from __future__ import annotations

import pytest

from viewer.anatomy.kinematics import Pose
from viewer.scene.viewer_state import GHOST_OPACITY, ViewerState


def test_listeners_hear_each_change():
    state = ViewerState(["a", "b", "c"])
    heard = []
    state.subscribe(heard.append)
    state.select("b")
    state.set_visible("c", False)
    state.set_opacity("a", 1.7)
    state.set_pose(Pose(hip_flexion_r=10))
    state.set_labels(False)
    assert heard == ["selection", "visibility", "opacity", "pose", "display"]
    assert state.opacity["a"] == 1.0 and not state.is_visible("c")


def test_isolate_ghost_and_show_all():
    state = ViewerState(["a", "b", "c"])
    state.isolate({"a"})
    assert [s for s in "abc" if state.is_visible(s)] == ["a"]
    state.ghost_others({"b"})
    assert state.opacity == {"a": GHOST_OPACITY, "b": 1.0, "c": GHOST_OPACITY}
    state.show_all()
    assert state.hidden == set() and state.opacity == {}


def test_unknown_selection_is_refused():
    with pytest.raises(KeyError):
        ViewerState(["a"]).select("zz")
