"""The Sparsity chapter's computations: the ½ law, the bias formula, training runs."""

from math import erf, sqrt

import numpy as np
import pytest

from relu_lib.chapters import sparsity


def test_symmetric_weights_and_zero_bias_zero_half_of_every_layer():
    r = sparsity.at_init(depth=8, width=256, n_samples=512)
    np.testing.assert_allclose(r["zero_fraction"], 0.5, atol=0.06)
    assert r["dead_fraction"][0] == 0.0  # zero on an input is not dead


@pytest.mark.parametrize("bias", [-0.5, 0.25, 0.5])
def test_first_layer_zeros_follow_phi_of_minus_bias_over_sigma(bias):
    # He weights, standard Gaussian inputs in n dimensions: sigma^2 = (2/n) * n = 2
    predicted = 0.5 * (1 + erf(-bias / sqrt(2) / sqrt(2)))
    measured = sparsity.at_init(depth=1, width=256, bias=bias, n_samples=1024)["zero_fraction"][0]
    assert abs(measured - predicted) < 0.03


def test_a_large_input_mean_keeps_half_zeros_but_kills_first_layer_units():
    centred = sparsity.at_init(input_mean=0.0)
    shifted = sparsity.at_init(input_mean=3.0)
    assert abs(shifted["zero_fraction"][0] - 0.5) < 0.06
    assert shifted["dead_fraction"][0] > centred["dead_fraction"][0] + 0.1


def test_mean_cosine_is_one_for_parallel_rows_and_zero_for_orthogonal_ones():
    assert sparsity.mean_cosine(np.array([[1.0, 2.0], [2.0, 4.0]])) == pytest.approx(1.0)
    assert sparsity.mean_cosine(np.eye(3)) == pytest.approx(0.0)
    assert sparsity.mean_cosine(np.zeros((2, 3))) == 0.0
    assert np.isnan(sparsity.mean_cosine(np.ones((1, 3))))


def test_representations_become_more_alike_with_depth():
    sim = sparsity.at_init(depth=10)["similarity"]
    assert sim[-1] > sim[0] + 0.3


def test_training_run_is_seeded_cached_and_read_only():
    a = sparsity.training_run(lr=0.01, optimiser="adam", l1=0.0, epochs=3)
    b = sparsity.training_run.uncached(lr=0.01, optimiser="adam", l1=0.0, epochs=3)
    for key in ("zero_fraction", "dead_fraction", "accuracy"):
        np.testing.assert_array_equal(a[key], b[key])
        assert len(a[key]) == 4 and not a[key].flags.writeable
    # one entry however it is called: keyword, positional, an int for a float
    assert sparsity.training_run(lr=0.01, optimiser="adam", l1=0.0, epochs=3) is a
    assert sparsity.training_run(0.01, "adam", 0, 3) is a


def test_the_explorable_shows_the_chapters_own_run():
    """The chapter's call (keywords) and the explorable's (positional, from the widget) are one
    training, not two."""
    shown = sparsity.training_explorable().compute(lr=0.01, optimiser="adam", l1=0.0, epoch=3)
    assert shown["epoch"] == 3
    assert shown["accuracy"] is sparsity.training_run(lr=0.01, optimiser="adam", l1=0.0)["accuracy"]


def test_an_l1_activity_penalty_makes_the_trained_code_sparser():
    plain = sparsity.training_run(lr=0.01, optimiser="adam", l1=0.0, epochs=5)
    penalised = sparsity.training_run(lr=0.01, optimiser="adam", l1=0.01, epochs=5)
    assert penalised["zero_fraction"][-1] > plain["zero_fraction"][-1] + 0.1


def test_zeros_among_live_units_leave_out_the_dead_ones():
    h = np.array([[0.0, 0.0, 1.0, 0.0],
                  [0.0, 2.0, 0.0, 3.0]])
    dead = np.all(h == 0, axis=0)
    assert sparsity.live_zero_fraction(h, dead) == pytest.approx(3 / 6)
    assert np.isnan(sparsity.live_zero_fraction(np.zeros((2, 2)), np.ones(2, bool)))


def test_adam_steps_are_eta_for_a_steady_gradient_and_shrink_below_eps():
    eta = 0.01
    assert sparsity.adam_steps(np.ones(50), lr=eta) == pytest.approx(eta, rel=1e-6)
    tiny = sparsity.adam_steps(np.full(50, 1e-10), lr=eta)[-1]
    assert tiny == pytest.approx(eta * 1e-10 / (1e-10 + 1e-8), rel=1e-6)


def test_adam_step_after_a_long_silence_reaches_kingma_and_bas_bound():
    b1, b2 = 0.9, 0.999
    step = sparsity.adam_steps(np.r_[np.zeros(20000), 1.0], lr=1.0, betas=(b1, b2))[-1]
    assert step == pytest.approx((1 - b1) / np.sqrt(1 - b2), rel=1e-3)
    assert step > 3


def test_first_layer_cosine_is_one_over_pi_as_the_arc_cosine_kernel_predicts():
    assert sparsity.arccos_cosine(0.0) == pytest.approx(1 / np.pi)
    assert sparsity.arccos_cosine(1.0) == pytest.approx(1.0)
    measured = sparsity.at_init(depth=3, width=256, n_samples=256)["similarity"]
    predicted = [sparsity.arccos_cosine(0.0)]
    for _ in range(2):
        predicted.append(sparsity.arccos_cosine(predicted[-1]))
    np.testing.assert_allclose(measured, predicted, atol=0.04)


def test_a_positive_bias_kills_more_deep_units_at_initialisation():
    zero = sparsity.at_init_over_seeds(seeds=5, bias=0.0)
    positive = sparsity.at_init_over_seeds(seeds=5, bias=0.5)
    assert positive["dead_fraction"][-1] > zero["dead_fraction"][-1] + 0.03
    assert positive["similarity"][-1] > zero["similarity"][-1]


def test_training_run_records_train_and_test_accuracy_and_live_zeros():
    r = sparsity.training_run(lr=0.01, optimiser="adam", l1=0.0, epochs=3)
    for key in sparsity.MEASURES:
        assert len(r[key]) == 4
    assert r["train_accuracy"][-1] > 0.9
    assert np.isfinite([r["test_loss"][-1], r["train_loss"][-1]]).all()


def test_l1_sweep_makes_the_code_sparser_and_reports_paired_changes():
    s = sparsity.l1_sweep(l1s=(0.0, 0.01), seeds=2, epochs=3)
    assert s["zero_fraction"][1] > s["zero_fraction"][0] + 0.1
    assert s["gaps"].shape == (2, 2) and s["change"][0] == 0.0
    np.testing.assert_allclose(s["gap"], s["gaps"].mean(axis=1))
