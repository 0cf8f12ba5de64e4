"""The chapter *Why non-linearity?* (``book/nonlinearity.md``): hinges, regions, regression.

* :func:`collapse`: a stack of linear layers is one affine map.
* :func:`fit_classifier`: a linear model against one hidden ReLU layer on moons and XOR.
* :func:`kinks_1d`, :func:`activation_patterns`, :func:`count_regions`: a ReLU network is
  continuous and piecewise linear; its kinks in 1-D, its regions in 2-D, and the bounds
  :func:`max_regions_one_layer` and :func:`serra_bound`; :func:`regions_explorable`.
* :func:`hinge_interpolant` and :func:`hinge_sum`: k ReLUs that interpolate a function.
* :func:`regression_run`: a ReLU MLP with a linear output against linear least squares.
* :func:`zigzag_path`: why inputs that are all positive make gradient descent zig-zag.

Examples
--------
>>> W = [np.eye(2) * 2.0, np.eye(2) * 3.0]
>>> b = [np.zeros(2), np.ones(2)]
>>> collapse(W, b)[0].tolist(), collapse(W, b)[1].tolist()
([[6.0, 0.0], [0.0, 6.0]], [1.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import comb
from typing import Any

import numpy as np

from relu_lib.cache import cached
from relu_lib.data import curve_1d, moons
from relu_lib.explore import Explorable, Slider
from relu_lib.nets import MLP, Adam, accuracy, mse, train
from relu_lib.plotting import COLORS, panels
from relu_lib.reference import relu
from relu_lib.stats import mean_interval

__all__ = [
    "linear_stack", "collapse", "xor", "fit_classifier", "decision_grid",
    "kinks_1d", "activation_patterns", "count_regions", "region_grid",
    "max_regions_one_layer", "serra_bound", "regions_at_init",
    "regions_run", "plot_regions", "update_regions", "regions_explorable",
    "hinge_interpolant", "hinge_sum", "hinge_error", "trained_sine_error",
    "mean_interval", "diabetes", "regression_run", "regression_over_seeds",
    "curve_fit", "zigzag_path", "same_sign_fraction", "plot_boundaries",
    "plot_zigzag", "forward_linear", "breakpoints", "grid_points",
    "task_accuracy", "linear_fit", "EXPLORABLES",
]

Array = np.ndarray


# ------------------------------------------------------------------ linear stacks collapse

def linear_stack(depth: int = 10, width: int = 8,
                 seed: int = 0) -> tuple[list[Array], list[Array]]:
    """Weights and biases of ``depth`` linear layers ``width -> width``.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md. Weights are drawn with variance ``1/width`` and
    biases with standard deviation 0.1, from ``numpy.random.default_rng(seed)``.
    """
    rng = np.random.default_rng(seed)
    W = [rng.standard_normal((width, width)) / np.sqrt(width)
         for _ in range(depth)]
    b = [0.1 * rng.standard_normal(width) for _ in range(depth)]
    return W, b


def forward_linear(x: Array, W: list[Array], b: list[Array]) -> Array:
    """The stack ``h_l = h_{l-1} W_l + b_l`` applied layer by layer, no activation.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md.
    """
    for W_l, b_l in zip(W, b):
        x = x @ W_l + b_l
    return x


def collapse(W: list[Array], b: list[Array]) -> tuple[Array, Array]:
    """The one affine map ``x W + b`` equal to the whole linear stack.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md.
    """
    W_total, b_total = W[0], b[0]
    for W_l, b_l in zip(W[1:], b[1:]):
        W_total, b_total = W_total @ W_l, b_total @ W_l + b_l
    return W_total, b_total


def xor(n: int = 200, noise: float = 0.15,
        seed: int = 0) -> tuple[Array, Array]:
    """XOR in 2-D: four blobs at (±1, ±1); label 1 where the signs differ.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md.

    Examples
    --------
    >>> X, y = xor(8, noise=0.0)
    >>> bool(np.all(y == (np.sign(X[:, 0]) != np.sign(X[:, 1]))))
    True
    """
    rng = np.random.default_rng(seed)
    centres = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    which = np.arange(n) % 4
    X = centres[which] + noise * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)
    order = rng.permutation(n)
    return X[order], y[order]


TASKS: dict[str, Callable[..., tuple[Array, Array]]] = {
    "moons": lambda seed=0: moons(200, noise=0.1, seed=seed),
    "xor": lambda seed=0: xor(200, seed=seed),
}
CLASSIFIER_EPOCHS = 200


@cached(maxsize=16)
def fit_classifier(task: str = "moons", hidden: int = 0,
                   epochs: int = CLASSIFIER_EPOCHS, seed: int = 0) -> MLP:
    """A classifier trained on ``task``: linear (``hidden=0``) or one ReLU layer.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md. Adam, learning rate 0.05, minibatches of 32.
    """
    X, y = TASKS[task]()
    sizes = [2, 2] if hidden == 0 else [2, hidden, 2]
    net = MLP(sizes, seed=seed)
    train(net, X, y, "cross_entropy", Adam(lr=0.05), epochs=epochs,
          batch_size=32, seed=seed)
    return net


def decision_grid(net: MLP, lim: tuple[float, float, float, float],
                  n: int = 200) -> Array:
    """Predicted class on an ``n x n`` grid over ``(xmin, xmax, ymin, ymax)``.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md.
    """
    gx, gy = np.meshgrid(np.linspace(lim[0], lim[1], n),
                         np.linspace(lim[2], lim[3], n))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    return np.argmax(net.forward(grid), axis=1).reshape(n, n)


def task_accuracy(task: str, hidden: int) -> float:
    """Training accuracy of :func:`fit_classifier` on its task.

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md.
    """
    X, y = TASKS[task]()
    return accuracy(fit_classifier(task, hidden).forward(X), y)


def plot_boundaries(fig, hidden: int = 16) -> None:
    """Decision regions of the linear model and of one hidden ReLU layer, on
    the moons and on XOR (a 2 x 2 grid of panels).

    Serves the section 'Without a non-linearity depth is an illusion' of
    book/nonlinearity.md.
    """
    axes = fig.subplots(2, 2, sharex="col", sharey="col")
    for j, task in enumerate(TASKS):
        X, y = TASKS[task]()
        lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
        lim = (lo[0], hi[0], lo[1], hi[1])
        for i, hidden_units in enumerate((0, hidden)):
            ax = axes[i, j]
            net = fit_classifier(task, hidden_units)
            ax.imshow(decision_grid(net, lim), origin="lower", extent=lim,
                      cmap="RdBu_r", alpha=0.25, aspect="auto")
            ax.scatter(*X.T, s=6, c=np.where(y, COLORS["highlight"],
                                             COLORS["relu"]))
            name = "linear" if hidden_units == 0 else \
                f"{hidden_units} ReLUs"
            acc = task_accuracy(task, hidden_units)
            ax.set_title(f"{task}, {name}: {acc:.0%}", fontsize=10)
            ax.grid(False)


# ------------------------------------------------------------------ kinks and regions

def breakpoints(w: Array, b: Array) -> Array:
    """Where each unit of one hidden layer on a scalar input turns: ``x = -b/w``.

    Serves the section 'ReLU networks are piecewise linear' of
    book/nonlinearity.md.
    """
    return np.sort(-b[w != 0] / w[w != 0])


def kinks_1d(net: MLP, lo: float, hi: float) -> Array:
    """Every kink in ``(lo, hi)`` of a network with a scalar input, exactly.

    Layer by layer: between two known kinks every pre-activation is linear in
    ``x``, so each unit's zero crossing there is found by linear interpolation.

    Serves the section 'ReLU networks are piecewise linear' of
    book/nonlinearity.md.

    Examples
    --------
    >>> net = MLP([1, 3, 1], seed=0)
    >>> w, b = net.W[0][0], np.array([0.1, -0.2, 0.3])
    >>> net.b[0][:] = b
    >>> bool(np.allclose(kinks_1d(net, -9, 9), breakpoints(w, b)))
    True
    """
    x = np.array([lo, hi], dtype=float)
    for layer in range(len(net.W) - 1):
        _, trace = net.forward(x[:, None], record=True)
        z = trace.pre_activations[layer]
        za, zb = z[:-1], z[1:]
        cross = (za * zb < 0)
        i, _ = np.nonzero(cross)
        t = za[cross] / (za[cross] - zb[cross])
        new = x[i] + t * (x[i + 1] - x[i])
        x = np.unique(np.concatenate([x, new]))
    return x[1:-1]


def activation_patterns(net: MLP, X: Array) -> Array:
    """Which hidden units are on (``z > 0``) for each input: one row per input.

    Serves the section 'ReLU networks are piecewise linear' of
    book/nonlinearity.md.
    """
    _, trace = net.forward(X, record=True)
    return np.hstack([z > 0 for z in trace.pre_activations[:-1]])


def count_regions(net: MLP, X: Array) -> int:
    """The number of distinct activation patterns among the inputs ``X``.

    Serves the section 'ReLU networks are piecewise linear' of
    book/nonlinearity.md.
    """
    bits = np.packbits(activation_patterns(net, X), axis=1)
    return len(np.unique(bits, axis=0))


BOX = (-2.0, 3.0, -1.75, 2.25)  # the moons, with a margin
GRID = 200


def grid_points(box: tuple[float, ...] = BOX, n: int = GRID) -> Array:
    """An ``n x n`` grid over ``box = (xmin, xmax, ymin, ymax)``, row by row.

    Serves the section 'ReLU networks are piecewise linear' of
    book/nonlinearity.md.
    """
    gx, gy = np.meshgrid(np.linspace(box[0], box[1], n),
                         np.linspace(box[2], box[3], n))
    return np.column_stack([gx.ravel(), gy.ravel()])


def region_grid(net: MLP, box: tuple[float, ...] = BOX,
                n: int = GRID) -> tuple[Array, int]:
    """Region ids on an ``n x n`` grid (rows from ``ymin`` up) and their count.

    Serves the section 'ReLU networks are piecewise linear' of
    book/nonlinearity.md.
    """
    bits = np.packbits(activation_patterns(net, grid_points(box, n)), axis=1)
    _, ids = np.unique(bits, axis=0, return_inverse=True)
    ids = ids.reshape(n, n)
    return ids, int(ids.max()) + 1


def max_regions_one_layer(n: int, d: int = 2) -> int:
    """The most regions ``n`` hyperplanes cut ``R^d`` into: sum of C(n, j), j <= d.

    Serves the section 'Counting regions' of book/nonlinearity.md.

    Examples
    --------
    >>> max_regions_one_layer(4)
    11
    """
    return sum(comb(n, j) for j in range(min(n, d) + 1))


def serra_bound(widths: list[int], d: int = 2) -> int:
    """Serra et al.'s upper bound on the regions of a ReLU net with these widths.

    The sum over ``(j_1, ..., j_L)`` with ``0 <= j_l <= min(d, n_1 - j_1,
    ..., n_{l-1} - j_{l-1}, n_l)`` of the product of ``C(n_l, j_l)``.

    Serves the section 'Counting regions' of book/nonlinearity.md.

    Examples
    --------
    >>> serra_bound([4]) == max_regions_one_layer(4)
    True
    """
    def total(l: int, cap: int) -> int:
        if l == len(widths):
            return 1
        n = widths[l]
        return sum(comb(n, j) * total(l + 1, min(cap, n - j))
                   for j in range(min(cap, n) + 1))
    return total(0, d)


@cached(maxsize=64)
def regions_at_init(width: int, depth: int, seed: int = 0) -> int:
    """Regions of a He-initialised ``2 -> width x depth`` net on the grid.

    Serves the section 'Counting regions' of book/nonlinearity.md. Biases
    are drawn with standard deviation 0.1 (zero biases would make every
    boundary pass through the origin).
    """
    return regions_run(width, depth, seed, 0)["count"]


def _region_net(width: int, depth: int, seed: int) -> MLP:
    net = MLP([2] + [width] * depth + [2], seed=seed)
    rng = np.random.default_rng(1000 + seed)
    for b in net.b[:-1]:
        b[:] = 0.1 * rng.standard_normal(b.shape)
    return net


@cached(maxsize=256)
def regions_run(width: int = 16, depth: int = 2, seed: int = 0,
                epochs: int = 0) -> Mapping[str, Any]:
    """A ``2 -> width x depth -> 2`` ReLU net trained on the moons; its regions.

    Serves the section 'Counting regions' of book/nonlinearity.md and its
    explorable. Adam at 0.01, minibatches of 32, the biases started as in
    :func:`regions_at_init`. Returns the region ids on the grid, their
    ``count``, the logit difference on the grid (``margin``), the training
    accuracy and the settings.
    """
    X, y = moons(200, noise=0.1, seed=0)
    net = _region_net(width, depth, seed)
    if epochs:
        train(net, X, y, "cross_entropy", Adam(lr=0.01), epochs=epochs,
              batch_size=32, seed=seed)
    ids, count = region_grid(net)
    out = net.forward(grid_points())
    return {"ids": ids, "count": count,
            "margin": (out[:, 1] - out[:, 0]).reshape(GRID, GRID),
            "accuracy": accuracy(net.forward(X), y),
            "bound": serra_bound([width] * depth),
            "width": width, "depth": depth, "seed": seed, "epochs": epochs}


def _palette(n: int) -> Array:
    """``n`` light colours, the same for the same ids at every setting."""
    rng = np.random.default_rng(12345)
    return 0.55 + 0.45 * rng.random((max(n, 1), 3))


def _region_image(r: Mapping[str, Any]) -> Array:
    return _palette(int(r["ids"].max()) + 1)[r["ids"]]


def plot_regions(r: Mapping[str, Any], fig) -> dict[str, Any]:
    """Left: the activation regions on the grid, the moons on top. Right: the
    network's margin (logit of class 1 minus class 0).

    Serves the explorable of the section 'Counting regions' of
    book/nonlinearity.md. Returns the artists :func:`update_regions` changes.
    """
    ax1, ax2 = panels(fig, 2)
    X, y = moons(200, noise=0.1, seed=0)
    h = {"regions": ax1.imshow(_region_image(r), origin="lower",
                               extent=BOX, interpolation="nearest",
                               aspect="auto")}
    h["margin"] = ax2.imshow(np.tanh(r["margin"]), origin="lower",
                             extent=BOX, cmap="RdBu_r", vmin=-1, vmax=1,
                             interpolation="nearest", aspect="auto")
    for ax in (ax1, ax2):
        ax.scatter(*X.T, c=np.where(y, COLORS["highlight"], "#333333"),
                   s=4, zorder=3)
        ax.set(xlabel="input x₁", ylabel="input x₂")
        ax.grid(False)
    h["title1"], h["title2"] = ax1.title, ax2.title
    update_regions(r, fig, h)
    return h


def update_regions(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_regions`'s figure brought up to date with ``r`` in place.

    Serves the explorable of the section 'Counting regions' of
    book/nonlinearity.md.
    """
    h["regions"].set_data(_region_image(r))
    h["margin"].set_data(np.tanh(r["margin"]))
    h["title1"].set_text(f"{r['count']} regions (bound {r['bound']:.3g})")
    h["title2"].set_text(f"output; training accuracy {r['accuracy']:.0%}")
    return True


