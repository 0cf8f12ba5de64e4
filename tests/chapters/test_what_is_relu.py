"""Chapter "What is ReLU?": the chain rule at the kink, and exact zeros by precision and cause."""

import math
from fractions import Fraction

import numpy as np
import pytest

from relu_lib.chapters.what_is_relu import (
    INPUTS,
    KinkCount,
    autograd_slope,
    chance_of_any,
    count_kink_hits,
    digit_inputs,
    digit_pixels,
    exact_preactivation,
    gaussian_inputs,
    identity_by_relus,
    image_patches,
    kink_rates,
    preactivations,
    rate_for_chance,
    small_products,
    underflow_probability,
)


# --- the chain rule at the kink -----------------------------------------------------------

@pytest.mark.parametrize("at_zero, slope", [(0.0, 0.0), (0.5, 1.0), (1.0, 2.0)])
def test_autograd_of_relu_x_minus_relu_minus_x_at_zero_is_twice_the_chosen_relu_prime(at_zero, slope):
    pytest.importorskip("torch")
    # relu(x) - relu(-x) = x has derivative 1, but the chain rule adds ReLU'(0) twice at x = 0
    assert autograd_slope(identity_by_relus, 0.0, at_zero=at_zero) == slope


@pytest.mark.parametrize("x0", [-2.5, -1e-30, 1e-30, 3.0])
def test_autograd_of_the_identity_by_relus_is_one_away_from_zero(x0):
    pytest.importorskip("torch")
    assert autograd_slope(identity_by_relus, x0) == 1.0


def test_identity_by_relus_computes_the_identity():
    torch = pytest.importorskip("torch")
    x = torch.linspace(-3, 3, 13)
    assert torch.equal(identity_by_relus(x), x)


# --- inputs -------------------------------------------------------------------------------

def test_image_patches_enumerates_every_window_in_row_major_order():
    img = np.arange(16.0).reshape(1, 4, 4)
    p = image_patches(img, size=3)
    assert p.shape == (4, 9)
    np.testing.assert_array_equal(p[0], [0, 1, 2, 4, 5, 6, 8, 9, 10])
    np.testing.assert_array_equal(p[-1], [5, 6, 7, 9, 10, 11, 13, 14, 15])


@pytest.mark.parametrize("size", [0, 5])
def test_image_patches_rejects_impossible_window(size):
    with pytest.raises(ValueError, match="size"):
        image_patches(np.zeros((2, 4, 4)), size=size)


def test_image_patches_rejects_wrong_rank():
    with pytest.raises(ValueError, match="shape"):
        image_patches(np.zeros((4, 4)))


def test_digit_pixels_are_4_bit_numbers_in_the_unit_interval():
    pytest.importorskip("sklearn")
    p = digit_pixels()
    assert p.shape == (1797, 8, 8)
    np.testing.assert_array_equal(p * 16, np.round(p * 16))
    assert p.min() == 0.0 and p.max() == 1.0
    assert not p.flags.writeable  # cached, so shared: read-only


@pytest.mark.parametrize("fan_in", [4, 9, 64, 128, 576])
def test_digit_inputs_are_rows_of_digit_pixels_of_the_asked_fan_in(fan_in):
    pytest.importorskip("sklearn")
    x = digit_inputs(fan_in, 50, seed=3)
    assert x.shape == (50, fan_in)
    np.testing.assert_array_equal(x * 16, np.round(x * 16))
    np.testing.assert_array_equal(x, digit_inputs(fan_in, 50, seed=3))  # seeded


def test_digit_inputs_of_fan_in_9_are_3x3_patches_of_the_images():
    pytest.importorskip("sklearn")
    patches = {tuple(r) for r in image_patches(digit_pixels(), 3)}
    assert all(tuple(r) in patches for r in digit_inputs(9, 100))


@pytest.mark.parametrize("fan_in", [10, 100])
def test_digit_inputs_reject_a_fan_in_that_is_neither_a_patch_nor_whole_images(fan_in):
    with pytest.raises(ValueError, match="fan_in"):
        digit_inputs(fan_in, 3)


def test_gaussian_inputs_are_seeded_and_standard():
    x = gaussian_inputs(64, 2000, seed=1)
    np.testing.assert_array_equal(x, gaussian_inputs(64, 2000, seed=1))
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01


# --- pre-activations in a working precision -------------------------------------------------

def test_preactivations_round_inputs_to_the_working_precision():
    # 1.0004 is 1.0 in float16 (spacing 2**-10 near 1), so the sum cancels exactly there only.
    assert preactivations([[1.0, 1.0]], [[1.0], [-1.0004]], "float16")[0, 0] == 0
    assert preactivations([[1.0, 1.0]], [[1.0], [-1.0004]], "float64")[0, 0] != 0
    assert preactivations([[1.0]], [[2.0]], "float32").dtype == np.float32


def test_float16_preactivations_round_once_after_a_float32_sum():
    # 2048 + 1 - 2048: a float16 running sum would lose the 1 (spacing 2 above 2048); float32 keeps it
    z = preactivations([[2048.0, 1.0, 2048.0]], [[1.0], [1.0], [-1.0]], "float16")
    assert z[0, 0] == 1.0 and z.dtype == np.float16


