"""Tests of relu_lib.chapters.gradient_flow: the variance recursion, measured propagation, vanishing gradients,
the 30-layer training runs and the explorable."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from relu_lib.chapters import gradient_flow as gf  # noqa: E402
from relu_lib.init import torch_default, weight_variance  # noqa: E402


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


# ------------------------------------------------------------------ the recursion

def test_layer_factor_is_one_for_he_a_half_for_xavier_and_lecun_a_sixth_for_torch_default():
    assert gf.layer_factor("relu", "he_normal", 128) == pytest.approx(1.0)
    assert gf.layer_factor("relu", "xavier_normal", 128) == pytest.approx(0.5)
    assert gf.layer_factor("relu", "lecun_normal", 128) == pytest.approx(0.5)
    assert gf.layer_factor("relu", "torch_default", 128) == pytest.approx(1 / 6)
    assert gf.layer_factor("relu", "he_normal", 128, gain=2.0) == pytest.approx(4.0)
    assert gf.layer_factor("leaky_relu", "he_normal", 64) == pytest.approx(1 + 0.01**2)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "gelu"])
def test_saturating_and_smooth_activations_have_no_scale_free_law(activation):
    assert gf.layer_factor(activation, "he_normal", 128) is None
    r = gf.signal_propagation(depth=3, width=16, activation=activation)
    assert r["forward_theory"] is None and r["backward_theory"] is None


def test_he_variance_is_the_product_of_half_n_var_w():
    n, v = [50, 100, 200, 400], [0.02, 0.01, 0.03, 0.005]
    expected = [50 * 0.02]
    for k in range(1, 4):
        expected.append(expected[-1] * 0.5 * n[k] * v[k])
    np.testing.assert_allclose(gf.he_variance(n, v), expected)


def test_torch_default_linear_weights_have_variance_one_over_three_fan_in():
    torch = pytest.importorskip("torch")
    fan_in = 256
    assert weight_variance("torch_default", fan_in, 64) == pytest.approx(1 / (3 * fan_in))
    ours = torch_default(fan_in, 512, np.random.default_rng(0))
    torch.manual_seed(0)
    theirs = torch.nn.Linear(fan_in, 512).weight.detach().numpy()
    for w in (ours, theirs):
        assert np.var(w) == pytest.approx(1 / (3 * fan_in), rel=0.02)
    assert 1 / (3 * fan_in) != pytest.approx(weight_variance("he_normal", fan_in, 64))


# ------------------------------------------------------------------ measured vs theory

@pytest.mark.parametrize("init", gf.INITS)
def test_measured_relu_scale_follows_the_recursion_layer_by_layer(init):
    """The chapter's setting: 30 layers of 128. The fitted per-layer variance factor is within 10 %
    of ½·n·Var[w] and no layer is off the line by more than a factor e."""
    r = gf.signal_propagation(30, 128, "relu", init)
    for key, sign in (("forward", 1), ("backward", -1)):
        measured, theory = np.log(r[f"{key}_std"]), np.log(r[f"{key}_theory"])
        fitted = np.exp(sign * np.polyfit(np.arange(30), 2 * measured, 1)[0])
        assert fitted == pytest.approx(r["factor"], rel=0.10), key
        assert np.max(np.abs(measured - theory)) < 1.0, key


def test_propagation_is_deterministic_and_read_only():
    a = gf.signal_propagation.uncached(10, 32, "tanh", "xavier_normal", 1.0, seed=3)
    b = gf.signal_propagation.uncached(10, 32, "tanh", "xavier_normal", 1.0, seed=3)
    np.testing.assert_array_equal(a["backward_std"], b["backward_std"])
    cached = gf.signal_propagation(10, 32, "tanh", "xavier_normal", 1.0, seed=3)
    np.testing.assert_array_equal(cached["backward_std"], a["backward_std"])
    with pytest.raises(ValueError):
        cached["forward_std"][0] = 0.0


def test_sigmoid_gradient_vanishes_while_relu_with_he_keeps_its_scale():
    r = gf.vanishing()
    assert r["derivative"]["sigmoid"].max() == pytest.approx(0.25)
    assert r["derivative"]["tanh"].max() == pytest.approx(1.0)
    assert set(np.unique(r["derivative"]["relu"])) == {0.0, 1.0}
    g = r["backward_std"]
    assert g["sigmoid"][0] / g["sigmoid"][-1] < 1e-10
    assert g["tanh"][0] < g["tanh"][-1]
    assert 1 / 3 < g["relu"][0] / g["relu"][-1] < 3


# ------------------------------------------------------------------ 30 layers on digits

def test_thirty_relu_layers_train_with_he_and_stall_at_chance_with_xavier():
    he, xavier = gf.deep_training_run("he_normal"), gf.deep_training_run("xavier_normal")
    assert not he["diverged"] and he["loss"][-1] < 0.5 and he["accuracy"][-1] > 0.8
    np.testing.assert_allclose(xavier["loss"], np.log(10), atol=0.01)
    assert xavier["accuracy"][-1] < 0.2
    # the diagnostic that says why: Xavier's updates are orders of magnitude below 1e-3
    assert np.median(xavier["ratios"]) < 1e-5 < np.median(he["ratios"])


# ------------------------------------------------------------------ plots and explorable

def test_plots_render_and_non_finite_data_draws_a_message():
    for plot, data in ((gf.plot_vanishing, gf.vanishing(depth=5, width=16)),
                       (gf.plot_compare_inits, gf.compare_inits(depth=5, width=16))):
        fig = Figure()
        plot(data, fig)
        assert len(fig.axes) == 2
    bad = dict(gf.signal_propagation(depth=5, width=16))
    bad["forward_std"] = np.array([1.0, np.inf, np.nan, 1.0, 1.0])
    fig = Figure()
    gf.plot_propagation(bad, fig)
    assert "overflowed" in _texts(fig)


def test_explorable_renders_every_extreme_and_keeps_its_twin_small():
    ex = gf.propagation_explorable()
    assert len(ex.twin_states()) <= 30
    for state in ex.extreme_states():
        fig = ex.figure(**state)
        assert len(fig.axes) == 2, state
        assert "could not be drawn" not in _texts(fig), state


def test_explorable_draws_the_same_figure_for_the_same_setting():
    a, b = gf.propagation_explorable(), gf.propagation_explorable()
    assert a.png(init="xavier_normal") == b.png(init="xavier_normal")


def test_narrow_deep_relu_nets_are_mostly_dead_and_wide_ones_stay_near_the_line():
    theory = gf.signal_propagation(30, 128)["forward_theory"][-1]
    wide = gf.seed_spread(30, 128, n_seeds=10) / theory
    narrow = gf.seed_spread(30, 4, n_seeds=10)
    assert np.all((wide > 0.2) & (wide < 5))
    assert np.sum(narrow == 0) >= 5
    np.testing.assert_array_equal(narrow, gf.seed_spread(30, 4, n_seeds=10))


# ------------------------------------------------------------------ editorial pass: corrections

def test_torch_default_bias_levels_the_forward_scale_at_two_fifths_over_n_but_not_the_gradient():
    width = 128
    assert gf.bias_fixed_point(width) == pytest.approx(2 / (5 * width))
    r = gf.signal_propagation(30, width, "relu", "torch_default", bias="torch_default")
    assert r["forward_std"][-1] == pytest.approx(np.sqrt(2 / (5 * width)), rel=0.2)
    assert r["forward_theory"][-1] == pytest.approx(np.sqrt(2 / (5 * width)), rel=1e-3)
    assert r["backward_std"][0] < 1e-10          # the gradient still vanishes
    assert r["input_share"][-1] < 1e-10          # what is left is the bias


def test_he_variance_with_bias_adds_the_bias_variance_every_layer():
    np.testing.assert_allclose(gf.he_variance([10, 10], [0.1, 0.1], bias_var=0.5), [1.5, 1.25])


def test_sigmoid_with_gain_four_keeps_far_more_gradient_than_with_xavier_gain_one():
    ratios = []
    for gain in (1.0, 4.0):
        g = gf.signal_propagation(30, 128, "sigmoid", "xavier_normal", gain)["backward_std"]
        ratios.append(g[0] / g[-1])
    assert ratios[1] > 1e6 * ratios[0]


def test_orthogonal_tanh_is_nearly_isometric_and_relu_is_not():
    Q = gf.orthogonal(16, np.random.default_rng(0), gain=2.0)
    np.testing.assert_allclose(Q @ Q.T, 4 * np.eye(16), atol=1e-12)
    tanh = gf.jacobian_spectrum("tanh", "orthogonal", 30, 128, 1.0, 0.1)
    relu = gf.jacobian_spectrum("relu", "orthogonal", 30, 128, np.sqrt(2), 0.1)
    assert np.percentile(tanh, 10) > 0.5 and np.percentile(tanh, 90) < 1.2
    assert np.median(relu) < 1e-6


def test_adam_first_step_is_full_above_eps_half_at_eps_and_sgd_like_below():
    steps = gf.adam_first_step(np.array([1.0, 1e-8, 1e-12]), lr=1e-3, eps=1e-8)
    np.testing.assert_allclose(steps, [1e-3, 5e-4, 1e-7], rtol=1e-3)


def test_xavier_gradients_at_init_are_near_adams_eps_and_he_gradients_far_above():
    xav = np.concatenate([a[a > 0] for a in gf.weight_gradients("xavier_normal")])
    he = np.concatenate([a[a > 0] for a in gf.weight_gradients("he_normal")])
    assert np.median(xav) < 1e-6 and np.mean(xav < 1e-8) > 0.01
    assert np.mean(he < 1e-8) < 0.01


def test_residual_shortcuts_keep_the_deep_xavier_gradient_and_batch_norm_alone_makes_it_grow():
    pytest.importorskip("torch")
    plain = gf.architecture_gradients("plain")
    bn = gf.architecture_gradients("batch norm")
    res = gf.architecture_gradients("residual")
    assert plain[0] / plain[-1] < 1e-3
    assert bn[0] / bn[-1] > 10
    assert 0.1 < res[0] / res[-1] < 100
    run = gf.architecture_training_run("residual", epochs=2)
    assert run["accuracy"][-1] > 0.5 and not run["diverged"]
