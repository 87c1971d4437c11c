"""Structure names inside a sentence: "Lesser trochanter (left)" -> "left lesser trochanter".

Names in annotations.json are written as headings (capital first, side in brackets). In running
text the side goes first and the capital goes, except where it is part of the name: vertebra
and disc names such as "L2" or "T12/L1" keep theirs.
"""

from __future__ import annotations

import re

SIDES = {"(left)": "left", "(right)": "right"}
KEEPS_CAPITAL = re.compile(r"^([A-Z]{2,}|[A-Z]\d)")  # "ASIS", "L2", "T12": an abbreviation or a vertebra


def in_sentence(name: str) -> str:
    """A heading-style name as it reads inside a sentence."""
    words = name.strip()
    side = ""
    for bracket, word in SIDES.items():
        if words.endswith(bracket):
            words, side = words[: -len(bracket)].rstrip(), word + " "
    if not KEEPS_CAPITAL.match(words):
        words = words[:1].lower() + words[1:]
    return side + words
