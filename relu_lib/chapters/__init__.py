"""One module per chapter: ``book/X.md`` computes with ``relu_lib.chapters.X``.

A chapter module holds what one chapter runs: its experiments, its figures and its explorables.
It builds on the core of `relu_lib` (reference, torch path, nets, initialisers, data, metrics,
plotting, explorable machinery) and nothing else imports it, so the core never depends on a
chapter.

A chapter module lists its explorables in a module-level mapping ``EXPLORABLES`` (short name ->
factory); :func:`book_explorables` finds them all, so tests and benchmarks enumerate every
explorable of the book without a list typed by hand.

Examples
--------
>>> sorted(book_explorables())[:2]
['dying_relu.born_dead', 'dying_relu.training']
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["CHAPTERS", "book_explorables", "glue"]

#: The chapter modules, by the name of the chapter file they serve (``book/<name>.md``).
CHAPTERS: tuple[str, ...] = tuple(
    sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def glue(name: str, value: Any, display: bool = False) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`` in the prose (myst-nb's ``glue``).

    NumPy scalars become Python numbers first: myst-nb formats a glued number from its text
    form, and NumPy 2 writes ``np.float64(0.5)``, which no format spec accepts.

    Only the book build reads glued values. Where myst-nb is not installed (a learner's
    notebook on Binder or Colab, which installs only `relu_lib` and its needs), gluing does
    nothing, so the chapter still runs top to bottom.

    Examples
    --------
    >>> import numpy as np
    >>> _plain(np.float64(0.25)), _plain(np.int64(3)), _plain("x")
    (0.25, 3, 'x')
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, _plain(value), display=display)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds; anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


def book_explorables() -> dict[str, Callable[[], object]]:
    """Every explorable of the book: ``"chapter.name"`` -> factory of a fresh `Explorable`."""
    found: dict[str, Callable[[], object]] = {}
    for chapter in CHAPTERS:
        module = importlib.import_module(f"{__name__}.{chapter}")
        for name, factory in getattr(module, "EXPLORABLES", {}).items():
            found[f"{chapter}.{name}"] = factory
    return found
