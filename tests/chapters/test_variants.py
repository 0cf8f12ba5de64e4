"""Tests of relu_lib.chapters.variants: moments, SELU's fixed point, GELU's gap, the race."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import norm  # noqa: E402

from relu_lib.chapters import variants  # noqa: E402
from relu_lib.reference import ACTIVATIONS, gelu  # noqa: E402


# ------------------------------------------------------------------------- property table

def test_minima_are_where_the_functions_turn():
    rows = {r["name"]: r for r in variants.property_rows()}
    assert rows["relu"]["min"] == 0.0 and rows["relu"]["where"] == "x ≤ 0"
    assert rows["leaky_relu"]["min"] == -math.inf
    assert rows["elu"]["where"] == "x → −∞" and rows["elu"]["min"] == -1.0
    for name, where in [("gelu", -0.7518), ("silu", -1.2785), ("mish", -1.1924)]:
        x = float(rows[name]["where"])
        assert x == pytest.approx(where, abs=1e-4)
        f = ACTIVATIONS[name].function
        assert float(f(x)) <= min(float(f(x - 1e-3)), float(f(x + 1e-3)))
    assert rows["softplus"]["f0"] == pytest.approx(math.log(2))


def test_property_table_fits_the_page_and_has_a_row_per_variant():
    lines = variants.format_property_table(variants.property_rows()).splitlines()
    assert len(lines) == 1 + len(ACTIVATIONS)
    assert max(map(len, lines)) <= 74


# ------------------------------------------------------------------------------ moments

GRID = [(mu, s) for mu in (-2.0, -0.3, 0.0, 1.5) for s in (0.25, 1.0, 3.0)]


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "prelu", "relu6", "elu", "selu", "gelu"])
def test_quadrature_agrees_with_every_closed_form(name):
    f = ACTIVATIONS[name].function
    for mu, s in GRID:
        quad = variants.normal_moments(f, mu, s, (0.0, 6.0))
        closed = variants.closed_form_moments(name, mu, s)
        for q, c in zip(quad, closed):
            if c is not None:
                assert q == pytest.approx(c, rel=1e-10, abs=1e-12), (mu, s)


def test_closed_forms_with_parameters():
    for slope in (0.0, 0.3, 1.0, 2.0):
        m, v = variants.closed_form_moments("leaky_relu", 0.7, 1.3, slope)
        f, _, _ = variants.variant("leaky_relu", slope)
        assert (m, v) == pytest.approx(variants.normal_moments(f, 0.7, 1.3, (0.0,)), rel=1e-10)
    m, v = variants.closed_form_moments("leaky_relu", 0.7, 1.3, 1.0)  # the identity
    assert m == pytest.approx(0.7) and v == pytest.approx(1.3**2)
    for alpha in (0.5, 2.0):
        f, _, _ = variants.variant("elu", alpha)
        assert variants.closed_form_moments("elu", -0.4, 2.0, alpha) == pytest.approx(
            variants.normal_moments(f, -0.4, 2.0, (0.0,)), rel=1e-10)


def test_rectified_normal_and_selu_fixed_point_in_closed_form():
    m, v = variants.closed_form_moments("relu", 0.0, 1.0)
    assert m == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert v == pytest.approx(0.5 - 1 / (2 * math.pi))
    m, v = variants.closed_form_moments("selu", 0.0, 1.0)
    assert m == pytest.approx(0.0, abs=1e-7) and v == pytest.approx(1.0, abs=1e-6)


def test_elu_mean_matches_the_hand_derivation():
    closed = 1 / math.sqrt(2 * math.pi) + math.exp(0.5) * norm.cdf(-1) - 0.5
    assert variants.closed_form_moments("elu", 0.0, 1.0)[0] == pytest.approx(closed, rel=1e-12)


def test_swish_parameter_and_its_limits():
    f, df, label = variants.variant("silu", 1.0)
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(f(x), ACTIVATIONS["silu"].function(x), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(df(x), ACTIVATIONS["silu"].derivative(x), rtol=1e-12, atol=1e-15)
    assert "SiLU" in label
    f0, df0, _ = variants.variant("silu", 0.0)
    np.testing.assert_allclose(f0(x), x / 2)
    np.testing.assert_allclose(df0(x), 0.5)
    r = variants.moments_compute.uncached("silu", 0.5, 0.0, 1.0)
    assert r["closed"] == (None, None)


def test_explorable_compute_is_consistent():
    r = variants.moments_compute.uncached("elu", 1.0, 0.0, 1.0)
    assert r["moments"] == pytest.approx(r["closed"], rel=1e-10)
    assert r["relu_moments"][0] == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert np.trapezoid(r["density"], r["x"]) == pytest.approx(1.0, abs=1e-3)
    soft = variants.moments_compute.uncached("softplus", 0.0, 0.0, 1.0)
    assert "0.25" in soft["label"] and np.all(np.isfinite(soft["f"]))


def test_every_extreme_of_the_explorable_renders():
    ex = variants.moments_explorable()
    assert len(ex.twin_states()) <= 25
    for state in ex.extreme_states():
        fig = ex.figure(**state)
        assert fig.axes
        texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
        assert "could not be drawn" not in texts, state


# --------------------------------------------------------------------------------- SELU

def _tail(stats, layers=32):
    return stats[-layers:, 0], stats[-layers:, 1]


def _at_fixed_point(means, variances):
    """Averaged over the last layers within a few per cent of (0, 1); each layer within the
    spread that a finite width and a fresh weight matrix per layer leave (measured: up to
    0.18 from 1 for 128 units and 128 inputs)."""
    return (abs(means.mean()) < 0.03 and abs(variances.mean() - 1) < 0.08
            and np.abs(means).max() < 0.15 and np.abs(variances - 1).max() < 0.3)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_selu_converges_to_its_fixed_point_with_lecun_weights(seed):
    for kw in ({}, {"input_mean": 1.0, "input_sd": 2.0}):
        assert _at_fixed_point(*_tail(variants.selu_stack.uncached(seed=seed, **kw))), kw


def test_selu_fixed_point_fails_with_other_initialisations():
    _, he = _tail(variants.selu_stack.uncached(init="he_normal"))
    _, torch_default = _tail(variants.selu_stack.uncached(init="torch_default"))
    assert he.min() > 10
    assert torch_default.max() < 1e-3


def test_ordinary_dropout_moves_the_fixed_point_and_alpha_dropout_keeps_it():
    means, variances = _tail(variants.selu_stack.uncached(dropout="standard"))
    assert variances.min() > 1.3 and means.mean() > 0.02
    assert _at_fixed_point(*_tail(variants.selu_stack.uncached(dropout="alpha")))
    with pytest.raises(ValueError):
        variants.selu_stack.uncached(depth=1, dropout="gaussian")


def test_alpha_dropout_keeps_mean_and_variance_of_a_standard_normal():
    h = np.random.default_rng(5).standard_normal(400_000)
    for rate in (0.05, 0.1, 0.3):
        out = variants.alpha_dropout(h, rate, np.random.default_rng(6))
        assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.01


def test_selu_stack_is_seeded():
    a = variants.selu_stack.uncached(depth=5, seed=1)
    np.testing.assert_array_equal(a, variants.selu_stack.uncached(depth=5, seed=1))
    assert not np.array_equal(a, variants.selu_stack.uncached(depth=5, seed=2))


# --------------------------------------------------------------------------------- GELU

def test_gelu_tanh_gap_is_4_7e_minus_4_at_2_699():
    gap, where = variants.tanh_gap()
    assert gap == pytest.approx(4.7324e-4, rel=1e-3)
    assert abs(where) == pytest.approx(2.6989, abs=1e-3)
    x = np.linspace(-10, 10, 20001)
    assert np.abs(gelu(x, approximate="tanh") - gelu(x)).max() <= gap * (1 + 1e-9)


def test_ulp_error_counts_units_in_the_last_place():
    one = np.float32(1)
    two_up = np.nextafter(np.nextafter(one, 2, dtype=np.float32), 2, dtype=np.float32)
    assert variants.ulp_error(np.array([two_up]), np.array([one]))[0] == 2
    assert variants.ulp_error(np.array([0.0]), np.array([1e-300]))[0] > 1e10


def test_textbook_gelu_cancels_in_the_negative_tail():
    """The 1 + erf form loses every digit far left, in float32 and in float64: not a CPU matter."""
    for dtype, where in (("float32", -6.0), ("float64", -9.0)):
        tail = variants.gelu_tail.uncached(dtype, lo=-10.0, hi=0.0, points=201)
        far = tail["x"] <= where
        assert tail["textbook"][far].min() > 1e5, dtype
        assert tail["textbook"][tail["x"] > -1].max() < 64, dtype


def test_zero_run_end():
    x = np.array([-3.0, -2.0, -1.0, 0.0])
    assert variants._zero_run_end(x, np.array([0.0, 0.0, 1.0, 0.0])) == -2.0
    assert math.isnan(variants._zero_run_end(x, np.array([1.0, 0.0, 0.0, 0.0])))


def test_scientific_notation_for_the_prose():
    assert variants.scientific(-4.7323e-4) == "−4.7 × 10⁻⁴"
    assert variants.scientific(7.6e-23) == "7.6 × 10⁻²³"


# ------------------------------------------------------------------------------ timing

def test_timing_functions_return_positive_times_for_every_name():
    for path in ("numpy", "torch"):
        costs = variants.activation_costs(path, n=64, names=("relu", "gelu", "gelu_tanh"),
                                          repeat=1, min_time=0.0)
        assert set(costs) == {"relu", "gelu", "gelu_tanh"}
        assert all(f > 0 and b > 0 for f, b in costs.values())
    with pytest.raises(ValueError):
        variants.activation_costs("jax", n=8)


# --------------------------------------------------------------------------------- race

def test_interval_contains_the_mean_and_shrinks_with_more_seeds():
    rng = np.random.default_rng(11)
    sample = rng.normal(0.05, 0.01, 200)
    m5, h5 = variants.interval(sample[:5])
    m50, h50 = variants.interval(sample[:50])
    assert m5 == pytest.approx(sample[:5].mean()) and h5 > 0
    assert m5 - h5 < m5 < m5 + h5
    assert h50 < h5
    assert variants.interval([0.3, 0.3, 0.3]) == (0.3, 0.0)


def test_race_run_is_deterministic_under_its_seed():
    a = variants.race_run.uncached("sine", "gelu", seed=3, epochs=3)
    b = variants.race_run.uncached("sine", "gelu", seed=3, epochs=3)
    assert a["error"] == b["error"] and a["silent"] == b["silent"]
    c = variants.race_run.uncached("sine", "gelu", seed=4, epochs=3)
    assert c["error"] != a["error"]
    assert 0 <= a["silent"] <= 1 and not a["diverged"]


def test_race_summary_is_consistent_with_its_intervals():
    r = variants.race.uncached("digits", ("relu", "prelu", "selu"), seeds=(0, 1, 2), epochs=1)
    assert r["vs_relu"]["relu"] == (0.0, 0.0) and r["supported"]["relu"] == 0
    for v in r["variants"]:
        errors = r["errors"][v]
        assert len(errors) == 3 and np.all((errors >= 0) & (errors <= 1))
        m, half = r["error"][v]
        assert m == pytest.approx(errors.mean()) and half >= 0
        diff, dhalf = r["vs_relu"][v]
        assert diff == pytest.approx((errors - r["errors"]["relu"]).mean())
        expected = int(np.sign(diff)) if abs(diff) > dhalf else 0
        assert r["supported"][v] == expected
        assert r["worse_seeds"][v] == int(np.sum(errors > r["errors"]["relu"]))


def test_prelu_in_the_race_learns_one_slope_per_unit():
    import torch

    net = variants._race_net("sine", "prelu", 0)
    slopes = [m for m in net if isinstance(m, torch.nn.PReLU)]
    assert [p.weight.numel() for p in slopes] == [32, 32]
    assert slopes[0].weight[0].item() == pytest.approx(0.25)


def test_named_lists_the_supported_variants_in_words():
    r = {"variants": ("relu", "elu", "selu", "gelu"),
         "supported": {"relu": 0, "elu": 1, "selu": 1, "gelu": 0}}
    assert variants.named(r, 1) == "ELU and SELU"
    assert variants.named(r, -1) == "none"


def test_race_tasks():
    X, y, Xt, yt = variants.race_task("sine")
    np.testing.assert_allclose(yt, np.sin(np.pi * Xt[:, 0]))
    X, y, Xt, yt = variants.race_task("digits")
    assert X.shape[1] == 64 and len(Xt) == 450
    with pytest.raises(ValueError):
        variants.race_task("mnist")


# --------------------------------------------------------------------------- gated units

def test_gated_net_gradients_match_finite_differences():
    from relu_lib.nets import softmax_cross_entropy

    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((7, 4)), rng.integers(0, 3, 7)
    for unit in ("glu", "reglu", "geglu", "swiglu"):
        net = variants.GatedNet(4, 5, 3, unit, seed=1)
        _, dout = softmax_cross_entropy(net.forward(X), y)
        grads = net.backward(dout).parameters()
        for p, g in zip(net.parameters(), grads):
            idx = tuple(rng.integers(0, n) for n in p.shape)
            old, h = p[idx], 1e-6
            p[idx] = old + h
            up = softmax_cross_entropy(net.forward(X), y)[0]
            p[idx] = old - h
            down = softmax_cross_entropy(net.forward(X), y)[0]
            p[idx] = old
            assert g[idx] == pytest.approx((up - down) / (2 * h), abs=1e-7), unit


def test_gated_and_relu_nets_have_about_the_same_number_of_parameters():
    relu = variants.gated_run.uncached("relu", 0, epochs=1)
    swiglu = variants.gated_run.uncached("swiglu", 0, epochs=1)
    assert abs(relu["parameters"] - swiglu["parameters"]) / relu["parameters"] < 0.02
    assert swiglu["error"] < 0.5  # one epoch already learns the digits
