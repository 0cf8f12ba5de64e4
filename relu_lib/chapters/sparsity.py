"""Sparsity of ReLU layers: how many exact zeros, at initialisation and through training.

Two computations, each with a plot and an :class:`~relu_lib.explore.Explorable` for the sparsity
chapter:

* :func:`at_init`: a deep ReLU MLP at initialisation, fed Gaussian inputs; per-layer fraction of
  exact zeros and of units that are zero on *every* input (dead), plus pre-activation samples.
* :func:`training_run`: a ReLU MLP trained on the digits data set with an optional L1 penalty on
  its activations; per-epoch sparsity, dead fraction and test accuracy.

Examples
--------
>>> r = at_init(depth=3, width=64)
>>> [round(float(f), 2) for f in r["zero_fraction"]]
[0.5, 0.46, 0.44]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from relu_lib.cache import cached
from relu_lib.data import digits
from relu_lib.explore import Choice, Explorable, Slider
from relu_lib.plotting import draw_message, panels
from relu_lib.metrics import layer_summary
from relu_lib.nets import MLP, accuracy, make_optimiser, train

__all__ = [
    "at_init",
    "mean_cosine",
    "plot_at_init",
    "update_at_init",
    "training_run",
    "training_at_epoch",
    "plot_training",
    "update_training",
    "at_init_explorable",
    "training_explorable",
    "INITS",
    "EXPLORABLES",
]

INITS = ("he_normal", "xavier_normal", "lecun_normal", "torch_default")


def at_init(
    depth: int = 10,
    width: int = 128,
    init: str = "he_normal",
    bias: float = 0.0,
    input_scale: float = 1.0,
    input_mean: float = 0.0,
    n_samples: int = 256,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-layer sparsity of a freshly initialised ReLU MLP on Gaussian inputs.

    The net has ``depth`` hidden ReLU layers of ``width`` units, weights from ``init`` and every
    bias set to ``bias``; inputs are ``n_samples`` draws of ``N(input_mean, input_scale²)`` in
    ``width`` dimensions.

    Returns
    -------
    dict with ``zero_fraction`` and ``dead_fraction`` (one entry per hidden layer: exact zeros among
    all activations, units zero on every sample), ``similarity`` (per layer, :func:`mean_cosine` of
    the activations: how alike the layer represents different inputs), ``z_first`` and ``z_last`` (pre-activations of the
    first and last hidden layer, flattened) and the arguments.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(input_mean, input_scale, size=(n_samples, width))
    net = MLP([width] * (depth + 1) + [1], init=init, bias=bias, seed=seed)
    _, trace = net.forward(X, record=True)
    summary = layer_summary(trace.activations)
    return {
        "zero_fraction": summary["zero_fraction"],
        "similarity": np.array([mean_cosine(h) for h in trace.activations]),
        "dead_fraction": summary["dead_fraction"],
        "z_first": trace.pre_activations[0].ravel(),
        "z_last": trace.pre_activations[depth - 1].ravel(),
        "depth": depth,
        "width": width,
        "init": init,
        "bias": bias,
    }


def mean_cosine(h: np.ndarray) -> float:
    """Mean cosine similarity between the rows of ``h`` (samples), over all distinct pairs.

    1 means every sample is represented by the same direction; rows that are all zero count as 0.

    Examples
    --------
    >>> mean_cosine(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]]))
    0.3333333333333333
    """
    norms = np.linalg.norm(h, axis=1, keepdims=True)
    u = np.divide(h, norms, out=np.zeros_like(h, dtype=np.float64), where=norms > 0)
    n = len(u)
    if n < 2:
        return float("nan")
    total = np.sum(u @ u.T) - np.sum(u * u)
    return float(total / (n * (n - 1)))


def _histograms(r: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shared bins (±the 99th percentile of |z|) and the counts of first- and last-layer z."""
    spread = max(np.percentile(np.abs(r["z_first"]), 99), np.percentile(np.abs(r["z_last"]), 99), 1e-12)
    bins = np.linspace(-spread, spread, 61)
    return bins, np.histogram(r["z_first"], bins)[0], np.histogram(r["z_last"], bins)[0]


