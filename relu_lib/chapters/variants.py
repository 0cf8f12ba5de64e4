"""The chapter *The ReLU family* (``book/variants.md``): the variants, measured side by side.

* :func:`property_rows`: the property table of `relu_lib.ACTIVATIONS`, with each function's
  value at 0 and its minimum (:func:`minimum`).
* :func:`normal_moments` and :func:`closed_form_moments`: mean and variance of ``f(X)`` for
  ``X ~ N(mu, sigma^2)``, by quadrature and, where there is one, in closed form; the
  explorable (:func:`moments_explorable`) shows them with ``f`` and ``f'``.
* :func:`selu_stack`: SELU's self-normalisation through a deep stack, and what breaks it.
* :func:`tanh_gap`, :func:`ulp_error` and :func:`gelu_tail`: GELU's tanh approximation and
  its exact form's far negative tail.
* :func:`activation_costs`: forward and backward time of each variant, timed by
  `relu_lib.kernels.time_calls` (the timing of book/fast.md), shared with
  ``benchmarks/activations.py``.
* :func:`race_run` and :func:`race`: one MLP, every variant, two tasks, several seeds.
* :class:`GatedNet` and :func:`gated_run`: a gated linear unit against a ReLU layer.

Examples
--------
>>> mean, var = normal_moments(np.abs, 0.0, 1.0)
>>> round(mean, 6), round(var, 6)  # E|X| = sqrt(2/pi)
(0.797885, 0.36338)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from relu_lib import gated
from relu_lib.cache import cached
from relu_lib.data import curve_1d, digits
from relu_lib.explore import Choice, Explorable, Slider
from relu_lib.init import initialise
from relu_lib.kernels import time_calls
from relu_lib.nets import Adam, accuracy, train
from relu_lib.plotting import COLORS, panels
from relu_lib.reference import (ACTIVATIONS, SELU_ALPHA, SELU_SCALE, elu, elu_grad, gelu,
                                leaky_relu, leaky_relu_grad, property_table, relu, relu_grad)
from relu_lib.stats import mean_interval

__all__ = [
    "VARIANTS", "plot_family", "minimum", "property_rows", "format_property_table",
    "normal_moments", "QUAD_WIDTH", "closed_form_moments", "variant", "moments_compute",
    "plot_moments",
    "update_moments", "moments_explorable",
    "alpha_dropout", "selu_stack", "SELU_SETTINGS", "SELU_DEPTH", "SELU_WIDTH",
    "SELU_SAMPLES", "SELU_RATE", "plot_selu", "scientific",
    "tanh_gap", "ulp_error", "gelu_tail", "plot_gelu",
    "activation_costs",
    "LABELS", "RACE_VARIANTS", "TASKS", "SEEDS", "race_task", "race_run", "interval", "race",
    "named",
    "plot_race",
    "GatedNet", "gated_run", "EXPLORABLES",
]

#: The variants of the chapter, in the order of the property table (ReLU first).
VARIANTS: tuple[str, ...] = tuple(ACTIVATIONS)


# ------------------------------------------------------------------------- property table

def minimum(name: str, lo: float = -60.0, hi: float = 10.0) -> tuple[float, str]:
    """The infimum of ``ACTIVATIONS[name].function`` and where it is reached.

    Serves the section 'Each variant, and why' of book/variants.md. Found on a dense grid,
    then refined by a bounded scalar search. ``where`` is a number (a unique interior
    minimum), ``"x ≤ 0"`` (ReLU's flat floor), or ``"x → −∞"`` (a limit, not reached; the
    value is then the limit, ``-inf`` for the unbounded ones).

    Examples
    --------
    >>> value, where = minimum("silu")
    >>> round(value, 4), where
    (-0.2785, '-1.2785')
    """
    f = ACTIVATIONS[name].function
    if not ACTIVATIONS[name].bounded_below:
        return -math.inf, "x → −∞"
    x = np.linspace(lo, hi, 70_001)
    y = np.asarray(f(x), dtype=float)
    i = int(np.argmin(y))
    floor = np.flatnonzero(y == y[i])
    if len(floor) > 1 and x[floor[-1]] > -1:  # flat: the floor is a half-line (ReLU's)
        return float(y[i]), f"x ≤ {x[floor[-1]]:.0f}"
    if i == 0 or y[0] - y[i] < 1e-12:  # falling, or flat only where exp underflows: a limit
        return float(_limit_at_minus_infinity(name)), "x → −∞"
    from scipy.optimize import minimize_scalar

    best = minimize_scalar(lambda t: float(f(t)), bounds=(x[i - 1], x[i + 1]),
                           method="bounded", options={"xatol": 1e-10})
    return float(best.fun), f"{best.x:.4f}"


def _limit_at_minus_infinity(name: str) -> float:
    """``lim f(x)`` as ``x -> -inf``: the reference states it at ``-inf`` itself."""
    return float(ACTIVATIONS[name].function(-np.inf))


def property_rows() -> list[dict[str, Any]]:
    """`relu_lib.reference.property_table` with ``f0`` (the value at 0), ``min`` and ``where``.

    Serves the section 'Each variant, and why' of book/variants.md.

    Examples
    --------
    >>> row = property_rows()[0]
    >>> row["name"], row["f0"], row["min"], row["where"]
    ('relu', 0.0, 0.0, 'x ≤ 0')
    """
    rows = []
    for row in property_table():
        name = row["name"]
        value, where = minimum(name)
        rows.append({**row, "f0": float(ACTIVATIONS[name].function(0.0)), "min": value,
                     "where": where})
    return rows


_COLUMNS = (("zero_centred", "0-mean"), ("bounded_below", "below"), ("bounded_above", "above"),
            ("smooth", "C¹"), ("monotonic", "monot."))


def format_property_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows of :func:`property_rows` as a text table that fits the page (≤ 74 columns).

    Serves the section 'Each variant, and why' of book/variants.md. ``✓`` and ``·`` mark
    true and false; "below" and "above" mean bounded below and above.

    Examples
    --------
    >>> max(len(line) for line in format_property_table(property_rows()).splitlines()) <= 74
    True
    """
    head = f"{'':11}" + "".join(f"{label:>7}" for _, label in _COLUMNS)
    lines = [head + f"{'f(0)':>7}{'min':>8}  where"]
    for row in rows:
        marks = "".join(f"{'✓' if row[key] else '·':>7}" for key, _ in _COLUMNS)
        low = "−∞" if row["min"] == -math.inf else f"{row['min']:.3f}".replace("-", "−")
        where = row["where"].replace("-", "−")
        lines.append(f"{row['name']:11}{marks}{row['f0']:7.3f}{low:>8}  {where}")
    return "\n".join(lines)


