"""Fixture submissions made from the masters, so they stay in step with the assignments.

Not a test module: `test_grading.py` and `benchmarks/grading.py` use it. Each fixture is the
solution notebook of ``relu_basics`` with one thing changed, and :data:`EXPECTED` says what its
gradebook row must show.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat

from relu_lib.course.notebook import cell_role, solution_notebook

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ROOT / "assignments"
TESTS = ASSIGNMENTS / "tests"
FULL = {"q1": "3", "q2": "2", "q3": "2"}


def solution(name: str = "relu_basics") -> nbformat.NotebookNode:
    return solution_notebook(ASSIGNMENTS / f"{name}.md")


def _answer(nb, q):
    return next(c for c in nb.cells if cell_role(c) == ("answer", q))


def _insert(nb, source, after="q1"):
    """A new cell after the answer cell of question ``after``."""
    i = nb.cells.index(_answer(nb, after)) + 1
    nb.cells.insert(i, nbformat.v4.new_code_cell(source))
    return nb


def _wrong(nb):
    _answer(nb, "q1").source = ("def relu_derivative(x):\n"
                                "    return (np.asarray(x) >= 0).astype(float)\n")
    return nb


def _monkeypatch(nb):
    _answer(nb, "q1").source = "def relu_derivative(x):\n    return np.ones(np.shape(x))\n"
    return _insert(nb, (
        "import builtins, numpy\n"
        "numpy.isclose = lambda *a, **k: numpy.ones(numpy.shape(a[0]), bool)\n"
        "numpy.allclose = numpy.array_equal = lambda *a, **k: True\n"
        "numpy.testing.assert_allclose = lambda *a, **k: None\n"
        "builtins.AssertionError = type('Quiet', (Exception,), {})\n"
        "print('q1: 3/3 q2: 2/2 q3: 2/2  All hidden tests passed.')"))


def _raising(nb):
    _answer(nb, "q2").source = "raise ValueError('I give up on q2')"
    return nb


def _deleted(nb):
    nb.cells = [c for c in nb.cells if cell_role(c)[0] != "self-check"]
    return nb


def _reordered(nb):
    answers = [c for c in nb.cells if cell_role(c)[0] == "answer"]
    rest = [c for c in nb.cells if cell_role(c)[0] != "answer"]
    nb.cells = rest[:2] + answers[::-1] + rest[2:]
    return nb


def _no_metadata(nb):
    del nb.metadata["relu_course"]
    return nb


#: name -> (how to make it from the solution notebook, file name, expected row fields).
#: Expected points are per question; "status" and a word of the reason are checked too.
FIXTURES = {
    "correct": (lambda nb: nb, "relu_basics.ipynb", dict(status="ok", **FULL)),
    "wrong": (_wrong, "relu_basics.ipynb", dict(status="ok", q1="2", q2="2", q3="2")),
    "infinite_loop": (lambda nb: _insert(nb, "while True:\n    pass"), "relu_basics.ipynb",
                      dict(status="timeout", reason="interrupted", **FULL)),
    "sigint_ignored": (lambda nb: _insert(nb, (
        "import os, signal\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "if os.fork() == 0:\n"
        "    while True:\n"
        "        pass\n"
        "while True:\n"
        "    pass")), "relu_basics.ipynb", dict(status="killed", reason="ignored the interrupt",
                                          **FULL)),
    "raising": (_raising, "relu_basics.ipynb",
                dict(status="error", reason="ValueError", q1="3", q2="0", q3="2")),
    "failing_import": (lambda nb: _insert(nb, "import relu_lib_that_does_not_exist"),
                       "relu_basics.ipynb", dict(status="error", reason="ModuleNotFoundError",
                                            **FULL)),
    "sys_exit": (lambda nb: _insert(nb, "import sys\nsys.exit('bye')", after="q3"),
                 "relu_basics.ipynb", dict(status="error", reason="SystemExit", **FULL)),
    "os_exit": (lambda nb: _insert(nb, "import os\nos._exit(3)"), "relu_basics.ipynb",
                dict(status="died", reason="kernel died", **FULL)),
    "huge_output": (lambda nb: _insert(nb, "print('x' * 20_000_000)"), "relu_basics.ipynb",
                    dict(status="output", reason="printed more", **FULL)),
    "memory_bomb": (lambda nb: _insert(nb, (
        # Unbounded allocation; the address-space limit stops it at once, load or no load.
        "import numpy as np\nhoard = []\nwhile True:\n    hoard.append(np.zeros(10**8))")),
        "relu_basics.ipynb",
        dict(status="memory", reason="MemoryError", **FULL)),
    "monkeypatched_numpy": (_monkeypatch, "relu_basics.ipynb",
                            dict(status="ok", q1="0", q2="2", q3="2")),
    "deleted_test_cells": (_deleted, "relu_basics.ipynb", dict(status="ok", **FULL)),
    "reordered_cells": (_reordered, "relu_basics.ipynb", dict(status="ok", **FULL)),
    "renamed_file": (lambda nb: nb, "Problem set 1 (final) copy.ipynb",
                     dict(status="ok", notes="graded as the notebook's metadata says", **FULL)),
    "no_metadata": (_no_metadata, "relu_basics.ipynb",
                    dict(status="unknown", reason="which assignment")),
}

INVALID_JSON = '{"cells": [ {"cell_type": "code", "source": "print(1)"'


def write_fixtures(folder: Path) -> dict[str, dict]:
    """One folder per student (named after the fixture) with its notebook; returns EXPECTED."""
    base = solution()
    expected = {}
    for name, (make, filename, row) in FIXTURES.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        nbformat.write(make(copy.deepcopy(base)), folder / name / filename)
        expected[name] = row
    (folder / "invalid_json").mkdir(parents=True, exist_ok=True)
    (folder / "invalid_json" / "relu_basics.ipynb").write_text(INVALID_JSON)
    expected["invalid_json"] = dict(status="invalid", reason="invalid JSON")
    return expected


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (a zombie, killed and awaiting its reaper
    (init, when its parent was killed first), does not count)."""
    import psutil

    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                return True
        except (OSError, psutil.Error):
            continue
    return False
