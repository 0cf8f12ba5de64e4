"""Tests of relu_lib.chapters.dying_relu: the born-dead law, revival and the chapter's runs."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from relu_lib.chapters import dying_relu as dying  # noqa: E402
from relu_lib.data import moons  # noqa: E402
from relu_lib.metrics import dead_units  # noqa: E402
from relu_lib.nets import MLP, SGD, train  # noqa: E402


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


# ---------------------------------------------------------------- born dead

def test_born_dead_law_at_its_limits():
    assert dying.born_dead_probability(3, 1) == pytest.approx(1 / 8)
    assert dying.born_dead_probability(1, 60) == pytest.approx(1.0)
    assert dying.born_dead_probability(40, 50) < 1e-9
    # deep and narrow dies, wide does not
    assert dying.born_dead_probability(2, 10) > 0.9 > 0.01 > dying.born_dead_probability(16, 50)


WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16)


def test_born_dead_law_matches_simulation_within_four_standard_errors_everywhere():
    depths = np.arange(1, 51)
    for n in WIDTHS:
        sim = dying.born_dead_simulation(n, max_depth=50, trials=2000)
        z = dying.binomial_z(sim, dying.born_dead_probability(n, depths), 2000)
        assert np.abs(z).max() < 4, (n, np.abs(z).max())


def test_born_dead_law_holds_for_uniform_weights_too():
    sim = dying.born_dead_simulation(3, max_depth=20, trials=2000, init="torch_default")
    z = dying.binomial_z(sim, dying.born_dead_probability(3, np.arange(1, 21)), 2000)
    assert np.abs(z).max() < 4


def test_batched_simulation_agrees_with_nets_built_one_by_one():
    """The batched simulation is a shortcut; nets from relu_lib.nets.MLP must die as often."""
    width, depth, trials = 2, 4, 400
    rng = np.random.default_rng(7)
    dead = 0
    for seed in range(trials):
        net = MLP([width] * (depth + 1) + [1], seed=seed)
        _, trace = net.forward(rng.standard_normal((1, width)), record=True)
        dead += bool(np.all(trace.activations[-1] == 0))
    p = dying.born_dead_probability(width, depth)
    assert abs(dying.binomial_z(dead / trials, p, trials)) < 3


def test_dead_on_a_whole_set_is_rarer_than_dead_at_one_input():
    one = dying.born_dead_simulation(4, max_depth=20, trials=1000)
    many = dying.born_dead_simulation(4, max_depth=20, trials=1000, n_inputs=16)
    assert np.all(many <= one + 0.05)
    assert many[0] < one[0]


def test_binomial_z_handles_certain_events():
    assert dying.binomial_z(0.53, 0.5, 2500) == pytest.approx(3.0)
    assert dying.binomial_z(1.0, 1.0, 10) == 0.0
    assert np.isinf(dying.binomial_z(0.9, 1.0, 10))


def test_simulation_is_seeded():
    a = dying.born_dead_simulation.uncached(3, max_depth=5, trials=300, seed=4)
    np.testing.assert_array_equal(a, dying.born_dead_simulation.uncached(3, max_depth=5, trials=300, seed=4))
    assert not np.array_equal(a, dying.born_dead_simulation.uncached(3, max_depth=5, trials=300, seed=5))


# ---------------------------------------------------------------- revival

def test_dead_first_layer_unit_never_moves_while_a_dead_second_layer_unit_comes_back():
    r = dying.revival_run()
    assert r["unchanged_first"] and r["max_change_first"] == 0.0
    assert np.all(r["peaks_first"] <= 0)
    assert np.all(r["peaks_second"][0] <= 0)
    assert np.any(r["peaks_second"][-1] > 0)
    assert r["max_change_second"] > 0


# ---------------------------------------------------------------- training runs

def test_half_zero_at_init_but_none_dead():
    run = dying.training_run()
    assert np.all(run["dead"][0] == 0)
    assert np.all((run["zero_fraction"][0] > 0.3) & (run["zero_fraction"][0] < 0.6))


def test_training_run_is_deterministic():
    a = dying.training_run.uncached(lr=0.3, seed=2)
    b = dying.training_run.uncached(lr=0.3, seed=2)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    for ra, rb in zip(a["rasters"], b["rasters"]):
        np.testing.assert_array_equal(ra, rb)


def test_cached_training_run_is_one_entry_per_setting_and_read_only():
    run = dying.training_run(lr=0.3, seed=2)
    assert dying.training_run(0.3, "sgd", "torch_default", 0, "relu", seed=2) is run
    assert run["lr"] == 0.3 and type(run["bias"]) is float
    with pytest.raises(TypeError):
        run["loss"] = None
    with pytest.raises(ValueError):
        run["rasters"][0][0, 0] = True


def test_negative_bias_starts_with_dead_layers_and_they_stay_dead():
    run = dying.training_run(bias=-1.0)
    assert run["dead"][0, 1:].min() == 1.0
    assert run["dead"][-1, 1:].min() == 1.0


def test_remedies_table_shows_what_the_chapter_says():
    rows = {r["name"].split(" (")[0].split(":")[0]: r for r in dying.remedies()}
    base = rows["baseline"]["dead"]
    assert base > 0.2
    assert rows["lower learning rate"]["dead"] < base / 4
    assert rows["batch normalisation"]["dead"] < 0.05
    assert rows["Leaky ReLU"]["dead"] < base
    assert rows["PReLU"]["diverged"] > 0
    assert rows["ELU"]["accuracy"] < rows["baseline"]["accuracy"]


# ---------------------------------------------------------------- explorables and plots

@pytest.mark.parametrize("factory", [dying.training_explorable, dying.born_dead_explorable])
def test_every_extreme_of_every_control_renders(factory):
    ex = factory()
    assert len(ex.twin_states()) <= 25
    for state in ex.extreme_states():
        fig = ex.figure(**state)
        assert fig.axes
        assert "could not be drawn" not in _texts(fig), state


def test_training_plot_shows_a_message_for_a_non_finite_loss():
    from matplotlib.figure import Figure

    run = dict(dying.training_run(), lr="1", optimiser="sgd", activation="relu")
    run["loss"] = np.full(3, np.nan)
    fig = Figure()
    dying.plot_training(run, fig)
    assert "diverged" in _texts(fig)


def test_revival_plot_draws_both_layers():
    from matplotlib.figure import Figure

    fig = Figure(layout="none")
    dying.plot_revival(dying.revival_run(), fig)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["layer 1", "layer 2"]


# ---------------------------------------------------------------- exact test, remedies, sweep

def test_born_dead_law_passes_an_exact_binomial_test_at_every_point_after_bonferroni():
    depths = np.arange(1, 51)
    pvalues = []
    for n in WIDTHS:
        k = np.rint(dying.born_dead_simulation(n) * 2000).astype(int)
        law = dying.born_dead_probability(n, depths)
        pvalues += [dying.binomial_test(c, 2000, q) for c, q in zip(k, law)]
    assert min(pvalues) * len(pvalues) > 0.05


def test_binomial_pmf_sums_to_one_and_matches_the_closed_form():
    pmf = dying.binomial_pmf(10, 0.3)
    assert pmf.sum() == pytest.approx(1.0)
    assert pmf[3] == pytest.approx(120 * 0.3**3 * 0.7**7)


def test_exact_test_is_right_where_the_z_score_misleads():
    p = 0.5**16
    assert dying.binomial_z(1 / 2000, p, 2000) > 5                     # "5 standard errors"
    assert dying.binomial_test(1, 2000, p) == pytest.approx(1 - (1 - p) ** 2000, rel=1e-6)
    assert dying.binomial_test(0, 2000, p) == pytest.approx(1.0)
    # two-sided, symmetric case: P(K <= 2) + P(K >= 8) for K ~ Bin(10, 1/2)
    assert dying.binomial_test(2, 10, 0.5) == pytest.approx(2 * (1 + 10 + 45) / 1024)


def test_asymmetric_init_makes_exactly_one_parameter_of_each_unit_positive():
    rng = np.random.default_rng(3)
    W, b = dying.asymmetric_init(5, 1000, rng)
    theta = np.vstack([W, b])
    assert theta.shape == (6, 1000)
    # the symmetric part is as often negative as positive; each unit has at least one positive
    assert np.all((theta > 0).sum(axis=0) >= 1)
    assert abs(np.mean(theta > 0) - (0.5 + 0.5 / 6)) < 0.02
    Wb, bb = dying.asymmetric_init(5, 7, rng, batch=(4,))
    assert Wb.shape == (4, 5, 7) and bb.shape == (4, 7)


def test_asymmetric_init_keeps_narrow_deep_nets_alive():
    asym = dying.born_dead_asymmetric(2)
    assert asym[-1] < 0.2 < 0.99 < dying.born_dead_probability(2, 50)


def test_revivals_count_dead_to_alive_transitions():
    rasters = (np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool),)
    assert dying.revivals({"rasters": rasters}).tolist() == [1]  # unit 0, epoch 1 -> 2


def test_plain_sgd_never_revives_a_first_layer_unit_but_adam_can():
    sweep = dying.lr_sweep()
    per_layer = sweep["revivals"].sum(axis=(1, 2))
    sgd, adam = sweep["optimisers"].index("sgd"), sweep["optimisers"].index("adam")
    assert per_layer[sgd][0] == 0 and per_layer[sgd][1:].sum() > 0
    assert per_layer[adam][0] > 0


def test_adam_kills_more_units_than_sgd_at_the_same_learning_rate():
    sweep = dying.lr_sweep()
    sgd, adam = sweep["optimisers"].index("sgd"), sweep["optimisers"].index("adam")
    assert sweep["dead"].shape == (2, len(sweep["lrs"]), len(sweep["seeds"]))
    assert np.all(sweep["dead"][adam].mean(axis=1) > sweep["dead"][sgd].mean(axis=1))


def test_torch_run_in_float64_reproduces_the_numpy_run():
    r = dying.torch_run(seed=0)
    n = dying.training_run(seed=0)
    np.testing.assert_allclose(r["dead"], n["dead"][-1])
    assert r["accuracy"] == pytest.approx(n["accuracy"][-1])


def test_batch_norm_leaves_no_unit_dead_at_the_killing_learning_rate():
    dead, acc, diverged = dying.remedy_run(seed=0, norm="batch")
    assert dead == 0.0 and acc > 0.8 and not diverged


def test_torch_run_leaves_torch_thread_count_as_it_was():
    import torch

    before = torch.get_num_threads()
    dying.torch_run.uncached(epochs=1, activation="prelu")
    assert torch.get_num_threads() == before


def test_scientific_notation_for_prose():
    assert dying.scientific(7.6e-4, 1) == "7.6 × 10⁻⁴"
    assert dying.scientific(1.2e8, 2) == "1.20 × 10⁸"
