"""Untrusted files never run code: no eval, exec or pickle-like loaders anywhere in the package.

(Paths leaving a pack, symlinks included, are refused in test_mesh_pack.py; markup in descriptions
is shown as text in test_annotation_editing.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import viewer

UNSAFE_MODULES = ("pickle", "marshal", "shelve", "dill", "cloudpickle")


def test_no_eval_exec_or_pickle_in_the_package():
    found = []
    for source in Path(viewer.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"):
                found.append(f"{source}:{node.lineno} {node.func.id}")
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            found += [f"{source}:{node.lineno} {m}" for m in modules if m.split(".")[0] in UNSAFE_MODULES]
    assert found == []