def plot_at_init(r: Mapping[str, Any], fig) -> dict[str, Any] | None:
    """Left: zero and dead fractions per layer with the ½ of symmetric weights and zero bias.
    Right: histograms of first- and last-layer pre-activations; everything left of 0 becomes 0.

    Returns the artists that :func:`update_at_init` changes (None for a message)."""
    from relu_lib.plotting import COLORS

    if not np.all(np.isfinite(r["z_last"])):
        draw_message(fig, "The activations overflowed (not finite): the signal exploded with depth.")
        return None
    ax1, ax2 = panels(fig, 2, widths=[1.2, 1])
    layers = np.arange(1, r["depth"] + 1)
    (zeros,) = ax1.plot(layers, r["zero_fraction"], "o-", color=COLORS["relu"], ms=4,
                        label="zeros (this input)")
    (dead,) = ax1.plot(layers, r["dead_fraction"], "s-", color=COLORS["highlight"], ms=4,
                       label="dead (every input)")
    ax1.axhline(0.5, color=COLORS["theory"], ls="--", lw=1, label="½ (symmetric, zero bias)")
    ax1.set(xlabel="hidden layer", ylabel="fraction of units", ylim=(-0.03, 1.03),
            title="Exact zeros per layer")
    legend1 = ax1.legend(fontsize=8, loc="best")
    bins, first_counts, last_counts = _histograms(r)
    first = ax2.stairs(first_counts, bins, fill=True, color="#BBBBBB", label="layer 1")
    last = ax2.stairs(last_counts, bins, color=COLORS["relu"], lw=1.5, label=f"layer {r['depth']}")
    shade = ax2.axvspan(bins[0], 0, color="#000000", alpha=0.06)
    ax2.axvline(0, color=COLORS["theory"], lw=1)
    ax2.set(xlabel="pre-activation z (shaded: output 0)", ylabel="count", yticks=[],
            title="Pre-activations")
    legend2 = ax2.legend(fontsize=8, loc="upper right")
    return {"zeros": zeros, "dead": dead, "legend1": legend1, "first": first, "last": last,
            "shade": shade, "legend2": legend2}


