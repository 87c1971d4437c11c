"""Figures draw the user's text as written: names and titles with ``$`` are not run as mathtext."""

from __future__ import annotations

import functools


def literal_text(build):
    """Decorate a function that builds a matplotlib figure: every text made inside it is drawn
    literally (``text.parse_math`` off; a crafted name could otherwise recurse without end)."""

    @functools.wraps(build)
    def run(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return build(*args, **kwargs)

    return run