def plot_family(fig, names: Sequence[str] = VARIANTS) -> None:
    """Small multiples: each variant (its colour) over ReLU (blue), with its derivative dashed.

    Serves the section 'Each variant, and why it was proposed' of book/variants.md."""
    from matplotlib.gridspec import GridSpec

    fig.set_layout_engine("none")
    cols = 5
    grid = GridSpec((len(names) + cols - 1) // cols, cols, figure=fig, left=0.06, right=0.99,
                    bottom=0.12, top=0.93, wspace=0.25, hspace=0.4)
    for k, name in enumerate(names):
        ax = fig.add_subplot(grid[k // cols, k % cols])
        top = 8.0 if name == "relu6" else 4.0  # ReLU6's cap at 6 needs room
        x = np.linspace(-4.0, top, 1201)
        entry = ACTIVATIONS[name]
        ax.plot(x, relu(x), color=COLORS["relu"], lw=1.0)
        colour = COLORS.get(name, "#777777")
        ax.plot(x, entry.function(x), color=colour, lw=1.8)
        ax.plot(x, entry.derivative(x), "--", color=colour, lw=1.0)
        ax.set(xlim=(-4, top), ylim=(-2, top), title=LABELS.get(name, name))
        ax.title.set_fontsize(10)
        ax.tick_params(labelsize=8)
        if k % cols and name != "relu6":
            ax.set_yticklabels([])
        if k // cols == (len(names) - 1) // cols:
            ax.set_xlabel("x", fontsize=9)


# ------------------------------------------------------------------- moments under N(mu, s^2)

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
#: Half-width, in standard deviations, of the interval :func:`normal_moments` integrates over.
QUAD_WIDTH = 12.0


def normal_moments(f: Callable[[np.ndarray], Any], mu: float, sigma: float,
                   kinks: Sequence[float] = (), width: float = QUAD_WIDTH,
                   pieces: int = 48) -> tuple[float, float]:
    """Mean and variance of ``f(X)`` for ``X ~ N(mu, sigma^2)``, by quadrature.

    Serves the section 'An explorable: f, f′ and what a Gaussian input becomes' of
    book/variants.md. Gauss–Legendre with 16 nodes on each of ``pieces`` equal panels of
    ``mu ± width·sigma``, split again at every kink of ``f`` inside, so that each panel
    integrates a smooth function: about 12 digits for the functions of this chapter. The
    tails beyond ``width`` standard deviations hold less than 1e-32 of the mass.

    Examples
    --------
    >>> m, v = normal_moments(lambda x: x, 0.5, 2.0)
    >>> round(m, 12), round(v, 12)
    (0.5, 4.0)
    """
    lo, hi = mu - width * sigma, mu + width * sigma
    edges = np.union1d(np.linspace(lo, hi, pieces + 1), [k for k in kinks if lo < k < hi])
    left, right = edges[:-1, None], edges[1:, None]
    x = (left + right) / 2 + (right - left) / 2 * _NODES
    w = (right - left) / 2 * _WEIGHTS * np.exp(-0.5 * ((x - mu) / sigma) ** 2)
    w = w.ravel() / (sigma * math.sqrt(2 * math.pi))
    y = np.asarray(f(x.ravel()), dtype=float)
    mean = float(w @ y)
    return mean, float(w @ (y - mean) ** 2)


def _normal_pieces(a: float, b: float, mu: float, sigma: float) -> tuple[float, float, float]:
    """``E[X^k 1{a < X < b}]`` for ``k = 0, 1, 2`` and ``X ~ N(mu, sigma^2)``; ``a`` may be
    ``-inf`` and ``b`` ``inf``. With ``alpha = (a - mu)/sigma``, ``beta = (b - mu)/sigma``:
    ``M0 = Phi(beta) - Phi(alpha)``, ``M1 = mu M0 + sigma (phi(alpha) - phi(beta))``,
    ``M2 = (mu^2 + sigma^2) M0 + sigma ((a + mu) phi(alpha) - (b + mu) phi(beta))``."""
    from scipy.stats import norm

    alpha, beta = (a - mu) / sigma, (b - mu) / sigma
    m0 = norm.cdf(beta) - norm.cdf(alpha)
    pa, pb = norm.pdf(alpha), norm.pdf(beta)
    a_pa = 0.0 if math.isinf(a) else (a + mu) * pa
    b_pb = 0.0 if math.isinf(b) else (b + mu) * pb
    m1 = mu * m0 + sigma * (pa - pb)
    m2 = (mu * mu + sigma * sigma) * m0 + sigma * (a_pa - b_pb)
    return float(m0), float(m1), float(m2)


def _exp_piece(k: float, mu: float, sigma: float) -> float:
    """``E[exp(k X) 1{X < 0}] = exp(k mu + k^2 sigma^2 / 2) Phi(-(mu + k sigma^2) / sigma)``."""
    from scipy.stats import norm

    shift = k * mu + (k * sigma) ** 2 / 2
    return float(math.exp(shift) * norm.cdf(-(mu + k * sigma * sigma) / sigma))


def closed_form_moments(name: str, mu: float, sigma: float,
                        parameter: float | None = None) -> tuple[float | None, float | None]:
    """Mean and variance of ``f(X)``, ``X ~ N(mu, sigma^2)``, in closed form where there is one.

    Serves the section 'An explorable: f, f′ and what a Gaussian input becomes' of
    book/variants.md. ReLU (the rectified normal), Leaky ReLU and ReLU6 are piecewise linear:
    their moments are sums of truncated normal moments. ELU and SELU add
    ``E[exp(kX) 1{X<0}]``. GELU's mean is ``mu Phi(m) + sigma^2 phi(m) / s`` with
    ``s = sqrt(1 + sigma^2)``, ``m = mu / s``; its variance needs a bivariate normal
    probability and is not given (None). SiLU, Softplus and Mish have none: ``(None, None)``.
    ``parameter`` is Leaky ReLU's slope or ELU's alpha (their defaults when None).

    Examples
    --------
    >>> m, v = closed_form_moments("relu", 0.0, 1.0)
    >>> round(m, 6), round(v, 6)  # 1/sqrt(2 pi) and 1/2 - 1/(2 pi)
    (0.398942, 0.340845)
    """
    inf = math.inf
    if name in ("relu", "leaky_relu", "prelu", "relu6"):
        slope = {"relu": 0.0, "relu6": 0.0, "prelu": 0.25, "leaky_relu": 0.01}[name]
        slope = slope if parameter is None or name in ("relu", "relu6") else parameter
        n0, n1, n2 = _normal_pieces(-inf, 0.0, mu, sigma)
        top = 6.0 if name == "relu6" else inf
        p0, p1, p2 = _normal_pieces(0.0, top, mu, sigma)
        c0 = _normal_pieces(6.0, inf, mu, sigma)[0] if name == "relu6" else 0.0
        mean = slope * n1 + p1 + 6.0 * c0
        second = slope * slope * n2 + p2 + 36.0 * c0
        return mean, second - mean * mean
    if name in ("elu", "selu"):
        alpha = SELU_ALPHA if name == "selu" else (1.0 if parameter is None else parameter)
        scale = SELU_SCALE if name == "selu" else 1.0
        n0 = _normal_pieces(-inf, 0.0, mu, sigma)[0]
        _, p1, p2 = _normal_pieces(0.0, inf, mu, sigma)
        e1, e2 = _exp_piece(1.0, mu, sigma), _exp_piece(2.0, mu, sigma)
        mean = p1 + alpha * (e1 - n0)
        second = p2 + alpha * alpha * (e2 - 2 * e1 + n0)
        return scale * mean, scale * scale * (second - mean * mean)
    if name == "gelu":
        from scipy.stats import norm

        s = math.sqrt(1 + sigma * sigma)
        return float(mu * norm.cdf(mu / s) + sigma * sigma * norm.pdf(mu / s) / s), None
    return None, None


# ------------------------------------------------------------------------------ the explorable

#: The variants of the explorable (PReLU is Leaky ReLU with a learned slope: the same curve).
EXPLORE_VARIANTS = ("relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "mish",
                    "relu6")
_SOFTPLUS_MIN_BETA = 0.25


def variant(name: str, parameter: float) -> tuple[Callable, Callable, str]:
    """``f``, ``f'`` and a label for the explorable's variant at its parameter.

    Serves the section 'An explorable: f, f′ and what a Gaussian input becomes' of
    book/variants.md. The parameter is Leaky ReLU's negative slope ``a``, ELU's ``alpha``,
    Softplus's ``beta`` (at least 0.25: ``beta -> 0`` sends it to infinity) and Swish's
    ``beta`` in ``x sigmoid(beta x)`` (``beta = 1`` is SiLU); the other variants have none.

    Examples
    --------
    >>> f, df, label = variant("leaky_relu", 0.5)
    >>> float(f(-2.0)), label
    (-1.0, 'Leaky ReLU, a = 0.50')
    """
    from relu_lib.reference import softplus, softplus_grad

    p = float(parameter)
    if name == "leaky_relu":
        return (lambda x: leaky_relu(x, p), lambda x: leaky_relu_grad(x, p),
                f"Leaky ReLU, a = {p:.2f}")
    if name == "elu":
        return lambda x: elu(x, p), lambda x: elu_grad(x, p), f"ELU, α = {p:.2f}"
    if name == "softplus":
        b = max(p, _SOFTPLUS_MIN_BETA)
        return (lambda x: softplus(x, b), lambda x: softplus_grad(x, b),
                f"Softplus, β = {b:.2f}")
    if name == "silu":
        def swish(x):
            return np.asarray(x) * gated.sigmoid(p * np.asarray(x))

        def swish_grad(x):
            s = gated.sigmoid(p * np.asarray(x))
            return s + p * np.asarray(x) * s * (1 - s)
        return swish, swish_grad, f"Swish, β = {p:.2f}" + (" (SiLU)" if p == 1 else "")
    entry = ACTIVATIONS[name]
    label = {"relu": "ReLU", "selu": "SELU", "gelu": "GELU", "mish": "Mish",
             "relu6": "ReLU6"}[name]
    return entry.function, entry.derivative, f"{label} (no parameter)"


def _kinks(name: str) -> tuple[float, ...]:
    return (0.0, 6.0) if name == "relu6" else (0.0,)


@cached(maxsize=512)
def moments_compute(variant_name: str = "elu", parameter: float = 1.0, mu: float = 0.0,
                    sigma: float = 1.0) -> Mapping[str, Any]:
    """Curves and Gaussian moments for :func:`moments_explorable`.

    Serves the section 'An explorable: f, f′ and what a Gaussian input becomes' of
    book/variants.md.

    Returns
    -------
    mapping with ``x``, ``f``, ``df``, ``relu``, ``relu_df``, ``density`` (of N(mu, sigma^2)
    on ``x``), ``mean``, ``var`` (quadrature), ``closed`` (closed form, entries None where
    there is none), ``relu_moments``, ``label`` and the settings.
    """
    f, df, label = variant(variant_name, parameter)
    x = np.linspace(-4.0, 4.0, 401)
    closed_parameter = parameter if variant_name in ("leaky_relu", "elu") else None
    no_closed = variant_name == "silu" and parameter != 1.0
    return {
        "x": x, "f": np.asarray(f(x), dtype=float), "df": np.asarray(df(x), dtype=float),
        "relu": relu(x), "relu_df": relu_grad(x),
        "density": np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi)),
        "moments": normal_moments(f, mu, sigma, _kinks(variant_name)),
        "closed": (None, None) if no_closed else closed_form_moments(
            variant_name, mu, sigma, closed_parameter),
        "relu_moments": normal_moments(relu, mu, sigma, (0.0,)),
        "label": label, "variant": variant_name, "parameter": parameter, "mu": mu,
        "sigma": sigma,
    }


