"""Tests of `relu_lib.reference`: parity with torch, limits, derivatives, laws, input handling.

Torch is the oracle at finite inputs and NaN only. At +-inf the values and derivatives are
the mathematical limits, stated in tables (`VALUE_LIMITS`, `DERIVATIVE_LIMITS`): torch is no oracle
there, as its vectorised CPU kernels give NaN for GELU, SiLU and Mish at -inf on some CPUs
(AVX512) and not on others. How close the reference is to the exact values is measured
against mpmath in ``test_accuracy.py``.

Parity tolerance, per dtype: ``|ours - torch| <= RTOL * |torch| + ATOL`` (eps: machine epsilon)

    float64: RTOL = 8 eps = 1.8e-15, ATOL = 64 eps = 1.4e-14
    float32: RTOL = 8 eps = 9.5e-7,  ATOL = 64 eps = 7.6e-6
    float16: RTOL = 2 eps = 2.0e-3,  ATOL = 2e-6 (33 steps of the smallest subnormal)

The ATOL covers cancellation where a derivative crosses 0 (GELU near -0.75, SiLU near
-1.28, Mish near -1.19) and torch's own tails: its GELU forms ``1 + erf(x / sqrt 2)`` and
``1 + tanh(...)``, which cancel for x << 0 (the reference does not), so there torch is off
by about ``|x| * eps`` in absolute terms. Elsewhere the results agree to a few ulp.
"""
from __future__ import annotations

import dataclasses
import doctest
import functools
import math
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import relu_lib
from relu_lib import _checks, reference
from relu_lib.reference import (
    ACTIVATIONS, PROPERTIES, SELU_ALPHA, SELU_SCALE, Activation, elu, elu_grad, gelu, gelu_grad,
    leaky_relu, leaky_relu_grad, mish, mish_grad, prelu, prelu_grad, prelu_grad_weight,
    property_table, relu, relu6, relu6_grad, relu_grad, selu, selu_grad, silu, silu_grad,
    softplus, softplus_grad,
)

FLOATS = (np.float16, np.float32, np.float64)
EPS = {dtype: float(np.finfo(dtype).eps) for dtype in FLOATS}
TOLERANCE = {  # dtype: (rtol, atol), see the module docstring
    np.float64: (8 * EPS[np.float64], 64 * EPS[np.float64]),
    np.float32: (8 * EPS[np.float32], 64 * EPS[np.float32]),
    np.float16: (2 * EPS[np.float16], 2e-6),
}

partial = functools.partial
# name: (function, derivative, the same function in torch.nn.functional)
CASES = {
    "relu": (relu, relu_grad, lambda F, t: F.relu(t)),
    "leaky_relu": (leaky_relu, leaky_relu_grad, lambda F, t: F.leaky_relu(t)),
    "leaky_relu(0.2)": (partial(leaky_relu, negative_slope=0.2),
                        partial(leaky_relu_grad, negative_slope=0.2),
                        lambda F, t: F.leaky_relu(t, 0.2)),
    "prelu(0.25)": (partial(prelu, weight=0.25), partial(prelu_grad, weight=0.25),
                    lambda F, t: F.prelu(t, t.new_tensor([0.25]))),
    "elu": (elu, elu_grad, lambda F, t: F.elu(t)),
    "elu(2)": (partial(elu, alpha=2.0), partial(elu_grad, alpha=2.0), lambda F, t: F.elu(t, 2.0)),
    "selu": (selu, selu_grad, lambda F, t: F.selu(t)),
    "gelu": (gelu, gelu_grad, lambda F, t: F.gelu(t)),
    "gelu(tanh)": (partial(gelu, approximate="tanh"), partial(gelu_grad, approximate="tanh"),
                   lambda F, t: F.gelu(t, approximate="tanh")),
    "silu": (silu, silu_grad, lambda F, t: F.silu(t)),
    "softplus": (softplus, softplus_grad, lambda F, t: F.softplus(t)),
    "softplus(2, 10)": (partial(softplus, beta=2.0, threshold=10.0),
                        partial(softplus_grad, beta=2.0, threshold=10.0),
                        lambda F, t: F.softplus(t, 2.0, 10.0)),
    "mish": (mish, mish_grad, lambda F, t: F.mish(t)),
    "relu6": (relu6, relu6_grad, lambda F, t: F.relu6(t)),
}
KINKS = {"relu": [0.0], "leaky_relu": [0.0], "leaky_relu(0.2)": [0.0], "prelu(0.25)": [0.0],
         "elu": [0.0], "elu(2)": [0.0], "selu": [0.0], "softplus": [20.0],
         "softplus(2, 10)": [5.0], "relu6": [0.0, 6.0]}
