"""The pickle reader that never unpickles (``viewer.anatomy.pickled_arrays``): every value kind it
knows read back exactly, every other thing refused with its reason. Written to kill the mutants
mutmut found surviving."""

from __future__ import annotations

import pickle
import pickletools

import numpy as np
import pytest

from viewer.anatomy.pickled_arrays import read_arrays


def _write(tmp_path, value, protocol=4, name="model.pc"):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(value, protocol=protocol))
    return path


def _refused(tmp_path, data: bytes, reason: str):
    path = tmp_path / "bad.pc"
    path.write_bytes(data)
    with pytest.raises(ValueError) as caught:
        read_arrays(path)
    assert str(caught.value) == f"{path}: {reason}; only a dict of numpy arrays is read"


def test_arrays_of_every_layout_and_byte_order_come_back_exactly(tmp_path):
    shared = np.arange(6, dtype=np.int16).reshape(2, 3)
    value = {
        "floats": np.linspace(-1, 1, 12).reshape(3, 4),
        "big_endian": (np.arange(5) * 1.5).astype(">f8"),
        "little_endian": np.arange(5, dtype="<i4") - 2,
        "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "bools": np.array([True, False, True]),
        "shared": shared,
        "shared again": shared,  # the second one is read from the memo
        "empty": np.zeros((0, 3)),
    }
    read = read_arrays(_write(tmp_path, value))
    assert list(read) == list(value)
    for key, array in value.items():
        assert read[key].dtype == array.dtype, key
        assert read[key].shape == array.shape, key
        np.testing.assert_array_equal(read[key], array, err_msg=key)
        assert read[key].flags.writeable, key
    assert read["big_endian"].dtype.byteorder == ">"
    assert read["shared again"] is read["shared"]


def test_plain_values_come_back_as_they_were(tmp_path):
    value = {"none": None, "yes": True, "no": False, "int1": 7, "int2": 300, "int4": -70000, "long": 2**70,
             "float": 2.5, "text": "psoas", "long text": "x" * 300, "bytes": b"ab", "long bytes": b"y" * 300,
             "tuple0": (), "tuple1": (1,), "tuple2": (1, "a"), "tuple3": (1, 2, 3), "tuple5": (1, 2, 3, 4, (5, 6)),
             "array in tuple": (np.ones(2),)}
    read = read_arrays(_write(tmp_path, value))
    assert list(read) == list(value)
    for key in value:
        if key != "array in tuple":
            assert read[key] == value[key] and type(read[key]) is type(value[key]), key
    # an array inside a tuple stays the reader's own placeholder: only the dict's values are arrays
    assert len(read["array in tuple"]) == 1


def test_many_items_are_all_read(tmp_path):
    """Pickle writes a dict's items in batches of 1000 (one SETITEMS each)."""
    value = {f"key{k}": k for k in range(2500)}
    assert read_arrays(_write(tmp_path, value)) == value


class _Call:
    def __reduce__(self):
        import os

        return (os.getcwd, ())


def test_anything_but_arrays_is_refused_with_its_reason(tmp_path):
    # a dict of one item is set with SETITEM, which the reader does not know (the model's dict has many)
    _refused(tmp_path, pickle.dumps({"a": 1}, protocol=4), "it uses the opcode SETITEM")
    _refused(tmp_path, pickle.dumps({"a": _Call()}, protocol=4), "it names posix.getcwd")
    _refused(tmp_path, pickle.dumps([1, 2], protocol=4), "it uses the opcode EMPTY_LIST")
    _refused(tmp_path, pickle.dumps((1, 2), protocol=4), "it holds no dict")
    _refused(tmp_path, pickle.dumps({1, 2}, protocol=4), "it uses the opcode EMPTY_SET")
    # older protocols memoise with BINPUT; protocol 5 writes arrays through _frombuffer
    _refused(tmp_path, pickle.dumps({"a": 1, "b": 2}, protocol=3), "it uses the opcode BINPUT")
    _refused(tmp_path, pickle.dumps({"a": np.ones(2), "b": 2}, protocol=5), "it names numpy._core.numeric._frombuffer")
    _refused(tmp_path, pickle.dumps(None, protocol=4), "it holds no dict")
    # numpy's own constructors called with anything but an array's arguments
    reduce_dtype_of_number = (b"\x80\x04\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94K\x01\x85\x94R\x94.")
    _refused(tmp_path, reduce_dtype_of_number, "it calls something other than numpy's array constructors")
    build_on_a_dict = b"\x80\x04}\x8c\x01xb."  # EMPTY_DICT, a string, BUILD
    assert [op.name for op, _, _ in pickletools.genops(build_on_a_dict)] == ["PROTO", "EMPTY_DICT", "SHORT_BINUNICODE", "BUILD", "STOP"]
    _refused(tmp_path, build_on_a_dict, "it sets the state of something other than an array")


def test_an_empty_file_has_no_dict(tmp_path):
    path = tmp_path / "stop.pc"
    path.write_bytes(b"\x80\x04.")  # PROTO 4, STOP: nothing on the stack
    with pytest.raises(ValueError, match=r"stop.pc: it holds no dict; only a dict of numpy arrays is read$"):
        read_arrays(path)


def test_a_dtype_keeps_its_byte_order_only_when_it_names_one(tmp_path):
    value = {"native": np.arange(3, dtype="=u2"), "big": np.arange(3, dtype=">u2"), "bytes": np.arange(3, dtype="|u1")}
    read = read_arrays(_write(tmp_path, value))
    for key, array in value.items():
        assert read[key].dtype == array.dtype and read[key].tolist() == [0, 1, 2]


def test_a_long_file_reads_back_through_its_long_memo(tmp_path):
    """Past 256 memoised objects pickle refers back with LONG_BINGET."""
    value = {f"array{k}": np.full(2, float(k)) for k in range(100)}
    value["last again"] = value["array99"]
    data = pickle.dumps(value, protocol=4)
    assert "LONG_BINGET" in {op.name for op, _, _ in pickletools.genops(data)}
    read = read_arrays(_write(tmp_path, value))
    assert read["last again"] is read["array99"] and read["array99"].tolist() == [99.0, 99.0]


def test_only_the_array_constructor_with_the_array_type_makes_an_array(tmp_path):
    # numpy.dtype called with numpy.ndarray: both allowed names, but not an array's construction
    data = (b"\x80\x04\x8c\x05numpy\x8c\x05dtype\x93\x8c\x05numpy\x8c\x07ndarray\x93\x85R.")
    assert [op.name for op, _, _ in pickletools.genops(data)][-3:] == ["TUPLE1", "REDUCE", "STOP"]
    _refused(tmp_path, data, "it calls something other than numpy's array constructors")
