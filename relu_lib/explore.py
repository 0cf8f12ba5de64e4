"""Explorables: declare controls, a compute and a plot once; show them live or as a kernel-free twin.

An :class:`Explorable` is three things (and an optional fourth):

* its **controls** (:class:`Slider` and :class:`Choice`), each with a default;
* a pure **compute** function from control values to data (tested without a display);
* a **plot** function from that data to a matplotlib figure;
* optionally an **update** function that changes that figure in place for new data, which makes
  a live redraw several times faster (see :class:`relu_lib.plotting.LiveFigure`).

Displayed in a notebook, it is one output with two representations. A Jupyter front-end with a
kernel renders the live ipywidgets version, which recomputes on every change. The HTML book,
which has no kernel, renders the *twin*: self-contained HTML with the same controls and a few
lines of JavaScript that switch between figures precomputed during the build. The twin varies each
control around the defaults (others held at their defaults), plus the full grid of any pair of
controls declared to interact, and says so in its caption. It loads nothing from the network.

The twin takes seconds to precompute, so it is built only where it will be read: see
:func:`twin_wanted`. A reader in JupyterLab gets the widget at once, and its first figure right
after the cell has run.

Examples
--------
>>> ex = Explorable(
...     "Scaled ReLU",
...     controls=[Slider("a", "slope", 0.0, 2.0, 0.5, default=1.0)],
...     compute=lambda a: {"a": a},
...     plot=lambda data, fig: fig.add_subplot().plot([-1, 0, 1], [0, 0, data["a"]]),
... )
>>> [s["a"] for s in ex.twin_states()]
[1.0, 0.0, 0.5, 1.5, 2.0]
"""

from __future__ import annotations

import asyncio
import base64
import html
import itertools
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from relu_lib.nets import limited_blas
from relu_lib.plotting import LiveFigure, blank_figure, draw_message, figure_to_png, pixels_to_png

__all__ = ["Choice", "Explorable", "Slider", "twin_wanted"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class Slider:
    """A numeric control from ``min`` to ``max`` in steps of ``step``.

    ``twin_values`` are the values the kernel-free twin precomputes; by default up to ``twin_points``
    values spread evenly over the range (always including both ends and the default).
    """

    name: str
    label: str
    min: float
    max: float
    step: float
    default: float
    twin_values: tuple[float, ...] | None = None
    twin_points: int = 5
    integer: bool = False

    def __post_init__(self) -> None:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"Slider {self.name!r}: default {self.default} outside [{self.min}, {self.max}]")
        if self.step <= 0:
            raise ValueError(f"Slider {self.name!r}: step must be positive")

    def snap(self, value: float) -> float | int:
        """Round ``value`` to the slider's grid, clipped to its range."""
        k = round((value - self.min) / self.step)
        v = min(max(self.min + k * self.step, self.min), self.max)
        return int(round(v)) if self.integer else float(round(v, 12))

    def values(self) -> list[float | int]:
        """The values the twin precomputes, in increasing order, default included."""
        raw = self.twin_values or tuple(np.linspace(self.min, self.max, self.twin_points))
        return sorted({self.snap(v) for v in raw} | {self.snap(self.default)})

    def extremes(self) -> list[float | int]:
        return [self.snap(self.min), self.snap(self.max)]


@dataclass(frozen=True)
class Choice:
    """A control that picks one of ``options``: values of any type (numbers, strings, ...).

    The twin and the widget label each option by :func:`_fmt` (``0.001`` -> ``"0.001"``, ``1.0``
    -> ``"1"``), so the labels must be distinct; the compute function receives the value itself.

    Examples
    --------
    >>> Choice("lr", "learning rate", (0.01, 0.1, 1.0), default=0.1).labels()
    ['0.01', '0.1', '1']
    """

    name: str
    label: str
    options: tuple[Any, ...]
    default: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        if self.default not in self.options:
            raise ValueError(f"Choice {self.name!r}: default {self.default!r} not in {self.options}")
        labels = self.labels()
        if len(set(labels)) != len(labels):
            raise ValueError(f"Choice {self.name!r}: options {self.options} do not have distinct "
                             f"labels {labels}")

    def labels(self) -> list[str]:
        """How the twin and the widget show each option, in order."""
        return [_fmt(v) for v in self.options]

    def values(self) -> list[Any]:
        return list(self.options)

    def extremes(self) -> list[Any]:
        return list(self.options)


