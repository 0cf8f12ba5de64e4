"""The NumPy reference: ReLU and its variants, their derivatives, and a table of their properties.

Every function mirrors `torch.nn.functional` (names, defaults, values) and every
derivative mirrors torch autograd at finite inputs, kinks included. What is
decided here rather than copied from torch:

* ``f(-0.0)`` is ``-0.0`` for every function with ``f(0) = 0``, as in torch, except `relu` and
  `relu6`: they are one `np.maximum` pass, and NumPy gives +0.0 there in float32/float64
  (the values compare equal; keeping the sign would cost a second pass).
* Derivatives at ``NaN`` are ``NaN`` (torch gives 1 or the slope for the piecewise
  functions, as its comparisons are False at NaN); derivatives at ``+-inf`` are their
  limits (torch gives NaN for gelu, silu and mish there, from ``0 * inf``).
* Values at ``+-inf`` follow torch, including its ``NaN`` for ``gelu``, ``silu``
  and ``mish`` at ``-inf`` (the formulas meet ``-inf * 0``; the limit is 0).
* Input types, dtypes and 0-d results: see `relu_lib._checks`.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from relu_lib._checks import check_out, elementwise, finish, float_array, real_array

__all__ = [
    "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "prelu", "prelu_grad",
    "prelu_grad_weight", "elu", "elu_grad", "selu", "selu_grad", "gelu", "gelu_grad",
    "silu", "silu_grad", "softplus", "softplus_grad", "mish", "mish_grad", "relu6",
    "relu6_grad", "SELU_ALPHA", "SELU_SCALE", "Activation", "ACTIVATIONS", "PROPERTIES",
    "property_table",
]

Result = np.ndarray | np.generic  # a NumPy scalar when the input is 0-d

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _nan_where_nan(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Make `grad` NaN where `x` is: comparisons such as ``x > 0`` are False at NaN."""
    np.copyto(grad, x, where=np.isnan(x), casting="unsafe")
    return grad


