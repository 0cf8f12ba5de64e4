"""The chapter *Dying ReLU* (``book/dying_relu.md``): dead units, when they die, the born-dead law.

Every experiment trains on one task, two interleaved spirals (:func:`spiral_task`); dead units are
tracked during training by :class:`relu_lib.metrics.DeadTracker`.

* :func:`training_run`: a small ReLU MLP trained on the spirals with the settings that kill units
  (learning rate, bias, initialiser, optimiser, activation), tracked epoch by epoch;
  :func:`lr_sweep` runs it over a grid of learning rates for SGD and Adam, and
  :func:`revivals` counts the units that came back.
* :func:`remedies`: each usual remedy applied alone, including batch normalisation and PReLU
  (:func:`torch_run`) and :func:`asymmetric_init`, a simplified randomised asymmetric
  initialisation.
* :func:`born_dead_probability` and :func:`born_dead_simulation`: the chance that a width-``N``,
  depth-``L`` ReLU net with zero bias and symmetric weights outputs a constant at a given input,
  in theory and by Monte Carlo; :func:`binomial_test` compares the two.
* :func:`revival_run`: a dead second-layer unit can come back, a dead first-layer unit cannot.

Examples
--------
>>> round(float(born_dead_probability(width=2, depth=10)), 3)
0.944
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from relu_lib.cache import cached
from relu_lib.data import spirals
from relu_lib.explore import Choice, Explorable, Slider
from relu_lib.init import initialise
from relu_lib.metrics import DeadTracker
from relu_lib.nets import MLP, Adam, accuracy, make_optimiser, softmax_cross_entropy, train
from relu_lib.plotting import draw_message, panels
from relu_lib.reference import relu

__all__ = [
    "training_run",
    "plot_training",
    "update_training",
    "training_explorable",
    "remedies",
    "remedy_run",
    "BASELINE",
    "lr_sweep",
    "plot_lr_sweep",
    "revivals",
    "asymmetric_init",
    "torch_run",
    "binomial_pmf",
    "binomial_test",
    "scientific",
    "born_dead_asymmetric",
    "born_dead_probability",
    "born_dead_simulation",
    "binomial_z",
    "plot_born_dead",
    "update_born_dead",
    "born_dead_explorable",
    "revival_run",
    "plot_revival",
    "EPOCHS",
    "EXPLORABLES",
]


# --------------------------------------------------------------------------- training on spirals

EPOCHS = 40
WIDTH, DEPTH, BATCH_SIZE = 16, 3, 32
LEARNING_RATES = (0.01, 0.1, 0.3, 1.0, 3.0)
BIASES = (-1.0, -0.5, 0.0, 0.1, 0.5)
INITS = ("he_normal", "xavier_normal", "lecun_normal", "torch_default")
SEEDS = (0, 1, 2)
SWEEP_SEEDS = SEEDS
SWEEP_LRS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


@cached(maxsize=4)
def _spiral_task(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = spirals(n, n_classes=2, noise=0.05, seed=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def spiral_task(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's task: two interleaved spirals (:func:`relu_lib.data.spirals`), standardised.

    Serves every section of book/dying_relu.md; shown in 'Tracking dead units in your own
    training'.

    Returns fresh copies of ``X`` of shape ``(n, 2)`` and labels ``y`` (made once, then cached;
    the cached pair is read-only).

    Examples
    --------
    >>> X, y = spiral_task()
    >>> X.shape, np.bincount(y).tolist()
    ((400, 2), [200, 200])
    """
    X, y = _spiral_task(n, seed)
    return X.copy(), y.copy()


