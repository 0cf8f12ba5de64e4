"""Gradient flow and initialisation: how the scale of the signal and of the gradient changes with depth.

Computations, plots and the explorable of the gradient-flow chapter:

* :func:`layer_factor` and :func:`he_variance`: the variance recursion of He et al. (2015) for
  ReLU (and leaky ReLU), ``Var[y_L] = Var[y_1] · prod_{l=2..L} ½ n_l Var[w_l]``.
* :func:`signal_propagation`: a deep MLP at initialisation, fed Gaussian inputs, one forward and
  one backward pass; per-layer std of the pre-activations and of their gradients, with the theory.
* :func:`vanishing`: derivatives of sigmoid, tanh and ReLU and the gradient through deep stacks
  of each.
* :func:`deep_training_run`: the 30-layer ReLU net of He et al. on digits, trained with SGD from
  each initialiser, with its update-to-data ratios (:class:`relu_lib.diagnostics.UpdateRatio`).

Every hidden layer here is square (``width -> width``) and every bias is zero, the setting of the
recursion. Inputs are standard normal, so ``E[x²] = 1``.

Examples
--------
>>> r = signal_propagation(depth=5, width=64)
>>> r["forward_theory"].round(1).tolist()  # He: the same std in every layer
[1.4, 1.4, 1.4, 1.4, 1.4]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from relu_lib import classic
from relu_lib.cache import cached
from relu_lib.data import digits
from relu_lib.diagnostics import UpdateRatio, plot_update_ratios
from relu_lib.explore import Choice, Explorable, Slider
from relu_lib.plotting import draw_message, panels
from relu_lib.init import weight_variance
from relu_lib.nets import (MLP, accuracy, make_optimiser, minibatches,
                           softmax_cross_entropy, train)
from relu_lib.reference import relu_grad

__all__ = [
    "COMPARED_ACTIVATIONS",
    "EXPLORABLES",
    "INITS",
    "INIT_COLORS",
    "NEGATIVE_SLOPE",
    "layer_factor",
    "he_variance",
    "signal_propagation",
    "compare_inits",
    "seed_spread",
    "plot_propagation",
    "update_propagation",
    "plot_compare_inits",
    "propagation_explorable",
    "vanishing",
    "plot_vanishing",
    "deep_training_run",
    "plot_deep_training",
    "bias_fixed_point",
    "orthogonal",
    "input_output_jacobian",
    "jacobian_spectrum",
    "adam_first_step",
    "weight_gradients",
    "ARCHITECTURES",
    "architecture_gradients",
    "architecture_training_run",
    "plot_architectures",
]

#: The activations the chapter compares (names as in `relu_lib.nets`).
COMPARED_ACTIVATIONS = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid")
INITS = ("he_normal", "xavier_normal", "lecun_normal", "torch_default")
INIT_COLORS = {"he_normal": "#009E73", "xavier_normal": "#E69F00", "lecun_normal": "#CC79A7",
               "torch_default": "#D55E00"}
NEGATIVE_SLOPE = 0.01
"""Slope of leaky ReLU on the negative side, torch's default."""


def layer_factor(activation: str, init: str, width: int,
                 gain: float = 1.0) -> float | None:
    """What one square layer multiplies the variance by, or None without a law.

    The factor is ``c · N · Var[w]``, with ``c = E[f(z)²] / Var[z]`` for a
    zero-mean symmetric ``z``: ½ for ReLU (half the inputs pass unchanged),
    ``(1 + a²)/2`` for leaky ReLU with slope ``a``. Sigmoid, tanh and GELU
    have no such scale-free constant, so they get None. Serves the section
    "Scale matters: the variance recursion" of book/gradient_flow.md.

    Examples
    --------
    >>> layer_factor("relu", "he_normal", 100)
    1.0
    >>> layer_factor("relu", "xavier_normal", 100)
    0.5
    >>> round(layer_factor("relu", "torch_default", 100), 4)
    0.1667
    """
    c = {"relu": 0.5,
         "leaky_relu": 0.5 * (1.0 + NEGATIVE_SLOPE**2)}.get(activation)
    if c is None:
        return None
    return c * width * weight_variance(init, width, width, gain=gain)