def _colour(name: str) -> str:
    """The variant's book colour; ReLU itself in the highlight colour, to stand out over ReLU."""
    return COLORS["highlight"] if name == "relu" else COLORS.get(name, "#777777")


def plot_moments(r: Mapping[str, Any], fig) -> dict[str, Any]:
    """``f`` over ReLU, ``f'`` over ReLU's, and mean and variance of ``f(X)`` against ReLU's.

    Serves the section 'An explorable: f, f′ and what a Gaussian input becomes' of
    book/variants.md. Returns the artists that :func:`update_moments` changes."""
    ax1, ax2, ax3 = panels(fig, 3, widths=[1.1, 1.1, 0.9])
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88, wspace=0.34)
    relu_colour = COLORS["relu"]
    h: dict[str, Any] = {"title1": ax1.title, "title2": ax2.title, "title3": ax3.title}
    ax1.plot(r["x"], r["relu"], "--", color=relu_colour, lw=1.5, label="ReLU")
    h["density"] = ax1.fill_between(r["x"], -1.5, -1.5 + 3 * r["density"], color="#999999",
                                    alpha=0.35, lw=0, label="input density", zorder=1.6)
    h["f"] = ax1.plot(r["x"], r["f"], color=_colour(r["variant"]), label="variant")[0]
    ax1.set(xlabel="x", ylabel="f(x)", xlim=(-4, 4), ylim=(-1.5, 4))
    ax2.plot(r["x"], r["relu_df"], "--", color=relu_colour, lw=1.5)
    h["df"] = ax2.plot(r["x"], r["df"], color=_colour(r["variant"]))[0]
    ax2.set(xlabel="x", ylabel="f′(x)", xlim=(-4, 4), ylim=(-0.3, 2.3))
    positions = np.array([0.0, 1.0])
    ax3.axhline(0, color="black", lw=0.8)
    h["bars_relu"] = list(ax3.bar(positions - 0.2, r["relu_moments"], 0.36, color=relu_colour,
                                  hatch="///", edgecolor="white", label="ReLU"))
    h["bars"] = list(ax3.bar(positions + 0.2, r["moments"], 0.36, color=_colour(r["variant"]),
                             label="variant"))
    h["closed"] = ax3.plot([], [], "D", color=COLORS["theory"], ms=5, label="closed form")[0]
    ax3.set_xticks(positions, ["mean", "variance"])
    ax3.title.set_fontsize(10)
    handles = [*ax1.get_lines(), h["density"], h["closed"]]
    h["legend"] = ax2.legend(handles, [a.get_label() for a in handles], fontsize=7,
                             loc="upper left")
    update_moments(r, fig, h)
    return h


