"""The chapter 'Why non-linearity?': collapse, kinks, region counts, the 1/k² law, regression."""

import numpy as np

from relu_lib.chapters import nonlinearity as nl
from relu_lib.nets import MLP


def test_a_linear_stack_equals_its_collapsed_matrix():
    W, b = nl.linear_stack(depth=10, width=8)
    x = np.random.default_rng(0).standard_normal((20, 8))
    W1, b1 = nl.collapse(W, b)
    np.testing.assert_allclose(nl.forward_linear(x, W, b), x @ W1 + b1, atol=1e-12)


def test_one_hidden_relu_layer_solves_xor_where_a_linear_model_cannot():
    assert nl.task_accuracy("xor", 0) <= 0.6
    assert nl.task_accuracy("xor", 16) == 1.0


def test_kinks_of_one_layer_are_the_breakpoints_and_the_net_is_linear_between_them():
    net = MLP([1, 6, 6, 1], seed=1)
    net.b[0][:] = np.linspace(-1, 1, 6)
    k = nl.kinks_1d(net, -4, 4)
    x = np.sort(np.r_[k, np.linspace(-4, 4, 50)])
    mids = (x[:-1] + x[1:]) / 2
    f = lambda v: net.forward(np.asarray(v)[:, None])[:, 0]
    np.testing.assert_allclose(f(mids), (f(x[:-1]) + f(x[1:])) / 2, atol=1e-10)


def test_region_count_of_one_layer_reaches_the_hyperplane_maximum_and_respects_the_bound():
    assert nl.max_regions_one_layer(4) == nl.serra_bound([4]) == 11
    assert nl.serra_bound([2, 2]) <= nl.max_regions_one_layer(2) ** 2
    for width, depth in [(4, 1), (8, 2), (16, 2)]:
        assert nl.regions_at_init(width, depth) <= nl.serra_bound([width] * depth)
    # four lines through a box in general position: count every region by pattern
    net = MLP([2, 2, 1], seed=0)
    net.W[0][:] = np.eye(2)
    assert nl.count_regions(net, nl.grid_points((-1, 1, -1, 1), 11)) == 4


def test_region_count_grows_with_neurons_not_exponentially_with_depth():
    assert nl.regions_at_init(32, 1) > nl.regions_at_init(8, 4)
    assert nl.regions_at_init(16, 2) > nl.regions_at_init(16, 1)


def test_hinge_error_falls_like_one_over_k_squared():
    ks = np.array([16, 32, 64, 128])
    e = np.array([nl.hinge_error(k) for k in ks])
    assert abs(np.polyfit(np.log(ks), np.log(e), 1)[0] + 2) < 0.05
    np.testing.assert_allclose(ks[-1] ** 2 * e[-1], np.pi ** 2 / 2, rtol=0.01)


def test_a_relu_mlp_beats_a_line_on_a_curve_and_a_relu_output_cannot_fit_negatives():
    r = nl.regression_over_seeds("curve", seeds=3)
    m, h = r["difference"]
    assert m + h < 0
    assert nl.regression_over_seeds("curve", seeds=3, output="relu")["mlp"][0] > r["mlp"][0] * 5


def test_diabetes_mlp_is_within_reach_of_the_linear_baseline():
    r = nl.regression_over_seeds("diabetes", seeds=5)
    assert r["mlp"][0] < 1.5 * r["linear"][0]


def test_positive_inputs_make_every_step_move_both_weights_the_same_way():
    assert nl.same_sign_fraction(nl.zigzag_path(False)) == 1.0
    assert nl.same_sign_fraction(nl.zigzag_path(True)) < 0.9


def test_the_explorable_shows_the_chapters_own_run():
    shown = nl.regions_explorable().compute(width=16, depth=2, seed=0, epochs=0)
    assert shown is nl.regions_run(16, 2, 0, 0)