def he_variance(fan_in: Sequence[int], weight_var: Sequence[float],
                input_moment: float = 1.0, c: float = 0.5,
                bias_var: float = 0.0) -> np.ndarray:
    """``Var[z_l]`` for ``l = 1..L`` by the recursion of He et al. (2015).

    ``Var[z_1] = n_0 Var[w_1] E[x²] + Var[b]``, then
    ``Var[z_l] = c · n_{l-1} Var[w_l] · Var[z_{l-1}] + Var[b]``, with
    ``c = ½`` for ReLU. ``fan_in[l-1]`` is ``n_{l-1}``, the number of inputs
    of layer ``l``; ``bias_var`` is the variance of every bias (0 in He's
    setting). Serves the section "Scale matters: the variance recursion" of
    book/gradient_flow.md.

    Examples
    --------
    >>> he_variance([10, 10, 10], [0.1, 0.1, 0.1]).tolist()  # halves
    [1.0, 0.5, 0.25]
    """
    n = np.asarray(fan_in, dtype=np.float64)
    var_w = np.asarray(weight_var, dtype=np.float64)
    var_z = [n[0] * var_w[0] * input_moment + bias_var]
    for n_in, v in zip(n[1:], var_w[1:]):
        var_z.append(c * n_in * v * var_z[-1] + bias_var)
    return np.array(var_z)


def bias_fixed_point(width: int) -> float:
    """The variance where ``nn.Linear``'s default ReLU layers level off.

    Weights and biases both have variance ``1/(3N)``, so
    ``q = q/6 + 1/(3N)`` and ``q* = (1/(3N)) / (1 - 1/6) = 2/(5N)``.
    Serves the section "Scale matters: the variance recursion" of
    book/gradient_flow.md.

    Examples
    --------
    >>> round(bias_fixed_point(100), 6)  # 2 / (5 · 100)
    0.004
    """
    var_w = var_b = 1.0 / (3.0 * width)
    return var_b / (1.0 - 0.5 * width * var_w)


