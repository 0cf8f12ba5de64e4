"""Where floating point lands exactly on ReLU's kink: counting exact zeros by precision.

The derivative of ReLU at 0 is a convention (PyTorch, TensorFlow and JAX use 0), and it only
matters for pre-activations that are *exactly* zero. In exact arithmetic with continuous inputs that
has probability zero; in floating point it happens for two reasons, which this module separates:

* the input is exactly zero (an all-zero image patch with zero bias gives ``z = 0`` in every
  precision), and
* rounding: a non-zero input whose products cancel exactly after rounding to the working precision.

Examples
--------
>>> import numpy as np
>>> x = np.array([[1.0, 1.0], [0.0, 0.0]])
>>> w = np.array([[1.0], [-1.0004]])
>>> [(c.dtype, c.n_zero_input, c.n_rounding) for c in count_kink_hits(x, w)]
[('float16', 1, 1), ('float32', 1, 0), ('float64', 1, 0)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["KinkCount", "count_kink_hits", "image_patches", "preactivations"]


def image_patches(images: np.ndarray, size: int = 3) -> np.ndarray:
    """Every ``size``×``size`` window of a stack of images, flattened to one row each.

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


def preactivations(x: np.ndarray, w: np.ndarray, dtype: str | np.dtype = "float64") -> np.ndarray:
    """Return ``z = x @ w`` as a network computing in precision ``dtype`` would.

    Inputs and weights are first rounded to ``dtype``. Products are summed in ``dtype``, or in
    float32 when ``dtype`` is narrower (float16), as GPU matrix units do in mixed precision, and the
    result is rounded to ``dtype``.

    Examples
    --------
    >>> preactivations([[1.0, 1.0]], [[1.0], [-1.0004]], "float16")
    array([[0.]], dtype=float16)
    """
    dtype = np.dtype(dtype)
    accumulate = np.result_type(dtype, np.float32)
    xq = np.asarray(x, dtype=dtype).astype(accumulate)
    wq = np.asarray(w, dtype=dtype).astype(accumulate)
    return (xq @ wq).astype(dtype)


@dataclass(frozen=True)
class KinkCount:
    """How many pre-activations hit ReLU's kink exactly, and why.

    Attributes
    ----------
    dtype : the working precision
    n_total : number of pre-activations computed (rows of ``x`` times columns of ``w``)
    n_zero_input : exact zeros whose input row is all zero (these occur in every precision)
    n_rounding : exact zeros whose input row is not all zero (cancellation after rounding)
    """

    dtype: str
    n_total: int
    n_zero_input: int
    n_rounding: int

    @property
    def rounding_per_million(self) -> float:
        """Exact zeros from rounding per million pre-activations with a non-zero input."""
        return 0.0 if self.n_total == 0 else 1e6 * self.n_rounding / self.n_total


def count_kink_hits(
    x: np.ndarray, w: np.ndarray, dtypes: tuple[str, ...] = ("float16", "float32", "float64")
) -> list[KinkCount]:
    """Count exact zeros of ``x @ w`` in each precision, split by cause (see the module docstring).

    ``n_total`` in each result counts only the rows of ``x`` that are not all zero, so that
    :attr:`KinkCount.rounding_per_million` is a rate among inputs that *could* avoid the kink.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    zero_rows = ~np.any(x != 0, axis=1)
    n_units = w.shape[1]
    counts = []
    for dt in dtypes:
        z = preactivations(x, w, dt)
        hits = z == 0
        counts.append(
            KinkCount(
                dtype=np.dtype(dt).name,
                n_total=int((~zero_rows).sum()) * n_units,
                n_zero_input=int(hits[zero_rows].sum()),
                n_rounding=int(hits[~zero_rows].sum()),
            )
        )
    return counts
