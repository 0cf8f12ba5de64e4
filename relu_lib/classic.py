"""Classic saturating activations, sigmoid and tanh, with their derivatives.

They are here to be compared with the ReLU: both flatten out for large
``|x|``, so their derivatives decay like ``exp(-|x|)`` and gradients vanish in
deep stacks. The formulas below are written so that the tails stay accurate
(no ``1 - s`` cancellation, no overflow): with ``e = exp(-|x|)``,

* ``sigmoid(x) = 1 / (1 + e)`` for ``x >= 0`` and ``e / (1 + e)`` otherwise,
* ``sigmoid'(x) = e / (1 + e)**2``, at most 1/4,
* ``tanh'(x) = 4·sigmoid'(2x)``, at most 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad"]


def _as_float(x: np.ndarray) -> np.ndarray:
    """``x`` as an array, keeping a floating dtype and promoting anything else to float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, without overflow.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of :func:`sigmoid`, ``sigmoid(x)·(1 - sigmoid(x))``, accurate in both tails.

    Examples
    --------
    >>> sigmoid_grad(np.array([0.0]))
    array([0.25])
    """
    e = np.exp(-np.abs(_as_float(x)))
    return e / (1.0 + e) ** 2


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, ``2·sigmoid(2x) - 1``.

    Examples
    --------
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return np.tanh(_as_float(x))


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """Derivative of :func:`tanh`, ``1 - tanh(x)**2``, accurate in both tails.

    Examples
    --------
    >>> tanh_grad(np.array([0.0]))
    array([1.])
    """
    e = np.exp(-2.0 * np.abs(_as_float(x)))
    return 4.0 * e / (1.0 + e) ** 2