@cached(maxsize=256)
def signal_propagation(
    depth: int = 30,
    width: int = 128,
    activation: str = "relu",
    init: str = "he_normal",
    gain: float = 1.0,
    n_samples: int = 64,
    seed: int = 0,
    bias: float | str = 0.0,
) -> Mapping[str, Any]:
    """Forward and backward scale, layer by layer, of a freshly initialised deep MLP.

    The net has ``depth`` hidden layers of ``width`` units and a linear output of ``width`` units,
    weights from ``init`` times ``gain``, biases ``bias`` (a constant, or ``"torch_default"`` for
    ``nn.Linear``'s uniform bias). Forward: ``n_samples`` standard normal inputs. Backward: a
    standard normal gradient at the output (a random linear loss). Cached
    (:func:`relu_lib.cache.cached`): one computation per setting, however it is called. Serves
    the sections "Vanishing gradients", "Scale matters" and "Explore" of book/gradient_flow.md.

    Returns
    -------
    mapping with ``forward_std`` (std of the pre-activations ``z_l`` of hidden layer ``l = 1..depth``),
    ``backward_std`` (std of ``dL/dz_l``), ``forward_theory`` and ``backward_theory`` (the
    recursion's prediction, or None where :func:`layer_factor` has no law), ``input_share`` (the
    share of each layer's variance that changes from input to input: 1 without bias, near 0 once
    the biases dominate), ``factor`` and the arguments. All arrays are read-only.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, width))
    kwargs = {"negative_slope": NEGATIVE_SLOPE} if activation == "leaky_relu" else {}
    net = MLP([width] * (depth + 2), activation=activation, init=init, gain=gain, seed=seed,
              bias=bias, **kwargs)
    with np.errstate(all="ignore"):
        out, trace = net.forward(X, record=True)
        grads = net.backward(rng.standard_normal(out.shape))
        hidden = trace.pre_activations[:depth]
        forward = np.array([np.std(z) for z in hidden])
        backward = np.array([np.std(g) for g in grads.pre_activations[:depth]])
        share = np.array([np.mean(np.var(z, axis=0)) / np.var(z) for z in hidden])
    factor = layer_factor(activation, init, width, gain)
    fwd_theory = bwd_theory = None
    if factor is not None:
        var_w = weight_variance(init, width, width, gain=gain)
        var_b = 1.0 / (3.0 * width) if bias == "torch_default" else 0.0
        c = factor / (width * var_w)
        # E[x²] = 1 at the input, which is not rectified
        var_z = he_variance([width] * depth, [var_w] * depth, c=c, bias_var=var_b)
        fwd_theory = np.sqrt(var_z)
        # dL/dz_l passes through layers l+1..depth+1 (the output layer included) on its way down
        bwd_theory = np.sqrt(factor ** np.arange(depth, 0, -1, dtype=np.float64))
    return {
        "forward_std": forward, "backward_std": backward, "input_share": share,
        "forward_theory": fwd_theory, "backward_theory": bwd_theory, "factor": factor,
        "depth": depth, "width": width, "activation": activation, "init": init, "gain": gain,
        "bias": bias, "n_samples": n_samples,
    }


def seed_spread(depth: int = 30, width: int = 128, init: str = "he_normal", n_seeds: int = 20,
                activation: str = "relu") -> np.ndarray:
    """Std of the last hidden layer's pre-activations for ``n_seeds`` independently drawn nets.

    The recursion predicts the average over nets; this shows how far single nets stray from it,
    which grows with depth and shrinks with width. A 0 means the net is dead at these inputs.
    Serves the section "Enough width" of book/gradient_flow.md.

    Examples
    --------
    >>> seed_spread(depth=3, width=64, n_seeds=2).shape
    (2,)
    """
    return np.array([signal_propagation(depth, width, activation, init, 1.0, seed=s)["forward_std"][-1]
                     for s in range(n_seeds)])


def compare_inits(depth: int = 30, width: int = 128, activation: str = "relu",
                  inits: Sequence[str] = INITS) -> dict[str, dict[str, Any]]:
    """:func:`signal_propagation` for each initialiser, by name.

    Serves the section "Scale matters: the variance recursion" of book/gradient_flow.md.
    """
    return {init: signal_propagation(depth, width, activation, init) for init in inits}


def _positive(values) -> np.ndarray:
    """``values`` with exact zeros left out (NaN): a log scale has no place for them."""
    return np.where(np.asarray(values) > 0, values, np.nan)


def _log_line(ax, layers, values, **kwargs) -> None:
    """Plot ``values`` on a log axis, leaving out exact zeros."""
    ax.plot(layers, _positive(values), **kwargs)


def _log_axis(ax, *arrays, minor_ticks: bool = True) -> None:
    """Log y axis spanning the positive values of ``arrays`` and at least two decades, labels on
    major ticks only; ``minor_ticks=False`` leaves out the unlabelled ones (a sixth of the time
    to draw a figure, which a live explorable redraws on every change)."""
    from matplotlib.ticker import LogLocator, NullFormatter, NullLocator

    v = np.concatenate([np.ravel(a) for a in arrays if a is not None])
    v = v[np.isfinite(v) & (v > 0)]
    lo, hi = (v.min() / 2, v.max() * 2) if v.size else (0.1, 10.0)
    if hi / lo < 100:
        mid = np.sqrt(lo * hi)
        lo, hi = mid / 10, mid * 10
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
    ax.yaxis.set_minor_formatter(NullFormatter())
    if not minor_ticks:
        ax.yaxis.set_minor_locator(NullLocator())


def _finite(r: dict[str, Any]) -> bool:
    return bool(np.all(np.isfinite(r["forward_std"])) and np.all(np.isfinite(r["backward_std"])))


def _legend_note(r: Mapping[str, Any]) -> str:
    if r["factor"] is None:
        return "no scale-free law for this activation"
    return f"theory: ×{r['factor']:.3g} variance per layer"


def _zero_note(r: Mapping[str, Any], key: str) -> str:
    zero = int(np.sum(r[f"{key}_std"] == 0))
    return f"{zero} of {r['depth']} layers exactly zero (dead net)" if zero else ""


def plot_propagation(r: Mapping[str, Any], fig) -> dict[str, Any] | None:
    """Left: std of the pre-activations per layer. Right: std of their gradients. Log scale,
    the recursion dashed where it applies.

    Returns the artists that :func:`update_propagation` changes (None for a message). Serves the
    section "Explore: depth, width, activation, initialiser, gain" of book/gradient_flow.md."""
    from matplotlib.ticker import MaxNLocator

    from relu_lib.plotting import COLORS, color

    if not _finite(r):
        draw_message(fig, "The signal overflowed (values are not finite): it exploded with depth.")
        return None
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.12, wspace=0.38)
    layers = np.arange(1, r["depth"] + 1)
    c = color(r["activation"])
    h: dict[str, Any] = {}
    for ax, key, title in ((ax1, "forward", "Forward: activation scale"),
                           (ax2, "backward", "Backward: gradient scale")):
        h[f"{key}_std"] = ax.plot([], [], color=c, marker="o", ms=3, lw=1.5, label="measured")[0]
        if r["forward_theory"] is not None:
            h[f"{key}_theory"] = ax.plot(layers, r[f"{key}_theory"], color=COLORS["theory"], ls="--", lw=1,
                                         label="He et al. recursion")[0]
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(xlabel="hidden layer", title=title)
        h[f"{key}_zero"] = ax.text(0.03, 0.04, "", transform=ax.transAxes, fontsize=8,
                                   color=COLORS["highlight"])
    ax1.set_ylabel("std of $z_l$")
    ax2.set_ylabel(r"std of $\partial\mathcal{L}/\partial z_l$")
    h["legend"] = ax1.legend(fontsize=8, loc="best", title=_legend_note(r), title_fontsize=8)
    update_propagation(r, fig, h)
    return h


def update_propagation(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_propagation`'s figure brought up to date with ``r`` in place (for a live view);
    False where it cannot be (non-finite values, a theory line to add or remove)."""
    from relu_lib.plotting import color

    if not _finite(r) or (r["forward_theory"] is None) != ("forward_theory" not in h):
        return False
    layers = np.arange(1, r["depth"] + 1)
    for key in ("forward", "backward"):
        line = h[f"{key}_std"]
        line.set_data(layers, _positive(r[f"{key}_std"]))
        line.set_color(color(r["activation"]))
        if f"{key}_theory" in h:
            h[f"{key}_theory"].set_data(layers, r[f"{key}_theory"])
        h[f"{key}_zero"].set_text(_zero_note(r, key))
        ax = line.axes
        ax.relim()
        ax.autoscale_view(scaley=False)
        _log_axis(ax, r[f"{key}_std"], r[f"{key}_theory"], minor_ticks=False)
    h["legend"].get_lines()[0].set_color(color(r["activation"]))
    h["legend"].get_title().set_text(_legend_note(r))
    return True


