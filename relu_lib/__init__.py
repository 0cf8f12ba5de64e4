"""relu_lib: the library behind relu-book; the NumPy reference API is re-exported here.

The core modules know nothing of the book: ``reference``, ``gated``, ``torch_path``, ``init``,
``data``, ``nets``, ``torch_nets``, ``torch_models``, ``torch_monitor``, ``kernels``,
``torch_kernels``, ``cache``, ``stats``, ``metrics``, ``diagnostics``, ``classic``, ``history``,
``plotting``, ``explore`` and ``selfcheck``. ``relu_lib.chapters`` holds one module per chapter,
built on them, and ``relu_lib.course`` (assignments, the student build, the grader) sits on top.
"""
import importlib
import warnings

from relu_lib.reference import *  # noqa: F401,F403
from relu_lib.reference import __all__

__version__ = "0.3.0"

# Chapter modules that lived at the top of the package until 0.2.0: old name -> new module.
_MOVED = {
    "sparsity": "relu_lib.chapters.sparsity",
    "gradflow": "relu_lib.chapters.gradient_flow",
    "dying": "relu_lib.chapters.dying_relu",
    "numerics": "relu_lib.chapters.what_is_relu",
    "explorables": "relu_lib.chapters",
}


def __getattr__(name: str):
    """``from relu_lib import gradflow`` still works, with a DeprecationWarning naming the new home."""
    if name in _MOVED:
        warnings.warn(f"relu_lib.{name} moved to {_MOVED[name]} in 0.2.0",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module(_MOVED[name])
    raise AttributeError(f"module 'relu_lib' has no attribute {name!r}")
