"""The chapter *ReLU in real networks* (``book/in_practice.md``): CNNs, ResNets, transformers.

Every run here is a small torch model trained on the device of
:func:`relu_lib.torch_path.default_device` (a GPU where there is one), one CPU thread, seeded:

* :func:`cnn_run`: :func:`relu_lib.torch_models.small_cnn` on the bundled 8x8 digits, watched by
  :class:`relu_lib.torch_monitor.Monitor`: zeros per channel, dead filters, feature maps, the
  exact zeros of low precision; one order of convolution, batch norm and ReLU per run.
* :func:`residual_gradients` and :func:`residual_run`: a deep plain stack against post- and
  pre-activation residual blocks (:func:`relu_lib.torch_models.residual_mlp`).
* :func:`transformer_run`: :class:`relu_lib.torch_models.TinyTransformer` learns to sort
  sequences made by :func:`sorting_batch`, with a ReLU, GELU or SwiGLU feed-forward block;
  :func:`skip_zero_rows` and :func:`ffn_multiply_adds` count what the zeros save at inference.
* :func:`softmax_run` and :func:`regression_run`: what an activation on the output does.

Torch is imported inside the functions, so ``import relu_lib.chapters.in_practice`` works
without it.

Examples
--------
>>> x, y = sorting_batch(np.random.default_rng(0), 2)
>>> bool(np.all(np.diff(y, axis=1) >= 0)), x.shape
(True, (2, 8))
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from relu_lib.cache import cached
from relu_lib.data import curve_1d, digits
from relu_lib.explore import Choice, Explorable
from relu_lib.plotting import COLORS, panels

__all__ = [
    "SEEDS", "CNN_ORDERS", "CNN_LRS", "CNN_EPOCHS", "SHOWN", "digit_images", "cnn_run",
    "cnn_summary",
    "plot_feature_maps", "update_feature_maps", "feature_map_explorable", "plot_channel_zeros",
    "plot_monitor", "RES_KINDS", "RES_BLOCKS", "RES_WIDTH", "RES_EPOCHS", "RES_LR", "RES_MOMENTUM",
    "residual_gradients", "residual_run", "plot_residual", "SORT_VOCAB", "SORT_LENGTH",
    "TF_STEPS", "TF_KINDS", "sorting_batch", "transformer_run", "ffn_multiply_adds",
    "skip_zero_rows", "plot_transformer", "softmax_run", "regression_run", "plot_regression",
    "nonnegative_logit_bound", "EXPLORABLES",
]

SEEDS = (0, 1, 2)
TF_KINDS = ("relu", "gelu", "swiglu")
_KIND_COLORS = {"relu": COLORS["relu"], "gelu": COLORS["gelu"], "swiglu": COLORS["silu"]}
_STYLES = ("-", "--", ":")


def _torch():
    """torch, its functional API, and the library's torch modules (imported on first use)."""
    import torch
    import torch.nn.functional as F

    return torch, F


def _device():
    from relu_lib.torch_path import default_device

    return default_device()


def _fit(net, X, y, opt, epochs: int, batch_size: int, seed: int, after_epoch=None) -> np.ndarray:
    """Minibatch training with cross-entropy on minibatches of equal size
    (`relu_lib.torch_nets.train`); the mean training loss of each epoch."""
    from relu_lib.torch_nets import train

    callback = None if after_epoch is None else (lambda epoch, model: after_epoch(epoch))
    history = train(net, X, y, "cross_entropy", opt, epochs=epochs, batch_size=batch_size,
                    seed=seed, callback=callback, equal_batches=True)
    return np.array(history.loss)


def _accuracy(net, X, y) -> float:
    torch, _ = _torch()
    net.eval()
    with torch.no_grad():
        return (net(X).argmax(-1) == y).float().mean().item()


# --------------------------------------------------------------------------- CNN on digits

CNN_ORDERS = ("conv-relu", "conv-bn-relu", "conv-relu-bn")
CNN_LRS = (0.003, 0.03)
CNN_EPOCHS, CNN_BATCH = 8, 64
SHOWN = (0, 2, 3, 5, 7)
"""The digits whose feature maps the chapter shows (the first test image of each)."""


