"""Tests of relu_lib.init: layouts, variances, and agreement with torch's initialisers."""

import numpy as np
import pytest

from relu_lib import init
from relu_lib.init import INITIALISERS, initialise, initialise_layers, torch_default_bias, weight_variance

# Non-square on purpose: swapping fan_in and fan_out changes every variance below.
FAN_IN, FAN_OUT = 400, 2500  # one million weights: relative std of a sample variance ~ 0.15 %


@pytest.mark.parametrize("name", sorted(INITIALISERS))
def test_weights_have_shape_fan_in_by_fan_out(name):
    W = initialise(name, 3, 7, np.random.default_rng(0))
    assert W.shape == (3, 7)
    assert W.dtype == np.float64


@pytest.mark.parametrize("gain", [1.0, 0.5])
@pytest.mark.parametrize("name", sorted(INITIALISERS))
def test_empirical_variance_matches_weight_variance(name, gain):
    W = initialise(name, FAN_IN, FAN_OUT, np.random.default_rng(1), gain=gain)
    assert abs(W.mean()) < 0.01 * np.sqrt(weight_variance(name, FAN_IN, FAN_OUT, gain))
    assert W.var() == pytest.approx(weight_variance(name, FAN_IN, FAN_OUT, gain), rel=0.01)


def test_weight_variance_formulas():
    assert weight_variance("he_normal", 50, 7) == pytest.approx(2 / 50)
    assert weight_variance("xavier_normal", 50, 30) == pytest.approx(2 / 80)
    assert weight_variance("lecun_normal", 50, 7, gain=3.0) == pytest.approx(9 / 50)
    assert weight_variance("torch_default", 50, 7) == pytest.approx(1 / 150)


def test_torch_default_stays_within_its_bound_and_fills_it():
    W = init.torch_default(16, 4000, np.random.default_rng(0), gain=2.0)
    assert np.abs(W).max() <= 2.0 / 4
    assert np.abs(W).max() > 0.999 * 2.0 / 4


def test_torch_default_bias_is_uniform_on_one_over_sqrt_fan_in():
    b = torch_default_bias(25, 200_000, np.random.default_rng(0))
    assert b.shape == (200_000,)
    assert np.abs(b).max() <= 0.2
    assert b.var() == pytest.approx(0.2**2 / 3, rel=0.01)


def test_initialise_calls_the_named_function_with_the_generator():
    direct = init.xavier_normal(5, 6, np.random.default_rng(3), gain=1.5)
    by_name = initialise("xavier_normal", 5, 6, np.random.default_rng(3), gain=1.5)
    np.testing.assert_array_equal(direct, by_name)


@pytest.mark.parametrize("call", [
    lambda: initialise("kaiming", 3, 3, np.random.default_rng(0)),
    lambda: weight_variance("glorot", 3, 3),
    lambda: initialise_layers([2, 3], init="he"),
])
def test_unknown_name_raises_value_error_listing_valid_names(call):
    with pytest.raises(ValueError) as error:
        call()
    for name in INITIALISERS:
        assert name in str(error.value)


def test_initialise_layers_shapes_and_constant_bias():
    W, b = initialise_layers([4, 8, 3], bias=0.1)
    assert [w.shape for w in W] == [(4, 8), (8, 3)]
    assert [c.shape for c in b] == [(8,), (3,)]
    assert all(np.all(c == 0.1) for c in b)


def test_initialise_layers_is_determined_by_the_seed():
    first, second, other = (initialise_layers([5, 6, 2], bias="torch_default", seed=s) for s in (7, 7, 8))
    for a, b in zip(first[0] + first[1], second[0] + second[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0][0], other[0][0])


def test_initialise_layers_torch_default_bias_is_random_within_bound():
    _, b = initialise_layers([16, 300, 2], init="torch_default", bias="torch_default")
    assert np.abs(b[0]).max() <= 0.25 and np.unique(b[0]).size == 300
    assert np.abs(b[1]).max() <= 1 / np.sqrt(300)


@pytest.mark.parametrize("bias", ["zeros", "he_normal"])
def test_initialise_layers_rejects_unknown_bias_rule(bias):
    with pytest.raises(ValueError, match="torch_default"):
        initialise_layers([2, 3], bias=bias)


def test_initialise_layers_needs_two_sizes():
    with pytest.raises(ValueError):
        initialise_layers([4])


# --- agreement with torch ------------------------------------------------------


def _torch_draw(make):
    """Run ``make()`` with torch's global generator seeded, restoring it afterwards."""
    torch = pytest.importorskip("torch")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return make()


def test_torch_default_variance_equals_torch_linear():
    torch = pytest.importorskip("torch")
    linear = _torch_draw(lambda: torch.nn.Linear(FAN_IN, FAN_OUT, dtype=torch.float64))
    weight = linear.weight.detach().numpy()
    bias = linear.bias.detach().numpy()
    assert weight.shape == (FAN_OUT, FAN_IN)  # torch's layout is the transpose of ours
    assert weight.var() == pytest.approx(weight_variance("torch_default", FAN_IN, FAN_OUT), rel=0.01)
    assert np.abs(weight).max() == pytest.approx(1 / np.sqrt(FAN_IN), rel=1e-3)
    # the bias: same bound; its variance from only 2500 draws, so a looser tolerance
    assert np.abs(bias).max() == pytest.approx(1 / np.sqrt(FAN_IN), rel=1e-2)
    assert bias.var() == pytest.approx(1 / (3 * FAN_IN), rel=0.1)


@pytest.mark.parametrize("name, torch_init", [
    ("he_normal", lambda nn, w, gain: nn.init.kaiming_normal_(w, nonlinearity="relu").mul_(gain)),
    ("xavier_normal", lambda nn, w, gain: nn.init.xavier_normal_(w, gain=gain)),
    ("lecun_normal", lambda nn, w, gain: nn.init.kaiming_normal_(w, nonlinearity="linear").mul_(gain)),
])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_normal_initialisers_match_torch_nn_init_statistically(name, torch_init, gain):
    torch = pytest.importorskip("torch")
    w = torch.empty(FAN_OUT, FAN_IN, dtype=torch.float64)  # torch: (fan_out, fan_in)
    torch_std = _torch_draw(lambda: torch_init(torch.nn, w, gain)).std().item()
    ours = initialise(name, FAN_IN, FAN_OUT, np.random.default_rng(0), gain=gain)
    assert ours.std() == pytest.approx(torch_std, rel=0.005)
    assert torch_std == pytest.approx(np.sqrt(weight_variance(name, FAN_IN, FAN_OUT, gain)), rel=0.005)
