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
    rows = {r["name"]: r for r in dying.remedies()}
    base = rows["baseline: SGD, lr 1, PyTorch init"]["dead"]
    assert base > 0.2
    assert rows["lower learning rate (0.1)"]["dead"] < base / 4
    assert rows["Adam at lr 0.01"]["dead"] < base / 2
    assert rows["Adam at the same lr (1)"]["dead"] > base * 1.5
    assert rows["Leaky ReLU (slope 0.01)"]["dead"] < base


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
