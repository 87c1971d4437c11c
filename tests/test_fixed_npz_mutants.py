"""``viewer.anatomy.fixed_npz``: the same arrays give the same bytes, stamped with one fixed time,
in C order, a scalar kept a scalar, and no pickled objects."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from viewer.anatomy.fixed_npz import npz_bytes


def test_every_member_has_the_fixed_timestamp_and_is_stored():
    with zipfile.ZipFile(io.BytesIO(npz_bytes({"b": np.arange(3.0), "a": np.array(2)}))) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a.npy", "b.npy"]
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) and i.compress_type == zipfile.ZIP_STORED for i in infos)


def test_a_transposed_array_is_written_as_its_c_ordered_copy():
    transposed = np.arange(6.0).reshape(2, 3).T
    assert npz_bytes({"a": transposed}) == npz_bytes({"a": np.ascontiguousarray(transposed)})
    with np.load(io.BytesIO(npz_bytes({"a": transposed})), allow_pickle=False) as data:
        np.testing.assert_array_equal(data["a"], transposed)


def test_a_scalar_stays_a_scalar():
    with np.load(io.BytesIO(npz_bytes({"n": np.array(7), "text": np.array("key")})), allow_pickle=False) as data:
        assert data["n"].shape == () and int(data["n"]) == 7
        assert data["text"].shape == () and str(data["text"]) == "key"


def test_objects_are_refused_rather_than_pickled():
    with pytest.raises(ValueError, match="allow_pickle"):
        npz_bytes({"a": np.array([{"x": 1}], dtype=object)})