def regions_explorable() -> Explorable:
    """Linear regions of a small ReLU net: width, depth, seed, epochs.

    Serves the section 'Counting regions' of book/nonlinearity.md.
    """
    return Explorable(
        "Linear regions of a ReLU network",
        controls=[
            Slider("width", "width", 4, 32, 2, default=16, integer=True,
                   twin_values=(4, 8, 16, 32)),
            Slider("depth", "depth", 1, 4, 1, default=2, integer=True,
                   twin_values=(1, 2, 3, 4)),
            Slider("seed", "seed", 0, 2, 1, default=0, integer=True,
                   twin_values=(0, 1, 2)),
            Slider("epochs", "epochs", 0, 100, 10, default=0, integer=True,
                   twin_values=(0, 20, 100)),
        ],
        compute=regions_run,
        plot=plot_regions,
        update=update_regions,
        interact=[("width", "depth")],
        caption="Each colour is one activation pattern, on which the network "
        "is linear. Width and depth add regions, far fewer than the bound; "
        "training moves them to where the two classes meet.",
        figsize=(7.0, 3.2),
    )


# ------------------------------------------------------------------ hinges approximate

def hinge_interpolant(f: Callable[[Array], Array], k: int, lo: float,
                      hi: float) -> tuple[Array, Array, float]:
    """Knots, output weights and bias of k ReLUs that interpolate ``f``.

    The k segments join ``f`` at k + 1 equally spaced points; hinge i adds
    the change of slope at knot i.

    Serves the section 'Hinges approximate anything continuous' of
    book/nonlinearity.md.
    """
    t = np.linspace(lo, hi, k + 1)
    slopes = np.diff(f(t)) / np.diff(t)
    c = np.diff(slopes, prepend=0.0)
    return t[:-1], c, float(f(t[0]))


