"""relu_lib.chapters.glue: numbers for the book's prose, and nothing where there is no book."""

import numpy as np

from relu_lib.chapters import glue


def test_glue_does_nothing_where_myst_nb_is_missing(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # `import myst_nb` now fails
    assert glue("anything", 0.5) is None


def test_glue_hands_myst_nb_plain_python_numbers(monkeypatch):
    import sys
    import types

    seen = {}
    fake = types.SimpleNamespace(glue=lambda name, value, display: seen.update({name: value}))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    glue("x", np.float64(0.25))
    assert seen == {"x": 0.25} and type(seen["x"]) is float