def plot_compare_inits(runs: dict[str, dict[str, Any]], fig) -> None:
    """:func:`compare_inits` results: measured (solid) and theory (dashed) per initialiser.

    Serves the section "Scale matters: the variance recursion" of book/gradient_flow.md.
    """
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.12, wspace=0.38)
    for init, r in runs.items():
        layers = np.arange(1, r["depth"] + 1)
        c = INIT_COLORS.get(init, "#999999")
        for ax, key in ((ax1, "forward"), (ax2, "backward")):
            # Xavier and LeCun coincide for square layers: draw Xavier wide, underneath
            wide = init == "xavier_normal"
            _log_line(ax, layers, r[f"{key}_std"], color=c, lw=5 if wide else 2, label=init,
                      zorder=1 if wide else 2)
            if r[f"{key}_theory"] is not None:
                ax.plot(layers, r[f"{key}_theory"], color="#000000", ls="--", lw=0.8)
    for ax, key in ((ax1, "forward"), (ax2, "backward")):
        _log_axis(ax, *[r[f"{key}_std"] for r in runs.values()])
    ax1.set(xlabel="hidden layer", ylabel="std of $z_l$", title="Forward")
    ax2.set(xlabel="hidden layer", ylabel=r"std of $\partial\mathcal{L}/\partial z_l$",
            title="Backward (dashed: theory)")
    ax1.legend(fontsize=8, loc="lower left")