@cached(maxsize=128)
def training_run(
    lr: float = 1.0,
    optimiser: str = "sgd",
    init: str = "torch_default",
    bias: float = 0.0,
    activation: str = "relu",
    epochs: int = EPOCHS,
    width: int = WIDTH,
    depth: int = DEPTH,
    seed: int = 0,
) -> Mapping[str, Any]:
    """Train a ``2 -> width x depth -> 2`` MLP on :func:`spiral_task`; track its dead units.

    Serves the sections 'Dead means zero on every input', 'Watching units die' and 'Remedies,
    measured' of book/dying_relu.md. ``init`` is a name of :mod:`relu_lib.init` or
    ``"asymmetric"`` (:func:`asymmetric_init` for the hidden layers). Minibatches of 32; ``seed`` sets the weights and the batches (the data stay the same).
    Cached (:func:`relu_lib.cache.cached`): one training per setting, however it is called; the
    result is read-only.

    Returns
    -------
    mapping with, indexed by epoch ``0..epochs`` (0 = before training; fewer if training diverged):
    ``loss`` (training cross-entropy), ``accuracy`` (training set), ``dead`` (``(epochs+1, depth)``,
    dead fraction per layer, see :class:`DeadTracker`), ``zero_fraction`` (same shape: fraction of outputs
    ``<= 0`` on their own input), ``rasters`` (per layer, ``(epochs+1, width)`` booleans), and
    ``diverged``; and the settings ``lr``, ``optimiser``, ``init``, ``bias`` and ``activation``.
    """
    X, y = _spiral_task(400, 0)
    net = _mlp([2] + [width] * depth + [2], activation, init, bias, seed)
    opt = make_optimiser(optimiser, lr)
    tracker = DeadTracker(X)

    def measure(epoch: int, net: MLP) -> tuple[float, float]:
        tracker(epoch, net)
        with np.errstate(all="ignore"):
            out = net.forward(X)
        return softmax_cross_entropy(out, y)[0], accuracy(out, y)

    first = measure(0, net)
    history = train(net, X, y, "cross_entropy", opt, epochs=epochs, batch_size=BATCH_SIZE,
                    seed=seed, callback=measure)
    rows = np.array([first, *history.metrics])
    return {
        "loss": rows[:, 0],
        "accuracy": rows[:, 1],
        "dead": tracker.fractions(),
        "zero_fraction": np.array(tracker.zero_fraction),
        "rasters": tracker.rasters(),
        "diverged": history.diverged,
        "lr": lr, "optimiser": optimiser, "init": init, "bias": bias, "activation": activation,
    }


def _mlp(sizes: list[int], activation: str, init: str, bias: float, seed: int) -> MLP:
    """``MLP(sizes, ...)``; with ``init="asymmetric"`` its hidden layers from
    :func:`asymmetric_init` (plus ``bias``) and its output layer He-initialised."""
    if init != "asymmetric":
        return MLP(sizes, activation=activation, init=init, bias=bias, seed=seed)
    net = MLP(sizes, activation=activation, init="he_normal", seed=seed)
    rng = np.random.default_rng(seed)
    for l in range(len(sizes) - 2):
        net.W[l], b = asymmetric_init(sizes[l], sizes[l + 1], rng)
        net.b[l] = b + bias
    return net


def _dead_word(activation: str) -> str:
    return "dead" if activation == "relu" else "silent"  # leaky units still get a gradient


def _raster(r: Mapping[str, Any]) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """All layers' rasters stacked (one row per unit, layer 1 on top) and the image's extent."""
    image = np.concatenate(r["rasters"], axis=1).T
    return image, (-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5)


def plot_training(r: Mapping[str, Any], fig) -> dict[str, Any] | None:
    """Loss, dead fraction per layer, and a raster of which unit was dead in which epoch.

    Serves the section 'Watching units die' of book/dying_relu.md.

    Returns the artists that :func:`update_training` changes (None for a message)."""
    from relu_lib.plotting import COLORS

    if not np.all(np.isfinite(r["loss"])):
        draw_message(fig, "Training diverged at once: the loss was not finite.")
        return None
    ax1, ax2, ax3 = panels(fig, 3, widths=[1, 1, 1.1])
    fig.subplots_adjust(left=0.08, wspace=0.42)
    colour = COLORS.get(r["activation"], COLORS["relu"])
    h = {"loss": ax1.plot([], [], color=colour)[0], "title1": ax1.title}
    # one scale for every setting, so that runs compare at a glance (spikes above 2.5 are cut)
    ax1.set(xlabel="epoch", ylabel="training loss", xlim=(0, EPOCHS), ylim=(0, 2.5))
    styles = ("-", "--", ":")
    h["dead"] = [ax2.plot([], [], styles[l % 3], color=colour, label=f"layer {l + 1}")[0]
                 for l in range(r["dead"].shape[1])]
    ax2.set(xlabel="epoch", ylabel="fraction of units", ylim=(-0.03, 1.03), xlim=(0, EPOCHS))
    h["legend"], h["title2"] = ax2.legend(fontsize=8, loc="upper left"), ax2.title
    image, extent = _raster(r)
    h["raster"] = ax3.imshow(image, aspect="auto", interpolation="nearest", cmap="Greys", vmin=0, vmax=1,
                             extent=extent)
    width = r["rasters"][0].shape[1]
    for l in range(1, len(r["rasters"])):
        ax3.axhline(l * width - 0.5, color=COLORS["highlight"], lw=1)
    ax3.set(xlabel="epoch", ylabel="unit (layer 1 on top)")
    ax3.set_yticks([width * (l + 0.5) - 0.5 for l in range(len(r["rasters"]))],
                   [f"L{l + 1}" for l in range(len(r["rasters"]))])
    ax3.grid(False)
    h["title3"] = ax3.title
    h["diverged"] = ax1.text(0.5, 0.5, "", transform=ax1.transAxes, ha="center",
                             color=COLORS["highlight"], fontsize=11)
    update_training(r, fig, h)
    return h


