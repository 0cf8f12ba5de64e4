"""Tests of relu_lib.data: shapes, dtypes, determinism, balance and value ranges."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relu_lib import data
from relu_lib.data import CURVES, circles, curve_1d, digits, moons, spirals

CLASSIFICATION = {
    "moons": lambda seed=0, n=201, noise=0.1: moons(n, noise=noise, seed=seed),
    "circles": lambda seed=0, n=201, noise=0.1: circles(n, noise=noise, seed=seed),
    "spirals2": lambda seed=0, n=201, noise=0.1: spirals(n, n_classes=2, noise=noise, seed=seed),
    "spirals3": lambda seed=0, n=200, noise=0.1: spirals(n, n_classes=3, noise=noise, seed=seed),
}
MAKERS = {**CLASSIFICATION, "curve_1d": lambda seed=0, n=201, noise=0.1: curve_1d(n, noise=noise, seed=seed)}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_makers_return_float64_inputs_and_one_target_per_sample(name):
    X, y = MAKERS[name](n=57)
    assert X.dtype == np.float64 and X.ndim == 2 and len(X) == len(y) == 57
    assert X.shape[1] == (1 if name == "curve_1d" else 2)
    assert y.dtype == (np.float64 if name == "curve_1d" else np.int64)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_same_seed_gives_identical_arrays(name):
    (X1, y1), (X2, y2) = MAKERS[name](seed=5), MAKERS[name](seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_different_seeds_give_different_arrays(name):
    assert not np.array_equal(MAKERS[name](seed=0)[0], MAKERS[name](seed=1)[0])


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_classes_differ_in_size_by_at_most_one(name):
    _, y = CLASSIFICATION[name]()
    counts = np.bincount(y)
    assert len(counts) == (3 if name == "spirals3" else 2)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_samples_are_shuffled_not_grouped_by_class(name):
    _, y = CLASSIFICATION[name]()
    assert np.count_nonzero(np.diff(y)) > len(y) // 4


def test_noiseless_moons_lie_on_their_half_circles():
    X, y = moons(100, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12


def test_noiseless_circles_have_radii_one_and_factor():
    X, y = circles(100, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)


def test_noiseless_spiral_arms_stay_in_the_unit_disc_and_are_rotated_copies():
    X, y = spirals(300, n_classes=3, noise=0.0)
    assert np.hypot(*X.T).max() <= 1.0 + 1e-12
    # arm k is arm 0 rotated by 2*pi*k/3: same radii, sorted
    radii = [np.sort(np.hypot(*X[y == k].T)) for k in range(3)]
    np.testing.assert_allclose(radii[1], radii[0])
    np.testing.assert_allclose(radii[2], radii[0])


def test_noise_has_the_requested_standard_deviation():
    X0, y0 = moons(4000, noise=0.0, seed=3)
    X, y = moons(4000, noise=0.2, seed=3)
    assert np.array_equal(y, y0)  # same shuffle, so the clean points line up
    assert np.std(X - X0) == pytest.approx(0.2, rel=0.03)


@pytest.mark.parametrize("kind", sorted(CURVES))
def test_noiseless_curve_is_its_function_on_sorted_inputs_in_minus_one_one(kind):
    X, y = curve_1d(300, kind=kind, noise=0.0)
    x = X[:, 0]
    assert np.all(np.diff(x) >= 0) and x.min() >= -1.0 and x.max() <= 1.0
    np.testing.assert_array_equal(y, CURVES[kind](x))


def test_curves_have_the_shapes_their_names_say():
    x = np.array([-0.5, 0.5])
    np.testing.assert_allclose(CURVES["sine"](x), [-1.0, 1.0])
    np.testing.assert_array_equal(CURVES["abs"](x), [0.5, 0.5])
    np.testing.assert_array_equal(CURVES["step"](x), [0.0, 1.0])
    np.testing.assert_array_equal(CURVES["relu"](x), [0.0, 0.5])
    np.testing.assert_array_equal(CURVES["square"](x), [0.25, 0.25])
    np.testing.assert_allclose(CURVES["sawtooth"](np.array([0.0, 0.25, 0.49])), [-1.0, 0.0, 0.96])


@pytest.mark.parametrize("call", [
    lambda: curve_1d(kind="cosine"),
    lambda: spirals(10, n_classes=1),
    lambda: moons(1),
    lambda: circles(factor=1.0),
    lambda: digits(test_fraction=0.0),
])
def test_invalid_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


# --- digits --------------------------------------------------------------------

@pytest.fixture(scope="module")
def raw():
    return digits(standardise=False)


def test_digits_default_split_is_1347_train_450_test(raw):
    assert raw.X_train.shape == (1347, 64) and raw.X_test.shape == (450, 64)
    assert raw.y_train.shape == (1347,) and raw.y_test.shape == (450,)
    assert raw.X_train.dtype == np.float64 and raw.y_train.dtype == np.int64


def test_digits_raw_pixels_are_intensities_0_to_16(raw):
    for X in (raw.X_train, raw.X_test):
        assert X.min() == 0.0 and X.max() == 16.0
        np.testing.assert_array_equal(X, np.round(X))


def test_digits_split_is_stratified(raw):
    train, test = np.bincount(raw.y_train, minlength=10), np.bincount(raw.y_test, minlength=10)
    np.testing.assert_array_less(np.abs(test - 0.25 * (train + test)), 1.0)


def test_digits_split_partitions_the_data_set(raw):
    from sklearn.datasets import load_digits

    full = load_digits()
    together = np.concatenate([raw.X_train, raw.X_test])
    labels = np.concatenate([raw.y_train, raw.y_test])
    assert sorted(zip(map(tuple, together), labels)) == sorted(zip(map(tuple, full.data), full.target))


def test_digits_split_is_determined_by_the_seed(raw):
    again, other = digits(standardise=False), digits(seed=1, standardise=False)
    np.testing.assert_array_equal(again.X_test, raw.X_test)
    np.testing.assert_array_equal(again.y_test, raw.y_test)
    assert not np.array_equal(other.X_test, raw.X_test)


def test_digits_standardisation_uses_training_statistics_only(raw):
    scaled = digits()
    mean, std = raw.X_train.mean(axis=0), raw.X_train.std(axis=0)
    constant = std == 0
    assert constant.any()  # some pixels are 0 in every training image
    np.testing.assert_allclose(scaled.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.X_train.std(axis=0)[~constant], 1.0)
    np.testing.assert_array_equal(scaled.X_train[:, constant], 0.0)
    np.testing.assert_allclose(scaled.X_test * np.where(constant, 1.0, std) + mean, raw.X_test, atol=1e-12)
    assert np.all(np.isfinite(scaled.X_test))


def test_digits_test_fraction_sets_the_test_size():
    split = digits(test_fraction=0.1)
    assert len(split.y_test) == 180 and len(split.y_train) == 1617


def test_importing_data_does_not_import_sklearn():
    code = "import sys, relu_lib.data; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(data.__file__).parents[1])