def propagation_explorable() -> Explorable:
    """Scale of activations and gradients through a deep net: depth, width, activation, initialiser, gain.

    Serves the section "Explore: depth, width, activation, initialiser, gain" of
    book/gradient_flow.md.
    """
    return Explorable(
        "Activations and gradients through depth",
        controls=[
            Slider("depth", "depth", 2, 50, 1, default=30, integer=True, twin_values=(2, 50)),
            Slider("width", "width", 4, 256, 4, default=128, integer=True, twin_values=(4, 256)),
            Choice("activation", "activation", COMPARED_ACTIVATIONS, default="relu"),
            Choice("init", "initialiser", INITS, default="he_normal"),
            Slider("gain", "gain", 0.5, 2.0, 0.05, default=1.0, twin_values=(0.5, 2.0)),
        ],
        compute=signal_propagation,
        plot=plot_propagation,
        update=update_propagation,
        interact=[("activation", "init")],
        caption="For ReLU only He initialisation keeps both curves flat; every other scale "
        "multiplies them by the same factor in every layer. Narrow layers wander from the line.",
    )


# ------------------------------------------------------------------ vanishing gradients


def vanishing(depth: int = 30, width: int = 128, seed: int = 0) -> dict[str, Any]:
    """Derivatives of sigmoid, tanh and ReLU, and the gradient scale through deep stacks of each.

    Each stack uses the initialiser designed for it: Xavier for sigmoid and tanh (Glorot & Bengio
    2010), He for ReLU.

    Returns
    -------
    dict with ``x``, ``derivative`` (name -> f'(x)), ``backward_std`` (name -> per-layer std of
    ``dL/dz_l``) and ``depth``. Serves the section "Vanishing gradients: a product of small
    factors" of book/gradient_flow.md.
    """
    x = np.linspace(-6, 6, 601)
    derivative = {"sigmoid": classic.sigmoid_grad(x), "tanh": classic.tanh_grad(x), "relu": relu_grad(x)}
    inits = {"sigmoid": "xavier_normal", "tanh": "xavier_normal", "relu": "he_normal"}
    backward = {a: signal_propagation(depth, width, a, init, 1.0, seed=seed)["backward_std"]
                for a, init in inits.items()}
    return {"x": x, "derivative": derivative, "backward_std": backward, "inits": inits, "depth": depth}


def plot_vanishing(r: dict[str, Any], fig) -> None:
    """Left: the three derivatives. Right: gradient std per layer of the three deep stacks.

    Serves the section "Vanishing gradients: a product of small factors" of book/gradient_flow.md.
    """
    from relu_lib.plotting import color

    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.1, wspace=0.38)
    for name, d in r["derivative"].items():
        ax1.plot(r["x"], d, color=color(name), label=name)
    ax1.set(xlabel="pre-activation $z$", ylabel="derivative $f'(z)$", ylim=(-0.05, 1.1),
            title="Derivatives")
    ax1.legend(fontsize=8, loc="upper left")
    layers = np.arange(1, r["depth"] + 1)
    for name, g in r["backward_std"].items():
        _log_line(ax2, layers, g, color=color(name), label=f"{name} ({r['inits'][name].split('_')[0]})")
    _log_axis(ax2, *r["backward_std"].values())
    ax2.set(xlabel="hidden layer (output on the right)",
            ylabel=r"std of $\partial\mathcal{L}/\partial z_l$", title=f"Gradient through {r['depth']} layers")
    ax2.legend(fontsize=8, loc="lower right")


# ------------------------------------------------------------------ dynamical isometry


def orthogonal(width: int, rng: np.random.Generator,
               gain: float = 1.0) -> np.ndarray:
    """A random orthogonal ``width × width`` matrix times ``gain`` (Haar).

    ``relu_lib.init`` has no orthogonal initialiser, so this chapter draws
    its own: the Q of a QR decomposition of a Gaussian matrix, with the
    signs fixed so that the distribution is uniform (Mezzadri 2007). Serves
    the section "Saturating activations are not lost" of
    book/gradient_flow.md.

    Examples
    --------
    >>> Q = orthogonal(4, np.random.default_rng(0))
    >>> bool(np.allclose(Q @ Q.T, np.eye(4)))
    True
    """
    q, r = np.linalg.qr(rng.standard_normal((width, width)))
    return gain * q * np.sign(np.diag(r))