def update_at_init(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_at_init`'s figure brought up to date with ``r`` in place (for a live view)."""
    if not np.all(np.isfinite(r["z_last"])) or not hasattr(h["shade"], "set_width"):
        return False
    layers = np.arange(1, r["depth"] + 1)
    h["zeros"].set_data(layers, r["zero_fraction"])
    h["dead"].set_data(layers, r["dead_fraction"])
    bins, first_counts, last_counts = _histograms(r)
    h["first"].set_data(first_counts, bins)
    h["last"].set_data(last_counts, bins)
    h["shade"].set_x(bins[0])
    h["shade"].set_width(-bins[0])
    h["legend2"].get_texts()[1].set_text(f"layer {r['depth']}")
    for ax in fig.axes:
        ax.relim()
        ax.autoscale_view()
    return True


def at_init_explorable() -> Explorable:
    """Sparsity at initialisation: depth, width, initialiser, bias, input scale and mean."""
    return Explorable(
        "Sparsity at initialisation",
        controls=[
            Slider("depth", "depth", 1, 30, 1, default=10, integer=True, twin_values=(1, 5, 10, 20, 30)),
            Slider("width", "width", 8, 256, 8, default=128, integer=True, twin_values=(8, 32, 128, 256)),
            Choice("init", "initialiser", INITS, default="he_normal"),
            Slider("bias", "bias", -1.0, 1.0, 0.05, default=0.0, twin_values=(-1, -0.5, -0.1, 0, 0.1, 0.5, 1)),
            Slider("input_scale", "input scale", 0.1, 5.0, 0.1, default=1.0, twin_values=(0.1, 1, 5)),
            Slider("input_mean", "input mean", -3.0, 3.0, 0.1, default=0.0, twin_values=(-3, -1, 0, 1, 3)),
        ],
        compute=at_init,
        plot=plot_at_init,
        update=update_at_init,
        caption="With zero bias about half of every layer is zero on a given input; "
        "a bias or an input mean changes which units are zero, and can make some zero on every input.",
    )


# ---------------------------------------------------------------------------- training on digits

LEARNING_RATES = (0.001, 0.01, 0.1, 0.5, 2.0)
L1_PENALTIES = (0.0, 0.0001, 0.001, 0.01)
MAX_EPOCHS = 20


@cached(maxsize=64)
def training_run(
    lr: float = 0.01,
    optimiser: str = "adam",
    l1: float = 0.0,
    epochs: int = MAX_EPOCHS,
    width: int = 96,
    seed: int = 0,
) -> Mapping[str, Any]:
    """Train a 64-``width``-``width``-10 ReLU MLP on digits and record sparsity every epoch.

    Cached (:func:`relu_lib.cache.cached`): one training per setting, however it is called; the
    result is read-only.

    Returns
    -------
    dict of arrays indexed by epoch 0..epochs (0 = before training): ``zero_fraction`` (exact zeros
    among hidden activations on the test set), ``dead_fraction`` (hidden units zero on every training
    input), ``accuracy`` (test set), and ``diverged`` (bool) with ``diverged_at`` (first epoch
    that did not complete, or -1).
    """
    data = digits(seed=seed)
    net = MLP([64, width, width, 10], init="he_normal", seed=seed)
    opt = make_optimiser(optimiser, lr)

    def measure(_epoch: int, net: MLP) -> tuple[float, float, float]:
        with np.errstate(all="ignore"):
            out_test, tr_test = net.forward(data.X_test, record=True)
            _, tr_train = net.forward(data.X_train, record=True)
        zeros = np.mean(layer_summary(tr_test.activations)["zero_fraction"])
        dead = np.mean(layer_summary(tr_train.activations)["dead_fraction"])
        acc = accuracy(out_test, data.y_test)
        return float(zeros), float(dead), acc

    first = measure(0, net)
    history = train(net, data.X_train, data.y_train, "cross_entropy", opt, epochs=epochs,
                    batch_size=64, seed=seed, callback=measure, activity_l1=l1)
    rows = np.array([first, *history.metrics])
    return {
        "zero_fraction": rows[:, 0],
        "dead_fraction": rows[:, 1],
        "accuracy": rows[:, 2],
        "diverged": history.diverged,
        "diverged_at": len(rows) if history.diverged else -1,
    }


def training_at_epoch(lr: float, optimiser: str, l1: float, epoch: int) -> dict[str, Any]:
    """:func:`training_run` for these settings, with the epoch that :func:`plot_training` marks."""
    return {**training_run(lr, optimiser, l1), "epoch": epoch}


def plot_training(r: Mapping[str, Any], fig) -> dict[str, Any]:
    """Left: zeros and dead units over training. Right: test accuracy. A marker at ``r["epoch"]``.

    Returns the artists that :func:`update_training` changes."""
    from relu_lib.plotting import COLORS

    ax1, ax2 = panels(fig, 2)
    h = {
        "zeros": ax1.plot([], [], color=COLORS["relu"], label="zeros (test inputs)")[0],
        "dead": ax1.plot([], [], color=COLORS["highlight"], label="dead units (all training inputs)")[0],
        "marks": ax1.plot([], [], "o", color="black", ms=5)[0],
        "accuracy": ax2.plot([], [], color=COLORS["relu"])[0],
        "mark": ax2.plot([], [], "o", color="black", ms=5)[0],
    }
    ax1.set(xlabel="epoch", ylabel="fraction of hidden units", ylim=(-0.03, 1.03), xlim=(0, MAX_EPOCHS))
    ax1.legend(fontsize=8, loc="best")
    ax2.axhline(0.1, color="#999999", ls=":", lw=1)
    ax2.text(MAX_EPOCHS, 0.11, "chance", ha="right", fontsize=8, color="#777777")
    ax2.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1.02), xlim=(0, MAX_EPOCHS))
    h["diverged"] = ax2.text(MAX_EPOCHS / 2, 0.5, "", ha="center", va="center",
                             color=COLORS["highlight"], fontsize=11)
    h["title1"], h["title2"] = ax1.title, ax2.title
    update_training(r, fig, h)
    return h


def update_training(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_training`'s figure brought up to date with ``r`` in place (for a live view)."""
    n_done = len(r["accuracy"]) - 1
    e = min(r["epoch"], n_done)
    epochs = np.arange(n_done + 1)
    h["zeros"].set_data(epochs, r["zero_fraction"])
    h["dead"].set_data(epochs, r["dead_fraction"])
    h["marks"].set_data([e, e], [r["zero_fraction"][e], r["dead_fraction"][e]])
    h["accuracy"].set_data(epochs, r["accuracy"])
    h["mark"].set_data([e], [r["accuracy"][e]])
    h["title1"].set_text(f"epoch {e}: {r['zero_fraction'][e]:.0%} zeros, {r['dead_fraction'][e]:.0%} dead")
    h["title2"].set_text(f"accuracy {r['accuracy'][e]:.1%}")
    h["diverged"].set_text(f"diverged in epoch {r['diverged_at']}:\nthe loss became infinite"
                           if r["diverged"] else "")
    return True


def training_explorable() -> Explorable:
    """Sparsity through training on digits: learning rate, optimiser, L1 penalty and epoch."""
    return Explorable(
        "Sparsity through training on digits",
        controls=[
            Choice("lr", "learning rate", LEARNING_RATES, default=0.01),
            Choice("optimiser", "optimiser", ("sgd", "adam"), default="adam"),
            Choice("l1", "L1 penalty on activations", L1_PENALTIES, default=0.0),
            Slider("epoch", "epoch", 0, MAX_EPOCHS, 1, default=MAX_EPOCHS, integer=True,
                   twin_values=(0, 3, 10, MAX_EPOCHS)),
        ],
        compute=training_at_epoch,
        plot=plot_training,
        update=update_training,
        interact=[("lr", "optimiser")],
        caption="Useful sparsity: many zeros on each input, few units dead on all of them, "
        "accuracy intact. Large learning rates and strong penalties push units from the first into the second.",
    )


#: This chapter's explorables, found by :func:`relu_lib.chapters.book_explorables`.
EXPLORABLES = {"at_init": at_init_explorable, "training": training_explorable}
