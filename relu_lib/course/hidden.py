"""Hidden tests: written in Python, run in the grader, fed with values from the student's kernel.

A hidden test is a function of one argument, ``student``, marked with :func:`check`. It asks the
student's kernel for values (:meth:`Student.call`, :meth:`Student.evaluate`), which come back as
data (JSON written to a file, decoded here with the grader's own NumPy), and compares them here.
It returns ``None`` when the answer passes, or one sentence saying what is wrong; raising
:class:`Fail` does the same. Nothing the notebook does to NumPy, to ``assert`` or to its own
output reaches this process: the kernel only computes what it is asked to, and a value it hands
back is checked like any other.

A folder of hidden tests holds one folder per assignment, ``<tests>/<assignment>/*.py``;
a module there may set ``MANUAL = {"q4": 3}``: written questions and their points, graded by hand.

Examples
--------
>>> @check("q1", points=2)
... def doubles(student):
...     return close(student.call("double", 3.0), 6.0, "double(3)")
>>> doubles.question, doubles.points
('q1', 2.0)
>>> close(np.array([1.0, 2.0]), [1.0, 2.5], "f(x)", where=[0.0, 1.0])
'f(x) is wrong at x = 1'
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["check", "Fail", "StudentError", "Student", "HiddenTest", "load_tests", "close",
           "decode", "ENCODER"]


class Fail(Exception):
    """Raised by a hidden test: the answer is wrong; the message says how, in one sentence."""


class StudentError(Fail):
    """The kernel could not produce a value: a missing name, an exception, a timeout."""


@dataclass(frozen=True)
class HiddenTest:
    """One hidden test: the question it scores, its points, its name and its function."""

    question: str
    points: float
    name: str
    func: Callable[[Any], str | None]

    def __call__(self, student: Any) -> str | None:
        return self.func(student)


def check(question: str, points: float = 1) -> Callable[[Callable], HiddenTest]:
    """Mark a function of ``student`` as a hidden test worth ``points`` for ``question``."""
    def mark(func: Callable) -> HiddenTest:
        return HiddenTest(question, float(points), func.__name__, func)
    return mark


def load_tests(folder: Path) -> tuple[list[HiddenTest], dict[str, float]]:
    """Every hidden test in ``folder/*.py`` (in file and definition order) and the manual points."""
    tests: list[HiddenTest] = []
    manual: dict[str, float] = {}
    for path in sorted(Path(folder).glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"_relu_course_hidden_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tests += [v for v in vars(module).values() if isinstance(v, HiddenTest)]
        manual.update({str(k): float(v) for k, v in getattr(module, "MANUAL", {}).items()})
    return tests, manual


# --------------------------------------------------------------------------- comparing

def close(got: Any, expected: Any, what: str, where: Any = None, rtol: float = 1e-7,
          atol: float = 1e-12) -> str | None:
    """``None`` when ``got`` equals ``expected`` within tolerance, else one sentence.

    ``where`` (the inputs, same length as the answer) lets the sentence name the first input
    at which the answer is wrong, without giving the right value.
    """
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{what} is not a number or an array of numbers"
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}, not {expected.shape}"
    ok = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return None
    if where is not None:
        x = np.asarray(where, dtype=np.float64).reshape(-1)
        bad = np.flatnonzero(~ok.reshape(-1))[0]
        if bad < x.size:
            return f"{what} is wrong at x = {x[bad]:g}"
    return f"{what} is wrong at {int((~ok).sum())} of {ok.size} entries"


# --------------------------------------------------------------------------- the kernel side

#: Defined in the kernel before each request: turns a value into JSON, arrays with their dtype.
ENCODER = r'''
def __relu_course_encode(v, depth=0):
    import numpy
    if depth > 20:
        raise ValueError("nested too deeply")
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, numpy.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [__relu_course_encode(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {str(k): __relu_course_encode(x, depth + 1) for k, x in v.items()}
    a = numpy.asarray(v)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"a value of type {type(v).__name__} cannot be handed back")
    return {"__ndarray__": a.tolist(), "dtype": a.dtype.str, "shape": list(a.shape)}
'''

REQUEST = r'''
def __relu_course_request():
    import json, numpy
    with numpy.load({inputs!r}, allow_pickle=False) as f:
        arrays = {{k: (f[k].item() if f[k].ndim == 0 else f[k]) for k in f.files}}
    inputs = {{}}
    for key in sorted(arrays, key=lambda k: (k.partition("__")[0], int(k.partition("__")[2] or -1))):
        name, _, index = key.partition("__")
        if index:
            inputs.setdefault(name, []).append(arrays[key])
        else:
            inputs[name] = arrays[key]
    try:
        scope = dict(globals())
        scope.update(inputs)
        value = {{"value": __relu_course_encode(eval({expr!r}, scope))}}
    except BaseException as e:
        value = {{"error": type(e).__name__, "message": str(e)[:300]}}
    with open({out!r}, "w") as f:
        json.dump(value, f)
__relu_course_request()
'''


def decode(text: str, limit: int) -> Any:
    """A value from the kernel's JSON, arrays rebuilt with this process's NumPy."""
    if len(text) > limit:
        raise StudentError(f"the value handed back is larger than {limit} bytes")
    try:
        data = json.loads(text)
    except ValueError:
        raise StudentError("the value handed back is not valid JSON") from None

    def build(v: Any) -> Any:
        if isinstance(v, list):
            return [build(x) for x in v]
        if isinstance(v, dict) and "__ndarray__" in v:
            kind = np.dtype(str(v.get("dtype", "f8"))).kind
            dtype = {"b": bool, "i": np.int64, "u": np.int64}.get(kind, np.float64)
            a = np.asarray(v["__ndarray__"], dtype=dtype)
            return a.reshape([int(n) for n in v.get("shape", a.shape)])
        if isinstance(v, dict):
            return {k: build(x) for k, x in v.items()}
        return v

    if not isinstance(data, dict):
        raise StudentError("the value handed back is not valid")
    if "error" in data:
        raise StudentError(f"{data['error']}: {data.get('message', '')}".rstrip(": "))
    try:
        return build(data.get("value"))
    except (TypeError, ValueError):
        raise StudentError("the value handed back is not a valid array") from None


class Student:
    """The student's kernel as hidden tests see it: names evaluated there, values handed back.

    ``kernel`` runs code (:class:`relu_lib.course.runner.Kernel`); ``workdir`` is its folder.
    """

    def __init__(self, kernel: Any, workdir: Path, value_limit: int = 16 * 1024**2):
        self.kernel = kernel
        self.workdir = Path(workdir)
        self.value_limit = value_limit
        self._n = 0

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` evaluated in the student's kernel; its value, as data."""
        names = [f"_a{i}" for i in range(len(args))]
        expr = f"{name}({', '.join(names + [f'{k}=_k_{k}' for k in kwargs])})"
        inputs = dict(zip(names, args)) | {f"_k_{k}": v for k, v in kwargs.items()}
        return self.evaluate(expr, **inputs)

    def evaluate(self, expr: str, **inputs: Any) -> Any:
        """The value of the expression ``expr`` in the student's kernel, with ``inputs`` bound.

        Inputs travel as arrays (``.npz``, no pickle); a 0-d input arrives as a Python scalar,
        a list of arrays as a list of arrays.
        """
        self._n += 1
        stem = f"request-{self._n}"
        arrays = {}
        for k, v in inputs.items():
            if isinstance(v, (list, tuple)) and any(np.ndim(x) for x in v):
                arrays |= {f"{k}__{i}": np.asarray(x) for i, x in enumerate(v)}
            else:
                arrays[k] = np.asarray(v)
        np.savez(self.workdir / f"{stem}.npz", **arrays)
        out = self.workdir / f"{stem}.json"
        source = ENCODER + REQUEST.format(inputs=f"{stem}.npz", expr=expr, out=out.name)
        run = self.kernel.run(source)
        if run.status in ("timeout", "killed"):
            raise StudentError(f"{expr.split('(')[0]} ran past the time limit")
        if run.status == "died":
            raise StudentError(f"the kernel died while computing {expr.split('(')[0]}")
        if not out.is_file():
            raise StudentError("no value came back from the kernel")
        if out.stat().st_size > self.value_limit:
            raise StudentError(f"the value handed back is larger than {self.value_limit} bytes")
        text = out.read_text(errors="replace")
        out.unlink()
        try:
            return decode(text, self.value_limit)
        except StudentError as e:
            raise StudentError(f"{expr.split('(')[0]}: {e}") from None