def _derivative(activation: str, z: np.ndarray) -> np.ndarray:
    """``f'(z)`` for tanh or ReLU (the two activations of the isometry cell)."""
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    return relu_grad(z)


def input_output_jacobian(weights: Sequence[np.ndarray], x: np.ndarray,
                          activation: str = "tanh") -> np.ndarray:
    """The Jacobian ``∂h_L/∂x = D_L W_L ⋯ D_1 W_1`` at one input ``x``.

    ``D_l`` is the diagonal of ``f'(z_l)``; the matrices act as ``h @ W``,
    so the product is built left to right. Serves the section "Saturating
    activations are not lost" of book/gradient_flow.md.
    """
    f = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0))
    jacobian, h = np.eye(len(x)), x
    for W in weights:
        z = h @ W
        jacobian = (jacobian @ W) * _derivative(activation, z)
        h = f(z)
    return jacobian


@cached(maxsize=16)
def jacobian_spectrum(activation: str = "tanh", weights: str = "orthogonal",
                      depth: int = 30, width: int = 128, gain: float = 1.0,
                      input_std: float = 0.1, seed: int = 0) -> np.ndarray:
    """Singular values of the input-output Jacobian of a deep net at init.

    ``weights`` is ``"orthogonal"`` (:func:`orthogonal`) or ``"gaussian"``
    (variance ``gain²/N``); zero biases; one input with standard deviation
    ``input_std``. Dynamical isometry means all singular values near 1
    (Saxe et al. 2014; Pennington et al. 2017). Serves the section
    "Saturating activations are not lost" of book/gradient_flow.md.

    Examples
    --------
    >>> jacobian_spectrum(depth=3, width=8).shape
    (8,)
    """
    rng = np.random.default_rng(seed)
    if weights == "orthogonal":
        Ws = [orthogonal(width, rng, gain) for _ in range(depth)]
    elif weights == "gaussian":
        Ws = [rng.standard_normal((width, width)) * gain / np.sqrt(width)
              for _ in range(depth)]
    else:
        raise ValueError(f"weights must be orthogonal or gaussian: {weights!r}")
    x = input_std * rng.standard_normal(width)
    J = input_output_jacobian(Ws, x, activation)
    return np.linalg.svd(J, compute_uv=False)


# ------------------------------------------------------------------ Adam near ε


def adam_first_step(g: np.ndarray, lr: float = 1e-3,
                    eps: float = 1e-8) -> np.ndarray:
    """Adam's first update of a weight with gradient ``g``: ``η·g/(|g|+ε)``.

    After one step the bias-corrected moments are ``m = g`` and
    ``v = g²``. Far above ``ε`` the step is ``η`` whatever ``|g|``; far
    below, it is ``η·g/ε``, plain SGD with learning rate ``η/ε``. Serves
    the section "Adam and the size of the gradient" of book/gradient_flow.md.

    Examples
    --------
    >>> adam_first_step(np.array([1.0, 1e-8, 1e-12])).round(7).tolist()
    [0.001, 0.0005, 1e-07]
    """
    return lr * g / (np.abs(g) + eps)


@cached(maxsize=8)
def weight_gradients(init: str = "xavier_normal", depth: int = 30,
                     width: int = 96, batch_size: int = 64,
                     seed: int = 0) -> tuple[np.ndarray, ...]:
    """``|∂L/∂W_l|`` of every layer (hidden layers, then the output) at init.

    The net of :func:`deep_training_run` on its first minibatch of digits,
    with the real cross-entropy loss. Serves the section "Adam and the size
    of the gradient" of book/gradient_flow.md.
    """
    data = digits(seed=seed)
    net = MLP([data.X_train.shape[1]] + [width] * depth + [10],
              init=init, seed=seed)
    batch = minibatches(len(data.X_train), batch_size,
                        np.random.default_rng(seed))[0]
    with np.errstate(all="ignore"):
        out = net.forward(data.X_train[batch])
        _, dout = softmax_cross_entropy(out, data.y_train[batch])
        grads = net.backward(dout)
    return tuple(np.abs(g).ravel() for g in grads.W)


# ------------------------------------------------------------------ normalisation, shortcuts