def test_exact_preactivation_is_the_exact_dot_product_of_the_rounded_numbers():
    assert exact_preactivation([1.0, 1.0], [1.0, -1.0004], "float16") == 0
    assert exact_preactivation([1.0, 1.0], [1.0, -1.0004], "float64") == \
        1 - Fraction(1.0004)
    assert exact_preactivation([0.1], [3.0], "float32") == 3 * Fraction(float(np.float32(0.1)))


def test_small_products_counts_exactly_the_products_that_round_to_zero():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 7)) * 1e-3
    w = rng.standard_normal((7, 30)) * 1e-4
    x[0, 0] = 0.0  # a zero factor is no underflow
    xr, wr = x.astype(np.float16), w.astype(np.float16)
    brute = 0
    for j in range(7):
        p = np.multiply.outer(xr[:, j], wr[j]).astype(np.float16)  # float16 products
        nonzero = np.multiply.outer(xr[:, j] != 0, wr[j] != 0)
        brute += int(((p == 0) & nonzero).sum())
    assert brute > 0
    assert small_products(x, w, "float16") == brute
    assert small_products(x, w, "float32") == 0


# --- counting exact zeros -----------------------------------------------------------------

def test_kink_hits_separate_zero_inputs_cancellation_and_underflow():
    x = np.array([[1.0, 1.0], [0.0, 0.0], [2.0, -3.0], [2.0**-12, 1.0]])
    w = np.array([[1.0, 0.5, 2.0**-14], [-1.0004, 0.25, 0.0]])
    c16, c32, c64 = count_kink_hits(x, w)
    assert (c16.dtype, c32.dtype, c64.dtype) == ("float16", "float32", "float64")
    # the all-zero row hits the kink in all three units, in every precision
    assert c16.n_zero_input == c32.n_zero_input == c64.n_zero_input == 3
    # float16 rounds 1.0004 to 1, so 1 - 1 cancels exactly; 2**-26 is below float16's range
    assert (c16.n_cancel, c16.n_underflow) == (1, 1)
    assert (c32.n_rounding, c64.n_rounding) == (0, 0)
    assert c16.n_total == 9  # three non-zero rows times three units
    assert c16.rounding_per_million == pytest.approx(2e6 / 9)


def test_float64_never_hits_the_kink_by_rounding_on_digit_patches():
    pytest.importorskip("sklearn")
    patches = image_patches(digit_pixels()[:300])
    w = np.random.default_rng(0).standard_normal((9, 64)) * np.sqrt(2 / 9)
    c16, _, c64 = count_kink_hits(patches, w)
    assert c64.n_rounding == 0
    assert c16.n_zero_input == c64.n_zero_input > 0


@pytest.mark.parametrize("k, exact_upper", [(0, 2.995732), (1, 4.743865), (5, 10.513035),
                                            (28, 38.388902), (200, 224.874351)])
def test_upper_bound_is_the_95_percent_poisson_bound_within_one_percent(k, exact_upper):
    # exact_upper = chi2.ppf(0.95, 2k + 2) / 2, from scipy
    c = KinkCount("float16", n_total=10**6, n_zero_input=0, n_cancel=k, n_underflow=0)
    assert c.upper_per_million == pytest.approx(exact_upper, rel=0.01)
    assert c.upper_per_million >= c.rounding_per_million


def test_kink_rates_are_cached_and_count_every_preactivation():
    pytest.importorskip("sklearn")
    a = kink_rates("4-bit digits", 9, n_preacts=2**14)
    assert a is kink_rates(inputs="4-bit digits", fan_in=9, n_preacts=2**14)
    assert [c.dtype for c in a] == ["float16", "float32", "float64"]
    for c in a:  # a blank patch is not in n_total; with zero bias all 256 units hit the kink
        assert c.n_total + c.n_zero_input == 2**14


def test_kink_rates_reject_an_unknown_kind_of_input():
    with pytest.raises(ValueError, match="inputs"):
        kink_rates("uniform", 9, n_preacts=256)


def test_kink_rates_of_continuous_inputs_have_no_zero_inputs_and_no_float64_zeros():
    c16, c32, c64 = kink_rates("Gaussian", 64, n_preacts=2**14)
    assert c16.n_zero_input == c64.n_zero_input == 0
    assert c64.n_rounding == 0 and c64.n_small_products == 0
    assert c16.n_products == 2**14 * 64


def test_inputs_name_the_two_kinds_the_chapter_compares():
    assert set(INPUTS) == {"4-bit digits", "Gaussian"}


# --- from a rate to a network ---------------------------------------------------------------

def test_underflow_probability_is_the_normal_mass_below_half_the_smallest_subnormal():
    half_tiny = 2.0**-25  # float16's smallest subnormal is 2**-24
    assert underflow_probability(1.0) == pytest.approx(math.erf(half_tiny / math.sqrt(2)))
    assert underflow_probability(2.0) == pytest.approx(underflow_probability(1.0) / 2)
    assert underflow_probability(1.0, "float32") < 1e-44


@pytest.mark.parametrize("chance, n", [(0.5, 4.6e7), (0.01, 1e3), (0.99, 10.0)])
def test_rate_for_chance_inverts_chance_of_any(chance, n):
    assert chance_of_any(rate_for_chance(chance, n), n) == pytest.approx(chance)


def test_chance_of_any_is_accurate_for_tiny_rates():
    assert chance_of_any(1e-12, 1.0) == pytest.approx(1e-12)
    assert chance_of_any(0.0, 1e9) == 0.0
