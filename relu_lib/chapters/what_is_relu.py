"""The experiments of the chapter "What is ReLU?" (book/what_is_relu.md).

Two questions about ReLU's corner at 0, where software must pick a value for ReLU'(0):

* Through a network the chain rule with a fixed ReLU'(0) can return a number that is not a
  derivative of the function computed (:func:`identity_by_relus`, :func:`autograd_slope`).
* How often a pre-activation lands *exactly* on the corner. In exact arithmetic with continuous
  inputs that has probability zero; in floating point it happens for three reasons, which
  :func:`count_kink_hits` separates:

  - the input is exactly zero (an all-zero image patch with zero bias gives ``z = 0`` in every
    precision);
  - cancellation: the inputs and weights, once rounded to the working precision, cancel exactly;
  - underflow: the exact value is not zero but too small for the precision (float16 cannot
    hold a magnitude below 2**-25), or it is lost to rounding while the products are summed.

  :func:`kink_rates` measures the rate by input kind (4-bit digit pixels or continuous
  Gaussian numbers), fan-in and precision; :func:`underflow_probability` and
  :func:`chance_of_any` turn rates into the numbers a whole network sees.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0, 1.0], [0.0, 0.0]])
>>> w = np.array([[1.0], [-1.0004]])
>>> [(c.dtype, c.n_zero_input, c.n_rounding) for c in count_kink_hits(x, w)]
[('float16', 1, 1), ('float32', 1, 0), ('float64', 1, 0)]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from relu_lib.cache import cached
from relu_lib.init import he_normal
from relu_lib.stats import LEVEL

if TYPE_CHECKING:  # torch is imported inside the functions that need it
    import matplotlib.axes
    import torch

__all__ = [
    "INPUTS", "KinkCount", "autograd_slope", "chance_of_any", "count_kink_hits",
    "digit_inputs", "digit_pixels", "exact_preactivation", "gaussian_inputs",
    "identity_by_relus", "image_patches", "kink_rates", "plot_kink_rates", "preactivations",
    "rate_for_chance", "small_products", "underflow_probability",
]

DTYPES = ("float16", "float32", "float64")


# --- The chain rule at the corner ---------------------------------------------

def identity_by_relus(x: torch.Tensor, at_zero: float = 0.0) -> torch.Tensor:
    """``relu(x) - relu(-x)``, which is ``x``, with ReLU'(0) = ``at_zero``.

    Serves the section "Through a network, a fixed ReLU'(0) can be wrong" of
    book/what_is_relu.md. Needs torch (imported here, not by ``relu_lib``).

    Examples
    --------
    >>> import torch
    >>> identity_by_relus(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-2.,  0.,  3.])
    """
    from relu_lib.torch_path import relu_at_zero

    return relu_at_zero(x, at_zero) - relu_at_zero(-x, at_zero)


def autograd_slope(f: Callable[..., torch.Tensor], x0: float, **kwargs: float) -> float:
    """The derivative of ``f`` at ``x0`` as torch autograd computes it.

    Serves the section "Through a network, a fixed ReLU'(0) can be wrong" of
    book/what_is_relu.md; ``kwargs`` go to ``f``.

    Examples
    --------
    >>> autograd_slope(identity_by_relus, 2.0)
    1.0
    """
    import torch

    x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    f(x, **kwargs).backward()
    return float(x.grad)


# --- Inputs -------------------------------------------------------------------

def image_patches(images: np.ndarray, size: int = 3) -> np.ndarray:
    """Every ``size``×``size`` window of a stack of images, flattened to one row each.

    Serves the section "When does the choice of ReLU'(0) matter?" of book/what_is_relu.md.

    Parameters
    ----------
    images : array of shape (n, height, width)
    size : window side, at most ``min(height, width)``

    Returns
    -------
    ndarray of shape (n * (height - size + 1) * (width - size + 1), size * size), a copy.

    Examples
    --------
    >>> image_patches(np.arange(16.0).reshape(1, 4, 4), size=3).shape
    (4, 9)
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"image_patches expects an array of shape (n, height, width), got {images.shape}")
    if not 1 <= size <= min(images.shape[1:]):
        raise ValueError(f"image_patches: size must be in [1, {min(images.shape[1:])}], got {size}")
    windows = np.lib.stride_tricks.sliding_window_view(images, (size, size), axis=(1, 2))
    return windows.reshape(-1, size * size).copy()