#: The variants of the 30-layer net measured in "What made depth trainable".
ARCHITECTURES = {
    "plain": {},
    "batch norm": {"norm": "batch"},
    "residual": {"residual": True},
    "batch norm + residual": {"norm": "batch", "residual": True},
}


def _torch_net(architecture: str, init: str, depth: int, width: int,
               seed: int):
    """The 30-layer digits net of :func:`deep_training_run` in torch."""
    import torch

    from relu_lib import torch_nets

    sizes = [64] + [width] * depth + [10]
    return torch_nets.mlp(sizes, init=init, seed=seed, dtype=torch.float32,
                          residual_scale=1 / np.sqrt(depth),
                          **ARCHITECTURES[architecture])


@cached(maxsize=16)
def architecture_gradients(architecture: str = "plain",
                           init: str = "xavier_normal", depth: int = 30,
                           width: int = 96, n_samples: int = 256,
                           seed: int = 0) -> np.ndarray:
    """Std of ``∂L/∂z_l`` per hidden layer at init, for one architecture.

    ``z_l`` is the output of hidden layer ``l``'s ``Linear`` (before any
    normalisation); the loss is the cross-entropy on ``n_samples`` training
    digits, the net in training mode (batch statistics). Residual branches
    are scaled by ``1/sqrt(depth)`` (Hanin & Rolnick 2018). Serves the
    section "What made depth trainable" of book/gradient_flow.md.
    """
    import torch

    data = digits(seed=seed)
    net = _torch_net(architecture, init, depth, width, seed)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    zs: list = []

    def keep(_module, _inputs, z):
        z.retain_grad()
        zs.append(z)

    hooks = [m.register_forward_hook(keep) for m in linears[:-1]]
    X = torch.as_tensor(data.X_train[:n_samples], dtype=torch.float32)
    y = torch.as_tensor(data.y_train[:n_samples])
    torch.nn.functional.cross_entropy(net(X), y).backward()
    for h in hooks:
        h.remove()
    return np.array([z.grad.std().item() for z in zs])


@cached(maxsize=16)
def architecture_training_run(architecture: str = "plain",
                              init: str = "xavier_normal", depth: int = 30,
                              width: int = 96, lr: float = 0.003,
                              momentum: float = 0.9, epochs: int = 10,
                              seed: int = 0) -> Mapping[str, Any]:
    """Train one architecture of :data:`ARCHITECTURES` on digits (torch, SGD).

    The settings of :func:`deep_training_run`: batches of 64, SGD with
    momentum, one seed. Returns ``loss`` (training cross-entropy per epoch)
    and ``accuracy`` (test accuracy after each epoch, epoch 0 first, in
    evaluation mode). Serves the section "What made depth trainable" of
    book/gradient_flow.md.
    """
    import torch

    from relu_lib import torch_nets

    torch.manual_seed(seed)
    data = digits(seed=seed)
    net = _torch_net(architecture, init, depth, width, seed)
    X_test = torch.as_tensor(data.X_test, dtype=torch.float32)

    def test_accuracy(_epoch: int, model) -> float:
        model.eval()
        with torch.no_grad():
            predicted = model(X_test).argmax(dim=1).numpy()
        model.train()
        return float(np.mean(predicted == data.y_test))

    first = test_accuracy(0, net)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    with torch_nets.torch_threads(1):
        history = torch_nets.train(net, data.X_train, data.y_train,
                                   "cross_entropy", opt, epochs=epochs,
                                   batch_size=64, seed=seed,
                                   callback=test_accuracy)
    return {"loss": np.array(history.loss),
            "accuracy": np.array([first, *history.metrics]),
            "diverged": history.diverged, "architecture": architecture,
            "init": init, "lr": lr, "epochs": epochs}


def plot_architectures(gradients: Mapping[str, np.ndarray],
                       runs: Mapping[str, Mapping[str, Any]], fig) -> None:
    """Left: gradient std per layer at init. Right: test accuracy per epoch."""
    from matplotlib.ticker import MaxNLocator

    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.12, wspace=0.38)
    for name, g in gradients.items():
        c = ARCHITECTURE_COLORS[name]
        _log_line(ax1, np.arange(1, len(g) + 1), g, color=c, label=name)
        acc = runs[name]["accuracy"]
        ax2.plot(np.arange(len(acc)), acc, color=c, marker="o", ms=3,
                 label=name)
    _log_axis(ax1, *gradients.values())
    ax1.set(xlabel="hidden layer", ylabel=r"std of $\partial\mathcal{L}/\partial z_l$",
            title="Gradient at initialisation")
    ax2.axhline(0.1, color="#999999", ls=":", lw=1)
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1),
            title="Training (SGD, Xavier init)")
    ax2.legend(fontsize=8, loc="upper left")


