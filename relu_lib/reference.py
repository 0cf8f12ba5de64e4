"""The NumPy reference: ReLU and its variants, their derivatives, and a table of their properties.

Every function mirrors `torch.nn.functional` (names, defaults, values) and every
derivative mirrors torch autograd at finite inputs, kinks included. What is
decided here rather than copied from torch:

* ``f(-0.0)`` is ``-0.0`` for every function with ``f(0) = 0``, as in torch, except `relu` and
  `relu6`: they are one `np.maximum` pass, and NumPy gives +0.0 there in float32/float64
  (the values compare equal; keeping the sign would cost a second pass).
* Values and derivatives at ``+-inf`` are their limits: 0 for `gelu`, `silu`, `mish` and
  `softplus` at ``-inf``, ``-alpha`` for `elu`, ``-SELU_SCALE * SELU_ALPHA`` for `selu`,
  ``-inf * slope`` for `leaky_relu` and `prelu` (0 for a slope of 0), 6 for `relu6` at
  ``+inf``; derivatives 0 and 1, or the slopes. Torch is no guide there: its CPU kernels
  meet ``0 * inf`` and give NaN for gelu, silu and mish at ``-inf`` on some CPUs, and its
  autograd gives NaN for their derivatives at both infinities.
* Values at ``NaN`` are ``NaN``; so are derivatives (torch gives 1 or the slope for the
  piecewise functions, as its comparisons are False at NaN).
* Accuracy: every value is within 4 ulp of the correctly rounded value of the
  mathematical function, in float32 and float64, over the whole range, far tails and
  overflow included, and every derivative within 4 ulp of the largest term of its
  formula (measured against mpmath in ``tests/test_accuracy.py``; on its grid the worst
  is 2.2 ulp for a value, GELU's, and 1.7 for a derivative). Where torch is less
  accurate the reference is the one that is right: GELU for x < -1.3, say, where
  torch's ``1 + erf(x / sqrt 2)`` cancels (at x = -6.3 its float32 GELU is 0, the
  value -9.4e-10); here GELU is ``x erfc(-x / sqrt 2) / 2``, and below -37.5 ``-phi(x)``
  times its asymptotic series. How: the smooth functions (elu, selu, gelu, silu,
  softplus, mish and their derivatives) compute float16 and float32 input in float64
  and round once. In float64 only the one call to ``exp``, ``expm1``, ``log1p`` or
  `math.erfc` (about 2.7 ulp at worst, the largest error left) and the final rounding
  are inexact (for `elu`, also the product with ``alpha``): the arithmetic around them
  is carried in double-double, and ``exp(s)`` is never formed where it is subnormal
  and a later factor would magnify its rounding.
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


def _at_infinity(x: np.ndarray, y: np.ndarray, minus: ArrayLike, plus: ArrayLike) -> np.ndarray:
    """Put the limits `minus` at ``x = -inf`` and `plus` at ``x = +inf`` into `y`.

    The formulas meet ``0 * inf`` or ``inf / inf`` there; the limits are stated instead.
    """
    np.copyto(y, minus, where=x == -np.inf)
    np.copyto(y, plus, where=x == np.inf)
    return y


def _times_minus_infinity(slope: ArrayLike) -> np.ndarray:
    """``lim slope * x`` as ``x -> -inf``: ``-inf * slope``, and ``-slope`` (a zero) for 0."""
    slope = np.asarray(slope, dtype=float)
    return np.where(slope == 0, -slope, slope * -np.inf)


def _signed_like(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`y` with the sign of `x`: for ``x * (a positive factor)``, whose zeros keep it too."""
    return np.copysign(y, x, out=y)


_BLOCK = 2**14  # elements: the float64 temporaries of one block stay in the CPU's cache