def hinge_sum(x: Array, knots: Array, c: Array, bias: float) -> Array:
    """``bias + sum_i c_i ReLU(x - t_i)``: one hidden layer, a linear output.

    Serves the section 'Hinges approximate anything continuous' of
    book/nonlinearity.md.
    """
    return bias + relu(x[:, None] - knots) @ c


def hinge_error(k: int, n: int = 4001) -> float:
    """Largest error of the k-hinge interpolant of sin on [-pi, pi].

    Serves the section 'Hinges approximate anything continuous' of
    book/nonlinearity.md.
    """
    x = np.linspace(-np.pi, np.pi, n)
    g = hinge_sum(x, *hinge_interpolant(np.sin, k, -np.pi, np.pi))
    return float(np.abs(g - np.sin(x)).max())


SINE_STEPS = 3000


#: Training points of the trained sine networks, equally spaced on [-pi, pi].
SINE_POINTS = 200


@cached(maxsize=16)
def trained_sine_error(k: int, seed: int = 0,
                       steps: int = SINE_STEPS) -> float:
    """Largest error on [-pi, pi] of a ``1 -> k -> 1`` ReLU net trained on sin.

    Full-batch Adam at 0.01 on ``SINE_POINTS`` equally spaced points, ``steps`` steps.
    Serves the section 'Hinges approximate anything continuous' of
    book/nonlinearity.md.
    """
    x = np.linspace(-np.pi, np.pi, SINE_POINTS)[:, None]
    net = MLP([1, k, 1], seed=seed)
    train(net, x, np.sin(x[:, 0]), "mse", Adam(lr=0.01), epochs=steps,
          batch_size=None, seed=seed)
    dense = np.linspace(-np.pi, np.pi, 4001)[:, None]
    return float(np.abs(net.forward(dense)[:, 0] - np.sin(dense[:, 0])).max())


