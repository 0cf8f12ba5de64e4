"""Tests of relu_lib.gated: the gated linear units, their partial derivatives, and torch's GLU."""

import numpy as np
import pytest

from relu_lib import gated, reference

RNG = np.random.default_rng(20240601)
A = RNG.normal(0.0, 3.0, 2000)
B = RNG.normal(0.0, 3.0, 2000)
A = A[np.abs(A) > 1e-3]  # away from ReLU's kink, where central differences straddle it
B = B[: len(A)]


@pytest.mark.parametrize("name", sorted(gated.GATED))
def test_each_unit_is_its_gate_times_the_value_half(name):
    expected = np.asarray(gated.GATES[name](A)) * B
    np.testing.assert_array_equal(gated.GATED[name](A, B), expected)


def test_named_units_follow_shazeer():
    a, b = np.array([-1.5, 0.3, 2.0]), np.array([0.7, -2.0, 1.1])
    np.testing.assert_allclose(gated.glu(a, b), b / (1 + np.exp(-a)), rtol=1e-15)
    np.testing.assert_array_equal(gated.reglu(a, b), np.maximum(a, 0) * b)
    np.testing.assert_array_equal(gated.geglu(a, b), reference.gelu(a) * b)
    np.testing.assert_array_equal(gated.swiglu(a, b), reference.silu(a) * b)
    np.testing.assert_array_equal(gated.geglu(a, b, approximate="tanh"),
                                  reference.gelu(a, approximate="tanh") * b)


@pytest.mark.parametrize("name", sorted(gated.GATED))
def test_partial_derivatives_match_central_differences(name):
    f, grad = gated.GATED[name], gated.GATED_GRADS[name]
    da, db = grad(A, B)
    h = 1e-6
    fd_a = (f(A + h, B) - f(A - h, B)) / (2 * h)
    fd_b = (f(A, B + h) - f(A, B - h)) / (2 * h)
    scale = 1 + np.abs(B)
    np.testing.assert_allclose(da, fd_a, atol=1e-7 * scale.max())
    np.testing.assert_allclose(db, fd_b, atol=1e-7 * scale.max())


def test_reglu_gradient_at_the_kink_follows_torch_convention():
    da, db = gated.reglu_grad([0.0, -0.0], [3.0, 3.0])
    np.testing.assert_array_equal(da, [0.0, 0.0])
    np.testing.assert_array_equal(db, [0.0, 0.0])


def test_sigmoid_is_accurate_in_both_tails_and_never_overflows():
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with np.errstate(all="raise"):
        s = gated.sigmoid(x)
    np.testing.assert_allclose(s[1], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)
    assert s[0] == 0.0 and s[2] == 0.5 and s[4] == 1.0
    w = np.exp(-np.abs(x))  # sigmoid'(x) = w / (1 + w)^2, symmetric, no cancellation
    np.testing.assert_allclose(gated.sigmoid_grad(x), w / (1 + w) ** 2, rtol=1e-15, atol=1e-300)


def test_broadcasting_and_dtypes():
    out = gated.swiglu(np.ones((3, 1)), np.arange(4.0))
    assert out.shape == (3, 4)
    out32 = gated.glu(np.ones(2, np.float32), np.ones(2, np.float32))
    assert out32.dtype == np.float32
    with pytest.raises(TypeError):
        gated.glu("a", 1.0)


def test_halves_splits_like_torch_chunk():
    first, second = gated.halves(np.arange(12.0).reshape(2, 6))
    np.testing.assert_array_equal(first, [[0, 1, 2], [6, 7, 8]])
    np.testing.assert_array_equal(second, [[3, 4, 5], [9, 10, 11]])
    with pytest.raises(ValueError):
        gated.halves(np.arange(5.0))


def test_glu_matches_torch_with_the_halves_swapped():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    a, b = RNG.normal(size=(2, 8, 5))
    theirs = F.glu(torch.from_numpy(np.concatenate([b, a], axis=-1)), dim=-1).numpy()
    np.testing.assert_allclose(gated.glu(a, b), theirs, rtol=1e-14, atol=1e-300)


def test_gradients_match_torch_autograd():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    gates = {"glu": torch.sigmoid, "reglu": F.relu, "geglu": F.gelu, "swiglu": F.silu}
    a = torch.from_numpy(A.copy()).requires_grad_()
    b = torch.from_numpy(B.copy()).requires_grad_()
    for name, gate in gates.items():
        out = gate(a) * b
        ga, gb = torch.autograd.grad(out.sum(), (a, b))
        da, db = gated.GATED_GRADS[name](A, B)
        np.testing.assert_allclose(da, ga.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(db, gb.numpy(), rtol=1e-12, atol=1e-12, err_msg=name)
