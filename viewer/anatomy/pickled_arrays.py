"""Numpy arrays read out of a pickle file without running it (build time only).

The LLP26 shape model ships as a pickle of a dict of numpy arrays. Unpickling runs whatever the
file names, so it is never done: this module walks the file's opcodes (``pickletools.genops``,
which only parses) on a small stack of its own that knows dicts, tuples, strings, numbers, bytes
and the two numpy constructors an array needs, and refuses any other class or opcode.
"""

from __future__ import annotations

import pickletools
from pathlib import Path

import numpy as np

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype")}
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}
_TUPLES = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3, "EMPTY_TUPLE": 0}
_PUSHED = {"SHORT_BINUNICODE", "BINUNICODE", "SHORT_BINBYTES", "BINBYTES", "BININT", "BININT1", "BININT2",
           "BINFLOAT", "LONG1", "SHORT_BINSTRING"}


class _Array:
    """An array being built: ``_reconstruct`` makes it empty, BUILD gives it its data."""

    value: np.ndarray | None = None


def read_arrays(path: Path) -> dict:
    """The dict a pickle of numpy arrays holds; ValueError naming the file for anything else."""
    data = Path(path).read_bytes()
    stack: list = []
    marks: list[int] = []
    memo: list = []

    def refuse(what: str):
        raise ValueError(f"{path}: {what}; only a dict of numpy arrays is read")

    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name in _PUSHED:
            stack.append(arg)
        elif name in _CONSTANTS:
            stack.append(_CONSTANTS[name])
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "MEMOIZE":
            memo.append(stack[-1])
        elif name in ("BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "MARK":
            marks.append(len(stack))
        elif name in _TUPLES:
            count = _TUPLES[name]
            items = stack[len(stack) - count:] if count else []
            del stack[len(stack) - count:]
            stack.append(tuple(items))
        elif name == "TUPLE":
            start = marks.pop()
            members = tuple(stack[start:])
            del stack[start:]
            stack.append(members)
        elif name == "STACK_GLOBAL":
            module, attribute = stack[-2], stack[-1]
            del stack[-2:]
            if (module, attribute) not in _ALLOWED:
                refuse(f"it names {module}.{attribute}")
            stack.append(("global", attribute))
        elif name == "REDUCE":
            function, args = stack[-2], stack[-1]
            del stack[-2:]
            if function == ("global", "_reconstruct") and args[0] == ("global", "ndarray"):
                stack.append(_Array())
            elif function == ("global", "dtype") and isinstance(args[0], str):
                stack.append(np.dtype(args[0]))
            else:
                refuse("it calls something other than numpy's array constructors")
        elif name == "BUILD":
            state = stack.pop()
            target = stack[-1]
            if isinstance(target, np.dtype):
                if state[1] in "<>":
                    stack[-1] = target.newbyteorder(state[1])
            elif isinstance(target, _Array):
                _, shape, dtype, fortran, raw = state
                target.value = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()
            else:
                refuse("it sets the state of something other than an array")
        elif name == "SETITEMS":
            start = marks.pop()
            items = stack[start:]
            del stack[start:]
            stack[-1].update(zip(items[::2], items[1::2]))
        elif name == "STOP":
            break
        else:
            refuse(f"it uses the opcode {name}")
    result = stack.pop() if stack else None
    if not isinstance(result, dict):
        refuse("it holds no dict")
    return {key: value.value if isinstance(value, _Array) else value for key, value in result.items()}
