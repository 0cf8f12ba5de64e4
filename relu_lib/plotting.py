"""The book's figures: one colour per concept, one style, fixed-margin panels, PNG encoding.

Every chapter draws with these colours, so ReLU is the same blue everywhere. Figures for
explorables are made by :func:`blank_figure` and laid out by :func:`panels` (fixed margins, no
layout engine: about twice as fast to draw as constrained layout); :func:`figure_to_png` encodes
them for the kernel-free twins. Matplotlib is imported here and nowhere else in the library.

Examples
--------
>>> from relu_lib import plotting
>>> plotting.use_book_style()
>>> plotting.COLORS["relu"]
'#0072B2'
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

__all__ = ["COLORS", "WIDTH", "DPI", "use_book_style", "color", "blank_figure", "panels",
           "draw_message", "figure_to_png"]

#: One colour per concept, from the Okabe–Ito palette (readable with colour-vision deficiencies).
COLORS: dict[str, str] = {
    "relu": "#0072B2",        # blue: ReLU, always
    "leaky_relu": "#56B4E9",  # sky blue: ReLU's close relatives
    "prelu": "#56B4E9",
    "relu6": "#005A8C",
    "elu": "#E69F00",         # orange: exponential family
    "selu": "#D55E00",        # vermillion
    "gelu": "#CC79A7",        # reddish purple: smooth gates
    "silu": "#009E73",        # bluish green
    "mish": "#7A5195",
    "softplus": "#8C6D31",
    "sigmoid": "#777777",     # greys: the classic saturating functions
    "tanh": "#222222",
    "theory": "#000000",      # black dashed: what a formula predicts
    "highlight": "#D55E00",   # the point the figure is about
    "float16": "#D55E00",
    "float32": "#E69F00",
    "float64": "#332288",
}

#: Width of a full-width figure in inches at :data:`DPI`, i.e. 700 pixels.
WIDTH = 7.0
DPI = 100


def use_book_style() -> None:
    """Set matplotlib defaults for the book (size, fonts, grid, spines).

    Call once at the top of a chapter. Safe to call repeatedly.
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (WIDTH, WIDTH * 0.45),
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "figure.constrained_layout.use": True,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "lines.linewidth": 2.0,
        }
    )


def color(name: str) -> str:
    """Return the book's colour for a concept, e.g. ``color("relu")``; grey if it has none."""
    return COLORS.get(name, "#999999")


def blank_figure(figsize: tuple[float, float] = (WIDTH, WIDTH * 0.45)) -> Figure:
    """An empty figure at the book's resolution, with no layout engine (see :func:`panels`).

    It is not registered with pyplot, so drawing many of them (an explorable's twin) leaks
    nothing and shows nothing by itself.
    """
    return Figure(figsize=figsize, dpi=mpl.rcParams["figure.dpi"], layout="none")


def panels(fig: Figure, n: int = 2, widths: Sequence[float] | None = None) -> list:
    """``n`` side-by-side axes on ``fig`` with fixed margins that fit the book's labels.

    Fixed margins instead of constrained layout: drawing a figure is then about twice as fast,
    which is what keeps a live explorable responsive. Any layout engine of ``fig`` (the book
    style turns on constrained layout) is switched off first, so a chapter can pass the figure
    of ``plt.figure()`` as it is.

    Examples
    --------
    >>> fig = blank_figure()
    >>> axes = panels(fig, 3)
    >>> len(axes), round(float(axes[0].get_position().x0), 2)
    (3, 0.09)
    """
    # No layout engine runs, and later subplots_adjust calls still apply (the "none" engine
    # inherits constrained layout's refusal of them).
    fig.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=True))
    gridspec = {"width_ratios": widths} if widths else None
    axes = fig.subplots(1, n, squeeze=False, gridspec_kw=gridspec)[0]
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.89, wspace=0.28)
    return list(axes)


def draw_message(fig: Figure, text: str) -> Figure:
    """Replace the contents of ``fig`` by a readable message (for settings that cannot be drawn)."""
    fig.clear()
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=12,
            color=COLORS["highlight"])
    return fig


def figure_to_png(fig: Figure, colors: int | None = 128) -> bytes:
    """Encode ``fig`` as PNG bytes; ``colors`` quantises to a palette (smaller files).

    Examples
    --------
    >>> figure_to_png(blank_figure((1, 1)))[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    if colors is None:
        return buf.getvalue()
    from PIL import Image

    buf.seek(0)
    img = Image.open(buf).convert("RGB")
    img = img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    img.save(out, format="png", optimize=True)
    return out.getvalue()
