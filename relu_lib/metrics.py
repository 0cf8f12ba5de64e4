"""Sparsity and dead units of recorded activations, per array and per layer.

Two different things are measured here, and the names keep them apart:

* **zero on an input** -- a ReLU unit outputs exactly 0 for *this* sample.
  That is normal and healthy: it is what makes ReLU activations sparse.
  :func:`zero_fraction` is the fraction of such exact zeros, the
  activations' *sparsity*.
* **dead** -- a unit outputs 0 on *every* sample it is shown, so no gradient
  reaches its incoming weights through any of them and it cannot recover.
  :func:`dead_units` and :func:`dead_fraction` find such units. "Dead" is
  always relative to the samples passed: show the whole training set.

Activations are arrays of shape ``(samples, units)``, such as the lists
recorded by ``relu_lib.nets.MLP.forward(X, record=True)`` or by
``relu_lib.torch_nets.ActivationRecorder``; :func:`per_layer` and
:func:`layer_summary` apply the metrics to such a list, and :class:`DeadTracker` records the
dead units of a network as it trains.

NaN is never zero. The fractions :func:`zero_fraction` and :func:`dead_fraction`
return NaN when the values they look at contain NaN (a diverged net has no
meaningful sparsity); the boolean mask of :func:`dead_units` counts a unit
that ever outputs NaN as not dead. Empty inputs raise ``ValueError``.

Examples
--------
>>> acts = np.array([[0.0, 1.0, 0.0],
...                  [0.0, 0.0, 2.0]])
>>> zero_fraction(acts)     # 4 of 6 outputs are zero on their input
0.6666666666666666
>>> dead_units(acts)        # but only unit 0 is zero on every sample
array([ True, False, False])
>>> dead_fraction(acts)
0.3333333333333333
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["zero_fraction", "dead_units", "dead_fraction", "per_layer", "layer_summary",
           "DeadTracker", "sparsity"]


def zero_fraction(a: np.ndarray, axis: int | tuple[int, ...] | None = None) -> float | np.ndarray:
    """Fraction of entries that are exactly zero (zero on their own input).

    Parameters
    ----------
    a
        Any array, e.g. activations of shape ``(samples, units)``.
    axis
        Axis or axes to reduce; ``None`` reduces everything to one number.
        ``axis=0`` gives each unit's fraction of samples where it is zero;
        ``axis=1`` each sample's fraction of zero units.

    Returns
    -------
    float or ndarray
        In ``[0, 1]``; NaN where the reduced values contain NaN.

    Examples
    --------
    >>> zero_fraction(np.array([[0.0, 3.0], [0.0, 0.0]]), axis=0)
    array([1. , 0.5])
    """
    a = np.asarray(a)
    if a.size == 0:
        raise ValueError("the zero fraction of an empty array is undefined")
    fraction = np.mean(a == 0, axis=axis)
    if np.issubdtype(a.dtype, np.inexact):
        fraction = np.where(np.isnan(a).any(axis=axis), np.nan, fraction)
    return float(fraction) if axis is None else fraction


def _check_samples_by_units(acts: np.ndarray) -> np.ndarray:
    acts = np.asarray(acts)
    if acts.ndim != 2:
        raise ValueError(f"activations must have shape (samples, units), got shape {acts.shape}")
    if acts.shape[0] == 0:
        raise ValueError("no samples: whether a unit is dead needs at least one sample")
    return acts


def dead_units(acts: np.ndarray) -> np.ndarray:
    """Boolean mask of the units that are zero on every sample (dead on these samples).

    Parameters
    ----------
    acts
        Activations of shape ``(samples, units)``.

    Returns
    -------
    ndarray of bool, shape ``(units,)``
        True for units whose output is exactly 0 for all samples. A unit
        that outputs NaN on some sample is not dead.

    Examples
    --------
    >>> dead_units(np.array([[0.0, 0.0], [0.0, 0.5]]))
    array([ True, False])
    """
    return np.all(_check_samples_by_units(acts) == 0, axis=0)


def dead_fraction(acts: np.ndarray) -> float:
    """Fraction of units that are dead: zero on every one of the given samples.

    Returns NaN if ``acts`` contains NaN.

    Examples
    --------
    >>> dead_fraction(np.array([[0.0, 0.0], [0.0, 0.5]]))
    0.5
    """
    acts = _check_samples_by_units(acts)
    if acts.shape[1] == 0:
        raise ValueError("no units: the dead fraction of an empty layer is undefined")
    if np.issubdtype(acts.dtype, np.inexact) and np.isnan(acts).any():
        return float("nan")
    return float(np.mean(dead_units(acts)))


def per_layer(metric: Callable[[np.ndarray], Any], layers: Sequence[np.ndarray]) -> list[Any]:
    """Apply ``metric`` to each layer's activations, in order.

    Parameters
    ----------
    metric
        A function of one ``(samples, units)`` array, such as
        :func:`zero_fraction`, :func:`dead_units` or :func:`dead_fraction`.
    layers
        One activation array per layer, e.g. ``trace.activations`` from
        ``MLP.forward(X, record=True)`` or ``ActivationRecorder.last``.

    Examples
    --------
    >>> layers = [np.array([[0.0, 1.0]]), np.array([[0.0, 0.0, 2.0]])]
    >>> per_layer(dead_units, layers)
    [array([ True, False]), array([ True,  True, False])]
    """
    return [metric(a) for a in layers]


def layer_summary(layers: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Zero fraction and dead fraction of every layer, as float arrays ready to plot.

    Examples
    --------
    >>> layers = [np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0], [2.0]])]
    >>> summary = layer_summary(layers)
    >>> summary["zero_fraction"], summary["dead_fraction"]
    (array([0.75, 0.  ]), array([0.5, 0. ]))
    """
    return {
        "zero_fraction": np.array(per_layer(zero_fraction, layers), dtype=np.float64),
        "dead_fraction": np.array(per_layer(dead_fraction, layers), dtype=np.float64),
    }


