"""Accuracy of `relu_lib.reference` against correctly rounded values, computed with mpmath.

Parity with torch (``test_reference.py``) shows that two programs agree; this file shows
that the reference is right. Each function is evaluated on a fixed grid in float32 and
float64 and compared with the exact value of the mathematical function at the same
(exactly representable) input, computed by mpmath with ``2p + 30`` bits (136 for
float64), in formulas that do not cancel.

The error is counted in units in the last place of the exact value ``v``::

    err = |computed - v| / ulp(v),   ulp(v) = 2**(max(e, emin) - p + 1) for 2**e <= |v| < 2**(e+1)

(``p`` = 24 or 53 bits, ``emin`` = -126 or -1022: in the subnormals an ulp is the smallest
subnormal). An exact value beyond the largest finite number must come out as an infinity
of its sign.

Bounds, stated once:

* values: at most ``VALUE_ULPS`` = 4 ulp, every function, both dtypes, the whole grid;
* derivatives: at most ``GRAD_ULPS`` = 4 ulp of the *largest term* of the derivative's
  formula (``Phi(x)`` and ``x phi(x)`` for GELU, ``s`` and ``x s (1 - s)`` for SiLU...).
  That is the looser bound: where a derivative crosses zero (GELU near -0.75, SiLU near
  -1.28, Mish near -1.19) it is a difference of two terms of size about 1/4, and its error
  is a few ulp of those terms, not of the tiny difference. Elsewhere the largest term is
  the derivative itself to within a factor of 2, and the bound is 4 ulp of it.

The grid, about 2000 points a dtype, covers every binade (``geomspace`` from the smallest
subnormal to the largest finite number, both signs), a linear grid on [-50, 50] (step
1/12), x = -6.3, and the bands where ``e^x`` (float64: x in [-745, -708]; float32: x in
[-104, -87]) or GELU (x in [-39, -36]) leave the normal numbers. ``python tests/test_accuracy.py`` prints the worst error of every
function and where it occurs.

Parameters that the functions read as their own arguments (``negative_slope``, ``alpha``,
``beta``...) are taken as the binary numbers they are, e.g. 0.01 is the double nearest to
0.01. The tanh form of GELU is measured against ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715
x^3)))`` with exact ``sqrt(2/pi)`` and 0.044715. Softplus follows torch: ``x`` itself once
``beta * x > threshold`` (exact there), ``log(1 + exp(beta x)) / beta`` below.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pytest

from relu_lib import reference as ref

mpmath = pytest.importorskip("mpmath")
mp = mpmath.mp

VALUE_ULPS = 4.0
GRAD_ULPS = 4.0
DTYPES = (np.float32, np.float64)
# exp(z) for |z| > FAR is taken as 0 or inf: exp(-1e4) ~ 1e-4343 is far below every
# subnormal, and mpmath is slow on (and its erfc refuses) such arguments.
FAR = 1e4

Exact = Callable[[mpmath.mpf], mpmath.mpf]


def _exp(z):
    if abs(z) <= FAR:
        return mpmath.exp(z)
    return mpmath.inf if z > 0 else mpmath.mpf(0)


def _sigmoid(z):
    return 1 / (1 + _exp(-z))


def _phi(x):  # the standard normal density
    return _exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)


def _big_phi(x):  # the standard normal distribution function
    if abs(x) > FAR:
        return mpmath.mpf(x > 0)
    return mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def _expm1(x):
    return mpmath.expm1(x) if x > -FAR else mpmath.mpf(-1)


def _tanh_gelu_argument(x):  # 2z, z = sqrt(2/pi) (x + 0.044715 x^3)
    return 2 * mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf("0.044715") * x**3)


def _tanh_gelu_slope(x):  # d(2z)/dx
    return 2 * mpmath.sqrt(2 / mpmath.pi) * (1 + 3 * mpmath.mpf("0.044715") * x**2)


def _softplus(x, beta=1, threshold=20):
    if x * beta > threshold:
        return x
    return mpmath.log1p(_exp(beta * x)) / beta


def _tanh_softplus(x):
    return mpmath.tanh(mpmath.log1p(_exp(x)))


def _sech2_softplus(x):  # 1 - tanh(softplus(x))**2, without cancellation
    return mpmath.sech(mpmath.log1p(_exp(x))) ** 2


SCALE, ALPHA = mpmath.mpf(ref.SELU_SCALE), mpmath.mpf(ref.SELU_ALPHA)
SLOPE, ELU_ALPHA, BETA = mpmath.mpf(0.01), mpmath.mpf(0.3), mpmath.mpf(0.3)
partial = functools.partial

# name: (reference function, its derivative, exact value, exact derivative as a list of
#        terms: their sum is the derivative, the largest sets the derivative's error bound)
CASES: dict[str, tuple[Callable, Callable, Exact, Callable]] = {
    "relu": (ref.relu, ref.relu_grad,
             lambda x: max(x, 0), lambda x: [mpmath.mpf(x > 0)]),
    "leaky_relu": (ref.leaky_relu, ref.leaky_relu_grad,
                   lambda x: x if x > 0 else SLOPE * x,
                   lambda x: [mpmath.mpf(1) if x > 0 else SLOPE]),
    "prelu(0.25)": (partial(ref.prelu, weight=0.25), partial(ref.prelu_grad, weight=0.25),
                    lambda x: x if x > 0 else x / 4,
                    lambda x: [mpmath.mpf(1 if x > 0 else 0.25)]),
    "elu": (ref.elu, ref.elu_grad,
            lambda x: x if x > 0 else _expm1(x),
            lambda x: [mpmath.mpf(1) if x > 0 else _exp(x)]),
    "elu(0.3)": (partial(ref.elu, alpha=0.3), partial(ref.elu_grad, alpha=0.3),
                 lambda x: x if x > 0 else ELU_ALPHA * _expm1(x),
                 lambda x: [mpmath.mpf(1) if x > 0 else ELU_ALPHA * _exp(x)]),
    "selu": (ref.selu, ref.selu_grad,
             lambda x: SCALE * (x if x > 0 else ALPHA * _expm1(x)),
             lambda x: [SCALE * (1 if x > 0 else ALPHA * _exp(x))]),
    "gelu": (ref.gelu, ref.gelu_grad,
             lambda x: x * _big_phi(x), lambda x: [_big_phi(x), x * _phi(x)]),
    "gelu(tanh)": (partial(ref.gelu, approximate="tanh"),
                   partial(ref.gelu_grad, approximate="tanh"),
                   lambda x: x * _sigmoid(_tanh_gelu_argument(x)),
                   lambda x: [_sigmoid(_tanh_gelu_argument(x)),
                              x * _sigmoid(_tanh_gelu_argument(x))
                              * _sigmoid(-_tanh_gelu_argument(x)) * _tanh_gelu_slope(x)]),
    "silu": (ref.silu, ref.silu_grad,
             lambda x: x * _sigmoid(x), lambda x: [_sigmoid(x), x * _sigmoid(x) * _sigmoid(-x)]),
    "softplus": (ref.softplus, ref.softplus_grad,
                 _softplus, lambda x: [_sigmoid(x) if x <= 20 else mpmath.mpf(1)]),
    "softplus(0.3, 5)": (partial(ref.softplus, beta=0.3, threshold=5.0),
                         partial(ref.softplus_grad, beta=0.3, threshold=5.0),
                         lambda x: _softplus(x, BETA, 5),
                         lambda x: [_sigmoid(BETA * x) if BETA * x <= 5 else mpmath.mpf(1)]),
    "mish": (ref.mish, ref.mish_grad,
             lambda x: x * _tanh_softplus(x),
             lambda x: [_tanh_softplus(x), x * _sigmoid(x) * _sech2_softplus(x)]),
    "relu6": (ref.relu6, ref.relu6_grad,
              lambda x: min(max(x, 0), 6), lambda x: [mpmath.mpf(0 < x < 6)]),
}


def grid(dtype) -> np.ndarray:
    """Every binade of both signs, a linear grid, and the bands where results go subnormal."""
    info = np.finfo(dtype)
    with np.errstate(over="ignore"):  # geomspace's last step overshoots; it sets max itself
        binades = np.geomspace(float(info.smallest_subnormal), float(info.max), 400)
    bands = [np.linspace(-50, 50, 1201), np.linspace(-745, -700, 46),
             np.linspace(-104, -86, 37), np.linspace(-39, -36, 31), [-6.3]]
    return np.unique(np.concatenate([-binades, [0.0], binades, *bands]).astype(dtype))


def ulp(v, dtype):
    """The unit in the last place of the exact value `v` in `dtype` (subnormal-aware)."""
    info = np.finfo(dtype)
    p, emin = info.nmant + 1, info.minexp
    e = emin if v == 0 else max(emin, int(mpmath.floor(mpmath.log(abs(v), 2))))
    return mpmath.ldexp(1, e - p + 1)


def ulp_error(computed: float, exact, scale, dtype) -> float:
    """``|computed - exact|`` in ulps of `scale`; an infinity must be the rounded `exact`."""
    if not np.isfinite(computed):
        with np.errstate(over="ignore"):
            return 0.0 if dtype(float(exact)) == computed else np.inf
    return float(abs(mpmath.mpf(computed) - exact) / ulp(scale, dtype))


def exact_table(name: str, dtype) -> tuple[np.ndarray, list, list, list]:
    """The grid, and on it the exact values, derivatives and derivative scales."""
    _, _, value, terms = CASES[name]
    x = grid(dtype)
    values, grads, scales = [], [], []
    with mp.workprec(2 * (np.finfo(dtype).nmant + 1) + 30):
        for t in map(mpmath.mpf, x.tolist()):
            parts = terms(t)
            values.append(value(t))
            grads.append(mpmath.fsum(parts))
            scales.append(max(abs(grads[-1]), *map(abs, parts)))
    return x, values, grads, scales


@pytest.fixture(scope="module")
def exact() -> Callable[[str, type], tuple[np.ndarray, list, list, list]]:
    """`exact_table`, each table computed once per module (mpmath takes ~30 us a point)."""
    return functools.cache(exact_table)


def worst(computed: np.ndarray, exact: list, scales: list, x: np.ndarray, dtype):
    """The largest ulp error and the input where it occurs."""
    errors = [ulp_error(c, e, s, dtype) for c, e, s in zip(computed.tolist(), exact, scales)]
    i = int(np.argmax(errors))
    return errors[i], x[i]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", CASES)
def test_values_are_within_4_ulp_of_correctly_rounded(exact, name, dtype, record_property):
    x, values, _, _ = exact(name, dtype)
    computed = CASES[name][0](x)
    assert computed.dtype == dtype
    error, where = worst(computed, values, values, x, dtype)
    report = f"{name} {dtype.__name__}: worst {error:.3g} ulp at x={where!r}"
    record_property("worst_ulp", report)
    print(report)
    assert error <= VALUE_ULPS, report


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", CASES)
def test_derivatives_are_within_4_ulp_of_their_largest_term(exact, name, dtype,
                                                            record_property):
    x, _, grads, scales = exact(name, dtype)
    computed = CASES[name][1](x)
    assert computed.dtype == dtype
    error, where = worst(computed, grads, scales, x, dtype)
    report = f"{name}' {dtype.__name__}: worst {error:.3g} ulp at x={where!r}"
    record_property("worst_ulp", report)
    print(report)
    assert error <= GRAD_ULPS, report


if __name__ == "__main__":  # the table of worst errors
    for case in CASES:
        for dt in DTYPES:
            grid_x, exact_values, exact_grads, grad_scales = exact_table(case, dt)
            v_err, v_at = worst(CASES[case][0](grid_x), exact_values, exact_values, grid_x, dt)
            g_err, g_at = worst(CASES[case][1](grid_x), exact_grads, grad_scales, grid_x, dt)
            print(f"{case:18s} {dt.__name__:8s} value {v_err:9.3g} ulp at {v_at!r:24s} "
                  f"derivative {g_err:9.3g} ulp at {g_at!r}")