@cached(maxsize=2)
def digit_images(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits as ``(n, 1, 8, 8)`` float32 images in ``[0, 1]``: train and test, with labels.

    Serves 'Convolutional networks'. Raw intensities divided by 16, so the background is an
    exact 0; the split of :func:`relu_lib.data.digits`.

    Examples
    --------
    >>> Xtr, ytr, Xte, yte = digit_images()
    >>> Xtr.shape, float(Xtr.max()), len(yte)
    ((1347, 1, 8, 8), 1.0, 450)
    """
    d = digits(seed=seed, standardise=False)
    image = lambda X: (X / 16).astype(np.float32).reshape(-1, 1, 8, 8)  # noqa: E731
    return image(d.X_train), d.y_train, image(d.X_test), d.y_test


def _relu_outputs(net, X) -> list:
    """The output of every ReLU of ``net`` on ``X`` (eval mode, no gradients), on the device."""
    torch, _ = _torch()
    outs = []
    hooks = [m.register_forward_hook(lambda m, a, o: outs.append(o))
             for m in net.modules() if isinstance(m, torch.nn.ReLU)]
    net.eval()
    with torch.no_grad():
        net(X)
    for h in hooks:
        h.remove()
    return outs


def _precision_zeros(net, X) -> dict[str, np.ndarray]:
    """Exact zeros among the inputs of each ReLU (pre-activations), per precision of autocast."""
    torch, _ = _torch()
    counts = {}
    if X.device.type not in ("cpu", "cuda"):    # autocast elsewhere may lack these dtypes
        net, X = copy.deepcopy(net).cpu(), X.cpu()
    device = X.device.type
    for name, dtype in [("float32", None), ("bfloat16", torch.bfloat16),
                        ("float16", torch.float16)]:
        context = (torch.autocast(device, dtype=dtype) if dtype is not None
                   else torch.autocast(device, enabled=False))
        net.eval()
        zeros = []
        hooks = [m.register_forward_hook(
            lambda m, a, o: zeros.append(int((a[0] == 0).sum().item())))
            for m in net.modules() if isinstance(m, torch.nn.ReLU)]
        with torch.no_grad(), context:
            net(X)
        for h in hooks:
            h.remove()
        counts[name] = np.array(zeros)
    return counts


@cached(maxsize=32)
def cnn_run(order: str = "conv-relu", lr: float = 0.003, seed: int = 0,
            epochs: int = CNN_EPOCHS) -> Mapping[str, Any]:
    """Train :func:`relu_lib.torch_models.small_cnn` on the digits with Adam; watch it train.

    Serves 'Convolutional networks' and 'Watching a real network' of book/in_practice.md.
    A :class:`relu_lib.torch_monitor.Monitor` records every step and, for every epoch, which
    channels were zero on every training image that epoch showed them.

    Returns
    -------
    mapping with ``accuracy`` (test), ``loss`` (training loss per epoch), ``zero_channel``
    (per ReLU layer, each channel's fraction of exact zeros over the test set), ``dead_channel``
    (per layer, the channels zero on every training image and position), ``next_zero`` (per
    layer, the zero fraction of what the next layer receives), ``zero_steps`` and ``grad_steps``
    (the Monitor's records, steps x layers), ``grad_names``, ``dead_epochs`` (epochs 0..epochs x
    layers: dead fraction on the training set before training, then during each epoch),
    ``maps`` (per layer, the ReLU outputs of the :data:`SHOWN` digits), ``shown``
    (their images), ``zeros_by_precision`` (exact zero pre-activations of each ReLU layer on the
    training set, in float32, bfloat16 and float16 autocast) and ``n_preacts`` (their numbers).
    """
    torch, _ = _torch()
    from relu_lib.torch_models import small_cnn
    from relu_lib.torch_monitor import Monitor
    from relu_lib.torch_nets import torch_threads

    device = _device()
    arrays = digit_images()
    Xtr, ytr, Xte, yte = (torch.as_tensor(np.array(a)).to(device) for a in arrays)
    with torch_threads(1):
        net = small_cnn(order=order, seed=seed).to(device)
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        with Monitor(net) as monitor:
            dead = [monitor.dead_on(Xtr)]
            monitor.reset_units()

            def epoch_end(epoch: int) -> None:  # dead on every batch the epoch saw
                dead.append(monitor.dead_fraction())
                monitor.reset_units()

            loss = _fit(net, Xtr, ytr, opt, epochs, CNN_BATCH, seed, after_epoch=epoch_end)
        acc = _accuracy(net, Xte, yte)
        test_maps = _relu_outputs(net, Xte)
        train_maps = _relu_outputs(net, Xtr)
        # what the next layer receives (after BN where BN follows the ReLU, and pooling)
        nxt = [m for m in net if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))][1:]
        inputs = []
        hooks = [m.register_forward_hook(lambda m, a, o: inputs.append(a[0])) for m in nxt]
        with torch.no_grad():
            net(Xte)
        for h in hooks:
            h.remove()
        first = [int(np.flatnonzero(arrays[3] == d)[0]) for d in SHOWN]
        shown = _relu_outputs(net, Xte[first])
        precision = _precision_zeros(net, Xtr)
    return {
        "order": order, "lr": lr, "seed": seed, "accuracy": acc, "loss": loss,
        "zero_channel": [(m == 0).float().mean(dim=(0, 2, 3)).cpu().numpy() for m in test_maps],
        "dead_channel": [(m == 0).all(dim=0).all(dim=-1).all(dim=-1).cpu().numpy()
                         for m in train_maps],
        "next_zero": np.array([(a == 0).float().mean().item() for a in inputs]),
        "zero_steps": np.array(monitor.zero_fraction), "grad_steps": monitor.grad_norms(),
        "grad_names": list(monitor.grad_names), "dead_epochs": np.array(dead),
        "maps": [m.cpu().numpy() for m in shown], "shown": arrays[2][first, 0],
        "zeros_by_precision": precision,
        "n_preacts": np.array([m.numel() for m in train_maps]),
    }


def cnn_summary(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Seeds of one :func:`cnn_run` setting in a few numbers, for the chapter's table.

    Serves 'Convolutional networks'. Returns ``accuracy`` and ``half`` (mean test accuracy and
    the half-width of its interval, :func:`relu_lib.stats.mean_interval`), ``zeros`` and
    ``next_zeros`` (per ReLU layer, mean over seeds), ``dead`` (per layer, dead filters summed
    over seeds) and ``filters`` (per layer, filters summed over seeds).
    """
    from relu_lib.stats import mean_interval

    acc, half = mean_interval([r["accuracy"] for r in runs])
    return {"accuracy": acc, "half": half,
            "zeros": np.mean([[c.mean() for c in r["zero_channel"]] for r in runs], axis=0),
            "next_zeros": np.mean([r["next_zero"] for r in runs], axis=0),
            "dead": np.sum([[d.sum() for d in r["dead_channel"]] for r in runs], axis=0),
            "filters": np.sum([[d.size for d in r["dead_channel"]] for r in runs], axis=0)}


def _mosaic(maps: np.ndarray, columns: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Tile ``(C, H, W)`` maps into one image with one-pixel gaps (NaN); each tile's corner."""
    c, h, w = maps.shape
    rows = -(-c // columns)
    image = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    corners = []
    for k in range(c):
        r, q = divmod(k, columns)
        image[r * (h + 1):r * (h + 1) + h, q * (w + 1):q * (w + 1) + w] = maps[k]
        corners.append((q * (w + 1) - 0.5, r * (h + 1) - 0.5))
    return image, corners


def _maps_data(order: str = "conv-relu", digit: int = 3, layer: int = 1) -> dict[str, Any]:
    """The explorable's compute: one digit's feature maps after one ReLU layer."""
    run = cnn_run(order=order)
    k = SHOWN.index(digit)
    maps = run["maps"][layer - 1][k]
    return {"image": run["shown"][k], "maps": maps, "layer": layer, "order": order,
            "digit": digit, "zero": (maps == 0).mean(axis=(1, 2))}


_MAX_CHANNELS = 16


def plot_feature_maps(data: Mapping[str, Any], fig) -> dict[str, Any]:
    """The input digit and its feature maps after one ReLU layer, exact zeros in white.

    Serves 'Convolutional networks'. Returns the artists :func:`update_feature_maps` changes.
    """
    ax0, ax1 = panels(fig, 2, widths=[1, 3.2])
    fig.subplots_adjust(left=0.02, right=0.99, bottom=0.03, top=0.9, wspace=0.06)
    h = {"input": ax0.imshow(data["image"], cmap="Greys", vmin=0, vmax=1)}
    ax0.set_title("input")
    image, corners = _mosaic(data["maps"], _columns(data["maps"]))
    cmap = _zero_white()
    h["maps"] = ax1.imshow(image, cmap=cmap, vmin=0, interpolation="nearest")
    h["labels"] = [ax1.text(0, 0, "", fontsize=8, color="black", va="top", ha="left",
                            bbox={"facecolor": "white", "alpha": 0.7, "pad": 0.5, "lw": 0})
                   for _ in range(_MAX_CHANNELS)]
    h["title"] = ax1.title
    for ax in (ax0, ax1):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    h["ax"] = ax1
    update_feature_maps(data, fig, h)
    return h


def _columns(maps: np.ndarray) -> int:
    """Tiles per row of a mosaic: two rows of maps."""
    return -(-len(maps) // 2)


def _zero_white():
    """Blues from a visible light blue up, with exact zeros (below the range) in white."""
    import matplotlib as mpl
    from matplotlib.colors import ListedColormap

    colours = mpl.colormaps["Blues"](np.linspace(0.3, 1.0, 256))
    return ListedColormap(colours).with_extremes(under="white", bad="#bbbbbb")


def update_feature_maps(data: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_feature_maps` brought up to date in place."""
    image, corners = _mosaic(data["maps"], _columns(data["maps"]))
    shown = np.where(image == 0, -1.0, image)       # exact zeros drawn white (under the range)
    h["input"].set_data(data["image"])
    h["maps"].set_data(shown)
    h["maps"].set_extent((-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5))
    top = float(np.nanmax(image)) if np.nanmax(image) > 0 else 1.0
    h["maps"].set_clim(1e-9, top)
    for k, text in enumerate(h["labels"]):
        if k < len(corners):
            text.set_position((corners[k][0] + 0.1, corners[k][1] + 0.1))
            text.set_text(f"{data['zero'][k]:.0%}")
            text.set_visible(True)
        else:
            text.set_visible(False)
    zero = float(np.mean(data["maps"] == 0))
    h["title"].set_text(f"layer {data['layer']} ({data['order']}): "
                        f"{zero:.0%} exact zeros")
    return True


def feature_map_explorable() -> Explorable:
    """Feature maps of the trained CNN for a chosen order, digit and layer.

    Serves 'Convolutional networks'. Every setting reads one cached training run.
    """
    return Explorable(
        "Feature maps after each ReLU",
        controls=[Choice("order", "layer order", CNN_ORDERS, default="conv-relu"),
                  Choice("digit", "input digit", SHOWN, default=3),
                  Choice("layer", "ReLU layer", (1, 2), default=1)],
        compute=_maps_data, plot=plot_feature_maps, update=update_feature_maps,
        interact=[("order", "layer")],
        caption="White squares are exact zeros; each map's label is its fraction of zeros.",
        figsize=(7.0, 3.0))


def plot_channel_zeros(runs: Mapping[tuple[str, float], Sequence[Mapping[str, Any]]],
                       fig) -> None:
    """Every channel's fraction of exact zeros, per order and learning rate; dead ones marked.

    Serves 'Convolutional networks'. ``runs[(order, lr)]`` is a list of :func:`cnn_run`
    results (seeds); each dot is one channel of one seed, jittered sideways.
    """
    axes = panels(fig, 2)
    fig.subplots_adjust(left=0.09, bottom=0.1, top=0.8, wspace=0.08)
    rng = np.random.default_rng(0)
    lrs = sorted({lr for _, lr in runs})
    for layer, ax in enumerate(axes):
        for (order, lr), rs in runs.items():
            zeros = np.concatenate([r["zero_channel"][layer] for r in rs])
            dead = np.concatenate([r["dead_channel"][layer] for r in rs])
            j = lrs.index(lr)
            x = CNN_ORDERS.index(order) + 0.36 * (j - 0.5) + rng.uniform(-0.1, 0.1, zeros.size)
            ax.scatter(x[~dead], zeros[~dead], s=9, color=COLORS["relu"],
                       marker="o^"[j], alpha=0.6, label=f"η = {lr:g}")
            ax.scatter(x[dead], zeros[dead], s=16, color=COLORS["highlight"], marker="x",
                       label="dead")
        ax.set_xticks(range(len(CNN_ORDERS)), CNN_ORDERS, fontsize=9)
        ax.set(ylim=(-0.03, 1.05), title=f"ReLU layer {layer + 1}")
    axes[0].set_ylabel("fraction of exact zeros (test)")
    axes[1].set_yticklabels([])
    handles, labels = axes[1].get_legend_handles_labels()
    keep = {label: h for h, label in zip(handles, labels)}
    fig.legend(keep.values(), keep.keys(), fontsize=9, loc="upper center", ncol=3,
               bbox_to_anchor=(0.5, 1.0))


# --------------------------------------------------------------------------- monitor figure

def plot_monitor(run: Mapping[str, Any], fig) -> None:
    """The three plots a practitioner keeps open: zeros, dead units and gradient norms.

    Serves 'Watching a real network'. ``run`` is a :func:`cnn_run` result.
    """
    ax1, ax2, ax3 = panels(fig, 3)
    fig.subplots_adjust(left=0.08, right=0.99, wspace=0.45)
    steps = np.arange(1, len(run["zero_steps"]) + 1)
    per_epoch = len(steps) / (len(run["dead_epochs"]) - 1)
    for l in range(run["zero_steps"].shape[1]):
        ax1.plot(steps / per_epoch, run["zero_steps"][:, l], _STYLES[l], color=COLORS["relu"],
                 lw=1.2, label=f"ReLU {l + 1}")
        ax2.plot(run["dead_epochs"][:, l], _STYLES[l], marker="o", ms=3, color=COLORS["relu"],
                 label=f"ReLU {l + 1}")
    ax1.set(xlabel="epoch", ylabel="fraction of exact zeros", ylim=(0, 1),
            title="zeros, per step")
    ax2.set(xlabel="epoch", ylabel="fraction of channels", ylim=(-0.03, 1.03),
            title="dead during the epoch")
    ax1.legend(fontsize=8)
    names = ["conv 1", "conv 2", "linear"]
    for g in range(run["grad_steps"].shape[1]):
        ax3.semilogy(steps / per_epoch, run["grad_steps"][:, g], _STYLES[g % 3],
                     color=("#777777", COLORS["relu"], "#222222")[g % 3], lw=1,
                     label=names[g] if g < 3 else str(g))
    ax3.set(xlabel="epoch", ylabel=r"$\|\partial\mathcal{L}/\partial\mathbf{z}_l\|$",
            title="gradient norms")
    ax3.legend(fontsize=8)


# --------------------------------------------------------------------------- residual blocks

RES_KINDS = ("plain", "post", "pre")
RES_BLOCKS, RES_WIDTH, RES_EPOCHS, RES_LR, RES_BATCH = 16, 32, 6, 0.05, 64
RES_MOMENTUM = 0.9


def _standard_digits(device):
    torch, _ = _torch()
    d = digits()
    return [torch.as_tensor(np.array(a, dtype=np.float32 if a.dtype.kind == "f" else None))
            .to(device) for a in (d.X_train, d.y_train, d.X_test, d.y_test)]


@cached(maxsize=16)
def residual_gradients(kind: str = "pre", n_blocks: int = RES_BLOCKS, seed: int = 0,
                       n_samples: int = 256) -> np.ndarray:
    """``‖∂L/∂x_l‖`` at the output of each block at initialisation (block 1 first).

    Serves 'Residual blocks'. The loss is the cross-entropy on ``n_samples`` standardised
    training digits, the net in training mode (batch statistics), recorded by a
    :class:`relu_lib.torch_monitor.Monitor` watching the blocks.
    """
    torch, F = _torch()
    from relu_lib.torch_models import BLOCKS, residual_mlp
    from relu_lib.torch_monitor import Monitor
    from relu_lib.torch_nets import torch_threads

    Xtr, ytr, _, _ = _standard_digits(_device())
    with torch_threads(1):
        net = residual_mlp(kind, n_blocks=n_blocks, width=RES_WIDTH, seed=seed).to(Xtr.device)
        with Monitor(net, gradients=(BLOCKS[kind],)) as monitor:
            F.cross_entropy(net(Xtr[:n_samples]), ytr[:n_samples]).backward()
    return monitor.grad_norms()[0]


@cached(maxsize=32)
def residual_run(kind: str = "pre", seed: int = 0, n_blocks: int = RES_BLOCKS,
                 epochs: int = RES_EPOCHS, lr: float = RES_LR) -> Mapping[str, Any]:
    """Train :func:`relu_lib.torch_models.residual_mlp` on the digits: SGD with momentum.

    Serves 'Residual blocks'. Returns ``loss`` (training loss per epoch) and ``accuracy``
    (test).
    """
    torch, _ = _torch()
    from relu_lib.torch_models import residual_mlp
    from relu_lib.torch_nets import torch_threads

    Xtr, ytr, Xte, yte = _standard_digits(_device())
    with torch_threads(1):
        net = residual_mlp(kind, n_blocks=n_blocks, width=RES_WIDTH, seed=seed).to(Xtr.device)
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=RES_MOMENTUM)
        loss = _fit(net, Xtr, ytr, opt, epochs, RES_BATCH, seed)
        return {"kind": kind, "loss": loss, "accuracy": _accuracy(net, Xte, yte)}


def plot_residual(grads: Mapping[str, np.ndarray],
                  runs: Mapping[str, Sequence[Mapping[str, Any]]], fig) -> None:
    """Left: gradient norm per block at initialisation. Right: training loss per epoch.

    Serves 'Residual blocks'. Lines are means over seeds, the band their range.
    """
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.1, wspace=0.3)
    labels = {"plain": "plain (no shortcut)", "post": "post-activation",
              "pre": "pre-activation"}
    for i, kind in enumerate(grads):
        g = grads[kind]
        ax1.semilogy(np.arange(1, len(g) + 1), g, _STYLES[i], marker="o^s"[i], ms=3,
                     color=COLORS["relu"], label=labels[kind])
        loss = np.array([r["loss"] for r in runs[kind]])
        epochs = np.arange(1, loss.shape[1] + 1)
        ax2.plot(epochs, loss.mean(axis=0), _STYLES[i], marker="o^s"[i], ms=3,
                 color=COLORS["relu"], label=labels[kind])
        ax2.fill_between(epochs, loss.min(axis=0), loss.max(axis=0), color=COLORS["relu"],
                         alpha=0.12)
    ax1.set(xlabel="block (input side first)",
            ylabel=r"$\|\partial\mathcal{L}/\partial\mathbf{x}_l\|$ at initialisation")
    ax2.set(xlabel="epoch", ylabel="training loss (cross-entropy)", ylim=(0, None))
    ax1.legend(fontsize=8)


# --------------------------------------------------------------------------- transformer

SORT_VOCAB, SORT_LENGTH = 16, 8
TF_STEPS, TF_BATCH, TF_LR, TF_EVAL_EVERY, TF_TEST = 300, 64, 3e-3, 25, 500
TF_D_MODEL = 32


def sorting_batch(rng: np.random.Generator, n: int, vocab: int = SORT_VOCAB,
                  length: int = SORT_LENGTH) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random token sequences and the same sequences sorted: the transformer's task.

    Serves 'Transformer feed-forward blocks'. Tokens are integers ``0 .. vocab-1``; output
    position ``i`` must hold the ``i``-th smallest input token.

    Examples
    --------
    >>> x, y = sorting_batch(np.random.default_rng(2), 1, vocab=5, length=4)
    >>> x.tolist(), y.tolist()
    ([[4, 1, 0, 1]], [[0, 1, 1, 4]])
    """
    x = rng.integers(0, vocab, size=(n, length))
    return x, np.sort(x, axis=1)


def ffn_multiply_adds(d_model: int, rows_in: int, hidden: int,
                      nonzero: float | np.ndarray) -> tuple[float, float | np.ndarray]:
    """Multiply-adds per token of a feed-forward block: dense, and skipping zero hidden units.

    The first matrix costs ``d_model · rows_in`` whatever happens; the second costs
    ``hidden · d_model`` dense, and ``nonzero · d_model`` when the rows of ``W_out`` that
    meet a zero are skipped. Serves 'Transformer feed-forward blocks'.

    Examples
    --------
    >>> ffn_multiply_adds(32, 128, 128, nonzero=64)
    (8192, 6144)
    """
    first = d_model * rows_in
    return first + hidden * d_model, first + nonzero * d_model


def skip_zero_rows(h: np.ndarray, W_out: np.ndarray) -> tuple[np.ndarray, int]:
    """``h @ W_out`` for one token, reading only the rows of ``W_out`` where ``h`` is non-zero.

    ``h`` has shape ``(hidden,)`` and ``W_out`` ``(hidden, d_model)``. Returns the product and
    the multiply-adds done. Serves 'Transformer feed-forward blocks'.

    Examples
    --------
    >>> W = np.arange(6.0).reshape(3, 2)
    >>> skip_zero_rows(np.array([0.0, 2.0, 0.0]), W)
    (array([4., 6.]), 2)
    """
    rows = np.flatnonzero(h)
    return h[rows] @ W_out[rows], rows.size * W_out.shape[1]


def _ffn_hidden(net, X) -> list:
    torch, _ = _torch()
    from relu_lib.torch_models import FFNActivation

    outs = []
    hooks = [m.register_forward_hook(lambda m, a, o: outs.append(o))
             for m in net.modules() if isinstance(m, FFNActivation)]
    net.eval()
    with torch.no_grad():
        logits = net(X)
    for h in hooks:
        h.remove()
    return outs, logits


@cached(maxsize=32)
def transformer_run(kind: str = "relu", seed: int = 0,
                    steps: int = TF_STEPS) -> Mapping[str, Any]:
    """Train :class:`relu_lib.torch_models.TinyTransformer` to sort, with a ``kind`` FFN.

    Serves 'Transformer feed-forward blocks'. One layer, ``d = 32``, four heads; Adam, fresh
    batches of sequences from a seeded generator each step; a fixed test set of
    sequences from another seed. Returns ``steps`` and ``test_loss`` (every
    ``TF_EVAL_EVERY`` steps), ``accuracy`` (test, per token), ``params``, ``hidden`` and
    ``rows_in`` (FFN widths), ``zero_init`` and ``zero_end`` (exact zeros of the FFN's hidden
    vector on the test set; ``zero_curve`` at every evaluation), ``nonzero`` (non-zero hidden
    units per test token, mean), ``sample`` (hidden values of a few test tokens, for a histogram) and ``w_out`` and ``h``
    (the second matrix, ``hidden x d``, and the hidden vectors of a few test tokens).
    """
    torch, F = _torch()
    from relu_lib.torch_models import TinyTransformer, count_parameters
    from relu_lib.torch_nets import torch_threads

    device = _device()
    Xte, Yte = (torch.as_tensor(a).to(device)
                for a in sorting_batch(np.random.default_rng(10**6), TF_TEST))
    rng = np.random.default_rng(seed)
    with torch_threads(1):
        net = TinyTransformer(SORT_VOCAB, SORT_LENGTH, d_model=TF_D_MODEL, layers=1,
                              kind=kind, seed=seed).to(device)
        zero_init = (_ffn_hidden(net, Xte)[0][0] == 0).float().mean().item()
        opt = torch.optim.Adam(net.parameters(), lr=TF_LR)
        curve, zeros = [], []
        for step in range(1, steps + 1):
            x, y = (torch.as_tensor(a).to(device) for a in sorting_batch(rng, TF_BATCH))
            net.train()
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(x).reshape(-1, SORT_VOCAB), y.reshape(-1)).backward()
            opt.step()
            if step % TF_EVAL_EVERY == 0:
                (h,), logits = _ffn_hidden(net, Xte)
                curve.append(F.cross_entropy(logits.reshape(-1, SORT_VOCAB),
                                             Yte.reshape(-1)).item())
                zeros.append((h == 0).float().mean().item())
        (h,), logits = _ffn_hidden(net, Xte)
    h = h.reshape(-1, h.shape[-1])
    ffn = net.layers[0].ffn
    return {
        "kind": kind, "steps": np.arange(TF_EVAL_EVERY, steps + 1, TF_EVAL_EVERY),
        "test_loss": np.array(curve),
        "accuracy": (logits.argmax(-1) == Yte).float().mean().item(),
        "params": count_parameters(net), "hidden": ffn.hidden, "rows_in": ffn.w_in.out_features,
        "zero_init": zero_init, "zero_end": (h == 0).float().mean().item(),
        "zero_curve": np.array(zeros),
        "nonzero": (h != 0).sum(dim=1).float().mean().item(),
        "sample": h[:256].cpu().numpy().ravel(),
        "h": h[:8].cpu().numpy(), "w_out": ffn.w_out.weight.detach().T.cpu().numpy(),
    }


def plot_transformer(runs: Mapping[str, Sequence[Mapping[str, Any]]], fig) -> None:
    """Left: test loss while training, per FFN kind (mean over seeds; band: range).
    Right: the distribution of the FFN's hidden values after training.

    Serves 'Transformer feed-forward blocks'.
    """
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.1, wspace=0.3)
    bins = np.linspace(-1.5, 3.0, 61)
    for i, (kind, rs) in enumerate(runs.items()):
        loss = np.array([r["test_loss"] for r in rs])
        steps = rs[0]["steps"]
        colour = _KIND_COLORS[kind]
        ax1.semilogy(steps, loss.mean(axis=0), _STYLES[i], color=colour, label=kind)
        ax1.fill_between(steps, loss.min(axis=0), loss.max(axis=0), color=colour, alpha=0.15)
        values = np.concatenate([r["sample"] for r in rs])
        ax2.hist(values, bins=bins, histtype="step", lw=1.6, density=True, color=colour,
                 ls=_STYLES[i], label=kind)
    ax1.set(xlabel="training step", ylabel="test loss (cross-entropy)")
    ax1.legend(fontsize=9)
    ax2.set(xlabel="hidden value of the feed-forward block", ylabel="density (log)",
            yscale="log")
    ax2.legend(fontsize=9)


# --------------------------------------------------------------------------- output layers

OUT_EPOCHS, OUT_LR, OUT_HIDDEN = 10, 0.01, 64
REG_STEPS, REG_LR, REG_POINTS = 500, 0.01, 200


def nonnegative_logit_bound(true_logit: float | np.ndarray, n_classes: int) -> float | np.ndarray:
    """The least cross-entropy possible when every logit is ``>= 0`` and the true one is ``m``.

    Each of the other ``n_classes - 1`` logits adds at least ``e^0 = 1`` to the softmax's
    denominator, so the loss is at least ``log(1 + (K - 1) e^{-m})``. Serves 'Output layers'.

    Examples
    --------
    >>> round(float(nonnegative_logit_bound(0.0, 10)), 4)   # all logits clipped: log 10
    2.3026
    """
    return np.log1p((n_classes - 1) * np.exp(-np.asarray(true_logit, dtype=np.float64)))


@cached(maxsize=16)
def softmax_run(relu_logits: bool = False, seed: int = 0) -> Mapping[str, Any]:
    """A ``64 -> 64 -> 10`` ReLU MLP on the digits, with or without a ReLU on its logits.

    Serves 'Output layers and losses'. Adam, batches of 64; He weights from
    :func:`relu_lib.torch_nets.mlp`. Returns the training ``loss``, the test ``accuracy``,
    ``stuck`` (fraction of training digits whose true-class logit is exactly 0, so that its
    gradient is 0) and ``clipped`` (fraction of all training logits exactly 0).
    """
    torch, F = _torch()
    from relu_lib.torch_nets import mlp, torch_threads

    Xtr, ytr, Xte, yte = _standard_digits(_device())
    with torch_threads(1):
        net = mlp([64, OUT_HIDDEN, 10], seed=seed)
        if relu_logits:
            net.append(torch.nn.ReLU())
        net = net.to(Xtr.device)
        opt = torch.optim.Adam(net.parameters(), lr=OUT_LR)
        _fit(net, Xtr, ytr, opt, OUT_EPOCHS, 64, seed)
        net.eval()
        with torch.no_grad():
            logits = net(Xtr)
            true = logits[torch.arange(len(ytr), device=Xtr.device), ytr]
            return {"loss": F.cross_entropy(logits, ytr).item(),
                    "accuracy": _accuracy(net, Xte, yte),
                    "stuck": (true == 0).float().mean().item(),
                    "clipped": (logits == 0).float().mean().item()}


@cached(maxsize=16)
def regression_run(head: str = "linear", seed: int = 0) -> Mapping[str, Any]:
    """Fit the noisy sine of :func:`relu_lib.data.curve_1d` with a ``1 -> 64 -> 64 -> 1`` ReLU MLP.

    Serves 'Output layers and losses'. ``head`` is ``"linear"`` (no output activation) or
    ``"relu"``; full-batch Adam. Returns ``mse`` against the noise-free curve on a grid,
    ``floor`` (the least error any non-negative output can reach there), ``flat`` (whether the
    prediction is exactly zero everywhere), ``x``, ``pred`` and the noisy training points
    ``X``, ``y``.
    """
    torch, F = _torch()
    from relu_lib.torch_nets import mlp, torch_threads

    X, y = curve_1d(REG_POINTS, "sine", noise=0.1, seed=0)
    grid, clean = curve_1d(REG_POINTS, "sine", noise=0.0, seed=1)
    device = _device()
    Xt, yt, Gt = (torch.as_tensor(a, dtype=torch.float32).to(device) for a in (X, y, grid))
    with torch_threads(1):
        net = mlp([1, OUT_HIDDEN, OUT_HIDDEN, 1], seed=seed)
        if head == "relu":
            net.append(torch.nn.ReLU())
        net = net.to(device)
        opt = torch.optim.Adam(net.parameters(), lr=REG_LR)
        for _ in range(REG_STEPS):
            opt.zero_grad(set_to_none=True)
            F.mse_loss(net(Xt)[:, 0], yt).backward()
            opt.step()
        with torch.no_grad():
            pred = net(Gt)[:, 0].cpu().numpy().astype(np.float64)
    return {"head": head, "mse": float(np.mean((pred - clean) ** 2)),
            "flat": bool(np.all(pred == 0)),
            "floor": float(np.mean(np.minimum(clean, 0) ** 2)),
            "x": grid[:, 0], "pred": pred, "X": X[:, 0], "y": y}


def plot_regression(runs: Mapping[str, Mapping[str, Any]], fig) -> None:
    """The sine fitted with a linear output and with a ReLU output (one seed each).

    Serves 'Output layers and losses'.
    """
    axes = panels(fig, len(runs))
    for ax, (head, r) in zip(axes, runs.items()):
        ax.scatter(r["X"], r["y"], s=6, color="#999999", label="training data")
        ax.plot(r["x"], r["pred"], color=COLORS["relu"], label="network")
        ax.axhline(0, color="black", lw=0.6)
        ax.set(xlabel="x", title=f"{head} output: error {r['mse']:.3f}", ylim=(-1.4, 1.4))
    axes[0].set_ylabel("y")
    axes[0].legend(fontsize=8, loc="upper left")


EXPLORABLES = {"feature_maps": feature_map_explorable}
