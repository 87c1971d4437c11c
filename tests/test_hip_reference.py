"""The numpy MyoLeg psoas and iliacus used as the hip reference agree with MuJoCo's own tendons."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.hip_reference import lengths, moment_arms


def test_numpy_myoleg_matches_mujoco_tendon_lengths():
    mujoco = pytest.importorskip("mujoco")
    compose = pytest.importorskip("myo_sim.build.compose")
    model = compose.build_spec("myofullbody").compile()
    data = mujoco.MjData(model)
    joint = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, "hip_flexion_r")
    degrees = np.arange(-30.0, 120.1, 10.0)
    for muscle in ("psoas", "iliacus"):
        tendon = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_TENDON, f"{muscle}_r_tendon")
        found = []
        for angle in degrees:
            data.qpos[:] = model.qpos0
            data.qpos[model.jnt_qposadr[joint]] = np.radians(angle)
            mujoco.mj_forward(model, data)
            found.append(1000 * data.ten_length[tendon])
        np.testing.assert_allclose(lengths(muscle, "myoleg", degrees), found, atol=0.01)


def test_opensim_psoas_wraps_the_brim_in_extension_only():
    # Rajagopal 2015's shape: about 24 mm at 0 degrees, 34 at 75 and 10 at 120; MyoLeg lacks the brim wrap
    opensim = moment_arms("psoas", "opensim", np.array([0.0, 75.0, 120.0]))
    np.testing.assert_allclose(opensim, [24, 34, 10], atol=1.0)
    assert moment_arms("psoas", "myoleg", np.array([0.0]))[0] < opensim[0] - 3
    np.testing.assert_allclose(moment_arms("iliacus", "opensim", np.array([0.0, 75.0, 120.0])), [35, 44, 1], atol=1.2)
