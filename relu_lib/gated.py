"""Gated linear units in NumPy: GLU, ReGLU, GEGLU and SwiGLU, with their partial derivatives.

A gated linear unit multiplies two linear projections of the same input, one of them
passed through an activation first: with ``a = x W`` (the gate) and ``b = x V`` (the
value), each unit here is a function of the two halves,

    glu(a, b)    = sigmoid(a) * b      (Dauphin et al. 2017)
    reglu(a, b)  = relu(a) * b         (Shazeer 2020)
    geglu(a, b)  = gelu(a) * b         (Shazeer 2020)
    swiglu(a, b) = silu(a) * b         (Shazeer 2020; Swish with beta = 1)

in the order of Shazeer, "GLU Variants Improve Transformer" (2020), where the activated
factor comes first. Dauphin, Fan, Auli and Grangier, "Language Modeling with Gated
Convolutional Networks" (ICML 2017), write the same unit with the gate second, and so does
``torch.nn.functional.glu(x)``: it splits ``x`` into halves ``(u, v)`` and returns
``u * sigmoid(v)``, so ``F.glu(cat([b, a]))`` equals ``glu(a, b)``. `halves` splits a
projection as torch does.

Each ``*_grad(a, b)`` returns ``(df/da, df/db) = (g'(a) * b, g(a))`` for ``f = g(a) * b``.
The activations are those of `relu_lib.reference` (so ReLU's derivative at 0 is 0, as in
torch); `sigmoid` is defined here, the reference having none.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from relu_lib import reference
from relu_lib._checks import elementwise, float_array

__all__ = ["sigmoid", "sigmoid_grad", "glu", "glu_grad", "reglu", "reglu_grad", "geglu",
           "geglu_grad", "swiglu", "swiglu_grad", "halves", "GATES", "GATED", "GATED_GRADS"]

Pair = tuple[np.ndarray, np.ndarray]


@elementwise
def sigmoid(x: ArrayLike) -> Any:
    """Logistic sigmoid, ``1 / (1 + exp(-x))``, as ``exp(min(x, 0)) / (1 + exp(-|x|))``.

    The second form never overflows and keeps its relative accuracy for x << 0.

    Examples
    --------
    >>> sigmoid([-800.0, 0.0, 800.0])
    array([0. , 0.5, 1. ])
    """
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


@elementwise
def sigmoid_grad(x: ArrayLike) -> Any:
    """Derivative of `sigmoid`: ``sigmoid(x) * sigmoid(-x)``.

    Examples
    --------
    >>> sigmoid_grad([0.0])
    array([0.25])
    """
    return sigmoid(x) * sigmoid(-x)


def _pair(a: ArrayLike, b: ArrayLike, name: str) -> Pair:
    """`a` and `b` as float arrays of one broadcast shape."""
    a, b = float_array(a, name), float_array(b, name)
    return np.broadcast_arrays(a, b)


def _gated(gate: Callable[..., Any], a: ArrayLike, b: ArrayLike, name: str,
           **kwargs: Any) -> np.ndarray:
    a, b = _pair(a, b, name)
    return np.asarray(gate(a, **kwargs)) * b


def _gated_grad(gate: Callable[..., Any], gate_grad: Callable[..., Any], a: ArrayLike,
                b: ArrayLike, name: str, **kwargs: Any) -> Pair:
    a, b = _pair(a, b, name)
    return np.asarray(gate_grad(a, **kwargs)) * b, np.asarray(gate(a, **kwargs)) * np.ones_like(b)


def glu(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Gated linear unit, ``sigmoid(a) * b`` (Dauphin et al. 2017).

    Parameters
    ----------
    a : array_like
        The gate half of the projection, ``x W``.
    b : array_like
        The value half, ``x V``; broadcast against `a`.

    Returns
    -------
    ndarray of the broadcast shape.

    Examples
    --------
    >>> glu([0.0, 800.0], [2.0, 3.0])
    array([1., 3.])
    """
    return _gated(sigmoid, a, b, "glu")


