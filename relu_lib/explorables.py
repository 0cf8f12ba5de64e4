"""Every explorable in the book, by name: what the tests and the latency benchmark enumerate.

Each entry is a factory returning a fresh :class:`~relu_lib.explore.Explorable`. A chapter
shows an explorable by calling the same factory from its module.
"""

from __future__ import annotations

from collections.abc import Callable

from relu_lib.explore import Explorable


def book_explorables() -> dict[str, Callable[[], Explorable]]:
    """Name -> factory, for every explorable of every chapter."""
    from relu_lib import dying, gradflow, sparsity

    return {
        "sparsity.at_init": sparsity.at_init_explorable,
        "sparsity.training": sparsity.training_explorable,
        "gradflow.propagation": gradflow.propagation_explorable,
        "dying.training": dying.training_explorable,
        "dying.born_dead": dying.born_dead_explorable,
    }
