"""Tests of relu_lib.diagnostics: per-layer histograms and update-to-data ratios."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from relu_lib import diagnostics as dg  # noqa: E402
from relu_lib.data import moons  # noqa: E402
from relu_lib.nets import MLP, SGD, Adam, train  # noqa: E402


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_histograms_share_edges_and_count_fractions_of_each_layer():
    rng = np.random.default_rng(0)
    layers = [rng.normal(0, 1, (50, 8)), rng.normal(0, 0.1, (50, 8))]
    h = dg.histograms(layers, bins=20, limit=5.0)
    assert h["edges"].shape == (21,) and h["counts"].shape == (2, 20)
    np.testing.assert_allclose(h["counts"].sum(axis=1), 1.0)
    np.testing.assert_allclose(h["std"], [np.std(a) for a in layers])


def test_log_histograms_leave_exact_zeros_to_the_zero_fraction():
    a = np.array([0.0, 0.0, 1e-3, 1e3])
    h = dg.histograms([a], bins=4, log=True)
    assert h["zero_fraction"][0] == 0.5
    assert h["counts"][0].sum() == pytest.approx(0.5)
    assert h["edges"][0] <= -3 + 1e-9 and h["edges"][-1] >= 3 - 1e-9


def test_histograms_flag_non_finite_layers_and_reject_empty_ones():
    assert not dg.histograms([np.array([1.0, np.inf])])["finite"]
    with pytest.raises(ValueError):
        dg.histograms([np.array([])])


def test_network_histograms_cover_every_hidden_layer_forward_and_backward():
    net = MLP([8, 16, 16, 16, 3], seed=1)
    X = np.random.default_rng(0).standard_normal((32, 8))
    h = dg.network_histograms(net, X, log=False)
    assert set(h) == {"pre_activations", "activations", "gradients"}
    for d in h.values():
        assert d["counts"].shape == (3, 40)
    # ReLU activations are exactly zero where the pre-activations are negative
    _, trace = net.forward(X, record=True)
    np.testing.assert_allclose(h["activations"]["zero_fraction"], [np.mean(z <= 0) for z in trace.pre_activations[:3]])


def test_plot_histograms_draws_one_panel_per_key_or_a_message_when_not_finite():
    net = MLP([8, 16, 16, 16, 3], seed=1)
    h = dg.network_histograms(net, np.ones((4, 8)))
    fig = Figure()
    dg.plot_histograms(h, fig, keys=("pre_activations", "activations", "gradients"))
    assert len(fig.axes) == 3
    bad = {"gradients": dg.histograms([np.array([np.nan, 1.0])])}
    fig = Figure()
    dg.plot_histograms(bad, fig, keys=("gradients",))
    assert "not finite" in _texts(fig)


def test_sgd_update_ratio_is_learning_rate_times_gradient_over_weight_norm():
    net = MLP([3, 4, 2], seed=0)
    X = np.random.default_rng(1).standard_normal((5, 3))
    net.forward(X)
    grads = net.backward(np.ones((5, 2)))
    expected = [0.01 * np.linalg.norm(g) / np.linalg.norm(W) for g, W in zip(grads.W, net.W)]
    opt = dg.UpdateRatio(SGD(lr=0.01))
    opt.step(net, grads)
    np.testing.assert_allclose(opt.ratios()[0], expected, rtol=1e-12)


def test_tracked_training_is_identical_to_untracked():
    X, y = moons(64)
    plain, tracked = MLP([2, 8, 8, 2], seed=2), MLP([2, 8, 8, 2], seed=2)
    train(plain, X, y, "cross_entropy", Adam(lr=0.01), epochs=3, batch_size=16)
    opt = dg.UpdateRatio(Adam(lr=0.01))
    train(tracked, X, y, "cross_entropy", opt, epochs=3, batch_size=16)
    for a, b in zip(plain.W, tracked.W):
        np.testing.assert_array_equal(a, b)
    assert opt.ratios().shape == (12, 3)


def test_recorded_ratios_equal_the_pure_function_step_by_step():
    X, y = moons(32)
    net, opt = MLP([2, 8, 8, 2], seed=3), dg.UpdateRatio(Adam(lr=0.05))
    for _ in range(4):
        before = [W.copy() for W in net.W]
        net.forward(X)
        opt.step(net, net.backward(np.ones((32, 2))))
        np.testing.assert_allclose(opt.ratios()[-1], dg.update_to_data_ratio(before, net.W), rtol=1e-12)


def test_update_ratio_without_steps_says_so():
    with pytest.raises(RuntimeError, match="no steps"):
        dg.UpdateRatio(SGD(lr=0.1)).ratios()


def test_plot_update_ratios_marks_the_rule_of_thumb():
    fig = Figure()
    ax = fig.add_subplot()
    dg.plot_update_ratios(np.full((10, 3), 1e-3), ax, steps_per_epoch=5)
    assert ax.get_xlabel() == "epoch"
    assert any(np.allclose(line.get_ydata(), -3) for line in ax.lines)


def test_gradient_histograms_with_targets_use_the_real_loss_gradient():
    from relu_lib.nets import softmax_cross_entropy

    net = MLP([4, 8, 8, 3], seed=0)
    X = np.random.default_rng(0).standard_normal((16, 4))
    y = np.arange(16) % 3
    h = dg.network_histograms(net, X, y, log=False)
    out = net.forward(X)
    grads = net.backward(softmax_cross_entropy(out, y)[1])
    np.testing.assert_allclose(h["gradients"]["std"], [np.std(g) for g in grads.pre_activations[:2]])