def _limits_at_infinity(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Put the limits 0 at ``-inf`` and 1 at ``+inf`` where the formula meets ``0 * inf``."""
    np.copyto(grad, 0, where=x == -np.inf)
    np.copyto(grad, 1, where=x == np.inf)
    return grad


def _erf(z: np.ndarray) -> np.ndarray:
    """The error function, elementwise, via `math.erf` (within 1 ulp; NumPy has no erf)."""
    values = np.fromiter(map(math.erf, z.ravel().tolist()), np.float64, count=z.size)
    return values.reshape(z.shape).astype(z.dtype, copy=False)


def _relu_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # One pass, no temporaries. The sign of a zero result is NumPy's: relu(-0.0) is +0.0 in
    # float32/float64 (-0.0 in float16), where torch returns -0.0; the two compare equal.
    # Keeping torch's sign would need a second pass over the array and halve the speed.
    return np.maximum(x, 0, out=out)


def relu(x: ArrayLike, out: np.ndarray | None = None) -> Result:
    """Rectified linear unit, ``max(x, 0)``: ``x`` where ``x >= 0``, else 0.

    Parameters
    ----------
    x : array_like
        Real numbers. Integers keep their dtype.
    out : ndarray, optional
        Written in place and returned; it must have the shape and dtype of the result.
        ``relu(x, out=x)`` rectifies `x` in place, with no temporary array.

    Returns
    -------
    ndarray, or a NumPy scalar for 0-d input without `out`.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = real_array(x, "relu")
    if out is None:
        return finish(_relu_into(x, np.empty_like(x)), x.dtype)
    check_out(out, x.shape, x.dtype, "relu")
    return _relu_into(x, out)


def _check_subgradient(at_zero: float) -> float:
    at_zero = float(at_zero)
    if not 0.0 <= at_zero <= 1.0:
        raise ValueError(f"relu_grad(): at_zero must be a subgradient of relu at 0, "
                         f"a number in [0, 1]; got {at_zero}")
    return at_zero


@elementwise
def relu_grad(x: ArrayLike, at_zero: float = 0.0) -> Result:
    """Derivative of `relu`: 0 for ``x < 0``, 1 for ``x > 0`` and `at_zero` at 0.

    Any value in [0, 1] is a subgradient at 0; torch uses 0, the default.

    Examples
    --------
    >>> relu_grad([-1.0, 0.0, 2.0], at_zero=0.5)
    array([0. , 0.5, 1. ])
    """
    return np.heaviside(x, _check_subgradient(at_zero))


@elementwise
def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Result:
    """Leaky ReLU: ``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    Examples
    --------
    >>> leaky_relu([-100.0, 5.0])
    array([-1.,  5.])
    """
    y = float(negative_slope) * x
    np.copyto(y, x, where=x > 0)
    return y


@elementwise
def leaky_relu_grad(x: ArrayLike, negative_slope: float = 0.01) -> Result:
    """Derivative of `leaky_relu`: 1 for ``x > 0``, ``negative_slope`` for ``x <= 0``.

    Examples
    --------
    >>> leaky_relu_grad([-1.0, 0.0, 1.0])
    array([0.01, 0.01, 1.  ])
    """
    return _nan_where_nan(x, np.where(x > 0, 1.0, float(negative_slope)))


def _channel_weight(weight: ArrayLike, x: np.ndarray, name: str) -> np.ndarray:
    """`weight` as an array that broadcasts over axis 1 of `x`, as in torch's `F.prelu`."""
    w = float_array(weight, name)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.ndim > 1 or w.size not in (1, channels):
        raise ValueError(f"{name}(): weight must have 1 element or one per channel "
                         f"(axis 1 of x, here {channels}); got shape {w.shape}")
    w = w.astype(x.dtype)
    return w.reshape(()) if w.size == 1 else w.reshape((channels,) + (1,) * (x.ndim - 2))


@elementwise
def prelu(x: ArrayLike, weight: ArrayLike) -> Result:
    """Parametric ReLU: ``x`` for ``x > 0``, ``weight * x`` otherwise.

    `weight` has one element, or one per channel (axis 1 of an `x` with ``ndim >= 2``);
    it is cast to the dtype of `x` (torch refuses mixed dtypes).

    Examples
    --------
    >>> prelu([[-4.0, -4.0]], weight=[0.25, 0.5])
    array([[-1., -2.]])
    """
    y = _channel_weight(weight, x, "prelu") * x
    np.copyto(y, x, where=x > 0)
    return y


@elementwise
def prelu_grad(x: ArrayLike, weight: ArrayLike) -> Result:
    """Derivative of `prelu` with respect to `x`: 1 for ``x > 0``, ``weight`` for ``x <= 0``.

    Examples
    --------
    >>> prelu_grad([-1.0, 0.0, 1.0], weight=0.25)
    array([0.25, 0.25, 1.  ])
    """
    w = _channel_weight(weight, x, "prelu_grad")
    return _nan_where_nan(x, np.where(x > 0, 1, w))


def prelu_grad_weight(x: ArrayLike, weight: ArrayLike) -> Result:
    """Gradient of ``prelu(x, weight).sum()`` with respect to `weight` (torch's ``weight.grad``).

    Each weight collects ``min(x, 0)`` over the elements it scales; the result has the
    shape of `weight` and the dtype of `x`.

    Examples
    --------
    >>> prelu_grad_weight([[-1.0, 2.0], [-3.0, -0.5]], weight=[0.25, 0.25])
    array([-4. , -0.5])
    """
    x = float_array(x, "prelu_grad_weight")
    shape = float_array(weight, "prelu_grad_weight").shape
    work = x.astype(np.float32) if x.dtype == np.float16 else x
    w = _channel_weight(weight, work, "prelu_grad_weight")
    per_element = np.where(work > 0, 0, work)
    axes = tuple(axis for axis in range(x.ndim) if w.size == 1 or axis != 1)
    return finish(per_element.sum(axis=axes).reshape(shape), x.dtype)


@elementwise
def elu(x: ArrayLike, alpha: float = 1.0) -> Result:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Examples
    --------
    >>> elu([-np.inf, 0.0, 2.0])
    array([-1.,  0.,  2.])
    """
    y = np.expm1(x)
    y *= float(alpha)
    np.copyto(y, x, where=x > 0)
    return y


@elementwise
def elu_grad(x: ArrayLike, alpha: float = 1.0) -> Result:
    """Derivative of `elu`: 1 for ``x > 0``, ``alpha * exp(x)`` for ``x <= 0`` (alpha at 0).

    Examples
    --------
    >>> elu_grad([-np.inf, 0.0, 2.0], alpha=2.0)
    array([0., 2., 1.])
    """
    grad = np.exp(x)
    grad *= float(alpha)
    np.copyto(grad, 1, where=x > 0)
    return _nan_where_nan(x, grad)


@elementwise
def selu(x: ArrayLike) -> Result:
    """Scaled ELU: ``SELU_SCALE * elu(x, SELU_ALPHA)``, with torch's constants.

    Examples
    --------
    >>> selu([0.0, 1.0])
    array([0.        , 1.05070099])
    """
    y = np.expm1(x)
    y *= SELU_ALPHA * SELU_SCALE
    np.copyto(y, SELU_SCALE * x, where=x > 0)
    return y


@elementwise
def selu_grad(x: ArrayLike) -> Result:
    """Derivative of `selu`: ``scale`` for ``x > 0``, ``scale * alpha * exp(x)`` for ``x <= 0``.

    Examples
    --------
    >>> selu_grad([-np.inf, 1.0])
    array([0.        , 1.05070099])
    """
    grad = np.exp(x)
    grad *= SELU_ALPHA * SELU_SCALE
    np.copyto(grad, SELU_SCALE, where=x > 0)
    return _nan_where_nan(x, grad)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_ONE_OVER_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_CUBIC = 0.044715


def _check_approximate(approximate: str, name: str) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{name}(): approximate must be 'none' or 'tanh'; got {approximate!r}")


def _gelu_tanh_inner(x: np.ndarray) -> np.ndarray:
    """``tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))``."""
    inner = x * x * x
    inner *= _GELU_CUBIC
    inner += x
    inner *= _SQRT_2_OVER_PI
    return np.tanh(inner, out=inner)


@elementwise
def gelu(x: ArrayLike, approximate: str = "none") -> Result:
    """Gaussian error linear unit, ``x * Phi(x)`` with ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``.

    ``approximate="tanh"`` uses ``Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2``.
    The exact form calls `math.erf` per element (about 0.2 us each, ~20x `np.exp`).

    Examples
    --------
    >>> gelu([-1.0, 0.0, 1.0])
    array([-0.15865525,  0.        ,  0.84134475])
    """
    _check_approximate(approximate, "gelu")
    y = _erf(x * _SQRT_HALF) if approximate == "none" else _gelu_tanh_inner(x)
    y += 1
    y *= x * 0.5
    return y


@elementwise
def gelu_grad(x: ArrayLike, approximate: str = "none") -> Result:
    """Derivative of `gelu`: ``Phi(x) + x * phi(x)``, ``phi`` the standard normal density.

    With ``approximate="tanh"``, the derivative of the tanh form.

    Examples
    --------
    >>> gelu_grad([-np.inf, 0.0, 1.0])
    array([0.        , 0.5       , 1.08331547])
    """
    _check_approximate(approximate, "gelu_grad")
    if approximate == "none":
        grad = _erf(x * _SQRT_HALF)
        grad += 1
        grad *= 0.5
        grad += x * (_ONE_OVER_SQRT_2PI * np.exp(-0.5 * (x * x)))
    else:
        t = _gelu_tanh_inner(x)
        slope = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * (x * x))
        grad = 0.5 * (1 + t) + (0.5 * x) * (1 - t * t) * slope
    return _limits_at_infinity(x, grad)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    s = np.exp(-x)
    s += 1
    return np.reciprocal(s, out=s)


@elementwise
def silu(x: ArrayLike) -> Result:
    """Sigmoid linear unit (swish), ``x * sigmoid(x) = x / (1 + exp(-x))``.

    Examples
    --------
    >>> silu([0.0, 1.0])
    array([0.        , 0.73105858])
    """
    y = np.exp(-x)
    y += 1
    return np.divide(x, y, out=y)


@elementwise
def silu_grad(x: ArrayLike) -> Result:
    """Derivative of `silu`: ``s * (1 + x * (1 - s))`` with ``s = sigmoid(x)``.

    Examples
    --------
    >>> silu_grad([-np.inf, 0.0, np.inf])
    array([0. , 0.5, 1. ])
    """
    s = _sigmoid(x)
    return _limits_at_infinity(x, s * (1 + x * (1 - s)))


@elementwise
def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Result:
    """Softplus, ``log(1 + exp(beta * x)) / beta``, and ``x`` itself once ``beta * x > threshold``.

    The switch to ``x`` makes the function jump down by ``log1p(exp(-threshold)) / beta``
    (about 2.1e-9 by default) at ``beta * x = threshold``, exactly as torch's does.

    Examples
    --------
    >>> softplus([0.0, 30.0])
    array([ 0.69314718, 30.        ])
    """
    beta, threshold = float(beta), float(threshold)
    y = np.log1p(np.exp(x * beta))
    y /= beta
    np.copyto(y, x, where=x * beta > threshold)
    return y


@elementwise
def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Result:
    """Derivative of `softplus`: ``sigmoid(beta * x)``, and 1 once ``beta * x > threshold``.

    Examples
    --------
    >>> softplus_grad([0.0, 30.0])
    array([0.5, 1. ])
    """
    beta, threshold = float(beta), float(threshold)
    z = x * beta
    grad = np.exp(z)
    grad /= grad + 1
    np.copyto(grad, 1, where=z > threshold)
    return grad


@elementwise
def mish(x: ArrayLike) -> Result:
    """Mish, ``x * tanh(softplus(x))``.

    Examples
    --------
    >>> mish([0.0, 1.0])
    array([0.        , 0.86509839])
    """
    y = np.log1p(np.exp(x))
    np.tanh(y, out=y)
    y *= x
    return y


@elementwise
def mish_grad(x: ArrayLike) -> Result:
    """Derivative of `mish`: ``t + x * sigmoid(x) * (1 - t**2)`` with ``t = tanh(softplus(x))``.

    Examples
    --------
    >>> mish_grad([-np.inf, 0.0, np.inf])
    array([0. , 0.6, 1. ])
    """
    t = np.tanh(np.log1p(np.exp(x)))
    return _limits_at_infinity(x, t + x * _sigmoid(x) * (1 - t * t))


def relu6(x: ArrayLike) -> Result:
    """ReLU capped at 6, ``min(max(x, 0), 6)``. Integers keep their dtype; zero signs as in `relu`.

    Examples
    --------
    >>> relu6([-1.0, 3.0, 8.0])
    array([0., 3., 6.])
    """
    x = real_array(x, "relu6")
    y = _relu_into(x, np.empty_like(x))
    return finish(np.minimum(y, 6, out=y), x.dtype)


@elementwise
def relu6_grad(x: ArrayLike) -> Result:
    """Derivative of `relu6`: 1 for ``0 < x < 6``, else 0 (0 at both kinks, as in torch).

    Examples
    --------
    >>> relu6_grad([0.0, 3.0, 6.0])
    array([0., 1., 0.])
    """
    return _nan_where_nan(x, ((x > 0) & (x < 6)).astype(x.dtype))


@dataclasses.dataclass(frozen=True)
class Activation:
    """One activation with its derivative and properties, at its default parameters.

    Each property is defined below for the mathematical function and checked
    numerically, on dense grids, against the implementation by the tests.

    Attributes
    ----------
    name : the `torch.nn.functional` name.
    function, derivative : the reference functions (``prelu`` with weight 0.25,
        the initial weight of ``torch.nn.PReLU``).
    zero_centred : ``E[f(Z)] = 0`` for ``Z ~ N(0, 1)``: a standard normal input gives a
        zero-mean output. Only SELU, whose constants are chosen for this. Taking negative
        values is not enough: Leaky ReLU, PReLU and ELU (mean 0.16) all stay off centre.
    through_origin : ``f(0) = 0``.
    bounded_below, bounded_above : some finite ``m`` has ``f(x) >= m`` (``<= m``) for all real x.
    smooth : continuously differentiable (C^1) on the reals: ``f`` is continuous and, at
        each kink, the left and right derivatives agree. So ELU with ``alpha=1`` is (though
        not C^2), SELU is not (slopes 1.76 and 1.05 at 0). Softplus is; its implementation
        switches to ``x`` at the threshold, which moves value and slope by ~2e-9.
    monotonic : non-decreasing, ``f(a) <= f(b)`` whenever ``a <= b`` (softplus as
        implemented steps down ~2e-9 at its threshold). GELU, SiLU and Mish decrease left
        of their minimum (GELU's at x ~ -0.75) and are not.
    kinks : the points where the formula changes branch.
    """

    name: str
    function: Callable[..., Result]
    derivative: Callable[..., Result]
    zero_centred: bool
    through_origin: bool
    bounded_below: bool
    bounded_above: bool
    smooth: bool
    monotonic: bool
    kinks: tuple[float, ...]


def _activations() -> dict[str, Activation]:
    prelu_025 = functools.partial(prelu, weight=0.25)
    prelu_grad_025 = functools.partial(prelu_grad, weight=0.25)
    rows = [  # name, f, f', zero_centred, through_origin, below, above, smooth, monotonic, kinks
        ("relu", relu, relu_grad, False, True, True, False, False, True, (0.0,)),
        ("leaky_relu", leaky_relu, leaky_relu_grad, False, True, False, False, False, True, (0.0,)),
        ("prelu", prelu_025, prelu_grad_025, False, True, False, False, False, True, (0.0,)),
        ("elu", elu, elu_grad, False, True, True, False, True, True, (0.0,)),
        ("selu", selu, selu_grad, True, True, True, False, False, True, (0.0,)),
        ("gelu", gelu, gelu_grad, False, True, True, False, True, False, ()),
        ("silu", silu, silu_grad, False, True, True, False, True, False, ()),
        ("softplus", softplus, softplus_grad, False, False, True, False, True, True, (20.0,)),
        ("mish", mish, mish_grad, False, True, True, False, True, False, ()),
        ("relu6", relu6, relu6_grad, False, True, True, True, False, True, (0.0, 6.0)),
    ]
    return {row[0]: Activation(*row) for row in rows}


PROPERTIES = ("zero_centred", "through_origin", "bounded_below", "bounded_above", "smooth",
              "monotonic")
ACTIVATIONS: types.MappingProxyType[str, Activation] = types.MappingProxyType(_activations())


def property_table(activations: Mapping[str, Activation] | None = None) -> list[dict[str, Any]]:
    """Rows for a property table: one dict per activation, its name and its boolean properties.

    Examples
    --------
    >>> property_table()[0]["name"], property_table()[0]["bounded_below"]
    ('relu', True)
    """
    activations = ACTIVATIONS if activations is None else activations
    names = ("name",) + PROPERTIES
    return [{name: getattr(act, name) for name in names} for act in activations.values()]