Control = Slider | Choice


@dataclass
class Explorable:
    """An interactive figure; see the module docstring.

    Parameters
    ----------
    title : shown above the controls
    controls : the sliders and choices, in display order
    compute : ``compute(**values) -> data``; pure and seeded
    plot : ``plot(data, fig) -> handles``; draws onto an empty matplotlib figure and returns the
        artists that ``update`` changes (or None)
    interact : pairs of control names whose full grid the twin precomputes
    caption : one sentence saying what to look for
    figsize : figure size in inches
    update : optional ``update(data, fig, handles) -> bool`` for the live view: changes the
        figure that ``plot`` drew in place (see :class:`relu_lib.plotting.LiveFigure`)

    Computations run with one BLAS thread (:func:`relu_lib.nets.limited_blas`).
    """

    title: str
    controls: Sequence[Control]
    compute: Callable[..., Any]
    plot: Callable[[Any, Any], Any]
    interact: Sequence[tuple[str, str]] = ()
    caption: str = ""
    figsize: tuple[float, float] = (7.0, 3.4)
    update: Callable[[Any, Any, Any], bool] | None = None
    _names: list[str] = field(init=False, repr=False)
    _png_cache: dict[str, bytes] = field(init=False, repr=False, default_factory=dict)
    _live: LiveFigure | None = field(init=False, repr=False, default=None)
    _live_pngs: OrderedDict = field(init=False, repr=False, default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self._names = [c.name for c in self.controls]
        if len(set(self._names)) != len(self._names):
            raise ValueError(f"Explorable {self.title!r}: control names must be unique")
        for pair in self.interact:
            unknown = set(pair) - set(self._names)
            if unknown:
                raise ValueError(f"Explorable {self.title!r}: interact names unknown controls {unknown}")

    # ------------------------------------------------------------------ values
    def defaults(self) -> dict[str, Any]:
        return {c.name: (c.snap(c.default) if isinstance(c, Slider) else c.default) for c in self.controls}

    def control(self, name: str) -> Control:
        return self.controls[self._names.index(name)]

    def _complete(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with defaults for the missing controls; slider values snapped to their grid
        (a widget's float slider reports 0.30000000000000004 for 0.3)."""
        unknown = set(values) - set(self._names)
        if unknown:
            raise TypeError(f"{self.title!r} has no controls named {sorted(unknown)}; it has {self._names}")
        values = {**self.defaults(), **values}
        return {c.name: c.snap(values[c.name]) if isinstance(c, Slider) else values[c.name]
                for c in self.controls}

    def _compute(self, values: dict[str, Any]) -> Any:
        with np.errstate(all="ignore"), limited_blas(1):
            return self.compute(**values)

    # ---------------------------------------------------------------- drawing
    def figure(self, **values: Any):
        """Compute and draw the figure for these control values (defaults for the rest).

        Never raises for a control setting: a failure or a non-finite result is drawn as a readable
        message inside the figure.
        """
        values = self._complete(values)
        fig = blank_figure(self.figsize)
        try:
            self.plot(self._compute(values), fig)
        except Exception as exc:  # a control setting must never show a traceback
            draw_message(fig, _failure(exc))
        return fig

    def png(self, **values: Any) -> bytes:
        """The figure for these values, drawn from scratch, as the twin's (palette-quantised) PNG
        bytes; cached per setting."""
        key = self._key(self._complete(values))
        if key not in self._png_cache:
            self._png_cache[key] = figure_to_png(self.figure(**values))
        return self._png_cache[key]

    # ----------------------------------------------------------------- twin
    def extreme_states(self) -> list[dict[str, Any]]:
        """The defaults, then every control at each of its extremes (others at their defaults)."""
        base = self.defaults()
        return [base] + [{**base, c.name: v} for c in self.controls for v in c.extremes()]

    def twin_states(self) -> list[dict[str, Any]]:
        """Every control setting the twin precomputes: defaults, each control alone, interacting grids."""
        base = self.defaults()
        states = [base]
        for c in self.controls:
            states += [{**base, c.name: v} for v in c.values()]
        for a, b in self.interact:
            for va, vb in itertools.product(self.control(a).values(), self.control(b).values()):
                states.append({**base, a: va, b: vb})
        unique, seen = [], set()
        for s in states:
            key = self._key(s)
            if key not in seen:
                seen.add(key)
                unique.append(s)
        return unique

    def _key(self, values: dict[str, Any]) -> str:
        return "|".join(f"{n}={_fmt(values[n])}" for n in self._names)

    def twin_html(self, element_id: str | None = None, progress: bool = False) -> str:
        """Self-contained HTML + JavaScript that switches between precomputed figures."""
        uid = element_id or f"relu-explorable-{next(_TWIN_NUMBERS)}"
        states = self.twin_states()
        images = []
        for i, s in enumerate(states):
            if progress:
                print(f"\r{self.title}: precomputing {i + 1}/{len(states)}", end="", flush=True)
            images.append(base64.b64encode(self.png(**s)).decode("ascii"))
        if progress:
            print()
        keys = [self._key(s) for s in states]
        spec = {
            "names": self._names,
            "defaults": {n: _fmt(v) for n, v in self.defaults().items()},
            "interact": [list(p) for p in self.interact],
            "keys": keys,
        }
        return _TWIN_TEMPLATE.format(
            uid=uid,
            title=html.escape(self.title),
            controls="\n".join(self._control_html(uid, c) for c in self.controls),
            images="\n".join(
                f'<img data-key="{html.escape(k)}" src="data:image/png;base64,{b}" '
                f'alt="{html.escape(self.title)}: {html.escape(k.replace("|", ", "))}" '
                f'style="max-width:100%;display:{"block" if i == 0 else "none"}">'
                for i, (k, b) in enumerate(zip(keys, images))
            ),
            caption=html.escape(self.caption),
            n=len(states),
            spec=json.dumps(spec),
        )

    def _control_html(self, uid: str, c: Control) -> str:
        vals = [_fmt(v) for v in c.values()]
        default = self.defaults()[c.name]
        if isinstance(c, Slider):
            idx = vals.index(_fmt(default))
            return (
                f'<label class="relu-ctl">{html.escape(c.label)} '
                f'<input type="range" name="{c.name}" min="0" max="{len(vals) - 1}" step="1" value="{idx}" '
                f"data-values='{json.dumps(vals)}'> <output>{vals[idx]}</output></label>"
            )
        selected = _fmt(default)
        opts = "".join(
            f'<option value="{html.escape(v)}"{" selected" if v == selected else ""}>{html.escape(v)}</option>'
            for v in vals
        )
        return f'<label class="relu-ctl">{html.escape(c.label)} <select name="{c.name}">{opts}</select></label>'

    # ----------------------------------------------------------------- live
    def live_png(self, **values: Any) -> bytes:
        """The live view's figure for these values as PNG bytes (fast encoding, no palette).

        The figure is kept between calls and changed in place when the explorable has an
        ``update`` (see :class:`relu_lib.plotting.LiveFigure`); the last 256 settings are cached.
        """
        values = self._complete(values)
        key = self._key(values)
        if key in self._live_pngs:
            self._live_pngs.move_to_end(key)
            return self._live_pngs[key]
        if self._live is None:
            self._live = LiveFigure(self.figsize, self.plot, self.update)
        try:
            data = self._compute(values)
        except Exception as exc:  # a control setting must never show a traceback
            pixels = self._live.message(_failure(exc))
        else:
            pixels = self._live.show(data)
        png = self._live_pngs[key] = pixels_to_png(pixels)
        if len(self._live_pngs) > 256:
            self._live_pngs.popitem(last=False)
        return png

    def widget(self):
        """The live ipywidgets version: controls plus an image that is redrawn on every change.

        The widget is returned at once with a blank image of the figure's size; its first figure
        is drawn as soon as the kernel is free (right after the cell that shows it), or at once
        where no event loop runs (a script, a test).
        """
        import ipywidgets as W

        boxes = {}
        for c in self.controls:
            if isinstance(c, Slider) and c.integer:
                boxes[c.name] = W.IntSlider(value=c.snap(c.default), min=int(c.min), max=int(c.max),
                                            step=int(c.step), description=c.label, continuous_update=False)
            elif isinstance(c, Slider):
                boxes[c.name] = W.FloatSlider(value=c.snap(c.default), min=c.min, max=c.max, step=c.step,
                                              description=c.label, continuous_update=False)
            else:
                boxes[c.name] = W.Dropdown(options=list(zip(c.labels(), c.options)), value=c.default,
                                           description=c.label)
        for b in boxes.values():
            b.style.description_width = "initial"
        image = W.Image(value=self._blank_png(), format="png", layout=W.Layout(max_width="100%"))

        def redraw(_=None):
            image.value = self.live_png(**{n: b.value for n, b in boxes.items()})

        for b in boxes.values():
            b.observe(redraw, names="value")
        _soon(redraw)
        header = W.HTML(f"<b>{html.escape(self.title)}</b>")
        return W.VBox([header, W.HBox(list(boxes.values()), layout=W.Layout(flex_flow="row wrap")), image])

    def _blank_png(self) -> bytes:
        """A white PNG of the figure's size: holds the widget's place until the first figure."""
        fig = blank_figure(self.figsize)
        width, height = (int(round(v)) for v in fig.get_size_inches() * fig.dpi)
        return pixels_to_png(np.full((height, width, 4), 255, dtype=np.uint8))

    def _live_note_html(self) -> str:
        return (f'<div class="relu-explorable-live-note"><strong>{html.escape(self.title)}</strong>: '
                "an explorable. It shows as a live widget in a Jupyter front-end with ipywidgets; "
                "<code>twin_html()</code> gives a version that needs no kernel.</div>")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        """The live widget's view plus text/html: the twin where :func:`twin_wanted`, else a note."""
        bundle: dict[str, Any] = {"text/plain": f"<Explorable {self.title!r}>"}
        if (include is None or "text/html" in include) and not (exclude and "text/html" in exclude):
            bundle["text/html"] = self.twin_html() if twin_wanted() else self._live_note_html()
        try:
            live = self.widget()._repr_mimebundle_()
        except ImportError:
            live = None
        if live:
            bundle[WIDGET_VIEW] = live[WIDGET_VIEW]
        return bundle


def twin_wanted() -> bool:
    """Whether a displayed explorable carries its twin (seconds to build) besides the widget.

    The twin is what the HTML book shows, so it must be in the notebooks that the book build
    executes; a reader in JupyterLab sees the widget and must not wait for it. The rule:

    1. the environment variable ``RELU_BOOK_BUILD`` decides when it is ``1`` (twin) or ``0``
       (no twin);
    2. otherwise the twin is built unless the code runs in a Jupyter kernel whose current
       request comes from a front-end that reads input from its user. That is the
       ``allow_stdin`` flag of the Jupyter messaging protocol's ``execute_request``: JupyterLab,
       Notebook, VS Code and Colab set it; programs that execute notebooks without a reader
       (nbclient, used by jupyter-book/myst-nb, jupyter-cache, ``nbconvert --execute`` and
       papermill) do not. Outside a kernel (a script, a test) the twin is built too.

    So the book needs no setting, and an unknown case errs towards building the twin: slower,
    never a page without its figures.
    """
    flag = os.environ.get("RELU_BOOK_BUILD", "").strip()
    if flag in ("0", "1"):
        return flag == "1"
    return not _reader_present()


def _reader_present() -> bool:
    """True inside a Jupyter kernel executing a request that allows input from a user."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        if kernel is None:
            return False
        return bool(kernel.get_parent().get("content", {}).get("allow_stdin", False))
    except Exception:  # no IPython, an old ipykernel: assume no reader, build the twin
        return False


def _soon(callback: Callable[[], Any]) -> None:
    """Run ``callback`` as soon as the running event loop is free (in a Jupyter kernel: once
    the current cell has finished), or now where no event loop runs."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        callback()
    else:
        loop.call_soon(callback)


def _failure(exc: Exception) -> str:
    return f"This setting could not be drawn:\n{type(exc).__name__}: {exc}"


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"


# Twins are numbered in the order a kernel shows them: unique in a page, and the same number on
# every run of a chapter on a fresh kernel, so rebuilt pages are identical.
_TWIN_NUMBERS = itertools.count(1)

_TWIN_TEMPLATE = """<div class="relu-explorable" id="{uid}" data-states="{n}">
<div class="relu-explorable-title"><strong>{title}</strong></div>
<form class="relu-explorable-controls" style="display:flex;flex-wrap:wrap;gap:0.4em 1.2em;margin:0.3em 0">
{controls}
</form>
<div class="relu-explorable-figures">
{images}
</div>
<p class="relu-explorable-note" style="font-size:0.85em;color:#555;margin:0.2em 0">{caption}
This page version shows {n} precomputed settings: moving one control resets the others to their
defaults (unless the two were precomputed together). Run the chapter in Jupyter for every combination.</p>
<script type="application/json" class="relu-explorable-spec">{spec}</script>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  var spec = JSON.parse(root.querySelector(".relu-explorable-spec").textContent);
  var imgs = {{}};
  root.querySelectorAll("img[data-key]").forEach(function (im) {{ imgs[im.dataset.key] = im; }});
  function read(name) {{
    var el = root.querySelector("[name='" + name + "']");
    if (el.tagName === "SELECT") return el.value;
    return JSON.parse(el.dataset.values)[parseInt(el.value, 10)];
  }}
  function write(name, value) {{
    var el = root.querySelector("[name='" + name + "']");
    if (el.tagName === "SELECT") {{ el.value = value; return; }}
    var i = JSON.parse(el.dataset.values).indexOf(value);
    el.value = String(i);
    el.parentNode.querySelector("output").textContent = value;
  }}
  function key(vals) {{ return spec.names.map(function (n) {{ return n + "=" + vals[n]; }}).join("|"); }}
  function update(changed) {{
    var vals = {{}};
    spec.names.forEach(function (n) {{ vals[n] = read(n); }});
    if (!(key(vals) in imgs)) {{
      var keep = {{}}; keep[changed] = true;
      spec.interact.forEach(function (p) {{
        if (p.indexOf(changed) >= 0) {{ keep[p[0]] = true; keep[p[1]] = true; }}
      }});
      spec.names.forEach(function (n) {{ if (!keep[n]) {{ vals[n] = spec.defaults[n]; write(n, vals[n]); }} }});
      if (!(key(vals) in imgs)) {{
        spec.names.forEach(function (n) {{ if (n !== changed) {{ vals[n] = spec.defaults[n]; write(n, vals[n]); }} }});
      }}
    }}
    var k = key(vals);
    Object.keys(imgs).forEach(function (kk) {{ imgs[kk].style.display = (kk === k) ? "block" : "none"; }});
    root.dataset.shown = k;
  }}
  root.querySelectorAll("input[type=range]").forEach(function (el) {{
    el.addEventListener("input", function () {{
      el.parentNode.querySelector("output").textContent = JSON.parse(el.dataset.values)[parseInt(el.value, 10)];
      update(el.name);
    }});
  }});
  root.querySelectorAll("select").forEach(function (el) {{
    el.addEventListener("change", function () {{ update(el.name); }});
  }});
  update(spec.names[0]);
}})();
</script>
</div>"""
