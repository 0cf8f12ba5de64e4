"""Tests of relu_lib.metrics: zero on an input (sparsity) versus dead units, and DeadTracker."""

import numpy as np
import pytest

from relu_lib.data import moons
from relu_lib.metrics import (DeadTracker, dead_fraction, dead_units, layer_summary, per_layer,
                              sparsity, zero_fraction)
from relu_lib.nets import MLP, SGD, train

# Every unit is zero on half of the samples, yet none is dead.
CHECKERBOARD = np.array([[0.0, 1.0, 0.0, 2.0],
                         [3.0, 0.0, 4.0, 0.0]])


def test_zero_fraction_is_the_fraction_of_exact_zeros():
    assert zero_fraction(np.array([0.0, 1e-300, -0.0, 2.0])) == 0.5
    assert isinstance(zero_fraction(CHECKERBOARD), float)


def test_zero_fraction_along_an_axis():
    a = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 5.0]])
    np.testing.assert_array_equal(zero_fraction(a, axis=0), [1.0, 0.0, 0.5])
    np.testing.assert_array_equal(zero_fraction(a, axis=1), [2 / 3, 1 / 3])


def test_sparse_layer_need_not_have_dead_units():
    assert zero_fraction(CHECKERBOARD) == 0.5
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
    assert zero_fraction(np.array([[0, 1], [0, 2]])) == 0.5
    assert dead_fraction(np.array([[0, 1], [0, 2]], dtype=np.float32)) == 0.5


def test_nan_makes_the_fractions_nan():
    acts = np.array([[0.0, np.nan], [0.0, 1.0]])
    assert np.isnan(zero_fraction(acts))
    assert np.isnan(dead_fraction(acts))
    np.testing.assert_array_equal(zero_fraction(acts, axis=0), [1.0, np.nan])


def test_nan_is_not_zero_for_the_dead_mask():
    acts = np.array([[0.0, np.nan], [0.0, 0.0]])
    np.testing.assert_array_equal(dead_units(acts), [True, False])


def test_infinities_count_as_nonzero():
    assert zero_fraction(np.array([np.inf, -np.inf, 0.0, 0.0])) == 0.5


@pytest.mark.parametrize("call", [
    lambda: zero_fraction(np.array([])),
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
    np.testing.assert_array_equal(summary["zero_fraction"], [0.5, 1.0])
    np.testing.assert_array_equal(summary["dead_fraction"], [0.0, 1.0])
    assert summary["zero_fraction"].dtype == np.float64


def test_dead_fraction_of_relu_layer_with_hugely_negative_bias_is_one():
    rng = np.random.default_rng(0)
    pre = rng.standard_normal((500, 64)) - 10.0
    pre[:, :16] += 20.0  # a quarter of the units get a positive bias instead
    assert dead_fraction(np.maximum(pre, 0.0)) == 0.75


# ---------------------------------------------------------------- DeadTracker

def test_tracker_raster_rows_are_the_metrics_dead_units_of_each_epoch():
    X, y = moons(120)
    net = MLP([2, 8, 8, 2], bias=-0.3, seed=1)
    tracker = DeadTracker(X)
    tracker(0, net)
    _, trace = net.forward(X, record=True)
    expected = [dead_units(a) for a in trace.activations]
    history = train(net, X, y, "cross_entropy", SGD(lr=0.5), epochs=4, callback=tracker)
    rasters = tracker.rasters()
    assert [r.shape for r in rasters] == [(5, 8), (5, 8)]
    for raster, mask in zip(rasters, expected):
        np.testing.assert_array_equal(raster[0], mask)
    np.testing.assert_allclose(tracker.fractions()[1:], np.array(history.metrics))


def test_tracker_peaks_are_non_positive_exactly_for_dead_units():
    X, _ = moons(100)
    tracker = DeadTracker(X)
    tracker(0, MLP([2, 16, 16, 2], bias=-0.5, seed=3))
    for peaks, dead in zip(tracker.peaks[0], tracker.dead[0]):
        np.testing.assert_array_equal(peaks <= 0, dead)
    assert any(d.any() for d in tracker.dead[0])


def test_tracker_gives_the_same_dead_units_for_torch_and_numpy_nets_with_the_same_weights():
    torch = pytest.importorskip("torch")
    from relu_lib.torch_nets import mlp

    X, _ = moons(100)
    args = dict(sizes=[2, 8, 8, 8, 2], bias=-0.4, seed=2)
    a, b = DeadTracker(X), DeadTracker(X)
    a(0, MLP(**args))
    b(0, mlp(**args, dtype=torch.float64))
    for mask_np, mask_torch in zip(a.dead[0], b.dead[0]):
        np.testing.assert_array_equal(mask_np, mask_torch)
    assert b.peaks == []


def test_tracker_marks_leaky_units_that_are_negative_on_every_input():
    X, _ = moons(100)
    tracker = DeadTracker(X)
    relu_dead = DeadTracker(X)
    tracker(0, MLP([2, 16, 2], activation="leaky_relu", bias=-1.5, seed=0))
    relu_dead(0, MLP([2, 16, 2], bias=-1.5, seed=0))
    np.testing.assert_array_equal(tracker.dead[0][0], relu_dead.dead[0][0])
    assert tracker.dead[0][0].any()


def test_tracker_without_records_says_so():
    with pytest.raises(RuntimeError, match="nothing recorded"):
        DeadTracker(np.zeros((3, 2))).rasters()


def test_the_old_name_sparsity_warns_and_gives_the_zero_fraction():
    with pytest.warns(DeprecationWarning, match="zero_fraction"):
        assert sparsity(CHECKERBOARD) == zero_fraction(CHECKERBOARD)
