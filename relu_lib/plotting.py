"""The book's figure style: one colour per concept, legible at 700 px wide.

Every chapter draws with these colours, so ReLU is the same blue everywhere. Matplotlib is
imported here and nowhere else in the library.

Examples
--------
>>> from relu_lib import plotting
>>> plotting.use_book_style()
>>> plotting.COLORS["relu"]
'#0072B2'
"""

from __future__ import annotations

import matplotlib as mpl

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
