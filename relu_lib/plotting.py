"""The book's figures: one colour per concept, one style, fixed-margin panels, PNG encoding.

Every chapter draws with these colours, so ReLU is the same blue everywhere. Figures for
explorables are made by :func:`blank_figure` and laid out by :func:`panels` (fixed margins, no
layout engine: about twice as fast to draw as constrained layout); :func:`figure_to_png` encodes
them for the kernel-free twins. A live explorable keeps one :class:`LiveFigure`, which changes
the figure in place and redraws only what changed, and encodes it with :func:`pixels_to_png`.
Matplotlib is imported here and nowhere else in the library.

Examples
--------
>>> from relu_lib import plotting
>>> plotting.use_book_style()
>>> plotting.COLORS["relu"]
'#0072B2'
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

__all__ = ["COLORS", "WIDTH", "DPI", "use_book_style", "color", "blank_figure", "panels",
           "draw_message", "figure_to_png", "pixels_to_png", "LiveFigure"]

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
    of ``plt.figure()`` as it is. Titles sit just above their axes: matplotlib's search for
    tick labels or offset texts above the axes to dodge (panels have neither) is skipped,
    which saves a tenth of every draw.

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
    with mpl.rc_context({"axes.titley": 1.0}):  # a fixed title position: no search at each draw
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


def pixels_to_png(rgba: np.ndarray, compress_level: int = 1) -> bytes:
    """Encode an ``(height, width, 4)`` RGBA image as an RGB PNG, fast (no palette, light zlib).

    For a live view, where a redraw must take well under 100 ms: about 5 ms for a 700-pixel
    figure, where :func:`figure_to_png`'s palette costs 25 ms more for a file half the size.

    Examples
    --------
    >>> pixels_to_png(np.full((2, 3, 4), 255, dtype=np.uint8))[:4]
    b'\\x89PNG'
    """
    from PIL import Image

    out = io.BytesIO()
    rgb = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    rgb.save(out, format="png", compress_level=compress_level)
    return out.getvalue()


def _artists(handles: Any) -> list[Artist]:
    """The artists in ``handles``: an artist, or a mapping or sequence of them, nested."""
    if isinstance(handles, Artist):
        return [handles]
    if isinstance(handles, Mapping):
        handles = handles.values()
    if isinstance(handles, Iterable) and not isinstance(handles, str):
        return [a for h in handles for a in _artists(h)]
    return []


def _draw_order(ax) -> list[Artist]:
    """The artists of ``ax`` in the order ``Axes.draw`` draws them (patch first, then by zorder)."""
    children = [a for a in ax.get_children() if a is not ax.patch]
    framed = ax.axison and ax.get_frame_on()
    if not framed:
        children = [a for a in children if a not in ax.spines.values()]
    if not ax.axison:
        children = [a for a in children if a not in (ax.xaxis, ax.yaxis)]
    return ([ax.patch] if framed else []) + sorted(children, key=attrgetter("zorder"))


class LiveFigure:
    """One figure kept between redraws: changed in place when it can be, redrawn where it changed.

    Parameters
    ----------
    figsize : inches, as for :func:`blank_figure`
    plot : ``plot(data, fig) -> handles``: draws ``data`` on an empty figure. ``handles`` are the
        artists that ``update`` changes (an artist, or a mapping or sequence of them), or None.
    update : optional ``update(data, fig, handles) -> bool``: brings the figure that ``plot`` drew
        for earlier data up to date with ``data`` by changing the artists in ``handles`` (and, if
        need be, axis limits), and returns True; or returns False (or raises), and the figure is
        drawn from scratch. The picture must be the one ``plot`` draws from scratch; tests
        compare the pixels.

    :meth:`show` takes one of three paths, fastest first:

    * **blit**: ``update`` succeeded and nothing but the handles changed (same axis limits,
      scales, labels and tick rules; no other artist stale): the pixels saved after the last
      full draw are restored and only each axes' *layer* is drawn again, i.e. its artists from
      the first handle on in drawing order (z-order), so the picture is exactly that of a full
      draw (for axes that do not overlap, as those of :func:`panels`; the tests compare pixels);
    * **update**: ``update`` succeeded but limits changed: one full draw, no new artists;
    * **scratch**: the figure is cleared and ``plot`` draws it; then one full draw.

    ``paths`` counts how often each was taken. Where a handle is not an axes' own artist (a
    figure text, say), every redraw is a full one.

    Examples
    --------
    >>> def plot(data, fig):
    ...     (line,) = panels(fig, 1)[0].plot([0, 1], [0, data])
    ...     line.axes.set_ylim(-2, 2)
    ...     return {"line": line}
    >>> def update(data, fig, handles):
    ...     handles["line"].set_ydata([0, data])
    ...     return True
    >>> live = LiveFigure((3, 2), plot, update)
    >>> first, second = live.show(1.0), live.show(-1.0)
    >>> second.shape, live.paths
    ((200, 300, 4), {'scratch': 1, 'update': 0, 'blit': 1})
    """

    def __init__(self, figsize: tuple[float, float], plot: Callable[[Any, Figure], Any],
                 update: Callable[[Any, Figure, Any], bool] | None = None) -> None:
        self.fig = blank_figure(figsize)
        self.canvas = FigureCanvasAgg(self.fig)
        self._plot, self._update = plot, update
        self._handles: Any = None
        self._layers: list[tuple[Any, list[Artist]]] | None = None
        self._background = None
        self._signature: tuple | None = None
        self._always_stale: set[int] = set()
        self.paths = {"scratch": 0, "update": 0, "blit": 0}

    # ------------------------------------------------------------- public
    def show(self, data: Any) -> np.ndarray:
        """Draw ``data`` and return the figure's pixels, ``(height, width, 4)`` RGBA (a copy).

        An exception from ``plot`` is drawn as a message (see :func:`draw_message`).
        """
        if self._handles is not None and self._update is not None:
            try:
                updated = bool(self._update(data, self.fig, self._handles))
            except Exception:
                updated = False
            if updated:
                if self._blittable():
                    self.paths["blit"] += 1
                    return self._blit()
                self.paths["update"] += 1
                return self._full_draw()
        self.paths["scratch"] += 1
        self._reset()
        try:
            handles = self._plot(data, self.fig)
        except Exception as exc:  # a setting must never show a traceback
            self._reset()
            draw_message(self.fig, f"This setting could not be drawn:\n{type(exc).__name__}: {exc}")
        else:
            self._handles = handles
            self._layers = self._find_layers(handles)
        return self._full_draw()

    def message(self, text: str) -> np.ndarray:
        """Replace the figure by ``text`` (:func:`draw_message`) and return its pixels."""
        self._reset()
        draw_message(self.fig, text)
        return self._full_draw()

    # ------------------------------------------------------------ drawing
    def _reset(self) -> None:
        self.fig.clear()
        self._handles = self._layers = self._background = self._signature = None

    def _find_layers(self, handles: Any) -> list[tuple[Any, list[Artist]]] | None:
        """Per axes, the artists from the first handle on, in drawing order; None if a handle is
        not a direct child of an axes (then every redraw is a full one)."""
        dynamic = {id(a) for a in _artists(handles)}
        if not dynamic:
            return None
        layers, placed = [], set()
        for ax in self.fig.axes:
            if ax.get_rasterization_zorder() is not None:
                return None
            order = _draw_order(ax)
            mine = [i for i, a in enumerate(order) if id(a) in dynamic]
            if mine:
                layers.append((ax, order[mine[0]:]))
                placed |= {id(order[i]) for i in mine}
        return layers if placed == dynamic else None

    def _static_signature(self) -> tuple:
        """What the axes' background depends on: position, limits, scales, labels, tick rules."""
        def axis(a) -> tuple:
            return (a.get_label_text(), id(a.get_major_locator()), id(a.get_minor_locator()),
                    id(a.get_major_formatter()), id(a.get_minor_formatter()))
        return tuple((id(ax), ax.get_position().bounds, ax.get_xlim(), ax.get_ylim(), ax.get_xscale(),
                      ax.get_yscale(), axis(ax.xaxis), axis(ax.yaxis)) for ax in self.fig.axes)

    def _static_artists(self) -> list[Artist]:
        """The artists outside the layers, but the axis objects, which setting the same limits
        again marks stale; :meth:`_static_signature` covers them."""
        layered = {id(a) for _, layer in self._layers or () for a in layer}
        return [a for ax in self.fig.axes for a in _draw_order(ax)
                if id(a) not in layered and a not in (ax.xaxis, ax.yaxis)]

    def _full_draw(self) -> np.ndarray:
        layers = self._layers or []
        for _, layer in layers:
            for a in layer:
                a.set_animated(True)
        self.canvas.draw()  # everything but the layers: the background
        if layers:
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._draw_layers()
            self._signature = self._static_signature()
            self._always_stale = {id(a) for a in self._static_artists() if a.stale}
        return np.array(self.canvas.buffer_rgba())

    def _draw_layers(self) -> None:
        renderer = self.canvas.get_renderer()
        for _, layer in self._layers:
            for a in layer:
                a.draw(renderer)

    def _blittable(self) -> bool:
        if self._background is None or self._layers is None:
            return False
        if self._static_signature() != self._signature:
            return False
        return not any(a.stale and id(a) not in self._always_stale for a in self._static_artists())

    def _blit(self) -> np.ndarray:
        self.canvas.restore_region(self._background)
        self._draw_layers()
        return np.array(self.canvas.buffer_rgba())
