"""Exact zeros of pre-activations, counted by precision and by cause."""

import numpy as np
import pytest

from relu_lib.chapters.what_is_relu import count_kink_hits, image_patches, preactivations


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


def test_preactivations_round_inputs_to_the_working_precision():
    # 1.0004 is 1.0 in float16 (spacing 2**-10 near 1), so the sum cancels exactly there only.
    assert preactivations([[1.0, 1.0]], [[1.0], [-1.0004]], "float16")[0, 0] == 0
    assert preactivations([[1.0, 1.0]], [[1.0], [-1.0004]], "float64")[0, 0] != 0
    assert preactivations([[1.0]], [[2.0]], "float32").dtype == np.float32


def test_kink_hits_separate_zero_inputs_from_rounding():
    x = np.array([[1.0, 1.0], [0.0, 0.0], [2.0, -3.0]])
    w = np.array([[1.0, 0.5], [-1.0004, 0.25]])
    c16, c32, c64 = count_kink_hits(x, w)
    assert (c16.dtype, c32.dtype, c64.dtype) == ("float16", "float32", "float64")
    # the all-zero row hits the kink in both units, in every precision
    assert c16.n_zero_input == c32.n_zero_input == c64.n_zero_input == 2
    # only float16 rounds 1.0004 to 1 and cancels; 2*0.5 - 3*0.25 = 0.25 never cancels
    assert (c16.n_rounding, c32.n_rounding, c64.n_rounding) == (1, 0, 0)
    assert c16.n_total == 4  # two non-zero rows times two units
    assert c16.rounding_per_million == pytest.approx(250_000)


def test_float64_never_hits_the_kink_by_rounding_on_digit_patches():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    patches = image_patches(load_digits().images[:300] / 16.0)
    w = np.random.default_rng(0).standard_normal((9, 64)) * np.sqrt(2 / 9)
    c16, _, c64 = count_kink_hits(patches, w)
    assert c64.n_rounding == 0
    assert c16.n_zero_input == c64.n_zero_input > 0