def sparsity(a: np.ndarray, axis: int | tuple[int, ...] | None = None) -> float | np.ndarray:
    """Deprecated name of :func:`zero_fraction` (one name per idea, paired with `dead_fraction`)."""
    warnings.warn("relu_lib.metrics.sparsity is deprecated; use zero_fraction",
                  DeprecationWarning, stacklevel=2)
    return zero_fraction(a, axis=axis)


class DeadTracker:
    """Record which hidden units are dead on ``X`` each time it is called: a training callback.

    A unit counts as dead on ``X`` when its output is ``<= 0`` on every row of ``X``. For ReLU this
    is exactly :func:`relu_lib.metrics.dead_units` (zero on every input). Leaky ReLU keeps the sign
    of its input, so the same test marks the units that are in their leaky regime on every input:
    silent in the same way, but still receiving a gradient (``negative_slope`` times smaller).

    Works with a :class:`relu_lib.nets.MLP` (``train(..., callback=tracker)``) and with a torch
    model from :func:`relu_lib.torch_nets.mlp`, whose layers it reads with
    :func:`relu_lib.torch_nets.hidden_outputs` (torch is imported only then). Call it once
    before training (``tracker(0, net)``) to record the starting state too.

    Attributes
    ----------
    dead : list of list of ndarray
        ``dead[k][l]``: boolean mask of the dead units of hidden layer ``l`` at the ``k``-th call.
    peaks : list of list of ndarray
        NumPy nets only (empty for torch): the largest pre-activation of each unit over ``X``; a
        unit is dead when its peak is ``<= 0``, and the peak says by how much.
    zero_fraction : list of ndarray
        Per call, each layer's fraction of outputs that are ``<= 0`` on their own input.

    Examples
    --------
    >>> from relu_lib.data import moons
    >>> from relu_lib.nets import MLP, SGD, train
    >>> X, y = moons(100)
    >>> net = MLP([2, 8, 8, 2], bias=-0.5)
    >>> tracker = DeadTracker(X)
    >>> _ = tracker(0, net)
    >>> history = train(net, X, y, "cross_entropy", SGD(lr=0.1), epochs=3, callback=tracker)
    >>> [r.shape for r in tracker.rasters()]
    [(4, 8), (4, 8)]
    """

    def __init__(self, X: np.ndarray) -> None:
        self.X = np.asarray(X)
        self.dead: list[list[np.ndarray]] = []
        self.peaks: list[list[np.ndarray]] = []
        self.zero_fraction: list[np.ndarray] = []

    def _activations(self, net: Any) -> list[np.ndarray]:
        from relu_lib.nets import MLP

        if isinstance(net, MLP):
            with np.errstate(all="ignore"):
                _, trace = net.forward(self.X, record=True)
            self.peaks.append([z.max(axis=0) for z in trace.pre_activations[:-1]])
            return trace.activations
        from relu_lib.torch_nets import hidden_outputs

        return hidden_outputs(net, self.X)

    def __call__(self, epoch: int, net: Any) -> list[float]:
        """Record ``net``'s dead units on ``X``; return each layer's dead fraction."""
        silent = [np.maximum(a, 0) for a in self._activations(net)]
        self.dead.append(per_layer(dead_units, silent))
        self.zero_fraction.append(np.array(per_layer(zero_fraction, silent), dtype=np.float64))
        return [float(d.mean()) for d in self.dead[-1]]

    def rasters(self) -> list[np.ndarray]:
        """One boolean array per hidden layer, ``(calls, units)``: True where the unit was dead."""
        if not self.dead:
            raise RuntimeError("nothing recorded yet: call the tracker (or train with it) first")
        return [np.array([d[l] for d in self.dead]) for l in range(len(self.dead[0]))]

    def fractions(self) -> np.ndarray:
        """Dead fraction of every layer at every call, shape ``(calls, layers)``."""
        return np.array([[d.mean() for d in call] for call in self.dead])