def glu_grad(a: ArrayLike, b: ArrayLike) -> Pair:
    """Partial derivatives of `glu`: ``(sigmoid'(a) * b, sigmoid(a))``.

    Examples
    --------
    >>> glu_grad([0.0], [2.0])
    (array([0.5]), array([0.5]))
    """
    return _gated_grad(sigmoid, sigmoid_grad, a, b, "glu_grad")


def reglu(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """ReLU-gated linear unit, ``relu(a) * b`` (Shazeer 2020).

    Examples
    --------
    >>> reglu([-1.0, 2.0], [5.0, 5.0])
    array([ 0., 10.])
    """
    return _gated(reference.relu, a, b, "reglu")


def reglu_grad(a: ArrayLike, b: ArrayLike) -> Pair:
    """Partial derivatives of `reglu`: ``(relu'(a) * b, relu(a))``, ``relu'(0) = 0``.

    Examples
    --------
    >>> reglu_grad([-1.0, 2.0], [5.0, 5.0])
    (array([0., 5.]), array([0., 2.]))
    """
    return _gated_grad(reference.relu, reference.relu_grad, a, b, "reglu_grad")


def geglu(a: ArrayLike, b: ArrayLike, approximate: str = "none") -> np.ndarray:
    """GELU-gated linear unit, ``gelu(a) * b`` (Shazeer 2020).

    `approximate` is passed to `relu_lib.reference.gelu` (``"none"`` or ``"tanh"``).

    Examples
    --------
    >>> geglu([1.0], [2.0])
    array([1.68268949])
    """
    return _gated(reference.gelu, a, b, "geglu", approximate=approximate)


def geglu_grad(a: ArrayLike, b: ArrayLike, approximate: str = "none") -> Pair:
    """Partial derivatives of `geglu`: ``(gelu'(a) * b, gelu(a))``.

    Examples
    --------
    >>> geglu_grad([0.0], [2.0])
    (array([1.]), array([0.]))
    """
    return _gated_grad(reference.gelu, reference.gelu_grad, a, b, "geglu_grad",
                       approximate=approximate)


def swiglu(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Swish-gated linear unit, ``silu(a) * b`` (Shazeer 2020; Swish with beta = 1).

    The feed-forward block of PaLM and LLaMA is ``swiglu(x W, x V) W2``.

    Examples
    --------
    >>> swiglu([1.0], [2.0])
    array([1.46211716])
    """
    return _gated(reference.silu, a, b, "swiglu")


def swiglu_grad(a: ArrayLike, b: ArrayLike) -> Pair:
    """Partial derivatives of `swiglu`: ``(silu'(a) * b, silu(a))``.

    Examples
    --------
    >>> swiglu_grad([0.0], [2.0])
    (array([1.]), array([0.]))
    """
    return _gated_grad(reference.silu, reference.silu_grad, a, b, "swiglu_grad")


def halves(x: ArrayLike, axis: int = -1) -> Pair:
    """Split `x` into two equal halves along `axis`, as ``torch.chunk(x, 2, dim)`` does.

    Examples
    --------
    >>> halves(np.arange(4.0))
    (array([0., 1.]), array([2., 3.]))
    """
    x = float_array(x, "halves")
    if x.shape[axis] % 2:
        raise ValueError(f"halves(): axis {axis} has odd length {x.shape[axis]}")
    first, second = np.split(x, 2, axis=axis)
    return first, second


GATES: dict[str, Callable[..., Any]] = {"glu": sigmoid, "reglu": reference.relu,
                                        "geglu": reference.gelu, "swiglu": reference.silu}
"""The activation applied to the gate half ``a`` by each unit."""

GATED: dict[str, Callable[..., np.ndarray]] = {"glu": glu, "reglu": reglu,
                                               "geglu": geglu, "swiglu": swiglu}
"""Each gated unit ``f(a, b)`` by name."""

GATED_GRADS: dict[str, Callable[..., Pair]] = {"glu": glu_grad, "reglu": reglu_grad,
                                               "geglu": geglu_grad, "swiglu": swiglu_grad}
"""Each unit's partial derivatives ``(df/da, df/db)`` by name."""