def update_moments(r: Mapping[str, Any], fig, h: dict[str, Any]) -> bool:
    """:func:`plot_moments`'s figure brought up to date with ``r`` in place."""
    if not hasattr(h["density"], "set_data"):  # matplotlib < 3.10 cannot move a fill_between
        return False
    h["density"].set_data(r["x"], -1.5, -1.5 + 3 * r["density"])
    colour = _colour(r["variant"])
    h["f"].set_ydata(r["f"])
    h["df"].set_ydata(r["df"])
    for artist in (h["f"], h["df"], *h["bars"], h["legend"].legend_handles[1]):
        artist.set_color(colour)
    for bar, value in zip(h["bars_relu"], r["relu_moments"]):
        bar.set_height(value)
    for bar, value in zip(h["bars"], r["moments"]):
        bar.set_height(value)
    closed = [(x, v) for x, v in zip((0.2, 1.2), r["closed"]) if v is not None]
    h["closed"].set_data([c[0] for c in closed], [c[1] for c in closed])
    values = [*r["relu_moments"], *r["moments"]]
    fig.axes[2].set_ylim(min(-0.5, 1.15 * min(values)), max(1.0, 1.25 * max(values)))
    mean, var = r["moments"]
    h["title1"].set_text(r["label"])
    h["title2"].set_text(f"f′;  input N({r['mu']:.1f}, {r['sigma']:.2f}²)")
    h["title3"].set_text(f"mean {mean:.3g}, var {var:.3g}")
    return True


def moments_explorable() -> Explorable:
    """Pick a variant and its parameter; see f, f′ and the moments of f(X), X ~ N(μ, σ²).

    Serves the section 'An explorable: f, f′ and what a Gaussian input becomes' of
    book/variants.md."""
    return Explorable(
        "A variant, its derivative, and what it does to a Gaussian",
        controls=[
            Choice("variant_name", "variant", EXPLORE_VARIANTS, default="elu"),
            Slider("parameter", "parameter (a, α or β)", 0.0, 2.0, 0.01, default=1.0,
                   twin_values=(0.0, 0.01, 0.25, 0.5, 1.0, 2.0)),
            Slider("mu", "input mean μ", -2.0, 2.0, 0.1, default=0.0),
            Slider("sigma", "input s.d. σ", 0.25, 3.0, 0.05, default=1.0,
                   twin_values=(0.25, 0.5, 1.0, 2.0, 3.0)),
        ],
        compute=moments_compute,
        plot=plot_moments,
        update=update_moments,
        figsize=(7.0, 3.0),
        caption="Dashed line and hatched bars: ReLU (blue); solid line and plain bars: the variant, "
        "in its colour throughout the book. The parameter is Leaky ReLU's slope a, ELU's "
        "α, Softplus's β (from 0.25) or Swish's β (1 is SiLU); the other variants ignore it. "
        "Bars: mean and variance of f(X) by quadrature; diamonds: the closed form where "
        "there is one.",
    )


# --------------------------------------------------------------------------------- SELU

#: The settings of the SELU experiment: name -> keyword arguments of :func:`selu_stack`.
SELU_SETTINGS: dict[str, dict[str, Any]] = {
    "LeCun normal": {},
    "LeCun, input N(1, 4)": {"input_mean": 1.0, "input_sd": 2.0},
    "He normal": {"init": "he_normal"},
    "PyTorch default": {"init": "torch_default"},
    "dropout 0.1": {"dropout": "standard"},
    "alpha-dropout 0.1": {"dropout": "alpha"},
}


