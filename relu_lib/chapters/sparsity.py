"""Sparsity of ReLU layers: how many exact zeros, at initialisation and through training.

Two computations, each with a plot and an :class:`~relu_lib.explore.Explorable` for the sparsity
chapter (book/sparsity.md):

* :func:`at_init`: a deep ReLU MLP at initialisation, fed Gaussian inputs; per-layer fraction of
  exact zeros and of units that are zero on *every* input (dead), plus pre-activation samples.
  :func:`at_init_over_seeds` averages it over draws; :func:`arccos_cosine` predicts how alike
  the layers represent different inputs.
* :func:`training_run`: a ReLU MLP trained on the digits data set with an optional L1 penalty on
  its activations; per-epoch sparsity (also among live units, :func:`live_zero_fraction`), dead
  fraction, and train and test accuracy and loss. :func:`l1_sweep` repeats it over seeds and
  penalties and reports the train-test gap with 95% intervals (:func:`mean_interval`).

And one small computation for the chapter's aside on Adam: :func:`adam_steps`, the length of
Adam's steps for a given sequence of gradients.

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
from relu_lib.stats import mean_interval
from relu_lib.metrics import dead_units, layer_summary, zero_fraction
from relu_lib.nets import (MLP, accuracy, limited_blas, make_optimiser, softmax_cross_entropy,
                           train)

__all__ = [
    "at_init",
    "at_init_over_seeds",
    "mean_cosine",
    "arccos_cosine",
    "plot_at_init",
    "update_at_init",
    "training_run",
    "live_zero_fraction",
    "mean_interval",
    "l1_sweep",
    "MEASURES",
    "TRAIN_WIDTH",
    "MAX_EPOCHS",
    "L1_PENALTIES",
    "plot_l1_sweep",
    "adam_steps",
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

    Serves the sections "Half the units are zero at initialisation", "Zero on this input is not
    dead" and "What moves the fraction" of book/sparsity.md, and their explorable.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(input_mean, input_scale, size=(n_samples, width))
    net = MLP([width] * (depth + 1) + [1], init=init, bias=bias, seed=seed)
    with limited_blas(1):  # small products: a second BLAS thread only waits (6x slower)
        _, trace = net.forward(X, record=True)
        similarity = np.array([mean_cosine(h) for h in trace.activations])
    summary = layer_summary(trace.activations)
    return {
        "zero_fraction": summary["zero_fraction"],
        "similarity": similarity,
        "dead_fraction": summary["dead_fraction"],
        "z_first": trace.pre_activations[0].ravel(),
        "z_last": trace.pre_activations[depth - 1].ravel(),
        "depth": depth,
        "width": width,
        "init": init,
        "bias": bias,
    }


def at_init_over_seeds(seeds: int = 5, **settings: Any) -> dict[str, np.ndarray]:
    """:func:`at_init` averaged over ``seeds`` draws of weights and inputs (seeds 0, 1, ...).

    ``settings`` are passed to :func:`at_init`. Returns the per-layer means of ``zero_fraction``,
    ``dead_fraction`` and ``similarity``, and ``dead_sem``, the standard error of the mean of
    ``dead_fraction`` over the draws. Serves the section "What moves the fraction" of
    book/sparsity.md.

    Examples
    --------
    >>> r = at_init_over_seeds(seeds=2, depth=2, width=16)
    >>> r["zero_fraction"].shape, r["dead_sem"].shape
    ((2,), (2,))
    """
    runs = [at_init(seed=seed, **settings) for seed in range(seeds)]
    dead = np.array([r["dead_fraction"] for r in runs])
    out = {key: np.mean([r[key] for r in runs], axis=0)
           for key in ("zero_fraction", "dead_fraction", "similarity")}
    out["dead_sem"] = dead.std(axis=0, ddof=1) / np.sqrt(seeds)
    return out


def mean_cosine(h: np.ndarray) -> float:
    """Mean cosine similarity between the rows of ``h`` (samples), over all distinct pairs.

    1 means every sample is represented by the same direction; rows that are all zero count as 0.
    Serves the section "Zero on this input is not dead" of book/sparsity.md.

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


