"""Small seeded data sets: 1-D curves, 2-D toy classification, and the 8x8 digits.

Every maker takes a ``seed`` (default 0) and returns float64 inputs ``X`` of
shape ``(n, features)`` and targets ``y``: float64 for regression
(:func:`curve_1d`), int64 class labels otherwise. The same seed gives the same
arrays, bit for bit. The 2-D sets are drawn with NumPy here (not with
scikit-learn's makers) and are shuffled, with classes as equal in size as
``n`` allows. scikit-learn is imported only when :func:`digits` is called.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from relu_lib.cache import cached

__all__ = ["CURVES", "curve_1d", "moons", "circles", "spirals", "Split", "digits"]

CURVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sine": lambda x: np.sin(np.pi * x),
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(np.float64),
    "relu": lambda x: np.maximum(x, 0.0),
    "square": np.square,
    "sawtooth": lambda x: 2.0 * (2.0 * x - np.floor(2.0 * x)) - 1.0,
}
"""Target functions of :func:`curve_1d` on ``[-1, 1]``, by name."""


def curve_1d(n: int = 200, kind: str = "sine", noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy 1-D regression curve ``y = f(x) + noise·N(0, 1)`` on ``x`` in ``[-1, 1]``.

    Parameters
    ----------
    n
        Number of samples; ``x`` is drawn uniformly and returned sorted, so
        ``plt.plot(X[:, 0], y)`` draws the curve.
    kind
        A key of :data:`CURVES`: ``"sine"`` (one period), ``"abs"``,
        ``"step"``, ``"relu"``, ``"square"`` or ``"sawtooth"``.
    noise
        Standard deviation of the Gaussian noise added to ``f(x)``.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    X : ndarray of shape (n, 1), float64
    y : ndarray of shape (n,), float64

    Examples
    --------
    >>> X, y = curve_1d(50, kind="abs", noise=0.0)
    >>> X.shape, y.shape, bool(np.allclose(y, np.abs(X[:, 0])))
    ((50, 1), (50,), True)
    """
    if kind not in CURVES:
        raise ValueError(f"unknown curve {kind!r}; valid kinds are: {', '.join(sorted(CURVES))}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = CURVES[kind](x) + noise * rng.standard_normal(n)
    return x[:, None], y


def _class_sizes(n: int, n_classes: int) -> np.ndarray:
    """Split ``n`` samples into ``n_classes`` sizes differing by at most one."""
    if n_classes < 2:
        raise ValueError(f"need at least two classes, got {n_classes}")
    if n < n_classes:
        raise ValueError(f"need at least one sample per class: n={n}, n_classes={n_classes}")
    return np.full(n_classes, n // n_classes) + (np.arange(n_classes) < n % n_classes)


def _noisy_shuffled(
    points: np.ndarray, labels: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Add isotropic Gaussian noise to ``points`` and shuffle them with their labels."""
    points += noise * rng.standard_normal(points.shape)
    order = rng.permutation(len(labels))
    return points[order], labels[order]


def moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1, labels 0 (upper) and 1 (lower).

    Class 0 lies on ``(cos t, sin t)``, class 1 on ``(1 - cos t, 0.5 - sin t)``,
    ``t`` evenly spaced in ``[0, pi]``; then ``noise·N(0, I)`` is added.

    Returns
    -------
    X : ndarray of shape (n, 2), float64
    y : ndarray of shape (n,), int64

    Examples
    --------
    >>> X, y = moons(100)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    """
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n, 2)
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    points = np.concatenate(
        [np.column_stack([np.cos(t0), np.sin(t0)]), np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])]
    )
    labels = np.repeat(np.arange(2), [n0, n1])
    return _noisy_shuffled(points, labels, noise, rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: label 0 on radius 1, label 1 on radius ``factor``.

    Examples
    --------
    >>> X, y = circles(100, noise=0.0)
    >>> bool(np.allclose(np.hypot(*X[y == 1].T), 0.5))
    True
    """
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"factor must be in [0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, 2)
    radius = np.repeat([1.0, factor], sizes)
    t = np.concatenate([np.linspace(0.0, 2.0 * np.pi, k, endpoint=False) for k in sizes])
    points = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    labels = np.repeat(np.arange(2), sizes)
    return _noisy_shuffled(points, labels, noise, rng)


def spirals(
    n: int = 300, n_classes: int = 2, noise: float = 0.1, seed: int = 0, turns: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class, from the origin out to radius 1.

    Arm ``k`` is ``r·(cos θ, sin θ)`` with ``r = t`` evenly spaced in
    ``(0, 1]`` and ``θ = 2πk / n_classes + 2π·turns·t``; then
    ``noise·N(0, I)`` is added.

    Returns
    -------
    X : ndarray of shape (n, 2), float64
    y : ndarray of shape (n,), int64

    Examples
    --------
    >>> X, y = spirals(300, n_classes=3)
    >>> np.bincount(y).tolist()
    [100, 100, 100]
    """
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, n_classes)
    labels = np.repeat(np.arange(n_classes), sizes)
    t = np.concatenate([np.linspace(0.0, 1.0, k + 1)[1:] for k in sizes])
    theta = 2.0 * np.pi * (labels / n_classes + turns * t)
    points = t[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    return _noisy_shuffled(points, labels, noise, rng)


class Split(NamedTuple):
    """A train/test split: inputs ``(samples, features)`` and integer labels."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@cached(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled scikit-learn digits, read once: pixels in 0..16 and labels, read-only."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


def _stratified_test_mask(y: np.ndarray, test_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Mark ``ceil(test_fraction·n)`` samples as test, each class in proportion to its size."""
    classes, counts = np.unique(y, return_counts=True)
    n_test = int(np.ceil(test_fraction * len(y)))
    share = test_fraction * counts
    per_class = np.floor(share).astype(np.int64)
    # Hand what the floors left over to the classes with the largest remainders.
    leftover = n_test - per_class.sum()
    per_class[np.argsort(per_class - share, kind="stable")[:leftover]] += 1
    test = np.zeros(len(y), dtype=bool)
    for label, k in zip(classes, per_class):
        test[rng.permutation(np.flatnonzero(y == label))[:k]] = True
    return test


def digits(test_fraction: float = 0.25, seed: int = 0, standardise: bool = True) -> Split:
    """The 8x8 handwritten digits (1797 samples, 64 pixels, 10 classes), split and scaled.

    The data are scikit-learn's bundled ``load_digits`` (no download). The
    split is stratified: each digit contributes to the test set in proportion
    to its count, ``ceil(test_fraction·1797)`` test samples in all (450 of
    1797 by default, leaving 1347 for training). Samples keep their original
    order within each part.

    Parameters
    ----------
    test_fraction
        Fraction of the samples held out, in ``(0, 1)``.
    seed
        Seed of the split.
    standardise
        If true, every pixel is shifted and scaled by the mean and standard
        deviation of the *training* set; pixels constant in training (some
        are always 0) are only shifted, never divided by zero. If false,
        pixels are the raw intensities 0..16.

    Returns
    -------
    Split
        ``(X_train, y_train, X_test, y_test)``; ``X`` float64 of shape
        ``(samples, 64)``, ``y`` int64 in ``0..9``.

    Examples
    --------
    >>> data = digits()
    >>> data.X_train.shape, data.X_test.shape
    ((1347, 64), (450, 64))
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    X, y = _load_digits()
    test = _stratified_test_mask(y, test_fraction, np.random.default_rng(seed))
    X_train, X_test = X[~test], X[test]
    if standardise:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0.0] = 1.0
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    return Split(X_train, y[~test], X_test, y[test])