# Every public function, called with its required extra arguments.
PUBLIC = {
    name: partial(getattr(reference, name), weight=0.25) if name.startswith("prelu")
    else getattr(reference, name)
    for name in reference.__all__ if callable(getattr(reference, name))
    and name not in ("Activation", "property_table")
}
# Those whose result has the shape of x (prelu_grad_weight's has the shape of the weight).
ELEMENTWISE = {name: f for name, f in PUBLIC.items() if name != "prelu_grad_weight"}


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def torch_value_and_grad(torch, torch_fn, x):
    """torch's value and autograd derivative (ones upstream) at a NumPy array `x`."""
    t = torch.from_numpy(np.array(x)).requires_grad_(True)
    y = torch_fn(torch.nn.functional, t)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()


def hard_inputs(dtype) -> np.ndarray:
    """Signed zeros, subnormals, extremes, NaN, a dense grid, and every kink +- a few ulp.

    No infinities: there the expected values are the limits, not torch's (see the docstring).
    """
    info = np.finfo(dtype)
    special = [0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal, info.tiny,
               -info.tiny, info.max, -info.max, np.nan]
    wide = np.geomspace(info.tiny, info.max / 2, 300)
    near_kinks = [k + i * np.spacing(dtype(max(k, 1.0))) for k in (0.0, 5.0, 6.0, 20.0)
                  for i in range(-3, 4)]
    values = np.concatenate([special, wide, -wide, np.linspace(-12, 12, 2401), near_kinks])
    return values.astype(dtype)


def assert_matches_torch(ours, theirs, dtype, zero_sign=True):
    assert ours.dtype == dtype and ours.shape == theirs.shape
    a, b = ours.astype(np.float64), theirs.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg="NaN positions")
    infinite = np.isinf(b) | np.isinf(a)
    np.testing.assert_array_equal(a[infinite], b[infinite], err_msg="infinities")
    rtol, atol = TOLERANCE[dtype]
    finite = np.isfinite(b) & np.isfinite(a)
    np.testing.assert_allclose(a[finite], b[finite], rtol=rtol, atol=atol)
    if zero_sign:
        zeros = (a == 0) & (b == 0)
        np.testing.assert_array_equal(np.signbit(a[zeros]), np.signbit(b[zeros]),
                                      err_msg="sign of zero")


# --- parity with torch ------------------------------------------------------------------

