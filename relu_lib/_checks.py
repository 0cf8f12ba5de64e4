"""Input checking and the dtype policy shared by every function in `relu_lib.reference`.

The policy, stated once:

* Accepted: real numbers -- Python ``int``/``float``, nested lists of them, NumPy
  scalars and arrays of signed or unsigned integers or of ``float16``, ``float32``,
  ``float64``. Anything else raises a `TypeError` that names the function: strings,
  ``None``, ``bool``, complex numbers, object arrays, ragged lists, ``longdouble``.
* Float input keeps its dtype. ``float16`` is computed in ``float32`` and rounded once
  at the end, as torch does on the CPU (the smooth functions of `relu_lib.reference`
  go further: float16 and float32 in ``float64``, rounded once).
* Integer input is promoted to ``float64`` (where torch raises ``NotImplementedError``),
  except by `relu` and `relu6`, which are exact on integers and keep their dtype.
* A 0-d result (from a Python scalar or a 0-d array) is returned as a NumPy scalar,
  as NumPy's ufuncs do.
* Floating-point warnings are silenced: results follow IEEE 754 (inf, NaN) like torch.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

ACCEPTED = "real numbers (int or float scalars, lists or arrays; float16/32/64)"
FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def _refuse(name: str, x: Any, detail: str = "") -> TypeError:
    return TypeError(f"{name}() accepts {ACCEPTED}; got {type(x).__name__}{detail}")


def real_array(x: Any, name: str) -> np.ndarray:
    """Return `x` as an ndarray of integers or floats, or raise TypeError naming `name`.

    Examples
    --------
    >>> real_array([1, -2], "relu")
    array([ 1, -2])
    """
    if x is None or isinstance(x, (str, bytes)):
        raise _refuse(name, x)
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as error:  # e.g. ragged nested lists
        raise _refuse(name, x, " that is not a rectangular array of numbers") from error
    if array.dtype.kind in "iu" or array.dtype in FLOATS:
        return array
    why = " (not defined on complex numbers)" if array.dtype.kind == "c" else ""
    raise _refuse(name, x, f" of dtype {array.dtype}{why}")


def float_array(x: Any, name: str) -> np.ndarray:
    """Like `real_array`, with integers promoted to float64."""
    array = real_array(x, name)
    return array.astype(np.float64) if array.dtype.kind in "iu" else array


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, name: str) -> None:
    """Raise unless `out` is a writeable ndarray of exactly `shape` and `dtype`."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}(): out must be a NumPy array, got {type(out).__name__}")
    if out.dtype != dtype:
        raise TypeError(f"{name}(): out has dtype {out.dtype}, the result has dtype {dtype}")
    if out.shape != shape:
        raise ValueError(f"{name}(): out has shape {out.shape}, the result has shape {shape}")
    if not out.flags.writeable:
        raise ValueError(f"{name}(): out is read-only")


def finish(result: np.ndarray, dtype: np.dtype) -> np.ndarray | np.generic:
    """Cast `result` to `dtype` (no copy if it already is one); 0-d becomes a NumPy scalar."""
    result = result.astype(dtype, copy=False)
    return result[()] if result.ndim == 0 else result


def elementwise(func: Callable[..., np.ndarray]) -> Callable[..., Any]:
    """Decorate ``func(x, *params)`` to apply the policy above to `x` and its result.

    `func` receives a float32 or float64 ndarray of at least one dimension (0-d arrays
    turn into NumPy scalars under arithmetic), which it must not modify, and returns an
    ndarray of the same size.
    """
    @functools.wraps(func)
    def apply(x: Any, *args: Any, **kwargs: Any) -> np.ndarray | np.generic:
        x = float_array(x, func.__name__)
        work = x.astype(np.float32) if x.dtype == np.float16 else x
        with np.errstate(all="ignore"):  # float16 overflows to inf in the final cast too
            result = func(work.reshape(x.shape or (1,)), *args, **kwargs)
            return finish(result.reshape(x.shape), x.dtype)
    return apply
