"""Tests of relu_lib.metrics: zero-on-an-input (sparsity) versus dead units."""

import numpy as np
import pytest

from relu_lib.metrics import dead_fraction, dead_units, layer_summary, per_layer, sparsity

# Every unit is zero on half of the samples, yet none is dead.
CHECKERBOARD = np.array([[0.0, 1.0, 0.0, 2.0],
                         [3.0, 0.0, 4.0, 0.0]])


def test_sparsity_is_the_fraction_of_exact_zeros():
    assert sparsity(np.array([0.0, 1e-300, -0.0, 2.0])) == 0.5
    assert isinstance(sparsity(CHECKERBOARD), float)


def test_sparsity_along_an_axis():
    a = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 5.0]])
    np.testing.assert_array_equal(sparsity(a, axis=0), [1.0, 0.0, 0.5])
    np.testing.assert_array_equal(sparsity(a, axis=1), [2 / 3, 1 / 3])


def test_sparse_layer_need_not_have_dead_units():
    assert sparsity(CHECKERBOARD) == 0.5
    assert not dead_units(CHECKERBOARD).any()
    assert dead_fraction(CHECKERBOARD) == 0.0


def test_dead_units_are_zero_on_every_sample():
    acts = np.array([[0.0, 0.0, 1.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(dead_units(acts), [True, False, False])
    assert dead_fraction(acts) == pytest.approx(1 / 3)


def test_negative_outputs_are_not_zero():
    acts = np.array([[-0.01, 0.0], [-0.02, 0.0]])  # a leaky unit below its kink is alive
    np.testing.assert_array_equal(dead_units(acts), [False, True])


def test_one_sample_makes_every_zero_unit_dead():
    np.testing.assert_array_equal(dead_units(np.array([[0.0, 1.0]])), [True, False])


def test_integer_and_float32_activations_work():
    assert sparsity(np.array([[0, 1], [0, 2]])) == 0.5
    assert dead_fraction(np.array([[0, 1], [0, 2]], dtype=np.float32)) == 0.5


def test_nan_makes_the_fractions_nan():
    acts = np.array([[0.0, np.nan], [0.0, 1.0]])
    assert np.isnan(sparsity(acts))
    assert np.isnan(dead_fraction(acts))
    np.testing.assert_array_equal(sparsity(acts, axis=0), [1.0, np.nan])


def test_nan_is_not_zero_for_the_dead_mask():
    acts = np.array([[0.0, np.nan], [0.0, 0.0]])
    np.testing.assert_array_equal(dead_units(acts), [True, False])


def test_infinities_count_as_nonzero():
    assert sparsity(np.array([np.inf, -np.inf, 0.0, 0.0])) == 0.5


@pytest.mark.parametrize("call", [
    lambda: sparsity(np.array([])),
    lambda: dead_units(np.zeros((0, 3))),
    lambda: dead_fraction(np.zeros((0, 3))),
    lambda: dead_fraction(np.zeros((4, 0))),
    lambda: dead_units(np.zeros(3)),
    lambda: dead_units(np.zeros((2, 3, 4))),
])
def test_empty_or_misshapen_activations_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_dead_units_of_a_layer_without_units_is_an_empty_mask():
    assert dead_units(np.zeros((3, 0))).shape == (0,)


def test_per_layer_applies_the_metric_to_each_layer_in_order():
    layers = [CHECKERBOARD, np.zeros((2, 3)), np.ones((2, 1))]
    assert per_layer(dead_fraction, layers) == [0.0, 1.0, 0.0]
    masks = per_layer(dead_units, layers)
    assert [m.shape for m in masks] == [(4,), (3,), (1,)]


def test_layer_summary_gives_float_arrays_per_layer():
    summary = layer_summary([CHECKERBOARD, np.zeros((2, 3))])
    np.testing.assert_array_equal(summary["sparsity"], [0.5, 1.0])
    np.testing.assert_array_equal(summary["dead_fraction"], [0.0, 1.0])
    assert summary["sparsity"].dtype == np.float64


def test_dead_fraction_of_relu_layer_with_hugely_negative_bias_is_one():
    rng = np.random.default_rng(0)
    pre = rng.standard_normal((500, 64)) - 10.0
    pre[:, :16] += 20.0  # a quarter of the units get a positive bias instead
    assert dead_fraction(np.maximum(pre, 0.0)) == 0.75