def where_torch_is_an_oracle(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of `x` for the values and the derivatives: all but the huge inputs where an
    intermediate of torch's kernel overflows. There torch's float32 GELU gives inf for
    ``x > max / 2`` (``x * (1 + erf)``), and the derivative of tanh-GELU NaN once ``x**2``
    overflows (``|x| > 1.8e19`` in float32, ``1.3e154`` in float64); the reference gives
    ``x`` and the limits 0 and 1, checked in ``test_accuracy.py``. Derivatives at NaN
    differ by design (torch: 1 or the slope for the piecewise functions)."""
    big = float(np.finfo(np.promote_types(x.dtype, np.float32)).max)
    size = np.abs(x.astype(np.float64))
    value_oracle = ~(size >= big / 2) if name == "gelu" else np.ones(x.shape, bool)
    grad_oracle = np.isfinite(x) & (size < math.sqrt(big) if name == "gelu(tanh)" else True)
    return value_oracle, grad_oracle


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", CASES)
def test_values_and_derivatives_match_torch_on_finite_hard_inputs_and_nan(torch, name, dtype):
    function, derivative, torch_fn = CASES[name]
    x = hard_inputs(dtype)
    value, grad = torch_value_and_grad(torch, torch_fn, x)
    # torch's float32 exact GELU returns +0.0 where it underflows from below (and at -0.0);
    # its float16/float64 kernels, like ours in every dtype, return -0.0 there.
    # relu's (and so relu6's) zero sign is NumPy's: see test_relu_of_minus_zero_is_zero_...
    exact_zero_sign = (name, dtype) != ("gelu", np.float32) and name not in ("relu", "relu6")
    value_oracle, grad_oracle = where_torch_is_an_oracle(name, x)
    assert_matches_torch(function(x)[value_oracle], value[value_oracle], dtype,
                         zero_sign=exact_zero_sign)
    assert_matches_torch(derivative(x)[grad_oracle], grad[grad_oracle], dtype, zero_sign=False)


@pytest.mark.parametrize("name", CASES)
def test_empty_and_zero_dim_inputs_match_torch(torch, name):
    function, derivative, torch_fn = CASES[name]
    for x in (np.zeros((0, 3)), np.array(-1.25), np.array(0.5, dtype=np.float32)):
        value, grad = torch_value_and_grad(torch, torch_fn, x)
        assert_matches_torch(np.asarray(function(x)), value, x.dtype.type)
        assert_matches_torch(np.asarray(derivative(x)), grad, x.dtype.type, zero_sign=False)


@pytest.mark.parametrize("name", CASES)
def test_non_contiguous_views_match_torch(torch, name):
    function, derivative, torch_fn = CASES[name]
    base = np.linspace(-7, 7, 4 * 6 * 5).reshape(4, 6, 5)
    for view in (base[::2], base.transpose(2, 0, 1), base[:, ::-3, 1]):
        value, grad = torch_value_and_grad(torch, torch_fn, view)
        assert_matches_torch(function(view), value, np.float64)
        assert_matches_torch(derivative(view), grad, np.float64, zero_sign=False)


@pytest.mark.parametrize("dtype", (np.int8, np.int32, np.int64, np.uint8), ids=str)
@pytest.mark.parametrize("function", (relu, relu6))
def test_relu_and_relu6_keep_integer_dtype_like_torch(torch, function, dtype):
    x = np.array([-100, -1, 0, 1, 5, 6, 7, 100]).astype(dtype)
    expected = getattr(torch.nn.functional, function.__name__)(torch.from_numpy(x)).numpy()
    result = function(x)
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("shape, weight_shape", [((5,), (1,)), ((2, 3), (3,)), ((2, 3, 4), (3,)),
                                                 ((2, 3, 4, 5), (1,)), ((0, 3), (3,))])
def test_prelu_per_channel_value_and_both_gradients_match_torch(torch, shape, weight_shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    x.flat[::7] = 0.0
    weight = rng.uniform(0.0, 1.0, size=weight_shape)
    t = torch.from_numpy(x).requires_grad_(True)
    w = torch.from_numpy(weight).requires_grad_(True)
    y = torch.nn.functional.prelu(t, w)
    y.sum().backward()
    assert_matches_torch(prelu(x, weight), y.detach().numpy(), np.float64)
    assert_matches_torch(prelu_grad(x, weight), t.grad.numpy(), np.float64)
    assert_matches_torch(prelu_grad_weight(x, weight), w.grad.numpy(), np.float64)


def test_softplus_steps_down_at_its_threshold_like_torch(torch):
    x = np.array([20.0, np.nextafter(20.0, np.inf)])
    expected = torch.nn.functional.softplus(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(softplus(x), expected)
    assert softplus(x[0]) - softplus(x[1]) == pytest.approx(math.log1p(math.exp(-20)), rel=1e-6)


# --- derivatives ------------------------------------------------------------------------

CONVENTIONS = [  # derivative, x, value: torch's choices at the kinks
    (relu_grad, 0.0, 0.0), (relu_grad, -0.0, 0.0), (relu6_grad, 0.0, 0.0), (relu6_grad, 6.0, 0.0),
    (leaky_relu_grad, 0.0, 0.01), (partial(prelu_grad, weight=0.3), 0.0, 0.3),
    (elu_grad, 0.0, 1.0), (partial(elu_grad, alpha=2.0), 0.0, 2.0),
    (selu_grad, 0.0, SELU_SCALE * SELU_ALPHA), (softplus_grad, 20.0, 1 / (1 + math.exp(-20))),
    (softplus_grad, np.nextafter(20.0, 21), 1.0), (gelu_grad, 0.0, 0.5),
    (silu_grad, 0.0, 0.5), (mish_grad, 0.0, 0.6),
]


@pytest.mark.parametrize("derivative, x, expected", CONVENTIONS)
def test_derivative_at_kink_follows_torch_convention(derivative, x, expected):
    assert derivative(x) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("at_zero", [0.0, 0.25, 1.0])
def test_relu_grad_at_zero_picks_the_subgradient(at_zero):
    np.testing.assert_array_equal(relu_grad([-1.0, 0.0, -0.0, 2.0], at_zero=at_zero),
                                  [0.0, at_zero, at_zero, 1.0])


@pytest.mark.parametrize("at_zero", [-0.1, 1.5, np.nan, np.inf])
def test_relu_grad_rejects_at_zero_outside_unit_interval(at_zero):
    with pytest.raises(ValueError, match=r"at_zero.*\[0, 1\]"):
        relu_grad(0.0, at_zero=at_zero)


# name: (f(-inf), f(+inf)) and (f'(-inf), f'(+inf)): the mathematical limits, in every dtype.
VALUE_LIMITS = {
    "relu": (0, np.inf), "leaky_relu": (-np.inf, np.inf), "leaky_relu(0.2)": (-np.inf, np.inf),
    "prelu(0.25)": (-np.inf, np.inf), "elu": (-1, np.inf), "elu(2)": (-2, np.inf),
    "selu": (-SELU_SCALE * SELU_ALPHA, np.inf), "gelu": (0, np.inf), "gelu(tanh)": (0, np.inf),
    "silu": (0, np.inf), "softplus": (0, np.inf), "softplus(2, 10)": (0, np.inf),
    "mish": (0, np.inf), "relu6": (0, 6),
}
DERIVATIVE_LIMITS = {
    "relu": (0, 1), "leaky_relu": (0.01, 1), "leaky_relu(0.2)": (0.2, 1),
    "prelu(0.25)": (0.25, 1), "elu": (0, 1), "elu(2)": (0, 1), "selu": (0, SELU_SCALE),
    "gelu": (0, 1), "gelu(tanh)": (0, 1), "silu": (0, 1), "softplus": (0, 1),
    "softplus(2, 10)": (0, 1), "mish": (0, 1), "relu6": (0, 0),
}
# Lengths around any SIMD width, and a strided view: no code path may differ at infinity.
LENGTHS = (1, 7, 33, 64)


def infinities_and_nan(dtype, length):
    """``[-inf, inf, nan]`` repeated to `length`, contiguous, and as every other element."""
    pattern = np.resize(np.array([-np.inf, np.inf, np.nan], dtype=dtype), 2 * length)
    return pattern[:length], np.repeat(pattern[:length], 2)[::2]


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("kind", ["value", "derivative"])
def test_value_and_derivative_are_their_limits_at_infinity_and_nan_at_nan(kind, name, dtype):
    function = CASES[name][0 if kind == "value" else 1]
    limits = (VALUE_LIMITS if kind == "value" else DERIVATIVE_LIMITS)[name]
    for length in LENGTHS:
        expected = np.resize(np.array([*limits, np.nan], dtype=dtype), length)
        for x in infinities_and_nan(dtype, length):
            result = function(x)
            assert result.dtype == dtype
            np.testing.assert_array_equal(result, expected, err_msg=f"length {length}")


def test_zero_slope_gives_zero_not_nan_at_minus_infinity():
    # slope * x is 0 for every x < 0, so its limit is 0, where -inf * 0 would be NaN
    x = np.array([[-np.inf, -2.0], [-np.inf, 3.0]])
    np.testing.assert_array_equal(leaky_relu(x, negative_slope=0.0), [[0, 0], [0, 3]])
    np.testing.assert_array_equal(prelu(x, [0.0, 0.5]), [[0, -1], [0, 3]])
    np.testing.assert_array_equal(prelu(x.T, [0.0, 0.5]), [[0, -np.inf], [0, 3]])
    assert leaky_relu(-np.inf, negative_slope=-0.5) == np.inf


@pytest.mark.parametrize("name", CASES)
def test_derivative_matches_central_differences_away_from_kinks(name):
    function, derivative = CASES[name][:2]
    x = np.linspace(-9, 25, 3401) + 1e-4
    for kink in KINKS.get(name, []):
        x = x[np.abs(x - kink) > 1e-3]
    h = 1e-6 * np.maximum(1, np.abs(x))
    central = (function(x + h) - function(x - h)) / (2 * h)
    np.testing.assert_allclose(derivative(x), central, rtol=1e-7, atol=1e-8)


def test_prelu_grad_weight_collects_the_negative_part_per_channel():
    x = np.array([[[-1.0, 2.0], [3.0, -4.0]], [[-0.5, 0.0], [np.inf, 1.0]]])
    np.testing.assert_array_equal(prelu_grad_weight(x, [0.1, 0.2]), [-1.5, -4.0])
    assert prelu_grad_weight(x, 0.1) == -5.5


# --- laws -------------------------------------------------------------------------------

finite_arrays = hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6),
                           elements=st.floats(allow_nan=False, allow_infinity=False))


def assert_identical(a, b):
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


# The laws hold as equalities of numbers (-0.0 == 0.0), since relu's zero sign is NumPy's.

@given(finite_arrays)
def test_relu_of_x_minus_relu_of_minus_x_is_x(x):
    np.testing.assert_array_equal(relu(x) - relu(-x), x)


@given(finite_arrays)
def test_relu_of_x_plus_relu_of_minus_x_is_abs_x(x):
    np.testing.assert_array_equal(relu(x) + relu(-x), np.abs(x))


@given(finite_arrays, st.floats(min_value=0, allow_infinity=False))
def test_relu_is_positively_homogeneous(x, a):
    with np.errstate(over="ignore"):  # a * x may overflow to inf, on both sides alike
        np.testing.assert_array_equal(relu(a * x), a * relu(x))


@given(finite_arrays)
def test_relu_is_idempotent(x):
    assert_identical(relu(relu(x)), relu(x))


@given(finite_arrays, st.floats(min_value=0, max_value=1))
def test_leaky_relu_and_scalar_prelu_are_max_of_x_and_slope_x(x, slope):
    expected = np.where(x > 0, x, slope * x)
    assert_identical(leaky_relu(x, slope), expected)
    assert_identical(prelu(x, slope), expected)
    np.testing.assert_array_equal(expected, np.maximum(x, slope * x))


@given(finite_arrays)
def test_relu6_is_relu_capped_at_six(x):
    assert_identical(relu6(x), np.minimum(relu(x), 6.0))


# --- input handling ---------------------------------------------------------------------

BAD_INPUTS = {
    "str": "1.0", "None": None, "bytes": b"1", "str array": np.array(["a"]),
    "object array": np.array([1.0, None]), "complex": 1 + 2j, "complex array": np.array([1j]),
    "ragged list": [1.0, [2.0, 3.0]], "bool": True, "bool array": np.array([True, False]),
    "datetime": np.array(["2024-01-01"], dtype="datetime64[D]"),
}


@pytest.mark.parametrize("bad", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
@pytest.mark.parametrize("name", PUBLIC)
def test_bad_input_raises_type_error_naming_function(name, bad):
    with pytest.raises(TypeError, match=rf"^{name}\(\) accepts real numbers"):
        PUBLIC[name](bad)


def test_complex_input_error_says_relu_is_not_defined_on_complex_numbers():
    with pytest.raises(TypeError, match="not defined on complex"):
        relu(np.array([1 + 1j]))


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", PUBLIC)
def test_float_dtype_is_preserved(name, dtype):
    result = PUBLIC[name](np.array([-1.5, 0.0, 2.5], dtype=dtype))
    assert result.dtype == dtype


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - {"relu", "relu6"}))
def test_integers_are_promoted_to_float64(name):
    function = PUBLIC[name]
    result = function(np.array([-3, 0, 2], dtype=np.int32))
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, function(np.array([-3.0, 0.0, 2.0])))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_scalar_input_gives_numpy_scalar_of_same_value(name):
    function = PUBLIC[name]
    for scalar, dtype in ((-1.5, np.float64), (np.float32(2.5), np.float32),
                          (np.array(0.5, dtype=np.float16), np.float16)):
        result = function(scalar)
        assert isinstance(result, np.generic) and result.dtype == dtype
        assert_identical(result, function(np.array([scalar], dtype=dtype))[0])
    assert relu(-3) == 0 and isinstance(relu(3), np.int64)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nested_lists_and_empty_arrays_keep_their_shape(name):
    function = PUBLIC[name]
    nested = [[-2.0, 0.5], [3.0, -0.0]]
    assert_identical(function(nested), function(np.array(nested)))
    for shape in ((0,), (2, 0, 3)):
        result = function(np.zeros(shape, dtype=np.float32))
        assert result.shape == shape and result.dtype == np.float32


@pytest.mark.parametrize("name", PUBLIC)
def test_input_is_left_unchanged(name):
    x = np.array([-2.0, -0.0, 0.0, 3.0, np.nan, np.inf])
    before = x.copy()
    PUBLIC[name](x)
    assert_identical(x, before)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_minus_zero_maps_to_minus_zero_except_softplus(dtype):
    zeros = np.array([-0.0, 0.0], dtype=dtype)
    for name in ("leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "mish"):
        assert_identical(PUBLIC[name](zeros), zeros)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_relu_of_minus_zero_is_zero_of_either_sign(dtype):
    # one np.maximum pass decides the sign (torch gives -0.0); as numbers the results are equal
    for function in (relu, relu6):
        result = function(np.array([-0.0, 0.0], dtype=dtype))
        np.testing.assert_array_equal(result, [0.0, 0.0])
        assert not np.signbit(result[1])


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        gelu(1.0, approximate="sigmoid")


@pytest.mark.parametrize("x_shape, weight_shape", [((2, 3), (2,)), ((5,), (5,)), ((2, 3), (3, 1))])
def test_prelu_rejects_weight_that_does_not_fit_the_channels(x_shape, weight_shape):
    with pytest.raises(ValueError, match="one per channel"):
        prelu(np.ones(x_shape), np.ones(weight_shape))


def test_prelu_casts_weight_to_the_dtype_of_x_before_multiplying():
    x = -np.random.default_rng(1).uniform(1, 2, size=1000).astype(np.float32)
    result = prelu(x, np.array([0.1]))
    assert result.dtype == np.float32
    assert_identical(result, x * np.float32(0.1))


# --- relu(x, out=...) -------------------------------------------------------------------

def test_relu_out_is_filled_and_returned():
    out = np.full(4, 7.0)
    result = relu(np.array([-1.0, -0.0, 2.0, np.nan]), out=out)
    assert result is out
    np.testing.assert_array_equal(out, np.array([0.0, 0.0, 2.0, np.nan]))


def test_relu_out_equal_to_x_rectifies_in_place_even_for_a_view():
    base = np.arange(-6.0, 6.0)
    view = base[::2]
    assert relu(view, out=view) is view
    np.testing.assert_array_equal(base, [0, -5, 0, -3, 0, -1, 0, 1, 2, 3, 4, 5])


def test_relu_out_on_zero_dim_input_returns_the_array():
    out = np.empty(())
    assert relu(-2.0, out=out) is out and out == 0


def test_relu_with_out_allocates_no_float_temporaries():
    x = np.linspace(-1, 1, 1_000_000)
    out = np.empty_like(x)
    tracemalloc.start()
    try:
        relu(x, out=out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4096  # x is 8 MB: nothing of its size is allocated


@pytest.mark.parametrize("out, error, match", [
    (np.empty(4), ValueError, "shape"), (np.empty(3, dtype=np.float32), TypeError, "dtype"),
    ([0.0, 0.0, 0.0], TypeError, "NumPy array"), (np.empty(3)[None], ValueError, "shape"),
])
def test_relu_rejects_bad_out(out, error, match):
    with pytest.raises(error, match=rf"^relu\(\): out .*{match}"):
        relu(np.array([-1.0, 0.0, 1.0]), out=out)


def test_relu_rejects_read_only_out():
    out = np.empty(2)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        relu([1.0, -1.0], out=out)


# --- the property table -----------------------------------------------------------------

def test_activations_cover_the_ten_functions_and_are_read_only():
    assert list(ACTIVATIONS) == ["relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu",
                                 "softplus", "mish", "relu6"]
    with pytest.raises(TypeError):
        ACTIVATIONS["relu"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        ACTIVATIONS["relu"].smooth = True


def test_property_table_rows_hold_name_and_properties():
    rows = property_table()
    assert [row["name"] for row in rows] == list(ACTIVATIONS)
    for row, act in zip(rows, ACTIVATIONS.values()):
        assert list(row) == ["name", *PROPERTIES]
        assert all(row[p] is getattr(act, p) for p in PROPERTIES)
    assert property_table({"x": ACTIVATIONS["elu"]})[0]["name"] == "elu"


ACTS = list(ACTIVATIONS.values())
ACT_IDS = list(ACTIVATIONS)
WIDE = np.geomspace(1e-300, 1e300, 601)
GRID = np.unique(np.concatenate([-WIDE, [0.0], WIDE, np.linspace(-50, 50, 100_001)]))


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
def test_zero_centred_means_zero_mean_output_for_standard_normal_input(act: Activation):
    z = np.linspace(-12, 12, 240_001)
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy < 2 has only trapz
    mean = trapezoid(act.function(z) * np.exp(-z * z / 2), z) / math.sqrt(2 * math.pi)
    assert (abs(mean) < 1e-6) == act.zero_centred, mean


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
def test_through_origin_means_f_of_zero_is_zero(act: Activation):
    assert (act.function(0.0) == 0) == act.through_origin


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
def test_bounds_hold_on_a_grid_out_to_1e300(act: Activation):
    values = act.function(GRID)
    assert not np.isnan(values).any()
    low, high = values.min(), values.max()
    assert (low > -10) == act.bounded_below and (high < 10) == act.bounded_above
    assert (low < -1e100) != act.bounded_below and (high > 1e100) != act.bounded_above


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
def test_monotonic_means_non_decreasing_on_a_dense_grid(act: Activation):
    steps = np.diff(act.function(GRID))
    if act.monotonic:
        assert steps.min() >= -1e-8  # softplus steps down by 2.1e-9 at its threshold
    else:
        assert steps.min() < -1e-5


@pytest.mark.parametrize("act", ACTS, ids=ACT_IDS)
def test_smooth_means_derivative_has_no_jump_and_kinks_are_listed(act: Activation):
    x = np.linspace(-30, 30, 60_001)
    jumps = np.abs(np.diff(act.derivative(x)))
    for k in act.kinks:
        jumps[(x[:-1] <= k) & (k <= x[1:])] = 0
    assert jumps.max() < 1e-2  # no unlisted kink: |f''| is at most ~2 here
    one_sided = []
    for k in act.kinks:
        delta = 1e-9 * max(1.0, abs(k))
        assert abs(act.function(k + delta) - act.function(k - delta)) < 1e-7  # continuous
        one_sided.append(abs(act.derivative(k + delta) - act.derivative(k - delta)))
    assert (max(one_sided, default=0.0) < 1e-6) == act.smooth, one_sided


# --- the package ------------------------------------------------------------------------

def test_import_relu_lib_works_without_torch():
    script = ("import sys; sys.modules['torch'] = None; import relu_lib; "
              "print(relu_lib.relu(-1.0), relu_lib.gelu(1.0), relu_lib.__version__)")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    zero, gelu_one, version = done.stdout.split()
    assert (zero, version) == ("0.0", relu_lib.__version__)
    assert float(gelu_one) == pytest.approx(0.5 * (1 + math.erf(math.sqrt(0.5))), rel=1e-15)


def test_package_reexports_the_reference_api_and_states_the_version_of_pyproject():
    import tomllib

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert relu_lib.__version__ == project["version"]
    assert all(getattr(relu_lib, name) is getattr(reference, name) for name in reference.__all__)


@pytest.mark.parametrize("module", [reference, _checks], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    results = doctest.testmod(module, extraglobs={"np": np})
    assert results.attempted > 0 and results.failed == 0
