"""Forgiving search over structure names: "lesser troch", "L3 TP", "asis", "psoas min".

Each query word must begin a word of the structure's name, id or an expansion of a common
abbreviation (TP, VB, ASIS, ...). Results rank by how many words matched fully, then by
shorter names, so the most specific match comes first.
"""

from __future__ import annotations

import re

from viewer.anatomy.catalogue import Catalogue, Structure

# Abbreviations students and texts use, each spelled out in the words of our names.
ABBREVIATIONS = {
    "tp": "transverse process",
    "vb": "vertebral body",
    "ivd": "intervertebral disc",
    "asis": "anterior superior iliac spine",
    "aiis": "anterior inferior iliac spine",
    "lt": "lesser trochanter",
    "gt": "greater trochanter",
    "r": "right",
    "l": "left",
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _searchable(structure: Structure) -> list[str]:
    words = _words(structure.name) + _words(structure.id)
    expanded = list(words)
    for word in words:
        expanded += _words(ABBREVIATIONS.get(word, ""))
    return expanded


def search(catalogue: Catalogue, query: str, limit: int = 20) -> list[Structure]:
    """Structures matching every word of ``query``, best first."""
    terms = _words(query)
    if not terms:
        return []
    scored = []
    for structure in catalogue.structures.values():
        words = _searchable(structure)
        full = 0
        for term in terms:
            expansion = _words(ABBREVIATIONS.get(term, ""))
            if term in words or (expansion and all(w in words for w in expansion)):
                full += 1
            elif not any(w.startswith(term) for w in words):
                break
        else:
            kind_rank = {"landmark": 0, "muscle": 1, "bone": 2, "disc": 2}[structure.kind]
            scored.append((-full, len(structure.name), kind_rank, structure.name, structure))
    scored.sort(key=lambda item: item[:4])
    return [item[-1] for item in scored[:limit]]
