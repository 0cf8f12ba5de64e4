"""Sparsity and dead units of recorded activations, per array and per layer.

Two different things are measured here, and the names keep them apart:

* **zero on an input** -- a ReLU unit outputs exactly 0 for *this* sample.
  That is normal and healthy: it is what makes ReLU activations sparse.
  :func:`sparsity` is the fraction of such exact zeros.
* **dead** -- a unit outputs 0 on *every* sample it is shown, so no gradient
  reaches its incoming weights through any of them and it cannot recover.
  :func:`dead_units` and :func:`dead_fraction` find such units. "Dead" is
  always relative to the samples passed: show the whole training set.

Activations are arrays of shape ``(samples, units)``, such as the lists
recorded by ``relu_lib.nets.MLP.forward(X, record=True)`` or by
``relu_lib.torch_nets.ActivationRecorder``; :func:`per_layer` and
:func:`layer_summary` apply the metrics to such a list.

NaN is never zero. The fractions :func:`sparsity` and :func:`dead_fraction`
return NaN when the values they look at contain NaN (a diverged net has no
meaningful sparsity); the boolean mask of :func:`dead_units` counts a unit
that ever outputs NaN as not dead. Empty inputs raise ``ValueError``.

Examples
--------
>>> acts = np.array([[0.0, 1.0, 0.0],
...                  [0.0, 0.0, 2.0]])
>>> sparsity(acts)          # 4 of 6 outputs are zero on their input
0.6666666666666666
>>> dead_units(acts)        # but only unit 0 is zero on every sample
array([ True, False, False])
>>> dead_fraction(acts)
0.3333333333333333
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["sparsity", "dead_units", "dead_fraction", "per_layer", "layer_summary"]


def sparsity(a: np.ndarray, axis: int | tuple[int, ...] | None = None) -> float | np.ndarray:
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
    >>> sparsity(np.array([[0.0, 3.0], [0.0, 0.0]]), axis=0)
    array([1. , 0.5])
    """
    a = np.asarray(a)
    if a.size == 0:
        raise ValueError("sparsity of an empty array is undefined")
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
        :func:`sparsity`, :func:`dead_units` or :func:`dead_fraction`.
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
    """Sparsity and dead fraction of every layer, as float arrays ready to plot.

    Examples
    --------
    >>> layers = [np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0], [2.0]])]
    >>> summary = layer_summary(layers)
    >>> summary["sparsity"], summary["dead_fraction"]
    (array([0.75, 0.  ]), array([0.5, 0. ]))
    """
    return {
        "sparsity": np.array(per_layer(sparsity, layers), dtype=np.float64),
        "dead_fraction": np.array(per_layer(dead_fraction, layers), dtype=np.float64),
    }