def _in_float64(func: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """Run the elementwise `func` in float64, block by block; `elementwise` rounds once.

    Blocks of ``_BLOCK`` elements keep the double-double temporaries in cache: on a
    million elements that halves the time. The result is flat; `elementwise` reshapes it.
    """
    @functools.wraps(func)
    def blockwise(x: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        flat = x.astype(np.float64, copy=False).ravel()
        starts = range(0, max(flat.size, 1), _BLOCK)  # an empty x still checks the arguments
        return np.concatenate([func(flat[i:i + _BLOCK], *args, **kwargs) for i in starts])
    return blockwise


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
    return _at_infinity(x, y, _times_minus_infinity(negative_slope), np.inf)


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
    w = _channel_weight(weight, x, "prelu")
    y = w * x
    np.copyto(y, x, where=x > 0)
    return _at_infinity(x, y, _times_minus_infinity(w), np.inf)


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


# --- float64 arithmetic for the smooth functions ----------------------------------------
# Each smooth function is a few roundings away from exact: one in exp (or erfc), one at the
# end. Everything between is carried as double-doubles, unevaluated sums hi + lo of two
# doubles with |lo| <= ulp(hi) / 2 (Dekker 1971; Knuth, TAOCP 4.2.2). That matters most
# in the tails, exp(s) with |s| in the hundreds: an error of one ulp in s (5e-14 at
# s = -700) is an error of |s| ulp in exp(s). And exp(s) is never formed where it is
# subnormal and a later factor would magnify its rounding.

DD = tuple[Any, Any]  # a double-double (hi, lo): arrays, or floats for constants

_SPLITTER = 2.0**27 + 1  # Veltkamp: splits a double into two halves of 26 bits
_LOG_TINY = math.log(np.finfo(np.float64).tiny)  # exp(s) is subnormal below s = -708.4
_ONE: DD = (1.0, 0.0)
_LN2: DD = (0.6931471805599453, 2.3190468138462996e-17)


def _finite_or_zero(v: np.ndarray) -> np.ndarray:
    """`v` where finite, else 0: a low part is dropped where its high part overflows.

    The error-free sums and products below return an infinite or NaN error term then;
    `_normalized` (so every double-double operation) and `_times_exp` drop it.
    """
    return np.where(np.isfinite(v), v, 0.0)


def _normalized(hi: ArrayLike, lo: ArrayLike) -> DD:
    """``(hi + lo, the rest)``: the pair with the rounded sum first."""
    lo = _finite_or_zero(lo)
    s = np.add(hi, lo)
    return s, _finite_or_zero(lo - (s - hi))


def _two_sum(a: ArrayLike, b: ArrayLike) -> DD:
    """``a + b`` exactly: the rounded sum and its error (Knuth)."""
    s = np.add(a, b)
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def _split(a: ArrayLike) -> DD:
    c = np.multiply(_SPLITTER, a)
    hi = c - (c - a)
    return hi, a - hi


def _two_product(a: ArrayLike, b: ArrayLike) -> DD:
    """``a * b`` exactly: the rounded product and its error (Dekker; NumPy has no fma)."""
    p = np.multiply(a, b)
    (a_hi, a_lo), (b_hi, b_lo) = _split(a), _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _dd(x: np.ndarray) -> DD:
    return x, np.zeros_like(x)


def _dd_plus(a: DD, b: DD) -> DD:
    s, e = _two_sum(a[0], b[0])
    return _normalized(s, e + (a[1] + b[1]))


def _dd_minus(a: DD, b: DD) -> DD:
    return _dd_plus(a, (np.negative(b[0]), np.negative(b[1])))


def _dd_times(a: DD, b: DD) -> DD:
    p, e = _two_product(a[0], b[0])
    return _normalized(p, e + (a[0] * b[1] + a[1] * b[0]))


def _dd_divide(a: DD, b: DD) -> DD:
    q = np.divide(a[0], b[0])
    p, e = _two_product(q, b[0])
    return _normalized(q, (((a[0] - p) - e) + a[1] - q * b[1]) / b[0])


def _dd_where(condition: np.ndarray, a: DD, b: DD) -> DD:
    return np.where(condition, a[0], b[0]), np.where(condition, a[1], b[1])


def _times_exp(a: DD, s: DD) -> np.ndarray:
    """``a * exp(s)`` for ``s <= 0``, rounded once: the one double that leaves the tails.

    Where ``exp(s)`` would be subnormal (``s < -708.4``) it is ``exp(s + 128 log 2)``
    scaled by ``2**-128`` at the end, so that the only rounding into the subnormals is
    the last, and no bits are lost before ``a`` multiplies them.
    """
    shift = np.where(s[0] < _LOG_TINY, 128, 0)
    t_hi, t_lo = _dd_plus(s, (shift * _LN2[0], shift * _LN2[1]))
    a_hi, a_lo, t_hi, t_lo = np.broadcast_arrays(*a, t_hi, t_lo)
    a_lo = a_lo + _finite_or_zero(a_hi * t_lo)  # a * exp(t_lo), |t_lo| < 1e-13
    e = np.exp(t_hi)
    p, p_lo = _two_product(a_hi, e)
    return np.ldexp(p + _finite_or_zero(p_lo + a_lo * e), -shift)


def _exp_minus_abs(s: DD) -> DD:
    """``exp(-|s|)``, in (0, 1]: the exponential a sigmoid can take without overflow."""
    sign = np.where(s[0] < 0, 1.0, -1.0)
    w = np.exp(sign * s[0])
    return w, _finite_or_zero(w * (sign * s[1]))


def _negative_part(s: DD) -> DD:
    """``min(s, 0)``."""
    return _dd_where(s[0] < 0, s, (0.0, 0.0))


def _times_sigmoid(a: DD, s: DD) -> np.ndarray:
    """``a * sigmoid(s) = a exp(min(s, 0)) / (1 + exp(-|s|))``."""
    one_plus_w = _dd_plus(_ONE, _exp_minus_abs(s))
    return _times_exp(_dd_divide(a, one_plus_w), _negative_part(s))


def _x_sigmoid_grad(x_slope: DD, s: DD) -> np.ndarray:
    """``d/dx [x sigmoid(s(x))] = sigmoid(s) (1 + x s'(x) sigmoid(-s))``, from ``x s'(x)``.

    Over ``(1 + w)^2``, ``w = exp(-|s|)``, it is ``exp(min(s, 0)) (1 + w + x s' m)`` with
    ``m = exp(min(-s, 0))``: 1 for ``s < 0``, else ``w``.
    """
    w = _exp_minus_abs(s)
    one_plus_w = _dd_plus(_ONE, w)
    m = _dd_where(s[0] < 0, _ONE, w)
    numerator = _dd_plus(one_plus_w, _dd_times(x_slope, m))
    return _times_exp(_dd_divide(numerator, _dd_times(one_plus_w, one_plus_w)),
                      _negative_part(s))


def _erfc(z: np.ndarray) -> np.ndarray:
    """The complementary error function, via `math.erfc` (NumPy has none): ~2.7 ulp."""
    values = np.fromiter(map(math.erfc, z.ravel().tolist()), np.float64, count=z.size)
    return values.reshape(z.shape)


@elementwise
@_in_float64
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
@_in_float64
def elu_grad(x: ArrayLike, alpha: float = 1.0) -> Result:
    """Derivative of `elu`: 1 for ``x > 0``, ``alpha * exp(x)`` for ``x <= 0`` (alpha at 0).

    Examples
    --------
    >>> elu_grad([-np.inf, 0.0, 2.0], alpha=2.0)
    array([0., 2., 1.])
    """
    grad = _times_exp((float(alpha), 0.0), _dd(np.minimum(x, 0)))
    np.copyto(grad, 1, where=x > 0)
    return _nan_where_nan(x, grad)


_SELU_SCALE_ALPHA: DD = _two_product(SELU_SCALE, SELU_ALPHA)  # exact


@elementwise
@_in_float64
def selu(x: ArrayLike) -> Result:
    """Scaled ELU: ``SELU_SCALE * elu(x, SELU_ALPHA)``, with torch's constants.

    Examples
    --------
    >>> selu([0.0, 1.0])
    array([0.        , 1.05070099])
    """
    y = _dd_times(_dd(np.expm1(x)), _SELU_SCALE_ALPHA)[0]
    np.copyto(y, SELU_SCALE * x, where=x > 0)
    return _signed_like(x, y)


@elementwise
@_in_float64
def selu_grad(x: ArrayLike) -> Result:
    """Derivative of `selu`: ``scale`` for ``x > 0``, ``scale * alpha * exp(x)`` for ``x <= 0``.

    Examples
    --------
    >>> selu_grad([-np.inf, 1.0])
    array([0.        , 1.05070099])
    """
    grad = _times_exp(_SELU_SCALE_ALPHA, _dd(np.minimum(x, 0)))
    np.copyto(grad, SELU_SCALE, where=x > 0)
    return _nan_where_nan(x, grad)


# Constants as double-doubles: the double nearest, and the rest.
_SQRT_HALF: DD = (0.7071067811865476, -4.833646656726457e-17)
_ONE_OVER_SQRT_2PI: DD = (0.3989422804014327, -2.49232720227773e-17)
_TWO_SQRT_2_OVER_PI: DD = (1.5957691216057308, -9.96930880911092e-17)
_GELU_CUBIC: DD = (0.044715, 2.1960211427085595e-18)  # the decimal 0.044715 of the tanh form
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_GELU_TAIL = -37.5  # below, erfc(-x / sqrt 2) is subnormal: Phi comes from its series


def _check_approximate(approximate: str, name: str) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{name}(): approximate must be 'none' or 'tanh'; got {approximate!r}")


def _normal_cdf(x: np.ndarray) -> DD:
    """``Phi(x) = erfc(-x / sqrt 2) / 2``, with ``t = -x / sqrt 2`` in double-double.

    ``erfc(t + t_lo) = erfc(t) - t_lo (2 / sqrt pi) exp(-t^2)`` to first order. Without
    that correction the rounding of ``t`` would cost up to ``x^2`` ulp (40 at x = -6.3).
    """
    t, t_lo = _dd_times(_dd(-x), _SQRT_HALF)
    return _normalized(_erfc(t) / 2, -t_lo * (_TWO_OVER_SQRT_PI / 2) * np.exp(-t * t))


def _times_normal_pdf(a: DD, x: np.ndarray) -> np.ndarray:
    """``a * phi(x) = a exp(-x^2 / 2) / sqrt(2 pi)``."""
    square, square_lo = _two_product(x, x)
    return _times_exp(_dd_times(a, _ONE_OVER_SQRT_2PI), (-square / 2, -square_lo / 2))


def _mills_series(x: np.ndarray, terms: int = 9) -> np.ndarray:
    """``|x| Phi(x) / phi(x) = 1 - 1/x^2 + 3/x^4 - 15/x^6 + ...``, asymptotic as x -> -inf.

    For ``x < -37.5`` nine terms leave an error below ``1e-20``.
    """
    u = 1 / (x * x)
    series = np.ones_like(x)
    for n in range(terms - 1, 0, -1):  # Horner, from the last term
        series = 1 - (2 * n - 1) * u * series
    return series


def _gelu_exact(x: np.ndarray) -> np.ndarray:
    """``x Phi(x)``; for ``x < -37.5``, ``-phi(x)`` times the Mills series."""
    y = _dd_times(_dd(x), _normal_cdf(x))[0]
    tail = x < _GELU_TAIL
    y[tail] = _times_normal_pdf(_dd(-_mills_series(x[tail])), x[tail])
    return y


def _gelu_tanh_argument(x: np.ndarray) -> tuple[DD, DD]:
    """``s = 2 sqrt(2/pi) (x + 0.044715 x^3)`` and ``x ds/dx``: tanh-GELU is ``x sigmoid(s)``."""
    x_dd = _dd(x)
    cubic = _dd_times(_GELU_CUBIC, _dd_times(_dd_times(x_dd, x_dd), x_dd))
    s = _dd_times(_TWO_SQRT_2_OVER_PI, _dd_plus(x_dd, cubic))
    x_slope = _dd_times(_TWO_SQRT_2_OVER_PI, _dd_plus(x_dd, _dd_times((3.0, 0.0), cubic)))
    return s, x_slope


@elementwise
@_in_float64
def gelu(x: ArrayLike, approximate: str = "none") -> Result:
    """Gaussian error linear unit, ``x * Phi(x)`` with ``Phi(x) = erfc(-x / sqrt(2)) / 2``.

    ``approximate="tanh"`` uses ``Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2``,
    computed as ``x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))``, which does not cancel for
    x << 0. The exact form calls `math.erfc` per element (about 0.2 us each, ~20x `np.exp`).

    Examples
    --------
    >>> gelu([-1.0, 0.0, 1.0])
    array([-0.15865525,  0.        ,  0.84134475])
    """
    _check_approximate(approximate, "gelu")
    if approximate == "none":
        y = _gelu_exact(x)
    else:
        y = _times_sigmoid(_dd(x), _gelu_tanh_argument(x)[0])
    return _at_infinity(x, _signed_like(x, y), -0.0, np.inf)


@elementwise
@_in_float64
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
        cdf = _normal_cdf(x)
        grad = cdf[0] + (cdf[1] + _times_normal_pdf(_dd(x), x))
    else:  # past |x| = 1e10 the derivative is 0 or 1 exactly; clipping keeps x^3 finite
        s, x_slope = _gelu_tanh_argument(np.clip(x, -1e10, 1e10))
        grad = _x_sigmoid_grad(x_slope, s)
    return _at_infinity(x, grad, 0.0, 1.0)


@elementwise
@_in_float64
def silu(x: ArrayLike) -> Result:
    """Sigmoid linear unit (swish), ``x * sigmoid(x) = x / (1 + exp(-x))``.

    Examples
    --------
    >>> silu([0.0, 1.0])
    array([0.        , 0.73105858])
    """
    y = _signed_like(x, _times_sigmoid(_dd(x), _dd(x)))
    return _at_infinity(x, y, -0.0, np.inf)


@elementwise
@_in_float64
def silu_grad(x: ArrayLike) -> Result:
    """Derivative of `silu`: ``s * (1 + x * (1 - s))`` with ``s = sigmoid(x)``.

    Examples
    --------
    >>> silu_grad([-np.inf, 0.0, np.inf])
    array([0. , 0.5, 1. ])
    """
    return _at_infinity(x, _x_sigmoid_grad(_dd(x), _dd(x)), 0.0, 1.0)


@elementwise
@_in_float64
def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Result:
    """Softplus, ``log(1 + exp(beta * x)) / beta``, and ``x`` itself once ``beta * x > threshold``.

    The switch to ``x`` makes the function jump down by ``log1p(exp(-threshold)) / beta``
    (about 2.1e-9 by default) at ``beta * x = threshold``, exactly as torch's does.

    Examples
    --------
    >>> softplus([0.0, 30.0])
    array([ 0.69314718, 30.        ])
    """
    beta_dd = (float(beta), 0.0)
    z = _two_product(x, beta_dd[0])  # beta * x, exactly
    w = _exp_minus_abs(z)  # log(1 + e^z) = max(z, 0) + log(1 + w)
    log_term = (np.log1p(w[0]), w[1] / (1 + w[0]))
    positive_part = _dd_where(z[0] > 0, z, (0.0, 0.0))
    y = _dd_divide(_dd_plus(positive_part, log_term), beta_dd)[0]
    subnormal = z[0] < _LOG_TINY  # where log(1 + w) = w, and w / beta would magnify its rounding
    y[subnormal] = _times_exp(_dd_divide(_ONE, beta_dd), (z[0][subnormal], z[1][subnormal]))
    np.copyto(y, x, where=z[0] > float(threshold))
    return y


@elementwise
@_in_float64
def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Result:
    """Derivative of `softplus`: ``sigmoid(beta * x)``, and 1 once ``beta * x > threshold``.

    Examples
    --------
    >>> softplus_grad([0.0, 30.0])
    array([0.5, 1. ])
    """
    z = _two_product(x, float(beta))
    grad = _times_sigmoid(_ONE, z)
    np.copyto(grad, 1, where=z[0] > float(threshold))
    return grad


def _tanh_softplus(x: np.ndarray) -> tuple[DD, DD, DD]:
    """``r``, ``sech2`` and ``1 + w``, ``w = exp(-|x|)``, with ``tanh(softplus(x)) =
    exp(min(x, 0)) r`` and ``sech2 = 1 - tanh(softplus(x))^2``.

    ``tanh(log(1 + e^x)) = 1 - 2 / ((1 + e^x)^2 + 1)`` gives ``r = 1 - 2w^2 / D`` with
    ``D = 1 + 2w + 2w^2`` for ``x >= 0``, and ``r = 1 - (w + w^2) / D`` with
    ``D = 2 + 2w + w^2`` for ``x < 0``: no overflow, only small terms taken from 1.
    Then ``sech2 = (2 (1 + w) m / D)^2``, ``m = w`` for ``x >= 0`` and 1 for ``x < 0``.
    """
    w = np.exp(-np.abs(x))
    right = x >= 0
    square = _two_product(w, w)
    c = np.where(right, 2.0, 1.0)  # the coefficient of w^2; c * square is exact
    c_square = (c * square[0], c * square[1])
    denominator = _dd_plus(_two_sum(np.where(right, 1.0, 2.0), 2 * w), c_square)
    numerator = _dd_plus((np.where(right, 0.0, w), 0.0), c_square)
    one_plus_w = _two_sum(1.0, w)
    sech = _dd_divide(_dd_times(one_plus_w, (2 * np.where(right, w, 1.0), 0.0)), denominator)
    r = _dd_minus(_ONE, _dd_divide(numerator, denominator))
    return r, _dd_times(sech, sech), one_plus_w


@elementwise
@_in_float64
def mish(x: ArrayLike) -> Result:
    """Mish, ``x * tanh(softplus(x))``.

    Examples
    --------
    >>> mish([0.0, 1.0])
    array([0.        , 0.86509839])
    """
    r, _, _ = _tanh_softplus(x)
    y = _signed_like(x, _times_exp(_dd_times(_dd(x), r), _dd(np.minimum(x, 0))))
    return _at_infinity(x, y, -0.0, np.inf)


@elementwise
@_in_float64
def mish_grad(x: ArrayLike) -> Result:
    """Derivative of `mish`: ``t + x * sigmoid(x) * (1 - t**2)`` with ``t = tanh(softplus(x))``.

    Examples
    --------
    >>> mish_grad([-np.inf, 0.0, np.inf])
    array([0. , 0.6, 1. ])
    """
    r, sech2, one_plus_w = _tanh_softplus(x)
    factor = _dd_plus(r, _dd_divide(_dd_times(_dd(x), sech2), one_plus_w))
    return _at_infinity(x, _times_exp(factor, _dd(np.minimum(x, 0))), 0.0, 1.0)


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
