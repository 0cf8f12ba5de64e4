"""Weight initialisers by name, and the variance each one aims for.

Every weight matrix has shape ``(fan_in, fan_out)``: a layer computes
``y = x @ W + b`` with ``x`` of shape ``(samples, fan_in)``. This is the
transpose of ``torch.nn.Linear.weight``, which is ``(fan_out, fan_in)``.

All initialisers draw from a ``numpy.random.Generator`` and take a ``gain``
that multiplies the standard deviation (or the bound, for uniforms):

=================  ==========================================  ===========================
name               distribution                                variance
=================  ==========================================  ===========================
``he_normal``      N(0, std), std = gain·sqrt(2 / fan_in)      2·gain² / fan_in
``xavier_normal``  N(0, std), std = gain·sqrt(2 / (in + out))  2·gain² / (fan_in + fan_out)
``lecun_normal``   N(0, std), std = gain·sqrt(1 / fan_in)      gain² / fan_in
``torch_default``  U(−k, k), k = gain / sqrt(fan_in)           gain² / (3·fan_in)
=================  ==========================================  ===========================

``torch_default`` is what ``torch.nn.Linear.reset_parameters`` does
(``kaiming_uniform_`` with ``a = sqrt(5)``); its bias is
``U(−1/sqrt(fan_in), 1/sqrt(fan_in))``, given by :func:`torch_default_bias`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "he_normal",
    "xavier_normal",
    "lecun_normal",
    "torch_default",
    "torch_default_bias",
    "INITIALISERS",
    "initialise",
    "initialise_layers",
    "weight_variance",
]


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """He (Kaiming) normal weights, std = gain·sqrt(2 / fan_in).

    Keeps the second moment of ReLU pre-activations constant from layer to
    layer. Matches ``torch.nn.init.kaiming_normal_(w, nonlinearity="relu")``.

    Examples
    --------
    >>> W = he_normal(784, 256, np.random.default_rng(0))
    >>> W.shape
    (784, 256)
    """
    return rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Xavier (Glorot) normal weights, std = gain·sqrt(2 / (fan_in + fan_out)).

    Matches ``torch.nn.init.xavier_normal_``.

    Examples
    --------
    >>> xavier_normal(3, 5, np.random.default_rng(0)).shape
    (3, 5)
    """
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """LeCun normal weights, std = gain·sqrt(1 / fan_in) (the SELU initialiser).

    Matches ``torch.nn.init.kaiming_normal_(w, nonlinearity="linear")``.

    Examples
    --------
    >>> lecun_normal(3, 5, np.random.default_rng(0)).shape
    (3, 5)
    """
    return rng.normal(0.0, gain * np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def torch_default(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Weights as ``torch.nn.Linear`` draws them: U(−k, k), k = gain / sqrt(fan_in).

    This is ``kaiming_uniform_(w, a=sqrt(5))``; its variance, 1 / (3·fan_in),
    is a third of LeCun's and a sixth of He's.

    Examples
    --------
    >>> W = torch_default(4, 2, np.random.default_rng(0))
    >>> bool(np.all(np.abs(W) <= 0.5))
    True
    """
    bound = gain / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def torch_default_bias(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Bias as ``torch.nn.Linear`` draws it: U(−1/sqrt(fan_in), 1/sqrt(fan_in)), shape ``(fan_out,)``.

    Examples
    --------
    >>> torch_default_bias(4, 3, np.random.default_rng(0)).shape
    (3,)
    """
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=fan_out)


INITIALISERS: dict[str, Callable[..., np.ndarray]] = {
    "he_normal": he_normal,
    "xavier_normal": xavier_normal,
    "lecun_normal": lecun_normal,
    "torch_default": torch_default,
}

_VARIANCE: dict[str, Callable[[int, int], float]] = {
    "he_normal": lambda fan_in, fan_out: 2.0 / fan_in,
    "xavier_normal": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
    "lecun_normal": lambda fan_in, fan_out: 1.0 / fan_in,
    "torch_default": lambda fan_in, fan_out: 1.0 / (3.0 * fan_in),
}


def _check_name(name: str) -> None:
    if name not in INITIALISERS:
        valid = ", ".join(sorted(INITIALISERS))
        raise ValueError(f"unknown initialiser {name!r}; valid names are: {valid}")


def initialise(name: str, fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Draw a ``(fan_in, fan_out)`` weight matrix with the initialiser called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a key of :data:`INITIALISERS`.

    Examples
    --------
    >>> initialise("he_normal", 64, 32, np.random.default_rng(0)).shape
    (64, 32)
    """
    _check_name(name)
    return INITIALISERS[name](fan_in, fan_out, rng, gain=gain)


def weight_variance(name: str, fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """The variance of one weight drawn by the initialiser called ``name``.

    Examples
    --------
    >>> weight_variance("he_normal", 100, 10)
    0.02
    """
    _check_name(name)
    return gain**2 * _VARIANCE[name](fan_in, fan_out)


def initialise_layers(
    sizes: list[int] | tuple[int, ...],
    init: str = "he_normal",
    gain: float = 1.0,
    bias: float | str = 0.0,
    seed: int = 0,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases of a stack of layers ``sizes[0] -> sizes[1] -> ...``.

    One generator, ``numpy.random.default_rng(seed)``, draws layer by layer
    (the weight, then the bias if it is random), so every net built from the
    same arguments, NumPy or torch, gets the same numbers.

    Parameters
    ----------
    sizes
        Layer widths, input first; at least two.
    init
        A key of :data:`INITIALISERS`.
    gain
        Multiplies the weights' standard deviation.
    bias
        A constant for every bias, or ``"torch_default"`` for the uniform
        bias of ``torch.nn.Linear``.
    seed
        Seed of the generator.

    Examples
    --------
    >>> W, b = initialise_layers([2, 8, 1])
    >>> [w.shape for w in W], [c.shape for c in b]
    ([(2, 8), (8, 1)], [(8,), (1,)])
    """
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output width, got {list(sizes)}")
    _check_name(init)
    if isinstance(bias, str) and bias != "torch_default":
        raise ValueError(f"bias must be a number or 'torch_default', got {bias!r}")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weights.append(INITIALISERS[init](fan_in, fan_out, rng, gain=gain))
        if bias == "torch_default":
            biases.append(torch_default_bias(fan_in, fan_out, rng))
        else:
            biases.append(np.full(fan_out, float(bias)))
    return weights, biases
