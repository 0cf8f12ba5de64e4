"""One cache for the book's computations: one entry per setting, however it is called.

:func:`cached` memoises a function like :func:`functools.lru_cache`, with three differences that
matter when a chapter and an explorable call the same training run:

* **One key per setting.** Arguments are bound to the function's signature and its defaults are
  filled in (:meth:`inspect.Signature.bind`, :meth:`~inspect.BoundArguments.apply_defaults`), so
  ``f(0.1, "adam")``, ``f(lr=0.1, optimiser="adam")`` and, where those are the defaults, ``f()``
  share one entry. ``lru_cache`` keeps three, and trains three times.
* **One type per parameter.** Numbers are converted by the parameter's annotation before they
  form the key *and* before they reach the function (the rule is below), so ``lr=1``,
  ``lr=1.0`` and ``lr=np.float64(1.0)`` share one entry, and the function always receives the
  same value, whoever called first.
* **Immutable results.** What the function returns is frozen (the rule is below), so a caller
  who modifies a cached result cannot change what the next caller gets.

The wrapper has ``cache_info()``, ``cache_clear()`` and ``uncached``, the function itself (also
``__wrapped__``), which tests call to check the computation rather than the cache.

Numbers, the rule
-----------------
Each argument is first converted by its parameter's annotation:

* annotated ``float`` (``float | None`` too, not ``int | float``): any real number (Python
  ``int``, NumPy integers and floats) is passed as a Python ``float``;
* annotated ``int`` (``int | None`` too, not ``int | float``): NumPy integers are passed as a
  Python ``int``; a float is *not* converted (``range(20.0)`` fails, and ``f(20.0)`` must fail as
  the function does, not succeed because someone called ``f(20)`` first);
* otherwise (other or no annotation): NumPy scalars become their Python equivalents
  (``.item()``); everything else is passed as it is.

Then two calls share an entry when their converted arguments are equal *and of the same type*:
``1`` and ``1.0`` share one only where the annotation converted both to ``float``; ``True`` is
never ``1``; ``-0.0`` and ``0.0`` do share one (they are equal floats).

Results, the rule
-----------------
* a NumPy array is made read-only in place (``setflags(write=False)``, no copy);
* a ``dict`` becomes a :class:`types.MappingProxyType` of a dict of frozen values;
* a ``list`` or ``tuple`` becomes a tuple of frozen items (a named tuple keeps its type), a
  ``set`` a ``frozenset``;
* anything else (numbers, strings, ``None``, other objects) is returned as it is.

Arguments must be hashable once bound: an array or a list raises a :class:`TypeError` that names
the argument (pass a tuple instead).

Examples
--------
>>> calls = []
>>> @cached(maxsize=8)
... def scaled(x: float, scale: float = 2.0) -> np.ndarray:
...     calls.append(x)
...     return np.arange(3) * x * scale
>>> a = scaled(1)
>>> a is scaled(1.0) is scaled(x=np.float64(1.0), scale=2)
True
>>> len(calls), a.flags.writeable
(1, False)
>>> scaled.cache_info()
CacheInfo(hits=2, misses=1, maxsize=8, currsize=1)
"""

from __future__ import annotations

import functools
import inspect
import numbers
import threading
import types
import typing
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = ["CacheInfo", "cached", "freeze", "clear_all"]


class CacheInfo(NamedTuple):
    """Hits, misses, the size limit (None: no limit) and the number of entries of a cache."""

    hits: int
    misses: int
    maxsize: int | None
    currsize: int


#: Every cache made by :func:`cached`, for :func:`clear_all`.
_CACHES: weakref.WeakSet = weakref.WeakSet()


def clear_all() -> None:
    """Empty every cache made by :func:`cached` (benchmarks use it to time first visits)."""
    for wrapper in list(_CACHES):
        wrapper.cache_clear()