@cached(maxsize=1)
def digit_pixels() -> np.ndarray:
    """scikit-learn's 8×8 digits as 4-bit pixels ``0, 1/16, ..., 1``, shape (1797, 8, 8).

    Serves the section "When does the choice of ReLU'(0) matter?" of book/what_is_relu.md.
    Read-only (cached).

    Examples
    --------
    >>> p = digit_pixels()
    >>> p.shape, float(p.max()), bool(np.all(p * 16 == np.round(p * 16)))
    ((1797, 8, 8), 1.0, True)
    """
    from sklearn.datasets import load_digits

    return load_digits().images / 16.0


def digit_inputs(fan_in: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` rows of ``fan_in`` 4-bit digit pixels, drawn at random.

    A square fan-in up to 64 gives ``s``×``s`` patches (9: 3×3, 64: whole images); a
    multiple of 64 gives that many whole images side by side (576: nine images).
    Serves the section "Fan-in, quantisation and underflow" of book/what_is_relu.md.

    Examples
    --------
    >>> digit_inputs(9, 5).shape, digit_inputs(576, 2).shape
    ((5, 9), (2, 576))
    """
    rng = np.random.default_rng(seed)
    images = digit_pixels()
    side = math.isqrt(fan_in)
    if side * side == fan_in and side <= 8:
        patches = image_patches(images, side)
        return patches[rng.integers(0, len(patches), n)]
    if fan_in % 64 == 0:
        flat = images.reshape(len(images), 64)
        picks = rng.integers(0, len(flat), (n, fan_in // 64))
        return flat[picks].reshape(n, fan_in)
    raise ValueError(f"digit_inputs: fan_in must be a square up to 64 or a multiple of 64, "
                     f"got {fan_in}")


def gaussian_inputs(fan_in: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` rows of ``fan_in`` standard normal numbers: continuous inputs.

    Serves the section "Fan-in, quantisation and underflow" of book/what_is_relu.md.

    Examples
    --------
    >>> gaussian_inputs(64, 3).shape
    (3, 64)
    """
    return np.random.default_rng(seed).standard_normal((n, fan_in))


#: The two kinds of input compared in the chapter.
INPUTS: dict[str, Callable[[int, int, int], np.ndarray]] = {
    "4-bit digits": digit_inputs,
    "Gaussian": gaussian_inputs,
}


# --- Pre-activations in a working precision -----------------------------------

def preactivations(x: ArrayLike, w: ArrayLike,
                   dtype: DTypeLike = "float64") -> np.ndarray:
    """z = x @ w as a network computing in precision ``dtype`` would.

    float16 sums in float32 and rounds once, as GPUs do in mixed
    precision. Serves the section "When does the choice of ReLU'(0)
    matter?" of book/what_is_relu.md.

    Examples
    --------
    >>> preactivations([[1.0, 1.0]], [[1.0], [-1.0004]], "float16")
    array([[0.]], dtype=float16)
    """
    dtype = np.dtype(dtype)
    acc = np.result_type(dtype, np.float32)  # the accumulator
    x = np.asarray(x, dtype=dtype).astype(acc)  # round the inputs
    w = np.asarray(w, dtype=dtype).astype(acc)  # and the weights
    return (x @ w).astype(dtype)  # sum the products; round z


def exact_preactivation(x_row: ArrayLike, w_col: ArrayLike, dtype: DTypeLike = "float64") -> Fraction:
    """The exact value of ``x_row @ w_col`` once both are rounded to ``dtype``.

    Serves the section "Fan-in, quantisation and underflow" of book/what_is_relu.md:
    zero means the rounded numbers cancel exactly; anything else, that a computed zero
    is an underflow or a rounding loss.

    Examples
    --------
    >>> exact_preactivation([1.0, 1.0], [1.0, -1.0004], "float16")
    Fraction(0, 1)
    """
    xs = np.asarray(x_row, dtype=dtype).tolist()
    ws = np.asarray(w_col, dtype=dtype).tolist()
    return sum((Fraction(a) * Fraction(b) for a, b in zip(xs, ws)), Fraction(0))


def small_products(x: ArrayLike, w: ArrayLike, dtype: DTypeLike = "float16") -> int:
    """How many products ``x[i, j] * w[j, k]`` of non-zero factors round to 0 in ``dtype``.

    A product underflows when its magnitude is at most half the smallest subnormal number
    (2**-25 in float16). Counted without forming the products: for each input ``j`` the
    weights' magnitudes are sorted once and every ``|x[i, j]|`` looks its bound up.
    Serves the section "Fan-in, quantisation and underflow" of book/what_is_relu.md.

    Examples
    --------
    >>> small_products([[1e-4, 1e-3]], [[1e-4, 1.0], [1e-5, 2.0]])
    2
    """
    x = np.abs(np.asarray(x, dtype=dtype).astype(np.float64))
    w = np.abs(np.asarray(w, dtype=dtype).astype(np.float64))
    tiny = float(np.finfo(dtype).smallest_subnormal) / 2
    if not (x > 0).any() or not (w > 0).any():
        return 0
    if x[x > 0].min() * w[w > 0].min() > tiny:  # no product is that small
        return 0
    count = 0
    for j in range(x.shape[1]):
        xs = x[:, j][x[:, j] > 0]
        ws = np.sort(w[j][w[j] > 0])
        count += int(np.searchsorted(ws, tiny / xs, side="right").sum())
    return count


# --- Counting exact zeros ----------------------------------------------------

@dataclass(frozen=True)
class KinkCount:
    """How many pre-activations hit ReLU's kink exactly, and why.

    Attributes
    ----------
    dtype : the working precision
    n_total : pre-activations with a non-zero input row (rows of ``x`` times columns of ``w``)
    n_zero_input : exact zeros whose input row is all zero (these occur in every precision)
    n_cancel : exact zeros whose rounded inputs and weights cancel exactly
    n_underflow : exact zeros whose exact value is not zero: too small for the precision, or
        lost to rounding in the sum
    n_products : products ``x[i, j] * w[j, k]`` with both factors non-zero
    n_small_products : how many of them would round to zero if stored in ``dtype``
    """

    dtype: str
    n_total: int
    n_zero_input: int
    n_cancel: int
    n_underflow: int
    n_products: int = 0
    n_small_products: int = 0

    @property
    def n_rounding(self) -> int:
        """Exact zeros from a non-zero input: cancellation plus underflow."""
        return self.n_cancel + self.n_underflow

    @property
    def rounding_per_million(self) -> float:
        """Exact zeros from rounding per million pre-activations with a non-zero input."""
        return 0.0 if self.n_total == 0 else 1e6 * self.n_rounding / self.n_total

    @property
    def upper_per_million(self) -> float:
        """An upper bound at `relu_lib.stats.LEVEL` on the rate per million (3/n for 95% and no zero).

        The exact Poisson bound, ``chi2.ppf(LEVEL, 2 k + 2) / 2`` for ``k`` zeros, by the
        Wilson–Hilferty approximation (within 1% for every ``k``).
        """
        if self.n_total == 0:
            return math.inf
        k = self.n_rounding
        if k == 0:
            return 1e6 * -math.log(1 - LEVEL) / self.n_total
        z, d = NormalDist().inv_cdf(LEVEL), 2 * k + 2
        upper = d * (1 - 2 / (9 * d) + z * math.sqrt(2 / (9 * d))) ** 3 / 2
        return 1e6 * upper / self.n_total


def count_kink_hits(x: ArrayLike, w: ArrayLike, dtypes: tuple[str, ...] = DTYPES,
                    products: bool = False) -> list[KinkCount]:
    """Count exact zeros of ``x @ w`` in each precision, split by cause (module docstring).

    ``n_total`` counts only the rows of ``x`` that are not all zero, so that
    :attr:`KinkCount.rounding_per_million` is a rate among inputs that *could* avoid the
    kink. ``products=True`` also counts the products that underflow (:func:`small_products`).
    Serves the section "When does the choice of ReLU'(0) matter?" of book/what_is_relu.md.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    zero_rows = ~np.any(x != 0, axis=1)
    n_units = w.shape[1]
    counts = []
    for dt in dtypes:
        hits = preactivations(x, w, dt) == 0
        rows, cols = np.nonzero(hits & ~zero_rows[:, None])
        exact = [exact_preactivation(x[i], w[:, k], dt) for i, k in zip(rows, cols)]
        n_cancel = sum(e == 0 for e in exact)
        counts.append(KinkCount(
            dtype=np.dtype(dt).name,
            n_total=int((~zero_rows).sum()) * n_units,
            n_zero_input=int(hits[zero_rows].sum()),
            n_cancel=int(n_cancel),
            n_underflow=len(exact) - int(n_cancel),
            n_products=_nonzero_products(x, w),
            n_small_products=small_products(x, w, dt) if products else 0,
        ))
    return counts


def _nonzero_products(x: np.ndarray, w: np.ndarray) -> int:
    """The number of pairs ``(x[i, j], w[j, k])`` with both factors non-zero."""
    return int(np.count_nonzero(x, axis=0) @ np.count_nonzero(w, axis=1))


@cached(maxsize=64)
def kink_rates(inputs: str, fan_in: int, n_preacts: int = 2**22, n_units: int = 256,
               seed: int = 0) -> tuple[KinkCount, ...]:
    """Exact zeros of one layer in float16, float32 and float64, for one kind of input.

    ``n_preacts // n_units`` input rows of kind ``inputs`` (a key of :data:`INPUTS`) meet
    ``n_units`` He-initialised units (weights with variance 2 / fan_in) with zero bias.
    Products that would underflow are counted too. Cached: one computation per setting.
    Serves the section "Fan-in, quantisation and underflow" of book/what_is_relu.md.

    Examples
    --------
    >>> c16, c32, c64 = kink_rates("Gaussian", 9, n_preacts=2**12)
    >>> c16.n_total, c64.n_rounding
    (4096, 0)
    """
    if inputs not in INPUTS:
        raise ValueError(f"kink_rates: inputs must be one of {sorted(INPUTS)}, got {inputs!r}")
    x = INPUTS[inputs](fan_in, n_preacts // n_units, seed)
    w = he_normal(fan_in, n_units, np.random.default_rng(seed + 1))
    return tuple(count_kink_hits(x, w, products=True))


def plot_kink_rates(ax: matplotlib.axes.Axes, fan_ins: tuple[int, ...], n_preacts: int = 2**22,
                    dtype: str = "float16") -> None:
    """Exact zeros per million pre-activations against fan-in, for both kinds of input.

    A measured rate is a filled marker; a count of zero is an open marker at its 95% upper
    bound with an arrow pointing down. The dotted line is :func:`underflow_probability` for
    a pre-activation z ~ N(0, 2), what He weights make of standard normal inputs.
    Serves the section "Fan-in, quantisation and underflow" of book/what_is_relu.md.
    """
    from relu_lib.plotting import COLORS

    i = DTYPES.index(dtype)
    # the two kinds sit a little left and right of each fan-in, so equal bounds do not overlap
    for name, marker, shift in (("4-bit digits", "o", 0.93), ("Gaussian", "s", 1.07)):
        counts = [kink_rates(name, k, n_preacts)[i] for k in fan_ins]
        for k, c in zip(fan_ins, counts):
            seen = c.n_rounding > 0
            y = c.rounding_per_million if seen else c.upper_per_million
            ax.plot(k * shift, y, marker, color=COLORS[dtype],
                    mfc=COLORS[dtype] if seen else "white",
                    label=name if k == fan_ins[0] else None)
            if not seen:
                ax.annotate("", xy=(k * shift, y / 3), xytext=(k * shift, y),
                            arrowprops={"arrowstyle": "->", "color": COLORS[dtype]})
    floor = 1e6 * underflow_probability(math.sqrt(2), dtype)
    ax.axhline(floor, color=COLORS["theory"], ls=":", lw=1,
               label="underflow of z ~ N(0, 2)")
    ax.set(xscale="log", yscale="log", xlabel="fan-in (terms in each dot product)",
           ylabel="exact zeros per million")
    ax.set_xticks(fan_ins, [str(k) for k in fan_ins])
    ax.minorticks_off()


# --- From a rate to a network -------------------------------------------------

def underflow_probability(sigma: float, dtype: DTypeLike = "float16") -> float:
    """P(z rounds to 0 in ``dtype``) for z ~ N(0, sigma²): P(|z| <= tiny / 2).

    ``tiny`` is the smallest subnormal number of ``dtype`` (2**-24 in float16); a value
    at most half of it rounds to zero. Serves the section "Fan-in, quantisation and
    underflow" of book/what_is_relu.md.

    Examples
    --------
    >>> f"{underflow_probability(1.0):.2e}"
    '2.38e-08'
    """
    half_tiny = float(np.finfo(dtype).smallest_subnormal) / 2
    return math.erf(half_tiny / (sigma * math.sqrt(2)))


def chance_of_any(rate: float, n: float) -> float:
    """The chance that ``n`` independent trials, each a hit with chance ``rate``, hit once or more.

    Serves the section "What Bertoin et al. measured" of book/what_is_relu.md.

    Examples
    --------
    >>> round(chance_of_any(1e-8, 1e8), 3)
    0.632
    """
    return -math.expm1(n * math.log1p(-rate))


def rate_for_chance(chance: float, n: float) -> float:
    """The rate per trial at which ``n`` trials hit once or more with probability ``chance``.

    The inverse of :func:`chance_of_any`. Serves the section "What Bertoin et al. measured"
    of book/what_is_relu.md.

    Examples
    --------
    >>> f"{rate_for_chance(0.5, 1e8):.2e}"
    '6.93e-09'
    """
    return -math.expm1(math.log1p(-chance) / n)