ARCHITECTURE_COLORS = {"plain": "#E69F00", "batch norm": "#0072B2",
                       "residual": "#009E73",
                       "batch norm + residual": "#CC79A7"}


# ------------------------------------------------------------------ training 30 layers


@cached(maxsize=16)
def deep_training_run(
    init: str = "he_normal",
    depth: int = 30,
    width: int = 96,
    lr: float = 0.003,
    momentum: float = 0.9,
    epochs: int = 25,
    seed: int = 0,
    optimiser: str = "sgd",
) -> Mapping[str, Any]:
    """Train a ``depth``-hidden-layer ReLU MLP on digits with SGD (momentum) or Adam; cached.

    ``optimiser="adam"`` uses :class:`relu_lib.nets.Adam` with ``lr`` (``momentum`` is ignored).

    Returns
    -------
    mapping (read-only) with ``loss`` (mean training cross-entropy per epoch), ``accuracy`` (test
    accuracy after each epoch, epoch 0 before training), ``ratios`` (``(steps, layers)``
    update-to-data ratios of the weight matrices), ``steps_per_epoch``, ``diverged`` and the arguments.
    Serves the section "A reproduced result: thirty layers, Xavier versus He" of
    book/gradient_flow.md.
    """
    data = digits(seed=seed)
    net = MLP([data.X_train.shape[1]] + [width] * depth + [10], init=init, seed=seed)
    if optimiser not in ("sgd", "adam"):
        raise ValueError(f"optimiser must be 'sgd' or 'adam', got {optimiser!r}")
    opt = UpdateRatio(make_optimiser(optimiser, lr, momentum))

    def test_accuracy(_epoch: int, net: MLP) -> float:
        with np.errstate(all="ignore"):
            return accuracy(net.forward(data.X_test), data.y_test)

    first = test_accuracy(0, net)
    history = train(net, data.X_train, data.y_train, "cross_entropy", opt, epochs=epochs,
                    batch_size=64, seed=seed, callback=test_accuracy)
    return {
        "loss": np.array(history.loss), "accuracy": np.array([first, *history.metrics]),
        "ratios": opt.ratios(), "steps_per_epoch": int(np.ceil(len(data.X_train) / 64)),
        "diverged": history.diverged, "init": init, "depth": depth, "width": width,
        "lr": lr, "momentum": momentum, "epochs": epochs, "optimiser": optimiser,
    }


def plot_deep_training(runs: dict[str, dict[str, Any]], fig) -> None:
    """Left: training loss per epoch, ``log 10`` (chance) marked. Right: update-to-data ratios.

    Serves the section "A reproduced result: thirty layers, Xavier versus He" of
    book/gradient_flow.md.
    """
    ax1, ax2 = panels(fig, 2)
    for init, r in runs.items():
        c = INIT_COLORS.get(init, "#999999")
        ax1.plot(np.arange(1, len(r["loss"]) + 1), r["loss"], color=c, label=init)
        plot_update_ratios(r["ratios"], ax2, label=init, color=c, steps_per_epoch=r["steps_per_epoch"])
    ax1.axhline(np.log(10), color="#999999", ls=":", lw=1)
    ax1.text(1, np.log(10) + 0.05, "chance: log 10", fontsize=8, color="#777777", va="bottom")
    any_run = next(iter(runs.values()))
    ax1.set(xlabel="epoch", ylabel="training loss", ylim=(0, 2.8),
            title=f"{any_run['depth']} ReLU layers on digits")
    ax1.legend(fontsize=8, loc="lower left")
    ax2.set_title("Update / weight (band: all layers)")


#: This chapter's explorables, found by :func:`relu_lib.chapters.book_explorables`.
EXPLORABLES = {"propagation": propagation_explorable}
