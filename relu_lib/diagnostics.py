"""Training diagnostics to reuse: per-layer histograms of activations and gradients, update-to-data ratios.

Two questions that every deep network should be asked, for any activation:

* **How big is each layer's signal?** :func:`histograms` bins a list of per-layer arrays on one
  shared set of edges (values, or ``log10 |value|`` when the scales differ by orders of
  magnitude); :func:`network_histograms` records a forward and a backward pass of a
  :class:`relu_lib.nets.MLP` and returns the histograms of its pre-activations, activations and
  gradients; :func:`plot_histograms` draws them.
* **How fast is each layer moving?** The update-to-data ratio of a weight matrix is
  ``‖W_after - W_before‖ / ‖W_before‖`` (Frobenius norms) for one optimiser step. :class:`UpdateRatio`
  wraps any optimiser with ``step(net, grads)`` (so it drops into :func:`relu_lib.nets.train`) and
  records the ratio of every layer at every step; :func:`plot_update_ratios` draws them on a log
  scale next to the usual rule of thumb of about ``1e-3``.

Examples
--------
>>> from relu_lib.nets import MLP, SGD, train
>>> from relu_lib.data import moons
>>> X, y = moons(64)
>>> opt = UpdateRatio(SGD(lr=0.1))
>>> _ = train(MLP([2, 8, 2]), X, y, "cross_entropy", opt, epochs=2, batch_size=32)
>>> opt.ratios().shape  # (steps, layers)
(4, 2)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from relu_lib.plotting import draw_message, panels
from relu_lib.nets import LOSSES

__all__ = [
    "histograms",
    "network_histograms",
    "plot_histograms",
    "update_to_data_ratio",
    "UpdateRatio",
    "plot_update_ratios",
    "RULE_OF_THUMB",
]

RULE_OF_THUMB = 1e-3
"""The update-to-data ratio usually quoted as healthy for SGD-style training."""


def histograms(layers: Sequence[np.ndarray], bins: int = 40, log: bool = False,
               limit: float | None = None) -> dict[str, Any]:
    """Histograms of several layers' values on shared edges, with each layer's summary statistics.

    Parameters
    ----------
    layers
        One array per layer (any shape), e.g. ``trace.activations`` of
        ``MLP.forward(X, record=True)``.
    bins
        Number of bins.
    log
        Bin ``log10 |value|`` of the non-zero values instead of the values (for layers whose
        scales differ by orders of magnitude), from the smallest to the largest; exact zeros are
        then counted in ``zero_fraction`` only.
    limit
        Linear scale: edges span ``[-limit, limit]``; default the 99.5th percentile of ``|value|``
        over all layers. Ignored when ``log``.

    Returns
    -------
    dict with ``edges`` (``bins + 1``), ``counts`` (``(layers, bins)``, each row a fraction of that
    layer's entries), ``std``, ``rms``, ``zero_fraction`` (one per layer), ``finite`` (False if any
    layer holds NaN or inf) and ``log``.

    Examples
    --------
    >>> h = histograms([np.array([-1.0, 0.0, 1.0]), np.array([0.5, 0.5])], bins=4, limit=1.0)
    >>> h["edges"].tolist(), h["counts"][1].tolist(), h["zero_fraction"].tolist()
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [0.0, 0.0, 0.0, 1.0], [0.3333333333333333, 0.0])
    """
    flat = [np.asarray(a, dtype=np.float64).ravel() for a in layers]
    if not flat or any(a.size == 0 for a in flat):
        raise ValueError("histograms need at least one non-empty layer")
    finite = all(np.all(np.isfinite(a)) for a in flat)
    with np.errstate(all="ignore"):
        std = np.array([np.std(a) for a in flat])
        rms = np.array([np.sqrt(np.mean(a * a)) for a in flat])
    zero = np.array([np.mean(a == 0) for a in flat])
    if log:
        values = [np.log10(np.abs(a[(a != 0) & np.isfinite(a)])) for a in flat]
        pooled = np.concatenate(values) if any(v.size for v in values) else np.zeros(1)
        lo, hi = pooled.min(), pooled.max()
        if hi - lo < 1e-9:
            lo, hi = lo - 1.0, hi + 1.0
        edges = np.linspace(lo, hi, bins + 1)
    else:
        values = [a[np.isfinite(a)] for a in flat]
        if limit is None:
            pooled = np.abs(np.concatenate(values))
            limit = float(np.percentile(pooled, 99.5)) if pooled.size else 1.0
        limit = limit if limit > 0 else 1.0
        edges = np.linspace(-limit, limit, bins + 1)
    counts = np.array([np.histogram(v, edges)[0] / a.size for v, a in zip(values, flat)])
    return {"edges": edges, "counts": counts, "std": std, "rms": rms, "zero_fraction": zero,
            "finite": finite, "log": log}


def network_histograms(net, X: np.ndarray, y: np.ndarray | None = None, loss: str = "cross_entropy",
                       seed: int = 0, bins: int = 40, log: bool = True) -> dict[str, dict[str, Any]]:
    """Per-layer histograms of a :class:`relu_lib.nets.MLP`'s hidden layers on inputs ``X``.

    One forward pass records the pre-activations ``z_l`` and activations ``h_l`` of every hidden
    layer; one backward pass gives the gradients ``dL/dz_l``: of ``loss`` (a key of
    :data:`relu_lib.nets.LOSSES`) against targets ``y``, or without ``y`` of a random linear loss
    (a standard normal gradient at the output, seeded by ``seed``).

    Returns
    -------
    dict with keys ``"pre_activations"``, ``"activations"`` and ``"gradients"``, each a
    :func:`histograms` result over the hidden layers, first to last.

    Examples
    --------
    >>> from relu_lib.nets import MLP
    >>> h = network_histograms(MLP([4, 8, 8, 2]), np.ones((5, 4)))
    >>> h["gradients"]["counts"].shape
    (2, 40)
    """
    with np.errstate(all="ignore"):
        out, trace = net.forward(X, record=True)
        if y is None:
            dout = np.random.default_rng(seed).standard_normal(out.shape)
        else:
            dout = LOSSES[loss](out, y)[1]
        grads = net.backward(dout)
    hidden = len(trace.activations)
    return {
        "pre_activations": histograms(trace.pre_activations[:hidden], bins, log),
        "activations": histograms(trace.activations, bins, log),
        "gradients": histograms(grads.pre_activations[:hidden], bins, log),
    }


_LABELS = {"pre_activations": "pre-activations $z_l$", "activations": "activations $h_l$",
           "gradients": r"gradients $\partial \mathcal{L}/\partial z_l$"}


def plot_histograms(h: dict[str, dict[str, Any]], fig, keys: Sequence[str] = ("pre_activations", "gradients"),
                    layers: Sequence[int] | None = None, title: str = "") -> None:
    """One panel per key of :func:`network_histograms`: an outline per chosen layer, light to dark.

    ``layers`` are 1-based hidden-layer numbers (default: about five spread from first to last).
    """
    import matplotlib as mpl

    if not all(h[k]["finite"] for k in keys):
        draw_message(fig, "Some values are not finite: the signal overflowed.")
        return
    n = len(h[keys[0]]["counts"])
    if layers is None:
        layers = sorted({int(round(v)) for v in np.linspace(1, n, min(n, 5))})
    cmap = mpl.colormaps["viridis_r"]
    axes = panels(fig, len(keys))
    fig.subplots_adjust(left=0.11, wspace=0.32)
    for ax, key in zip(axes, keys):
        d = h[key]
        for i, l in enumerate(layers):
            colour = cmap(0.15 + 0.8 * i / max(len(layers) - 1, 1))
            ax.stairs(d["counts"][l - 1], d["edges"], color=colour, lw=1.6, label=f"layer {l}")
        xlabel = f"log$_{{10}}$ |{_LABELS[key]}|" if d["log"] else _LABELS[key]
        ax.set(xlabel=xlabel, ylabel="fraction of entries", title=f"{title}{_LABELS[key].split(' $')[0]}")
    axes[0].legend(fontsize=8, loc="upper left")


def update_to_data_ratio(before: Sequence[np.ndarray], after: Sequence[np.ndarray]) -> np.ndarray:
    """``‖after - before‖ / ‖before‖`` (Frobenius norms) for each pair of arrays: how far one step moved them.

    For weights with mean near zero, as at initialisation, this is also the ratio of standard
    deviations.

    Examples
    --------
    >>> W = np.array([[1.0, -1.0], [1.0, -1.0]])
    >>> update_to_data_ratio([W], [W * 1.001]).round(6).tolist()
    [0.001]
    """
    with np.errstate(all="ignore"):
        return np.array([np.linalg.norm(a - b) / np.linalg.norm(b) for b, a in zip(before, after)])


class UpdateRatio:
    """Wrap an optimiser and record the update-to-data ratio of every weight matrix at every step.

    Anything with ``step(net, grads)`` that updates ``net.W`` in place works (``SGD``, ``Adam``);
    biases are left out, since a zero bias has no scale to compare with.

    Examples
    --------
    >>> from relu_lib.nets import MLP, SGD
    >>> net, opt = MLP([3, 4, 2]), UpdateRatio(SGD(lr=0.01))
    >>> _ = net.forward(np.ones((2, 3)))
    >>> opt.step(net, net.backward(np.ones((2, 2))))
    >>> opt.ratios().shape
    (1, 2)
    """

    def __init__(self, optimiser) -> None:
        self.optimiser = optimiser
        self.history: list[np.ndarray] = []
        self._before: list[np.ndarray] | None = None

    def step(self, net, grads) -> None:
        # Same numbers as update_to_data_ratio, without allocating a copy per layer and step.
        if self._before is None or any(b.shape != W.shape for b, W in zip(self._before, net.W)):
            self._before = [np.empty_like(W) for W in net.W]
        scale = []
        for b, W in zip(self._before, net.W):
            np.copyto(b, W)
            scale.append(np.linalg.norm(b))
        self.optimiser.step(net, grads)
        ratios = []
        with np.errstate(all="ignore"):
            for b, W, s in zip(self._before, net.W, scale):
                np.subtract(W, b, out=b)
                ratios.append(np.linalg.norm(b) / s)
        self.history.append(np.array(ratios))

    def ratios(self) -> np.ndarray:
        """``(steps, layers)`` array of ratios, in the order the steps were taken."""
        if not self.history:
            raise RuntimeError("no steps recorded yet")
        return np.array(self.history)


def plot_update_ratios(ratios: np.ndarray, ax, label: str = "", color: str = "#0072B2",
                       steps_per_epoch: int | None = None) -> None:
    """Median over layers (line) and the range of layers (band) of ``log10`` ratios, per step.

    ``ax`` is a matplotlib axes; the ``RULE_OF_THUMB`` is drawn as a dashed line. With
    ``steps_per_epoch`` the x axis is in epochs.
    """
    with np.errstate(all="ignore"):
        logs = np.log10(np.where(ratios > 0, ratios, np.nan))
    x = np.arange(1, len(ratios) + 1, dtype=np.float64)
    if steps_per_epoch:
        x /= steps_per_epoch
    ax.fill_between(x, np.nanmin(logs, axis=1), np.nanmax(logs, axis=1), color=color, alpha=0.2, lw=0)
    ax.plot(x, np.nanmedian(logs, axis=1), color=color, lw=1.5, label=label)
    ax.axhline(np.log10(RULE_OF_THUMB), color="#000000", ls="--", lw=1)
    ax.set(xlabel="epoch" if steps_per_epoch else "step", ylabel="log$_{10}$ ‖update‖ / ‖weights‖")
