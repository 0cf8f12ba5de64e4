"""Explorables: declare controls, a compute and a plot once; show them live or as a kernel-free twin.

An :class:`Explorable` is three things:

* its **controls** (:class:`Slider` and :class:`Choice`), each with a default;
* a pure **compute** function from control values to data (tested without a display);
* a **plot** function from that data to a matplotlib figure.

Displayed in a notebook, it is one output with two representations. A Jupyter front-end with a
kernel renders the live ipywidgets version, which recomputes on every change. The HTML book,
which has no kernel, renders the *twin*: self-contained HTML with the same controls and a few
lines of JavaScript that switch between figures precomputed during the build. The twin varies each
control around the defaults (others held at their defaults), plus the full grid of any pair of
controls declared to interact, and says so in its caption. It loads nothing from the network.

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

import base64
import html
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from relu_lib.plotting import blank_figure, draw_message, figure_to_png

__all__ = ["Choice", "Explorable", "Slider"]


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
    """A control that picks one of ``options`` (strings)."""

    name: str
    label: str
    options: tuple[str, ...]
    default: str

    def __post_init__(self) -> None:
        if self.default not in self.options:
            raise ValueError(f"Choice {self.name!r}: default {self.default!r} not in {self.options}")

    def values(self) -> list[str]:
        return list(self.options)

    def extremes(self) -> list[str]:
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
    plot : ``plot(data, fig) -> None``; draws onto an empty matplotlib figure
    interact : pairs of control names whose full grid the twin precomputes
    caption : one sentence saying what to look for
    figsize : figure size in inches
    """

    title: str
    controls: Sequence[Control]
    compute: Callable[..., Any]
    plot: Callable[[Any, Any], Any]
    interact: Sequence[tuple[str, str]] = ()
    caption: str = ""
    figsize: tuple[float, float] = (7.0, 3.4)
    _names: list[str] = field(init=False, repr=False)
    _png_cache: dict[str, bytes] = field(init=False, repr=False, default_factory=dict)

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
        unknown = set(values) - set(self._names)
        if unknown:
            raise TypeError(f"{self.title!r} has no controls named {sorted(unknown)}; it has {self._names}")
        return {**self.defaults(), **values}

    # ---------------------------------------------------------------- drawing
    def figure(self, **values: Any):
        """Compute and draw the figure for these control values (defaults for the rest).

        Never raises for a control setting: a failure or a non-finite result is drawn as a readable
        message inside the figure.
        """
        values = self._complete(values)
        fig = blank_figure(self.figsize)
        try:
            with np.errstate(all="ignore"):
                data = self.compute(**values)
            self.plot(data, fig)
        except Exception as exc:  # a control setting must never show a traceback
            draw_message(fig, f"This setting could not be drawn:\n{type(exc).__name__}: {exc}")
        return fig

    def png(self, **values: Any) -> bytes:
        """The figure for these values as (palette-quantised) PNG bytes; cached per setting.

        The twin fills the cache with every precomputed setting, so the live view shows those
        at once and draws only the settings the twin does not have.
        """
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
        opts = "".join(
            f'<option value="{html.escape(v)}"{" selected" if v == default else ""}>{html.escape(v)}</option>'
            for v in vals
        )
        return f'<label class="relu-ctl">{html.escape(c.label)} <select name="{c.name}">{opts}</select></label>'

    # ----------------------------------------------------------------- live
    def widget(self):
        """The live ipywidgets version: controls plus an image that is redrawn on every change."""
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
                boxes[c.name] = W.Dropdown(options=list(c.options), value=c.default, description=c.label)
        for b in boxes.values():
            b.style.description_width = "initial"
        image = W.Image(format="png", layout=W.Layout(max_width="100%"))

        def redraw(_=None):
            image.value = self.png(**{n: b.value for n, b in boxes.items()})

        for b in boxes.values():
            b.observe(redraw, names="value")
        redraw()
        header = W.HTML(f"<b>{html.escape(self.title)}</b>")
        return W.VBox([header, W.HBox(list(boxes.values()), layout=W.Layout(flex_flow="row wrap")), image])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": f"<Explorable {self.title!r}>", "text/html": self.twin_html()}
        try:
            live = self.widget()._repr_mimebundle_()
        except ImportError:
            live = None
        if live:
            bundle["application/vnd.jupyter.widget-view+json"] = live["application/vnd.jupyter.widget-view+json"]
        return bundle


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