def update_training(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_training`'s figure brought up to date with ``r`` in place (for a live view);
    False where it cannot be (a non-finite loss, another number of layers)."""
    from relu_lib.plotting import COLORS

    if not np.all(np.isfinite(r["loss"])) or r["dead"].shape[1] != len(h["dead"]):
        return False
    colour = COLORS.get(r["activation"], COLORS["relu"])
    word = _dead_word(r["activation"])
    epochs = np.arange(len(r["loss"]))
    h["loss"].set_data(epochs, r["loss"])
    h["loss"].set_color(colour)
    h["title1"].set_text(f"final accuracy {r['accuracy'][-1]:.0%}")
    for l, line in enumerate(h["dead"]):
        line.set_data(epochs, r["dead"][:, l])
        line.set_color(colour)
    for line in h["legend"].get_lines():
        line.set_color(colour)
    h["title2"].set_text(f"{word} at the end: {r['dead'][-1].mean():.0%}")
    image, extent = _raster(r)
    h["raster"].set_data(image)
    h["raster"].set_extent(extent)
    h["title3"].set_text(f"{word} units (black)")
    h["diverged"].set_text("diverged" if r["diverged"] else "")
    return True


def training_explorable() -> Explorable:
    """Dying during training on spirals: learning rate, optimiser, initialiser, bias, activation.

    Serves the section 'Watching units die' of book/dying_relu.md."""
    return Explorable(
        "Units dying during training",
        controls=[
            Choice("lr", "learning rate", LEARNING_RATES, default=1.0),
            Choice("optimiser", "optimiser", ("sgd", "adam"), default="sgd"),
            Choice("init", "initialiser", INITS, default="torch_default"),
            Choice("bias", "initial bias", BIASES, default=0.0),
            Choice("activation", "activation", ("relu", "leaky_relu"), default="relu"),
        ],
        compute=training_run,
        plot=plot_training,
        update=update_training,
        interact=[("lr", "optimiser")],
        caption="A unit that turns black in the raster and stays black has died: no input of the "
        "training set makes it positive. Large steps kill units; Adam's steps are large at a smaller "
        "learning rate than SGD's.",
    )


def revivals(r: Mapping[str, Any]) -> np.ndarray:
    """How often a unit of each layer came back: dead after one epoch,
    alive after the next.

    Serves the section 'Can a dead unit come back?' of book/dying_relu.md.
    ``r`` is a :func:`training_run` result; returns one count per layer.

    Examples
    --------
    >>> revivals(training_run()).tolist()  # plain SGD: never in layer 1
    [0, 11, 16]
    """
    return np.array([np.sum(dead[:-1] & ~dead[1:]) for dead in r["rasters"]])


@cached(maxsize=4)
def lr_sweep(
    lrs: tuple[float, ...] = SWEEP_LRS,
    optimisers: tuple[str, ...] = ("sgd", "adam"),
    seeds: tuple[int, ...] = SWEEP_SEEDS,
) -> Mapping[str, Any]:
    """:func:`training_run` for every optimiser, learning rate and seed; the rest default.

    Serves the section 'Remedies, measured' of book/dying_relu.md: Adam against SGD at the
    same grid of learning rates, so that the optimiser is not confounded with the step size.

    Returns
    -------
    mapping with ``dead`` (final dead fraction of all hidden units), ``accuracy`` (final
    training accuracy) and ``revivals`` (per hidden layer, summed over the run), each of shape
    ``(optimisers, lrs, seeds)`` (``revivals``: one more axis, the layers), and the settings.
    """
    runs = [[[training_run(lr=lr, optimiser=opt, seed=s) for s in seeds] for lr in lrs]
            for opt in optimisers]
    def stack(get):
        return np.array([[[get(r) for r in row] for row in grid] for grid in runs])
    return {
        "lrs": lrs, "optimisers": optimisers, "seeds": seeds,
        "dead": stack(lambda r: r["dead"][-1].mean()),
        "accuracy": stack(lambda r: r["accuracy"][-1]),
        "revivals": stack(revivals),
    }


def plot_lr_sweep(sweep: Mapping[str, Any], fig) -> None:
    """Dead fraction and accuracy against the learning rate, one line per optimiser.

    Serves the section 'Remedies, measured' of book/dying_relu.md. Dots are seeds, lines
    their means."""
    from relu_lib.plotting import COLORS

    ax1, ax2 = panels(fig, 2)
    lrs = np.array(sweep["lrs"])
    styles = {"sgd": ("-", COLORS["relu"]), "adam": ("--", COLORS["highlight"])}
    for i, opt in enumerate(sweep["optimisers"]):
        ls, colour = styles.get(opt, ("-", "grey"))
        for ax, key in ((ax1, "dead"), (ax2, "accuracy")):
            values = sweep[key][i]
            ax.plot(lrs, values.mean(axis=1), ls, color=colour, label=opt.upper()
                    if opt == "sgd" else opt.capitalize())
            ax.plot(np.repeat(lrs, values.shape[1]), values.ravel(), "o", color=colour,
                    ms=3, alpha=0.5)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate η")
    ax1.set(ylabel="dead fraction at the end", ylim=(-0.03, 1.03),
            title="dead units (all hidden layers)")
    ax2.set(ylabel="training accuracy", ylim=(0.45, 1.02), title="accuracy (0.5: chance)")
    ax1.legend(loc="upper left", fontsize=9)


def asymmetric_init(
    fan_in: int, fan_out: int, rng: np.random.Generator,
    batch: tuple[int, ...] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """A simplified randomised asymmetric initialisation (after Lu et al.).

    Serves the section 'Remedies, measured' of book/dying_relu.md. Weights
    and bias are drawn as He's normal, N(0, 2 / fan_in); then one of each
    unit's fan_in + 1 parameters, chosen at random, is made positive. Lu et
    al. draw that parameter from a positive distribution and set the
    others' variance by their own analysis; we keep He's variance.
    ``batch`` draws that many independent layers at once.

    Examples
    --------
    >>> W, b = asymmetric_init(3, 4, np.random.default_rng(0))
    >>> W.shape, b.shape
    ((3, 4), (4,))
    """
    std = np.sqrt(2.0 / fan_in)
    theta = rng.normal(0.0, std, size=(*batch, fan_in + 1, fan_out))
    k = rng.integers(0, fan_in + 1, size=(*batch, 1, fan_out))
    chosen = np.arange(fan_in + 1)[:, None] == k   # one per unit (column)
    theta = np.where(chosen, np.abs(theta), theta)
    return theta[..., :-1, :], theta[..., -1, :]   # weights, bias


def _silent_fractions(net, X: np.ndarray) -> np.ndarray:
    """Per hidden layer of a torch net, the fraction of units whose pre-activation (the input
    of its activation module) is ``<= 0`` on every row of ``X``, in training mode (a batch
    norm then normalises over all of ``X``)."""
    import torch

    peaks: list[np.ndarray] = []
    hook = lambda module, args: peaks.append(args[0].amax(dim=0).numpy())  # noqa: E731
    handles = [m.register_forward_pre_hook(hook) for m in net
               if isinstance(m, (torch.nn.ReLU, torch.nn.PReLU))]
    net.train()
    with torch.no_grad():
        net(torch.as_tensor(X))
    for h in handles:
        h.remove()
    return np.array([float(np.mean(p <= 0)) for p in peaks])


@cached(maxsize=64)
def torch_run(
    norm: str | None = None,
    activation: str = "relu",
    lr: float = 1.0,
    optimiser: str = "sgd",
    init: str = "torch_default",
    bias: float = 0.0,
    epochs: int = EPOCHS,
    width: int = WIDTH,
    depth: int = DEPTH,
    seed: int = 0,
) -> Mapping[str, Any]:
    """:func:`training_run`'s network and training, in torch (float64): for the remedies that
    the NumPy nets do not have, batch normalisation (``norm="batch"``) and PReLU
    (``activation="prelu"``: one learned slope per unit, initially 0.25).

    Serves the section 'Remedies, measured' of book/dying_relu.md. Same weights, minibatches
    and precision as the NumPy run; only the final state is measured.

    Returns
    -------
    mapping with ``dead`` (per hidden layer: fraction of units whose pre-activation is ``<= 0``
    on every training input), ``accuracy`` (final training accuracy, in evaluation mode) and
    ``diverged``.
    """
    import torch
    from relu_lib import torch_nets

    X, y = spiral_task()  # writable copies, as torch wants
    with torch_nets.torch_threads(1):
        net = torch_nets.mlp([2] + [width] * depth + [2], init=init, bias=bias, seed=seed,
                             dtype=torch.float64, norm=norm)
        if activation == "prelu":
            for i, m in enumerate(net):
                if isinstance(m, torch.nn.ReLU):
                    net[i] = torch.nn.PReLU(width, init=0.25, dtype=torch.float64)
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimiser]
        history = torch_nets.train(net, X, y, "cross_entropy", cls(net.parameters(), lr=lr),
                                   epochs=epochs, batch_size=BATCH_SIZE, seed=seed)
        net.eval()
        with torch.no_grad():
            out = net(torch.as_tensor(X)).numpy()
        return {"dead": _silent_fractions(net, X), "accuracy": accuracy(out, y),
                "diverged": history.diverged}


REMEDIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("baseline: SGD, η = 1, PyTorch init", {}),
    ("lower learning rate (η = 0.1)", {"lr": 0.1}),
    ("He initialisation", {"init": "he_normal"}),
    ("asymmetric initialisation", {"init": "asymmetric"}),
    ("small positive bias (0.1)", {"bias": 0.1}),
    ("Leaky ReLU (slope 0.01)", {"activation": "leaky_relu"}),
    ("PReLU (slope learned, from 0.25)", {"activation": "prelu"}),
    ("ELU (α = 1)", {"activation": "elu"}),
    ("batch normalisation", {"norm": "batch"}),
)


BASELINE: dict[str, Any] = {"lr": 1.0, "optimiser": "sgd", "init": "torch_default",
                            "bias": 0.0, "activation": "relu"}


def remedy_run(seed: int = 0, **change: Any) -> tuple[float, float, bool]:
    """Final dead fraction (all hidden units), accuracy and divergence of :data:`BASELINE`
    with ``change`` applied: in torch where NumPy has no such net (``norm="batch"``,
    ``activation="prelu"``: :func:`torch_run`), else :func:`training_run`.

    Serves the section 'Remedies, measured' of book/dying_relu.md.

    Examples
    --------
    >>> dead, acc, diverged = remedy_run(lr=0.3)
    >>> dead < 0.1 < 0.9 < acc, diverged
    (True, False)
    """
    settings = {**BASELINE, **change}
    norm = settings.pop("norm", None)
    if norm is not None or settings["activation"] == "prelu":
        r = torch_run(norm=norm, seed=seed, **settings)
        return float(np.mean(r["dead"])), r["accuracy"], r["diverged"]
    r = training_run(**settings, seed=seed)
    return float(r["dead"][-1].mean()), float(r["accuracy"][-1]), r["diverged"]


def remedies(seeds: tuple[int, ...] = SEEDS, **baseline: Any) -> list[dict[str, Any]]:
    """Each remedy of :data:`REMEDIES` applied alone to a baseline :func:`training_run`.

    Serves the section 'Remedies, measured' of book/dying_relu.md. ``baseline`` overrides
    :data:`BASELINE` (SGD, lr 1, PyTorch's default weights (``"torch_default"``), bias 0,
    ReLU). Every row is averaged over ``seeds`` (weights and minibatches; same data).
    Batch normalisation and PReLU run in torch (:func:`torch_run`), the rest in NumPy
    (:func:`remedy_run`).

    Returns
    -------
    list of dicts with ``name``, ``dead`` (mean over seeds of the final dead fraction, all hidden
    layers together), ``worst`` (largest over seeds), ``accuracy`` (mean final training accuracy),
    ``accuracy_sd`` (its standard deviation over seeds) and ``diverged`` (how many seeds
    diverged).
    """
    base = {**BASELINE, **baseline}
    rows = []
    for name, change in REMEDIES:
        runs = np.array([remedy_run(seed=s, **{**base, **change}) for s in seeds])
        rows.append({
            "name": name,
            "dead": float(np.mean(runs[:, 0])),
            "worst": float(np.max(runs[:, 0])),
            "accuracy": float(np.mean(runs[:, 1])),
            "accuracy_sd": float(np.std(runs[:, 1], ddof=1)) if len(seeds) > 1 else 0.0,
            "diverged": int(np.sum(runs[:, 2])),
        })
    return rows


# --------------------------------------------------------------------------- born dead

def born_dead_probability(width: Any, depth: Any) -> np.ndarray:
    """Chance that a zero-bias ReLU net of ``depth`` hidden layers of
    ``width`` units, with independent weights symmetric about 0, outputs
    zeros in its last hidden layer at a given input.

    Serves the section 'Born dead: narrow, deep networks' of
    book/dying_relu.md. A layer with a non-zero input is all zero with
    chance ``2**-width``, whatever the layers below did, and a zero layer
    stays zero: the net survives only if every layer does.

    Examples
    --------
    >>> born_dead_probability([1, 2, 8], 3).round(3)
    array([0.875, 0.578, 0.012])
    """
    width = np.asarray(width, dtype=np.float64)
    depth = np.asarray(depth, dtype=np.float64)
    one_layer_silent = 0.5**width
    return 1.0 - (1.0 - one_layer_silent) ** depth


@cached(maxsize=64)
def born_dead_simulation(
    width: int,
    max_depth: int = 50,
    trials: int = 2000,
    init: str = "he_normal",
    n_inputs: int = 1,
    seed: int = 0,
) -> np.ndarray:
    """Monte Carlo twin of :func:`born_dead_probability`: build ``trials`` random nets and look.

    Serves the section 'Born dead: narrow, deep networks' of book/dying_relu.md.

    Each trial is one net of ``max_depth`` hidden ReLU layers of ``width`` units, zero bias, weights
    from ``init`` (:func:`relu_lib.init.initialise`), fed its own ``n_inputs`` standard Gaussian
    inputs of dimension ``width``. All trials run at once as a batch of matrix products.

    With zero bias only the signs of the weights' combinations matter, not their scale, so any
    symmetric initialiser gives the same law (``"torch_default"`` draws uniform weights).

    Returns
    -------
    ndarray of shape ``(max_depth,)``, read-only (cached): entry ``L - 1`` is the fraction of trials whose
    layer ``L`` is zero on every one of the inputs (for ``n_inputs=1``: dead at the input).

    Examples
    --------
    >>> born_dead_simulation(1, max_depth=3, trials=4000).round(2)
    array([0.5 , 0.74, 0.87])
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((trials, n_inputs, width))
    dead = np.zeros((max_depth, trials), dtype=bool)
    alive = np.arange(trials)
    for l in range(max_depth):
        # ``trials`` independent (width, width) weight matrices, each drawn as ``init`` draws one
        W = initialise(init, width, width * len(alive), rng).reshape(width, len(alive), width)
        h = relu(np.einsum("tnw,wtv->tnv", h, W))
        silent = np.all(h == 0, axis=(1, 2))
        dead[l:, alive[silent]] = True
        alive, h = alive[~silent], h[~silent]  # a zero layer stays zero: stop simulating it
    return dead.mean(axis=1)


def binomial_z(measured: Any, p: Any, trials: int) -> np.ndarray:
    """How many binomial standard errors ``measured`` fractions lie from probabilities ``p``.

    ``(measured - p) / sqrt(p (1 - p) / trials)``; 0 where ``p`` is 0 or 1 and matched exactly,
    infinite where it is not. A normal approximation: where ``trials * p`` or
    ``trials * (1 - p)`` is small (a few events), it misleads; use the exact
    :func:`binomial_test` there (book/dying_relu.md, 'Born dead').

    Examples
    --------
    >>> binomial_z(0.53, 0.5, 2500)
    array(3.)
    """
    measured, p = np.asarray(measured, float), np.asarray(p, float)
    se = np.sqrt(p * (1 - p) / trials)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (measured - p) / se
    return np.where(se > 0, z, np.where(measured == p, 0.0, np.inf))


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(K = k) for k = 0..n when K counts the events in n trials of
    chance p: C(n, k) p^k (1 - p)^(n - k), computed in logarithms.

    Examples
    --------
    >>> binomial_pmf(2, 0.5).tolist()
    [0.25, 0.5, 0.25]
    """
    k = np.arange(n + 1)
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    log_choose = log_fact[n] - log_fact[k] - log_fact[n - k]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pmf = log_choose + k * np.log(p) + (n - k) * np.log1p(-p)
    return np.exp(np.nan_to_num(log_pmf, nan=0.0, neginf=-np.inf))


def binomial_test(k: int, n: int, p: float) -> float:
    """Exact two-sided p-value of k events in n trials of chance p: the
    total chance of every count no more likely than k.

    Serves the section 'Born dead: narrow, deep networks' of
    book/dying_relu.md, where p can be so small that a z-score misleads.

    Examples
    --------
    >>> round(binomial_test(1, 2000, 1.5e-5), 3)  # one event, 0.03 expected
    0.03
    >>> round(binomial_test(1000, 2000, 0.5), 6)  # the likeliest count
    1.0
    """
    pmf = binomial_pmf(n, p)
    as_likely = pmf <= pmf[k] * (1 + 1e-7)  # 1e-7: rounding ties
    return float(min(1.0, pmf[as_likely].sum()))


@cached(maxsize=16)
def born_dead_asymmetric(width: int, max_depth: int = 50, trials: int = 2000,
                         seed: int = 0) -> np.ndarray:
    """Fraction of ``trials`` nets initialised by :func:`asymmetric_init`
    whose hidden layer ``L`` is all zero at a standard Gaussian input.

    Serves the section 'Remedies, measured' of book/dying_relu.md: the
    born-dead count of :func:`born_dead_simulation` with asymmetric weights
    and biases. A silent layer need not stay silent here (a positive bias
    revives it), so every layer is simulated.

    Returns
    -------
    ndarray of shape ``(max_depth,)``, read-only: entry ``L - 1`` for layer L.
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((trials, width))
    silent = np.zeros(max_depth)
    for l in range(max_depth):
        W, b = asymmetric_init(width, width, rng, batch=(trials,))
        h = relu(np.einsum("tw,twv->tv", h, W) + b)
        silent[l] = np.mean(np.all(h == 0, axis=1))
    return silent


MAX_WIDTH, MAX_DEPTH, TRIALS = 16, 50, 2000


def _born_dead_compute(width: int, depth: int) -> dict[str, Any]:
    return {
        "width": width,
        "depth": depth,
        "simulated": born_dead_simulation(width, MAX_DEPTH, TRIALS),
        "trials": TRIALS,
    }


def _born_dead_curves(r: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Depths 1..MAX_DEPTH, the law at them for ``r["width"]`` and its ±3 standard errors."""
    depths = np.arange(1, MAX_DEPTH + 1)
    p = born_dead_probability(r["width"], depths)
    return depths, p, 3 * np.sqrt(p * (1 - p) / r["trials"])


def plot_born_dead(r: Mapping[str, Any], fig) -> dict[str, Any]:
    """Left: chance of being dead at an input against depth, theory and simulation, for one width.
    Right: the law over widths and depths, with the chosen net marked.

    Serves the section 'Born dead: narrow, deep networks' of book/dying_relu.md.

    Returns the artists that :func:`update_born_dead` changes."""
    from relu_lib.plotting import COLORS

    ax1, ax2 = panels(fig, 2, widths=[1.15, 1])
    fig.subplots_adjust(right=0.9, wspace=0.32)
    depths, p, band = _born_dead_curves(r)
    # above the grid (zorder 1.5), so that a live redraw need not draw the axis again
    h = {"band": ax1.fill_between(depths, p - band, p + band, color="#000000", alpha=0.12, lw=0,
                                  label="±3 s.e.", zorder=1.6)}
    h["law"] = ax1.plot(depths, p, "--", color=COLORS["theory"], lw=1.5, label="$1-(1-2^{-N})^L$")[0]
    h["simulated"] = ax1.plot(depths, r["simulated"], "o", color=COLORS["relu"], ms=3, label="simulated")[0]
    h["mark1"] = ax1.plot([], [], "o", mfc="none", mec=COLORS["highlight"], ms=11, mew=2, clip_on=False)[0]
    ax1.set(xlabel="depth L (hidden layers)", ylabel="P(dead at an input)", ylim=(-0.03, 1.03),
            xlim=(0, MAX_DEPTH + 1))
    h["title"] = ax1.title
    h["legend"] = ax1.legend(fontsize=8, loc="center right")
    widths = np.arange(1, MAX_WIDTH + 1)
    grid = born_dead_probability(widths[:, None], depths[None, :])
    im = ax2.imshow(grid, origin="lower", aspect="auto", cmap="Blues", vmin=0, vmax=1,
                    extent=(0.5, MAX_DEPTH + 0.5, 0.5, MAX_WIDTH + 0.5))
    ax2.contour(depths, widths, grid, levels=[0.5], colors=[COLORS["highlight"]], linewidths=1.2)
    h["mark2"] = ax2.plot([], [], "o", mfc="none", mec=COLORS["highlight"], ms=11, mew=2, clip_on=False)[0]
    ax2.set(xlabel="depth L", ylabel="width N", title="theory (line: 50%)")
    ax2.grid(False)
    cax = fig.add_axes([0.92, 0.16, 0.015, 0.73])
    fig.colorbar(im, cax=cax)
    _mark_born_dead(r, h)
    return h


def _mark_born_dead(r: Mapping[str, Any], h: dict[str, Any]) -> None:
    """Mark the chosen net (width N, depth L) in both panels and say its chance in the title."""
    N, L = r["width"], r["depth"]
    h["mark1"].set_data([L], [born_dead_probability(N, L)])
    h["mark2"].set_data([L], [N])
    h["title"].set_text(f"N = {N}, L = {L}: {born_dead_probability(N, L):.1%} dead")


def update_born_dead(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_born_dead`'s figure brought up to date with ``r`` in place (for a live view)."""
    if not hasattr(h["band"], "set_data"):  # matplotlib < 3.10 cannot move a fill_between
        return False
    depths, p, band = _born_dead_curves(r)
    h["band"].set_data(depths, p - band, p + band)
    h["law"].set_ydata(p)
    h["simulated"].set_ydata(r["simulated"])
    _mark_born_dead(r, h)
    return True


def born_dead_explorable() -> Explorable:
    """Born dead: width and depth of a zero-bias ReLU net against the chance it is dead at an input.

    Serves the section 'Born dead: narrow, deep networks' of book/dying_relu.md."""
    return Explorable(
        "Born dead: width against depth",
        controls=[
            Slider("width", "width N", 1, MAX_WIDTH, 1, default=3, integer=True,
                   twin_values=(1, 2, 3, 4, 6, 8, 12, 16)),
            Slider("depth", "depth L", 1, MAX_DEPTH, 1, default=10, integer=True,
                   twin_values=(1, 2, 5, 10, 20, 30, 50)),
        ],
        compute=_born_dead_compute,
        plot=plot_born_dead,
        update=update_born_dead,
        caption=f"Dots: {TRIALS} simulated nets per width, each with its own random input; dashed: "
        "the law. Narrow nets die within a few layers; from about ten units on, depth 50 is safe.",
    )


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(x: float, digits: int = 1) -> str:
    """``x`` in scientific notation for prose, e.g. ``"1.5 × 10⁻⁵"``.

    Serves the glued numbers of book/dying_relu.md.

    Examples
    --------
    >>> scientific(1.52587890625e-05)
    '1.5 × 10⁻⁵'
    """
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


# --------------------------------------------------------------------------- revival

@cached(maxsize=8)
def revival_run(
    kill_first: int = 2,
    kill_second: int = 6,
    margin_first: float = 0.5,
    margin_second: float = 0.05,
    lr: float = 0.01,
    epochs: int = EPOCHS,
    width: int = WIDTH,
    seed: int = 0,
) -> Mapping[str, Any]:
    """Kill units on purpose, train with Adam, and watch which come back.

    Serves the section 'Can a dead unit come back?' of book/dying_relu.md.

    A ``2 -> width -> width -> width -> 2`` MLP for :func:`spiral_task`. Before training, the bias
    of the first ``kill_first`` units of layer 1 is set so that their largest pre-activation over
    the training set is ``-margin_first``, and likewise for ``kill_second`` units of layer 2
    with ``-margin_second``: all of them are dead on the data. Then the net trains.

    Cached; the result is read-only.

    Returns
    -------
    mapping with ``peaks_first`` ``(epochs+1, kill_first)`` and ``peaks_second`` ``(epochs+1,
    kill_second)`` (largest pre-activation over the data: dead while ``<= 0``),
    ``unchanged_first`` (bool: the killed layer-1 units' incoming weights and biases are
    bit-for-bit what they were before training), ``max_change_first`` (largest absolute change of
    those parameters) and ``max_change_second`` (the same for the killed layer-2 units); and the
    settings ``kill_first``, ``kill_second``, ``margin_first``, ``margin_second``, ``lr`` and
    ``epochs``.
    """
    X, y = _spiral_task(400, 0)
    net = MLP([2, width, width, width, 2], seed=seed)
    _, trace = net.forward(X, record=True)
    first, second = slice(0, kill_first), slice(0, kill_second)
    net.b[0][first] -= trace.pre_activations[0][:, first].max(axis=0) + margin_first
    _, trace = net.forward(X, record=True)
    net.b[1][second] -= trace.pre_activations[1][:, second].max(axis=0) + margin_second
    before = [net.W[0][:, first].copy(), net.b[0][first].copy(),
              net.W[1][:, second].copy(), net.b[1][second].copy()]
    tracker = DeadTracker(X)
    tracker(0, net)
    train(net, X, y, "cross_entropy", Adam(lr=lr), epochs=epochs, batch_size=BATCH_SIZE,
          seed=seed, callback=tracker)
    after = [net.W[0][:, first], net.b[0][first], net.W[1][:, second], net.b[1][second]]
    change = [np.max(np.abs(a - b)) for a, b in zip(after, before)]
    return {
        "peaks_first": np.array([p[0][first] for p in tracker.peaks]),
        "peaks_second": np.array([p[1][second] for p in tracker.peaks]),
        "unchanged_first": bool(np.array_equal(after[0], before[0]) and np.array_equal(after[1], before[1])),
        "max_change_first": float(max(change[:2])),
        "max_change_second": float(max(change[2:])),
        "kill_first": kill_first, "kill_second": kill_second, "margin_first": margin_first,
        "margin_second": margin_second, "lr": lr, "epochs": epochs,
    }


def plot_revival(r: dict[str, Any], fig) -> None:
    """Largest pre-activation over the data of each killed unit, epoch by epoch, per layer.

    Serves the section 'Can a dead unit come back?' of book/dying_relu.md.

    The margins are fixed (see :func:`relu_lib.plotting.panels`).
    """
    from relu_lib.plotting import COLORS

    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.13)
    for ax, key, layer in ((ax1, "peaks_first", 1), (ax2, "peaks_second", 2)):
        peaks = r[key]
        epochs = np.arange(len(peaks))
        low, high = min(peaks.min(), 0.0), max(peaks.max(), 0.0)
        pad = 0.1 * (high - low) + 0.05
        ax.axhspan(low - pad, 0, color="#000000", alpha=0.06)
        ax.axhline(0, color=COLORS["theory"], lw=1)
        ax.plot(epochs, peaks, color=COLORS["relu"], lw=1.5)
        alive = int(np.sum(peaks[-1] > 0))
        ax.set(xlabel="epoch", ylim=(low - pad, high + pad),
               title=f"layer {layer}: {alive} of {peaks.shape[1]} came back")
    ax1.set_ylabel("largest pre-activation\nover the data (shaded: dead)")


#: This chapter's explorables, found by :func:`relu_lib.chapters.book_explorables`.
EXPLORABLES = {"training": training_explorable, "born_dead": born_dead_explorable}