def freeze(value: Any) -> Any:
    """``value`` made immutable by the rule in the module docstring.

    Examples
    --------
    >>> r = freeze({"loss": np.ones(2), "layers": [np.zeros(1)]})
    >>> type(r).__name__, r["layers"][0].flags.writeable
    ('mappingproxy', False)
    """
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
        return value
    if isinstance(value, (dict, types.MappingProxyType)):
        return types.MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(freeze(v) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(value)
    return value


def _kind(annotation: Any) -> str | None:
    """``"float"``, ``"int"`` or None: how a parameter annotated so normalises numbers."""
    args = set(typing.get_args(annotation)) if typing.get_args(annotation) else {annotation}
    args.discard(type(None))
    if float in args and int not in args:
        return "float"
    if int in args and float not in args:
        return "int"
    return None


def _normalise(value: Any, kind: str | None) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if kind == "float" and isinstance(value, numbers.Real):
        return float(value)
    if kind == "int" and isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _annotations(func: Callable, signature: inspect.Signature) -> dict[str, Any]:
    """The parameters' annotations, evaluated (they are strings under ``from __future__ import
    annotations``); one that does not evaluate counts as no annotation."""
    try:
        return typing.get_type_hints(func)
    except Exception:
        hints = {}
        for name, p in signature.parameters.items():
            try:
                hints[name] = eval(p.annotation, func.__globals__) if isinstance(p.annotation, str) \
                    else p.annotation
            except Exception:
                continue
        return hints


def cached(maxsize: int | None = 128) -> Callable[[Callable], Callable]:
    """Decorator: memoise a function with one entry per setting and immutable results.

    Parameters
    ----------
    maxsize : the number of entries kept, least recently used dropped first; None keeps all

    The rules for arguments and results are in the module docstring. The wrapper is thread-safe
    (two threads asking for the same new setting at once may both compute it; one result is
    kept).

    Examples
    --------
    >>> @cached(maxsize=2)
    ... def square(n: int) -> int:
    ...     return n * n
    >>> square(3), square(n=np.int64(3)), square.cache_info().misses
    (9, 9, 1)
    >>> square([3])
    Traceback (most recent call last):
    ...
    TypeError: square() is cached, so its arguments must be hashable; got n=[3] (list)
    """
    if maxsize is not None and maxsize < 0:
        raise ValueError(f"maxsize must be None or >= 0, got {maxsize}")

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func)
        hints = _annotations(func, signature)
        kinds = {name: _kind(hints.get(name)) for name in signature.parameters}
        entries: OrderedDict[tuple, Any] = OrderedDict()
        lock = threading.Lock()
        stats = {"hits": 0, "misses": 0}

        def bind(args: tuple, kwargs: dict) -> tuple[inspect.BoundArguments, tuple]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = []
            for name, value in bound.arguments.items():
                kind = signature.parameters[name].kind
                if kind is inspect.Parameter.VAR_POSITIONAL:
                    value = tuple(_normalise(v, None) for v in value)
                    key.append((name, tuple((type(v), v) for v in value)))
                elif kind is inspect.Parameter.VAR_KEYWORD:
                    value = {k: _normalise(v, None) for k, v in value.items()}
                    key.append((name, tuple(sorted((k, type(v), v) for k, v in value.items()))))
                else:
                    value = _normalise(value, kinds[name])
                    key.append((name, type(value), value))
                bound.arguments[name] = value
            key = tuple(key)
            try:
                hash(key)
            except TypeError:
                for name, value in bound.arguments.items():
                    try:
                        hash(value)
                    except TypeError:
                        raise TypeError(
                            f"{func.__name__}() is cached, so its arguments must be hashable; "
                            f"got {name}={value!r} ({type(value).__name__})") from None
                raise
            return bound, key

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound, key = bind(args, kwargs)
            with lock:
                if key in entries:
                    stats["hits"] += 1
                    entries.move_to_end(key)
                    return entries[key]
                stats["misses"] += 1
            result = freeze(func(*bound.args, **bound.kwargs))
            if maxsize != 0:
                with lock:
                    result = entries.setdefault(key, result)
                    entries.move_to_end(key)
                    if maxsize is not None and len(entries) > maxsize:
                        entries.popitem(last=False)
            return result

        def cache_info() -> CacheInfo:
            with lock:
                return CacheInfo(stats["hits"], stats["misses"], maxsize, len(entries))

        def cache_clear() -> None:
            with lock:
                entries.clear()
                stats["hits"] = stats["misses"] = 0

        wrapper.cache_info = cache_info
        wrapper.cache_clear = cache_clear
        wrapper.uncached = func
        _CACHES.add(wrapper)
        return wrapper

    return decorate