# ------------------------------------------------------------------ regression

def _diabetes(scaled: bool) -> tuple[Array, Array]:
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=scaled)
    return np.asarray(bunch.data, float), np.asarray(bunch.target, float)


def diabetes(seed: int = 0, standardise: bool = True,
             test_fraction: float = 0.25) -> tuple[Array, ...]:
    """scikit-learn's bundled diabetes set (442 patients, 10 features), split.

    Raw features (``load_diabetes(scaled=False)``: age in years, blood
    pressure in mm Hg, ...) standardised with the training set's mean and
    standard deviation when ``standardise``; the target (disease progression
    after one year) is standardised the same way in both cases. Serves the
    section 'ReLU networks do regression' of book/nonlinearity.md.

    Returns ``X_train, y_train, X_test, y_test``.
    """
    X, y = _diabetes(False)
    test = np.random.default_rng(seed).permutation(len(y))
    n_test = int(np.ceil(test_fraction * len(y)))
    te, tr = test[:n_test], test[n_test:]
    if standardise:
        X = (X - X[tr].mean(axis=0)) / X[tr].std(axis=0)
    y = (y - y[tr].mean()) / y[tr].std()
    return X[tr], y[tr], X[te], y[te]


#: Training (and, separately drawn, test) points of the noisy sine regression.
CURVE_POINTS = 200