def arccos_cosine(rho: float | np.ndarray) -> float | np.ndarray:
    """Cosine of ReLU(Wx) and ReLU(Wx') when x and x' have cosine ``rho``.

    For many units with independent Gaussian weights and zero bias: the
    degree-1 arc-cosine kernel of Cho and Saul (2009), normalised, with
    θ = arccos ρ. Iterated, it predicts the similarity of every layer.
    Serves the exercise on the first-layer cosine in book/sparsity.md.

    Examples
    --------
    >>> round(float(arccos_cosine(0.0)), 4), float(arccos_cosine(1.0))
    (0.3183, 1.0)
    """
    theta = np.arccos(np.clip(rho, -1.0, 1.0))
    return (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / np.pi


def _histograms(r: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shared bins (±the 99th percentile of |z|) and the counts of first- and last-layer z."""
    spread = max(np.percentile(np.abs(r["z_first"]), 99), np.percentile(np.abs(r["z_last"]), 99), 1e-12)
    bins = np.linspace(-spread, spread, 61)
    return bins, np.histogram(r["z_first"], bins)[0], np.histogram(r["z_last"], bins)[0]


def plot_at_init(r: Mapping[str, Any], fig) -> dict[str, Any] | None:
    """Left: zero and dead fractions per layer with the ½ of symmetric weights and zero bias.
    Right: histograms of first- and last-layer pre-activations; everything left of 0 becomes 0.

    Returns the artists that :func:`update_at_init` changes (None for a message). Serves the
    explorable of the section "What moves the fraction" of book/sparsity.md."""
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
    """:func:`plot_at_init`'s figure brought up to date with ``r`` in place (for a live view).

    Serves the explorable of the section "What moves the fraction" of book/sparsity.md."""
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
    """Sparsity at initialisation: depth, width, initialiser, bias, input scale and mean.

    Shown in the section "What moves the fraction" of book/sparsity.md."""
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
#: Width of the two hidden layers of the digits network.
TRAIN_WIDTH = 96


#: What :func:`training_run` measures after every epoch, in order.
MEASURES = ("zero_fraction", "dead_fraction", "live_zero_fraction", "accuracy",
            "train_accuracy", "test_loss", "train_loss")


@cached(maxsize=128)
def training_run(
    lr: float = 0.01,
    optimiser: str = "adam",
    l1: float = 0.0,
    epochs: int = MAX_EPOCHS,
    width: int = TRAIN_WIDTH,
    seed: int = 0,
) -> Mapping[str, Any]:
    """Train a 64-``width``-``width``-10 ReLU MLP on digits and record sparsity every epoch.

    ``seed`` draws the train-test split, the weights and the order of the minibatches.
    Cached (:func:`relu_lib.cache.cached`): one training per setting, however it is called; the
    result is read-only.

    Returns
    -------
    dict of arrays indexed by epoch 0..epochs (0 = before training): ``zero_fraction`` (exact zeros
    among hidden activations on the test set), ``dead_fraction`` (hidden units zero on every training
    input), ``live_zero_fraction`` (exact zeros on the test set among the units that are not dead,
    :func:`live_zero_fraction`), ``accuracy`` (test set), ``train_accuracy``, ``test_loss`` and
    ``train_loss`` (cross-entropy, without the penalty), and ``diverged`` (bool) with
    ``diverged_at`` (first epoch that did not complete, or -1).

    Serves the section "Sparsity after training on digits" of book/sparsity.md and its explorable.
    """
    data = digits(seed=seed)
    net = MLP([64, width, width, 10], init="he_normal", seed=seed)
    opt = make_optimiser(optimiser, lr)

    def measure(_epoch: int, net: MLP) -> tuple[float, ...]:
        with np.errstate(all="ignore"):
            out_test, tr_test = net.forward(data.X_test, record=True)
            out_train, tr_train = net.forward(data.X_train, record=True)
            test_loss = softmax_cross_entropy(out_test, data.y_test)[0]
            train_loss = softmax_cross_entropy(out_train, data.y_train)[0]
        zeros = np.mean(layer_summary(tr_test.activations)["zero_fraction"])
        dead = np.mean(layer_summary(tr_train.activations)["dead_fraction"])
        dead_mask = np.concatenate([dead_units(h) for h in tr_train.activations])
        live_zeros = live_zero_fraction(np.hstack(tr_test.activations), dead_mask)
        return (float(zeros), float(dead), live_zeros, accuracy(out_test, data.y_test),
                accuracy(out_train, data.y_train), float(test_loss), float(train_loss))

    first = measure(0, net)
    history = train(net, data.X_train, data.y_train, "cross_entropy", opt, epochs=epochs,
                    batch_size=64, seed=seed, callback=measure, activity_l1=l1)
    rows = np.array([first, *history.metrics])
    return {
        **{name: rows[:, k] for k, name in enumerate(MEASURES)},
        "diverged": history.diverged,
        "diverged_at": len(rows) if history.diverged else -1,
    }


def live_zero_fraction(h: np.ndarray, dead: np.ndarray) -> float:
    """Fraction of exact zeros among the live units' activations ``h``.

    ``h`` is (samples, units); ``dead`` is the boolean mask of dead units
    (:func:`relu_lib.metrics.dead_units` on the data set that defines
    them). Dead units are zero on every input and inflate the plain zero
    fraction; this one counts only zeros that vary from input to input.
    NaN when every unit is dead. Serves the section "Sparsity after
    training on digits" of book/sparsity.md.

    Examples
    --------
    >>> h = np.array([[0.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    >>> live_zero_fraction(h, dead=np.array([True, False, False]))
    0.5
    """
    live = h[:, ~dead]
    if live.size == 0:
        return float("nan")
    return zero_fraction(live)


def l1_sweep(
    l1s: tuple[float, ...] = L1_PENALTIES,
    seeds: int = 5,
    lr: float = 0.01,
    optimiser: str = "adam",
    epochs: int = MAX_EPOCHS,
) -> dict[str, np.ndarray]:
    """Sparsity and the train-test gap after training, for each L1 penalty, over ``seeds`` runs.

    Each (penalty, seed) is one :func:`training_run` (cached, so the chapter's own runs are
    reused). ``gap`` is train accuracy minus test accuracy at the last epoch. For each penalty
    (rows in the order of ``l1s``) the result holds the means over seeds of ``zero_fraction``,
    ``live_zero_fraction``, ``dead_fraction``, ``accuracy``, ``train_accuracy``, ``gap`` and
    ``loss_gap`` (test minus train loss), the 95% half-widths ``accuracy_half``, ``gap_half`` and
    ``loss_gap_half`` (:func:`mean_interval`), and ``change``/``change_half``: the change of
    the gap from the first penalty's, seed by seed (a paired comparison: each seed shares its
    split and initial weights across penalties). ``gaps`` and ``accuracies`` keep the values of
    every run (penalties × seeds) for other comparisons. Serves the section "Does sparsity
    reduce overfitting?" of book/sparsity.md.
    """
    runs = [[training_run(lr, optimiser, l1, epochs, seed=seed) for seed in range(seeds)]
            for l1 in l1s]
    last = {key: np.array([[r[key][-1] for r in row] for row in runs])
            for key in MEASURES}
    gap = last["train_accuracy"] - last["accuracy"]
    loss_gap = last["test_loss"] - last["train_loss"]
    out = {"l1": np.array(l1s, dtype=np.float64), "seeds": seeds, "epochs": epochs,
           "gaps": gap, "accuracies": last["accuracy"]}
    for key in ("zero_fraction", "live_zero_fraction", "dead_fraction", "train_accuracy"):
        out[key] = last[key].mean(axis=1)
    intervals = {"accuracy": last["accuracy"], "gap": gap, "loss_gap": loss_gap,
                 "change": gap - gap[0]}
    for key, values in intervals.items():
        out[key], out[key + "_half"] = np.array([mean_interval(v) for v in values]).T
    return out


def plot_l1_sweep(r: Mapping[str, Any], fig) -> list:
    """Left: zeros among all and among live units against the L1 penalty. Right: the train-test
    accuracy gap with its 95% intervals. Serves the section "Does sparsity reduce overfitting?"
    of book/sparsity.md."""
    from relu_lib.plotting import COLORS

    ax1, ax2 = panels(fig, 2)
    x = np.arange(len(r["l1"]))
    labels = [f"{v:g}" for v in r["l1"]]
    ax1.plot(x, r["zero_fraction"], "o-", color=COLORS["relu"], label="all units")
    ax1.plot(x, r["live_zero_fraction"], "s--", color=COLORS["relu"], mfc="white",
             label="live units only")
    ax1.plot(x, r["dead_fraction"], "^-", color=COLORS["highlight"], label="dead units")
    ax1.set(xticks=x, xticklabels=labels, xlabel="L1 penalty λ", ylim=(-0.03, 1.03),
            ylabel="fraction (mean over seeds)", title="Zeros on test inputs")
    ax1.legend(fontsize=8, loc="upper left")
    ax2.errorbar(x, r["gap"], yerr=r["gap_half"], fmt="o", color=COLORS["relu"], capsize=4)
    ax2.axhline(r["gap"][0], color=COLORS["theory"], ls=":", lw=1)
    ax2.set(xticks=x, xticklabels=labels, xlabel="L1 penalty λ",
            ylabel="train − test accuracy", ylim=(0, None),
            title="Overfitting gap, 95% interval")
    return [ax1, ax2]


def adam_steps(grads: Any, lr: float = 0.001,
               betas: tuple[float, float] = (0.9, 0.999),
               eps: float = 1e-8) -> np.ndarray:
    """Lengths |Δθ| of Adam's steps on one parameter with gradients ``grads``.

    The update of Kingma and Ba (2015, Algorithm 1), a line per equation.
    Serves the section "Does Adam move every weight by the learning rate?"
    of book/sparsity.md.

    Examples
    --------
    >>> adam_steps([1.0, 1.0, 1.0], lr=0.1).round(6)
    array([0.1, 0.1, 0.1])
    """
    (b1, b2), m, v, steps = betas, 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        steps.append(lr * abs(m_hat) / (np.sqrt(v_hat) + eps))
    return np.array(steps)


def training_at_epoch(lr: float, optimiser: str, l1: float, epoch: int) -> dict[str, Any]:
    """:func:`training_run` for these settings, with the epoch that :func:`plot_training` marks.

    Serves the explorable of the section "Does sparsity reduce overfitting?" of
    book/sparsity.md."""
    return {**training_run(lr, optimiser, l1), "epoch": epoch}


def plot_training(r: Mapping[str, Any], fig) -> dict[str, Any]:
    """Left: zeros and dead units over training. Right: test accuracy. A marker at ``r["epoch"]``.

    Returns the artists that :func:`update_training` changes. Serves the explorable of the
    section "Does sparsity reduce overfitting?" of book/sparsity.md."""
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
    """:func:`plot_training`'s figure brought up to date with ``r`` in place (for a live view).

    Serves the explorable of the section "Does sparsity reduce overfitting?" of
    book/sparsity.md."""
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
    """Sparsity through training on digits: learning rate, optimiser, L1 penalty and epoch.

    Shown at the end of the section "Does sparsity reduce overfitting?" of book/sparsity.md."""
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