def alpha_dropout(h: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Alpha-dropout (Klambauer et al. 2017): keep mean and variance of SELU activations.

    Serves the section 'SELU: self-normalising, if you let it' of book/variants.md. A dropped
    unit is set to SELU's negative saturation ``-lambda alpha`` instead of 0; then
    ``a (.) + b`` with ``q = 1 - rate``, ``a = (q + alpha'^2 q (1 - q))^(-1/2)`` and
    ``b = -a (1 - q) alpha'`` restores mean 0 and variance 1.

    Examples
    --------
    >>> h = np.random.default_rng(0).standard_normal(200_000)
    >>> out = alpha_dropout(h, 0.2, np.random.default_rng(1))
    >>> bool(abs(out.mean()) < 0.01), round(float(out.var()), 2)
    (True, 1.0)
    """
    saturation = -SELU_SCALE * SELU_ALPHA
    q = 1.0 - rate
    a = (q + saturation**2 * q * (1 - q)) ** -0.5
    b = -a * (1 - q) * saturation
    keep = rng.random(h.shape) < q
    return a * np.where(keep, h, saturation) + b


#: Depth, width, number of inputs and dropout rate of the SELU experiment.
SELU_DEPTH, SELU_WIDTH, SELU_SAMPLES, SELU_RATE = 64, 128, 128, 0.1


@cached(maxsize=32)
def selu_stack(init: str = "lecun_normal", dropout: str | None = None,
               rate: float = SELU_RATE, depth: int = SELU_DEPTH, width: int = SELU_WIDTH,
               samples: int = SELU_SAMPLES, input_mean: float = 0.0, input_sd: float = 1.0,
               seed: int = 0) -> np.ndarray:
    """Mean and variance of the activations of a deep SELU stack, layer by layer.

    Serves the section 'SELU: self-normalising, if you let it' of book/variants.md.
    ``samples`` inputs drawn from ``N(input_mean, input_sd^2)`` pass through ``depth``
    layers ``h <- selu(h W)`` (``width`` units, no bias, ``W`` from ``init``), each followed
    by ``dropout`` (None, ``"standard"``: zero with probability ``rate`` and scale by
    ``1/(1 - rate)``, or ``"alpha"``: :func:`alpha_dropout`).

    Returns
    -------
    ndarray of shape ``(depth + 1, 2)``: mean and variance over all samples and units of the
    input (row 0) and of each layer's output.

    Examples
    --------
    >>> mean, var = selu_stack()[-32:].mean(axis=0)  # the last 32 of 64 layers
    >>> bool(abs(mean) < 0.03 and abs(var - 1) < 0.08)
    True
    """
    from relu_lib.reference import selu

    rng = np.random.default_rng(seed)
    h = rng.normal(input_mean, input_sd, size=(samples, width))
    stats = [(h.mean(), h.var())]
    for _ in range(depth):
        h = selu(h @ initialise(init, width, width, rng))
        if dropout == "standard":
            h = np.where(rng.random(h.shape) < 1 - rate, h / (1 - rate), 0.0)
        elif dropout == "alpha":
            h = alpha_dropout(h, rate, rng)
        elif dropout is not None:
            raise ValueError(f"dropout must be None, 'standard' or 'alpha'; got {dropout!r}")
        stats.append((h.mean(), h.var()))
    return np.array(stats)


_SELU_STYLES = {"LeCun normal": ("-", COLORS["selu"]),
                "LeCun, input N(1, 4)": ("--", COLORS["selu"]),
                "He normal": ("-", COLORS["relu"]),
                "PyTorch default": ("-", "#777777"),
                "dropout 0.1": (":", "#222222"),
                "alpha-dropout 0.1": ("-.", COLORS["silu"])}


def plot_selu(runs: Mapping[str, np.ndarray], fig) -> None:
    """Mean and variance against depth, one line per setting of :data:`SELU_SETTINGS`.

    Serves the section 'SELU: self-normalising, if you let it' of book/variants.md."""
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(top=0.8, bottom=0.16)
    for name, s in runs.items():
        ls, colour = _SELU_STYLES.get(name, ("-", "grey"))
        layers = np.arange(len(s))
        ax1.plot(layers, s[:, 0], ls, color=colour, lw=1.6, label=name)
        ax2.plot(layers, s[:, 1], ls, color=colour, lw=1.6)
    ax1.axhline(0, color=COLORS["theory"], lw=0.8)
    ax2.axhline(1, color=COLORS["theory"], lw=0.8)
    ax1.set(xlabel="layer", ylabel="mean of activations", ylim=(-0.6, 1.2),
            title="mean (fixed point 0)")
    ax2.set(xlabel="layer", ylabel="variance of activations", yscale="log",
            ylim=(1e-3, 1e4), title="variance (fixed point 1)")
    fig.legend(*ax1.get_legend_handles_labels(), loc="upper center", ncol=3, fontsize=8,
               bbox_to_anchor=(0.5, 1.0))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(x: float, digits: int = 1) -> str:
    """``x`` in scientific notation for the prose, e.g. ``"−4.7 × 10⁻⁴"``.

    Serves the glued numbers of book/variants.md.

    Examples
    --------
    >>> scientific(-0.00047323), scientific(0.0)
    ('−4.7 × 10⁻⁴', '0')
    """
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    return f"{mantissa.replace('-', '−')} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


# --------------------------------------------------------------------------------- GELU

def tanh_gap(lo: float = -8.0, hi: float = 8.0, points: int = 160_001) -> tuple[float, float]:
    """The largest ``|gelu_tanh(x) - gelu(x)|`` and the ``x`` where it is reached.

    Serves the section 'GELU: two formulas, and a tail that cancels' of book/variants.md.
    A grid search refined by a bounded scalar search; the error is odd in x (both forms
    satisfy ``g(x) - g(-x) = x``), so ``-x`` has the same size of error: the negative one
    is returned.

    Examples
    --------
    >>> gap, where = tanh_gap()
    >>> round(gap, 7), round(where, 3)
    (0.0004732, -2.699)
    """
    from scipy.optimize import minimize_scalar

    x = np.linspace(lo, hi, points)
    err = np.abs(gelu(x, approximate="tanh") - gelu(x))
    i = int(np.argmax(np.where(x <= 0, err, 0.0)))
    best = minimize_scalar(lambda t: -abs(float(gelu(t, approximate="tanh") - gelu(t))),
                           bounds=(x[i - 1], x[i + 1]), method="bounded",
                           options={"xatol": 1e-10})
    return float(-best.fun), float(best.x)


def ulp_error(y: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``|y - reference|`` in units in the last place of ``reference``, in its dtype.

    Serves the section 'GELU: two formulas, and a tail that cancels' of book/variants.md.
    ``reference`` is the correctly rounded value (to within the 4 ulp of
    `relu_lib.reference`); the spacing is that of the float type of ``reference`` at its
    value, and the difference is taken in float64 (exact for float32 inputs).

    Examples
    --------
    >>> one = np.float32(1.0)
    >>> ulp_error(np.array([np.nextafter(one, 2, dtype=np.float32)]), np.array([one]))
    array([1.])
    """
    reference = np.asarray(reference)
    spacing = np.spacing(np.abs(reference)).astype(np.float64)
    return np.abs(np.asarray(y, dtype=np.float64) - reference.astype(np.float64)) / spacing


@cached(maxsize=4)
def gelu_tail(dtype: str = "float32", lo: float = -10.0, hi: float = 0.0,
              points: int = 1001) -> Mapping[str, Any]:
    """Errors in ulps of GELU's exact form as torch computes it, and of the textbook formula.

    Serves the section 'GELU: two formulas, and a tail that cancels' of book/variants.md.
    On ``points`` values of x from ``lo`` to ``hi`` in ``dtype``, against
    `relu_lib.reference.gelu` (within 4 ulp of the correctly rounded value): torch's
    ``F.gelu`` (its CPU kernel on this machine), and ``x (1 + erf(x / sqrt 2)) / 2``
    evaluated in NumPy/SciPy in the same dtype.

    Returns
    -------
    mapping with ``x``, ``torch`` and ``textbook`` (ulps), ``torch_zero`` (where torch
    returned exactly 0), ``torch_zero_from`` (the largest x at and below which it returned 0
    on every point of the grid), ``torch_abs`` (torch's absolute error) and ``reference``
    (the values).
    """
    import torch
    import torch.nn.functional as F
    from scipy.special import erf

    dt = np.dtype(dtype)
    x = np.linspace(lo, hi, points).astype(dt)
    ref = gelu(x)
    from relu_lib.torch_nets import torch_threads

    with torch_threads(1):
        by_torch = F.gelu(torch.from_numpy(x)).numpy()
    half, root2 = dt.type(0.5), dt.type(math.sqrt(2.0))
    textbook = (half * x * (dt.type(1) + erf(x / root2).astype(dt))).astype(dt)
    return {"x": x, "reference": ref, "torch": ulp_error(by_torch, ref),
            "textbook": ulp_error(textbook, ref), "torch_zero": by_torch == 0,
            "torch_zero_from": _zero_run_end(x, by_torch),
            "torch_abs": np.abs(by_torch.astype(np.float64) - ref.astype(np.float64))}


def _zero_run_end(x: np.ndarray, y: np.ndarray) -> float:
    """The largest ``x[i]`` with ``y[:i + 1]`` all zero (``x`` increasing); NaN if
    ``y[0] != 0``."""
    nonzero = np.flatnonzero(y != 0)
    first = int(nonzero[0]) if len(nonzero) else len(y)
    return float(x[first - 1]) if first > 0 else math.nan


def plot_gelu(gap: tuple[float, float], tail: Mapping[str, Any], fig) -> None:
    """Left: the tanh approximation's error over x. Right: ulps lost in the negative tail.

    Serves the section 'GELU: two formulas, and a tail that cancels' of book/variants.md."""
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.1, wspace=0.32)
    x = np.linspace(-6, 6, 2001)
    ax1.plot(x, 1e4 * (gelu(x, approximate="tanh") - gelu(x)), color=COLORS["gelu"])
    size, where = gap
    marks = [1e4 * (gelu(t, approximate="tanh") - gelu(t)) for t in (where, -where)]
    ax1.plot([where, -where], marks, "o", mfc="none", mec=COLORS["highlight"], ms=9, mew=2)
    ax1.set(xlabel="x", ylabel="tanh form − exact (× 10⁻⁴)",
            title=f"largest error {size:.2e}")
    floor = 0.5
    for key, colour, label in (("torch", COLORS["gelu"], "torch F.gelu"),
                               ("textbook", "#222222", "x(1+erf(x/√2))/2")):
        ax2.plot(tail["x"], np.maximum(tail[key], floor), color=colour, lw=1.5, label=label)
    ax2.axhline(4, color=COLORS["theory"], ls="--", lw=1, label="4 ulp")
    ax2.set(xlabel="x", ylabel="error (ulps, float32)", yscale="log", ylim=(floor, 1e9),
            title="the negative tail")
    ax2.legend(fontsize=8, loc="upper right")


# ------------------------------------------------------------------------------ timing

def _numpy_pair(name: str) -> tuple[Callable, Callable]:
    entry = ACTIVATIONS[name]
    return entry.function, entry.derivative


def activation_costs(path: str = "torch", n: int = 1 << 16,
                     names: Sequence[str] = VARIANTS, repeat: int = 5,
                     min_time: float = 0.02) -> dict[str, tuple[float, float]]:
    """Seconds for the forward and the backward pass of each activation on ``n`` float32 values.

    Serves the sections 'GELU: two formulas, and a tail that cancels' and 'The race' of
    book/variants.md, and ``benchmarks/activations.py``. ``path="torch"``: ``F.<name>`` (one
    thread), backward = ``torch.autograd.grad`` of the output with a gradient of ones (the
    graph kept); ``path="numpy"``: the `relu_lib.reference` function, backward = its
    derivative times the incoming gradient. ``"gelu_tanh"`` is GELU's tanh form. Inputs are
    standard normal (seed 0). Timed by `relu_lib.kernels.time_calls` (the forward and
    backward calls of every name take turns; the median per call), as in book/fast.md.

    Examples
    --------
    >>> costs = activation_costs("numpy", n=256, names=("relu",), repeat=1, min_time=0.0)
    >>> sorted(costs), len(costs["relu"])
    (['relu'], 2)
    """
    x32 = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    calls: dict[str, Callable[[], Any]] = {}
    if path == "numpy":
        g = np.ones_like(x32)
        for name in names:
            if name == "gelu_tanh":
                f = lambda x: gelu(x, approximate="tanh")  # noqa: E731
                from relu_lib.reference import gelu_grad
                df = lambda x: gelu_grad(x, approximate="tanh")  # noqa: E731
            else:
                f, df = _numpy_pair(name)
            calls[f"{name}/forward"] = lambda f=f: f(x32)
            calls[f"{name}/backward"] = lambda df=df: df(x32) * g
        return _pairs(time_calls(calls, repeat=repeat, min_seconds=min_time), names)
    if path != "torch":
        raise ValueError(f"path must be 'torch' or 'numpy'; got {path!r}")
    import torch
    import torch.nn.functional as F
    from relu_lib.torch_nets import torch_threads

    fns = {"prelu": lambda x: F.prelu(x, torch.tensor([0.25])),
           "gelu_tanh": lambda x: F.gelu(x, approximate="tanh")}
    with torch_threads(1):
        x = torch.from_numpy(x32).requires_grad_()
        g = torch.ones_like(x)
        for name in names:
            f = fns.get(name) or getattr(F, name)
            y = f(x)
            calls[f"{name}/forward"] = lambda f=f: f(x.detach())
            calls[f"{name}/backward"] = lambda y=y: torch.autograd.grad(
                y, x, g, retain_graph=True)
        seconds = time_calls(calls, repeat=repeat, min_seconds=min_time)
    return _pairs(seconds, names)


def _pairs(seconds: dict[str, float], names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """``{"name/forward": s, "name/backward": s}`` as ``{name: (forward, backward)}``."""
    return {n: (seconds[f"{n}/forward"], seconds[f"{n}/backward"]) for n in names}


# --------------------------------------------------------------------------------- the race

#: Every variant in the race; PReLU learns one slope per unit, from 0.25.
RACE_VARIANTS: tuple[str, ...] = VARIANTS
#: The seeds of the race: each sets the initial weights and the order of the minibatches.
SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: The two tasks: the network, the optimiser's learning rate, epochs and minibatch size.
TASKS: dict[str, dict[str, Any]] = {
    "digits": {"sizes": (64, 32, 32, 10), "lr": 1e-2, "epochs": 15, "batch": 256,
               "loss": "cross_entropy"},
    "sine": {"sizes": (1, 32, 32, 1), "lr": 2e-2, "epochs": 150, "batch": None,
             "loss": "mse"},
}
SINE_POINTS, SINE_NOISE, SINE_TEST_POINTS = 200, 0.1, 401


@cached(maxsize=2)
def race_task(task: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, y_train, X_test, y_test`` of a race task.

    Serves the section 'The race' of book/variants.md. ``"digits"``: the 8×8 digits split by
    `relu_lib.data.digits` (standardised, 450 test images). ``"sine"``: 200 noisy samples of
    ``sin(pi x)`` on [-1, 1] (noise s.d. 0.1, `relu_lib.data.curve_1d`) to train on, and the
    noise-free curve on 401 evenly spaced points to test on, so that the test error measures
    the fit itself.

    Examples
    --------
    >>> [a.shape for a in race_task("sine")]
    [(200, 1), (200,), (401, 1), (401,)]
    """
    if task == "digits":
        d = digits()
        return d.X_train, d.y_train, d.X_test, d.y_test
    if task == "sine":
        X, y = curve_1d(SINE_POINTS, kind="sine", noise=SINE_NOISE, seed=0)
        Xt = np.linspace(-1.0, 1.0, SINE_TEST_POINTS)[:, None]
        return X, y, Xt, np.sin(np.pi * Xt[:, 0])
    raise ValueError(f"unknown task {task!r}; valid: {', '.join(TASKS)}")


def _race_net(task: str, activation: str, seed: int):
    """The race's torch MLP, He-initialised (PReLU: one learned slope per unit, from 0.25)."""
    import torch
    from relu_lib import torch_nets

    sizes = TASKS[task]["sizes"]
    if activation != "prelu":
        return torch_nets.mlp(sizes, activation=activation, init="he_normal", seed=seed)
    net = torch_nets.mlp(sizes, activation="relu", init="he_normal", seed=seed)
    for i, module in enumerate(net):
        if isinstance(module, torch.nn.ReLU):
            net[i] = torch.nn.PReLU(net[i - 1].out_features, init=0.25)
    return net


def _silent_fraction(net, X: np.ndarray) -> float:
    """Fraction of hidden units whose pre-activation is ``<= 0`` on every row of ``X``."""
    import torch

    peaks = []
    h = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        for module in net:
            h = module(h)
            if isinstance(module, torch.nn.Linear) and module is not net[-1]:
                peaks.append(h.amax(dim=0).numpy())
    return float(np.mean(np.concatenate(peaks) <= 0))


@cached(maxsize=256)
def race_run(task: str = "digits", activation: str = "relu", seed: int = 0,
             epochs: int | None = None) -> Mapping[str, Any]:
    """Train the race's MLP with one activation on one task; measure it.

    Serves the section 'The race' of book/variants.md. Torch, float32, one thread; Adam at the
    task's learning rate (:data:`TASKS`), minibatches cut as `relu_lib.nets.train` cuts them.
    ``epochs`` overrides the task's (for tests).

    Returns
    -------
    mapping with ``error`` (test error rate for digits, test mean squared error against the
    noise-free curve for sine), ``silent`` (fraction of hidden units whose pre-activation is
    ``<= 0`` on every training input: dead, for ReLU and ReLU6), ``cpu_per_epoch`` (CPU
    seconds of training per epoch, the median over epochs: robust to a slow first epoch and
    to other work on the machine), ``diverged`` and the settings.
    """
    import torch
    from relu_lib import torch_nets

    spec = TASKS[task]
    epochs = spec["epochs"] if epochs is None else epochs
    X, y, Xt, yt = (np.array(a) for a in race_task(task))  # writable copies, for torch
    with torch_nets.torch_threads(1):
        net = _race_net(task, activation, seed)
        opt = torch.optim.Adam(net.parameters(), lr=spec["lr"])
        ticks = [time.process_time()]
        history = torch_nets.train(net, X, y, spec["loss"], opt, epochs=epochs,
                                   batch_size=spec["batch"], seed=seed,
                                   callback=lambda e, n: ticks.append(time.process_time()))
        cpu = float(np.median(np.diff(ticks))) if len(ticks) > 1 else math.nan
        with torch.no_grad():
            out = net(torch.as_tensor(Xt, dtype=torch.float32)).numpy().astype(np.float64)
        silent = _silent_fraction(net, X)
    if spec["loss"] == "cross_entropy":
        error = float(np.mean(out.argmax(axis=1) != yt))
    else:
        error = float(np.mean((out[:, 0] - yt) ** 2))
    return {"error": error, "silent": silent, "cpu_per_epoch": cpu,
            "diverged": history.diverged, "task": task, "activation": activation,
            "seed": seed, "epochs": epochs}


def interval(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of the 95 % interval (`relu_lib.stats.mean_interval`); a half-width
    of 0 for a constant sample, where the t-interval is undefined.

    Serves the sections 'The race' and 'Gated units' of book/variants.md.

    Examples
    --------
    >>> interval([1.0, 1.0]), round(interval([1.0, 2.0, 3.0])[1], 3)
    ((1.0, 0.0), 2.484)
    """
    values = np.asarray(values, dtype=float)
    if np.all(values == values[0]):
        return float(values[0]), 0.0
    return mean_interval(values)


@cached(maxsize=8)
def race(task: str = "digits", variants: tuple[str, ...] = RACE_VARIANTS,
         seeds: tuple[int, ...] = SEEDS, epochs: int | None = None) -> Mapping[str, Any]:
    """Every variant on one task, over seeds: means and 95 % intervals.

    Serves the section 'The race' of book/variants.md. The seeds are shared: seed ``s`` gives
    every variant the same initial weights and minibatches, so the difference to ReLU can be
    taken seed by seed (a paired comparison), which removes the part of the spread that all
    variants share.

    Returns
    -------
    mapping with, per variant (dicts keyed by name): ``errors`` (one per seed), ``error``,
    ``silent``, ``cpu`` (each a ``(mean, half-width)`` pair), ``vs_relu`` (mean and half-width
    of the per-seed difference ``error - error of ReLU``) and ``supported`` (-1, 0 or 1:
    the interval of that difference lies wholly below 0, contains 0, or lies above),
    ``worse_seeds`` (on how many seeds the error exceeded ReLU's); and the settings.

    Examples
    --------
    >>> r = race("sine", ("relu", "relu6"), seeds=(0, 1), epochs=1)
    >>> r["supported"]["relu"], len(r["errors"]["relu6"])
    (0, 2)
    """
    runs = {v: [race_run(task, v, s, epochs) for s in seeds] for v in variants}
    errors = {v: np.array([r["error"] for r in rs]) for v, rs in runs.items()}
    base = errors.get("relu", next(iter(errors.values())))
    summary: dict[str, Any] = {"errors": errors, "error": {}, "silent": {}, "cpu": {},
                               "vs_relu": {}, "supported": {}, "worse_seeds": {}}
    for v, rs in runs.items():
        summary["error"][v] = interval(errors[v])
        summary["silent"][v] = interval([r["silent"] for r in rs])
        summary["cpu"][v] = interval([r["cpu_per_epoch"] for r in rs])
        diff, half = interval(errors[v] - base)
        summary["vs_relu"][v] = (diff, half)
        summary["supported"][v] = int(np.sign(diff)) if abs(diff) > half else 0
        summary["worse_seeds"][v] = int(np.sum(errors[v] > base))
    summary.update(task=task, seeds=seeds, variants=variants)
    return summary


def named(r: Mapping[str, Any], sign: int) -> str:
    """The variants whose difference to ReLU the intervals support with this sign, in words.

    Serves the section 'The race' of book/variants.md: the verdicts in the prose are built
    from the results, so that they change with them. ``sign`` is -1 (lower error than
    ReLU) or 1 (higher).

    Examples
    --------
    >>> named({"variants": ("relu", "gelu", "silu"),
    ...        "supported": {"relu": 0, "gelu": -1, "silu": -1}}, -1)
    'GELU and SiLU'
    """
    names = [LABELS.get(v, v) for v in r["variants"] if r["supported"][v] == sign]
    if not names:
        return "none"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


#: The variants' names as the prose writes them.
LABELS = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "prelu": "PReLU", "elu": "ELU",
           "selu": "SELU", "gelu": "GELU", "silu": "SiLU", "softplus": "Softplus",
           "mish": "Mish", "relu6": "ReLU6"}


def plot_race(results: Sequence[Mapping[str, Any]], fig) -> None:
    """Test error of every variant, one panel per task: seeds as dots, mean ± 95 % interval.

    Serves the section 'The race' of book/variants.md."""
    axes = panels(fig, len(results))
    fig.subplots_adjust(left=0.14, wspace=0.45)
    for ax, r in zip(axes, results):
        names = list(r["variants"])
        ys = np.arange(len(names))[::-1]
        for y, v in zip(ys, names):
            colour = COLORS.get(v, "#777777")
            m, half = r["error"][v]
            ax.plot(r["errors"][v], np.full(len(r["errors"][v]), y), "o", color=colour,
                    ms=3.5, alpha=0.45)
            ax.errorbar([m], [y], xerr=[half], fmt="D", color=colour, ms=5, capsize=3)
        relu_mean = r["error"].get("relu", (None,))[0]
        if relu_mean is not None:
            ax.axvline(relu_mean, color=COLORS["relu"], lw=0.8, ls="--")
        ax.set_yticks(ys, [LABELS.get(v, v) for v in names])
        unit = "test error rate" if r["task"] == "digits" else "test MSE"
        ax.set(xlabel=unit, title=r["task"])
        if r["task"] == "sine":
            ax.set_xscale("log")
            low = min(float(e.min()) for e in r["errors"].values())
            ax.set_xlim(left=low / 2)
        ax.grid(True, axis="x")


# --------------------------------------------------------------------------- gated units

class GatedNet:
    """One gated layer and a linear output: ``out = unit(x W_a + c_a, x W_b + c_b) W_2 + c_2``.

    Serves the section 'Gated units' of book/variants.md; ``unit`` is a key of
    `relu_lib.gated.GATED`. He-normal weights for the two projections (fan-in of ``x``),
    LeCun-normal for the output, zero biases; it trains with `relu_lib.nets.train`, which
    needs only ``forward``, ``backward`` and ``parameters``.

    Examples
    --------
    >>> net = GatedNet(4, 3, 2, "swiglu")
    >>> out = net.forward(np.ones((5, 4)))
    >>> grads = net.backward(np.ones_like(out))
    >>> out.shape, [g.shape for g in grads.parameters()][:2]
    ((5, 2), [(4, 3), (3,)])
    """

    def __init__(self, n_in: int, hidden: int, n_out: int, unit: str = "swiglu",
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.unit = unit
        self.Wa = initialise("he_normal", n_in, hidden, rng)
        self.Wb = initialise("he_normal", n_in, hidden, rng)
        self.W2 = initialise("lecun_normal", hidden, n_out, rng)
        self.ca, self.cb, self.c2 = np.zeros(hidden), np.zeros(hidden), np.zeros(n_out)
        self._cache: tuple[np.ndarray, ...] | None = None

    def parameters(self) -> list[np.ndarray]:
        return [self.Wa, self.ca, self.Wb, self.cb, self.W2, self.c2]

    def forward(self, X: np.ndarray) -> np.ndarray:
        a, b = X @ self.Wa + self.ca, X @ self.Wb + self.cb
        h = gated.GATED[self.unit](a, b)
        self._cache = (X, a, b, h)
        return h @ self.W2 + self.c2

    def backward(self, dout: np.ndarray, activity_l1: float = 0.0) -> Any:
        X, a, b, h = self._cache
        dh = dout @ self.W2.T
        da, db = gated.GATED_GRADS[self.unit](a, b)
        da, db = dh * da, dh * db
        grads = [X.T @ da, da.sum(axis=0), X.T @ db, db.sum(axis=0), h.T @ dout,
                 dout.sum(axis=0)]
        return _Grads(grads)


class _Grads:
    def __init__(self, grads: list[np.ndarray]) -> None:
        self._grads = grads

    def parameters(self) -> list[np.ndarray]:
        return self._grads


#: The gated example: a ReLU layer of ``GATED_RELU_WIDTH`` units against gated layers of
#: ``GATED_WIDTH`` units, which have about as many parameters (two projections each).
GATED_RELU_WIDTH, GATED_WIDTH, GATED_EPOCHS, GATED_LR = 96, 51, 10, 3e-3


@cached(maxsize=64)
def gated_run(unit: str = "swiglu", seed: int = 0,
              epochs: int = GATED_EPOCHS) -> Mapping[str, Any]:
    """Test error on the digits of a one-hidden-layer net: a gated layer, or ``unit="relu"``.

    Serves the section 'Gated units' of book/variants.md. NumPy, float64; Adam at 0.003,
    minibatches of 64. The ReLU net is ``64 -> 96 -> 10`` (7,210 parameters); a gated net
    ``64 -> 2 x 51 -> 10`` (7,150).

    Returns
    -------
    mapping with ``error`` (test error rate), ``parameters`` (count) and the settings.
    """
    from relu_lib.nets import MLP

    d = digits()
    if unit == "relu":
        net = MLP([64, GATED_RELU_WIDTH, 10], seed=seed)
    else:
        net = GatedNet(64, GATED_WIDTH, 10, unit, seed=seed)
    train(net, d.X_train, d.y_train, "cross_entropy", Adam(lr=GATED_LR), epochs=epochs,
          batch_size=64, seed=seed)
    count = sum(p.size for p in net.parameters())
    return {"error": 1.0 - accuracy(net.forward(d.X_test), d.y_test), "parameters": count,
            "unit": unit, "seed": seed}


EXPLORABLES = {"moments": moments_explorable}
