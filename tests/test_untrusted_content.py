"""Untrusted files never run code: no eval, exec or pickle-like loaders anywhere in the package.

The package's syntax trees are searched, so an alias or an attribute (``builtins.eval``,
``getattr(builtins, "exec")``, ``np.load(..., allow_pickle=True)``) is found as well as a bare name;
the search itself is tested on small snippets first.

(Paths leaving a pack, symlinks included, are refused in test_mesh_pack.py; markup in descriptions
is shown as text in test_annotation_editing.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import viewer

UNSAFE_MODULES = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
CODE_RUNNERS = {"eval", "exec", "__import__"}
BUILTINS = {"builtins", "__builtins__"}
PICKLE_READERS = {"read_pickle"}  # pandas and friends


def unsafe_uses(source: str) -> list[str]:
    """Every place in ``source`` that could run code from data, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")[0]
            if module in UNSAFE_MODULES:
                found.append(f"{where}: from {node.module} import")
            if module in BUILTINS:
                found += [f"{where}: from builtins import {a.name}" for a in node.names if a.name in CODE_RUNNERS | {"*"}]
        elif isinstance(node, ast.Name) and node.id in CODE_RUNNERS:
            found.append(f"{where}: {node.id}")
        elif isinstance(node, ast.Attribute) and (node.attr in CODE_RUNNERS | PICKLE_READERS):
            found.append(f"{where}: .{node.attr}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "getattr" and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in BUILTINS:
                found.append(f"{where}: getattr({node.args[0].id}, ...)")
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                    and str(node.args[0].value).split(".")[0] in UNSAFE_MODULES:
                found.append(f"{where}: {name}({node.args[0].value!r})")
            for keyword in node.keywords:
                if keyword.arg == "allow_pickle" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    found.append(f"{where}: allow_pickle")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "eval(text)",
        "exec(text)",
        "run = eval\nrun(text)",
        "import builtins\nbuiltins.eval(text)",
        "__builtins__.exec(text)",
        "import builtins\ngetattr(builtins, 'ev' + 'al')(text)",
        "from builtins import eval as e",
        "import numpy as np\nnp.load(path, allow_pickle=True)",
        "import numpy as np\nnp.load(path, allow_pickle=flag)",
        "import pickle",
        "import marshal\nmarshal.loads(data)",
        "from pickle import loads",
        "import pickle as p",
        "import importlib\nimportlib.import_module('pickle')",
        "__import__('marshal')",
        "import pandas\npandas.read_pickle(path)",
    ],
)
def test_the_search_finds_each_way_to_run_data(snippet):
    assert unsafe_uses(snippet) != []


@pytest.mark.parametrize(
    "snippet",
    [
        "import numpy as np\nnp.load(path)",
        "import numpy as np\nnp.load(path, allow_pickle=False)",
        "import json\njson.loads(text)",
        "value = getattr(pose, name)",
        "evaluate(pose)",
        "model.evaluate(pose)",
        "import importlib\nimportlib.import_module('trimesh')",
    ],
)
def test_the_search_leaves_safe_code_alone(snippet):
    assert unsafe_uses(snippet) == []


def test_no_eval_exec_or_pickle_in_the_package():
    found = []
    for source in sorted(Path(viewer.__file__).parent.rglob("*.py")):
        found += [f"{source}:{use}" for use in unsafe_uses(source.read_text(encoding="utf-8"))]
    assert found == []