def _curve(seed: int) -> tuple[Array, ...]:
    X, y = curve_1d(CURVE_POINTS, kind="sine", noise=0.1, seed=seed)
    Xt, yt = curve_1d(CURVE_POINTS, kind="sine", noise=0.1, seed=1000 + seed)
    return X, y, Xt, yt


REG_WIDTH, REG_EPOCHS, REG_LR = 32, 200, 0.003


def linear_fit(X: Array, y: Array) -> tuple[Array, float]:
    """Least-squares weights and intercept: the linear baseline.

    Serves the section 'ReLU networks do regression' of book/nonlinearity.md.
    """
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], float(coef[-1])


@cached(maxsize=64)
def regression_run(task: str = "curve", seed: int = 0,
                   epochs: int = REG_EPOCHS, output: str = "linear",
                   standardise: bool = True) -> Mapping[str, Any]:
    """Test mean squared errors of a ReLU MLP and of the linear baseline.

    The net is ``features -> 32 -> 32 -> 1``, its output linear (or
    ReLU'd with ``output="relu"``), trained with Adam at 0.003 in
    minibatches of 32 for at most ``epochs`` epochs on 80 % of the training
    set; the weights of the epoch with the lowest error on the other 20 %
    are kept (early stopping; the test set is never looked at). Serves the
    section 'ReLU networks do regression' of book/nonlinearity.md.
    """
    Xtr, ytr, Xte, yte = (diabetes(seed, standardise=standardise)
                          if task == "diabetes" else _curve(seed))
    order = np.random.default_rng(seed).permutation(len(ytr))
    fit, val = order[len(ytr) // 5:], order[:len(ytr) // 5]
    net = MLP([Xtr.shape[1], REG_WIDTH, REG_WIDTH, 1], seed=seed)
    loss = mse if output == "linear" else _relu_output_mse
    best = {"val": np.inf, "params": None, "epoch": 0}

    def keep_best(epoch: int, net: MLP) -> None:
        value = loss(net.forward(Xtr[val]), ytr[val])[0]
        if value < best["val"]:
            best.update(val=value, epoch=epoch,
                        params=[p.copy() for p in net.parameters()])

    history = train(net, Xtr[fit], ytr[fit], loss, Adam(lr=REG_LR),
                    epochs=epochs, batch_size=32, seed=seed,
                    callback=keep_best)
    if best["params"] is not None:
        for p, q in zip(net.parameters(), best["params"]):
            p[:] = q
    pred = net.forward(Xte)[:, 0]
    if output == "relu":
        pred = relu(pred)
    w, b = linear_fit(Xtr, ytr)
    _, trace = net.forward(Xtr, record=True)
    return {"mlp": float(np.mean((pred - yte) ** 2)),
            "linear": float(np.mean((Xte @ w + b - yte) ** 2)),
            "first_layer_scale": float(np.abs(trace.activations[0]).mean()),
            "best_epoch": best["epoch"], "diverged": history.diverged,
            "net": net}


def _relu_output_mse(out: Array, y: Array) -> tuple[float, Array]:
    """Mean squared error of ``ReLU(out)``: a ReLU on the output unit."""
    h = relu(out[:, 0])
    diff = h - y
    grad = (2.0 / len(y)) * diff * (out[:, 0] > 0)
    return float(np.mean(diff * diff)), grad[:, None]


def regression_over_seeds(task: str, seeds: int = 5,
                          **kw: Any) -> dict[str, tuple[float, float]]:
    """Mean and 95 % half-width over seeds of each model's test error, and of
    their difference (MLP minus linear).

    Serves the section 'ReLU networks do regression' of book/nonlinearity.md.
    """
    runs = [regression_run(task, s, **kw) for s in range(seeds)]
    mlp = np.array([r["mlp"] for r in runs])
    lin = np.array([r["linear"] for r in runs])
    return {"mlp": mean_interval(mlp), "linear": mean_interval(lin),
            "difference": mean_interval(mlp - lin)}


def curve_fit(seed: int = 0) -> MLP:
    """The ReLU MLP of :func:`regression_run` fitted to the noisy sine.

    Serves the sections 'ReLU networks do regression' and 'Outside the
    data' of book/nonlinearity.md.
    """
    return regression_run("curve", seed)["net"]


# ------------------------------------------------------------------ not zero-centred

def zigzag_path(centred: bool, lr: float = 0.1, steps: int = 60,
                seed: int = 0) -> Array:
    """Weights of one linear unit during SGD, one example per step.

    The unit ``w . h`` learns ``y = w* . h`` with ``w* = (1, -1)``. The
    inputs ``h = ReLU(z) + 0.5`` (z standard normal) are all positive,
    like the outputs of a ReLU layer (shifted so that no component is
    exactly 0); with ``centred`` their mean is subtracted. Returns the
    ``(steps + 1, 2)`` path from ``w = (-1, 1)``. Serves the section 'Not
    zero-centred' of book/nonlinearity.md.
    """
    rng = np.random.default_rng(seed)
    H = relu(rng.standard_normal((steps, 2))) + 0.5
    if centred:
        H = H - H.mean(axis=0)
    w_star, w = np.array([1.0, -1.0]), np.array([-1.0, 1.0])
    path = [w.copy()]
    for h in H:
        w = w - lr * 2 * (w @ h - w_star @ h) * h  # squared error
        path.append(w.copy())
    return np.array(path)


def same_sign_fraction(path: Array) -> float:
    """Fraction of steps whose two components have the same sign.

    Serves the section 'Not zero-centred' of book/nonlinearity.md.
    """
    step = np.diff(path, axis=0)
    moved = np.any(step != 0, axis=1)
    return float(np.mean(np.sign(step[moved, 0]) == np.sign(step[moved, 1])))


def plot_zigzag(fig, lr: float = 0.1, steps: int = 60) -> None:
    """The two SGD paths of :func:`zigzag_path` from ``(-1, 1)`` to ``(1, -1)``.

    Serves the section 'Not zero-centred' of book/nonlinearity.md.
    """
    axes = fig.subplots(1, 2, sharey=True)
    for ax, centred in zip(axes, (False, True)):
        path = zigzag_path(centred, lr, steps)
        ax.plot(*path.T, "o-", ms=3, lw=1, color=COLORS["relu"])
        ax.plot([1], [-1], "*", ms=14, color=COLORS["highlight"])
        ax.plot([-1], [1], "s", ms=6, color="#333333")
        word = "centred inputs" if centred else "positive inputs"
        ax.set(xlabel="weight w₁", title=f"{word}:\n"
               f"{same_sign_fraction(path):.0%} same-sign steps",
               aspect="equal")
    axes[0].set_ylabel("weight w₂")


#: This chapter's explorables, found by :func:`relu_lib.chapters.book_explorables`.
EXPLORABLES = {"regions": regions_explorable}
