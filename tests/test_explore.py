"""Explorables: one declaration, a live widget and a kernel-free twin."""

import asyncio
import io
import re
import types

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from relu_lib.explore import Choice, Explorable, Slider, twin_wanted  # noqa: E402
from relu_lib.plotting import draw_message, figure_to_png  # noqa: E402


def _line_plot(data, fig):
    ax = fig.add_subplot()
    if not np.all(np.isfinite(data["y"])):
        draw_message(fig, "diverged: the values are not finite")
        return
    ax.plot(data["x"], data["y"], label=data["kind"])


def _compute(slope, kind, shift=0.0):
    x = np.linspace(-2, 2, 50)
    if kind == "boom":
        raise RuntimeError("this setting explodes")
    y = np.maximum(slope * x + shift, 0) if kind == "relu" else slope * x + shift
    if kind == "nan":
        y = y * np.nan
    return {"x": x, "y": y, "kind": kind}


@pytest.fixture
def ex():
    return Explorable(
        "Test explorable",
        controls=[
            Slider("slope", "slope", 0.0, 2.0, 0.5, default=1.0),
            Choice("kind", "kind", ("relu", "linear", "nan", "boom"), default="relu"),
            Slider("shift", "shift", -1.0, 1.0, 0.25, default=0.0, twin_values=(-1.0, 1.0)),
        ],
        compute=_compute,
        plot=_line_plot,
        interact=[("slope", "shift")],
        caption="Watch the corner move.",
    )


def test_slider_snaps_to_its_grid_and_range():
    s = Slider("a", "a", 0.0, 1.0, 0.1, default=0.5)
    assert s.snap(0.449) == 0.4
    assert s.snap(7.0) == 1.0 and s.snap(-3.0) == 0.0
    assert s.values() == [0.0, 0.2, 0.5, 0.8, 1.0]  # 0.25 and 0.75 snap to the 0.1 grid
    assert s.extremes() == [0.0, 1.0]
    assert Slider("n", "n", 1, 9, 1, default=3, integer=True).snap(4.6) == 5


@pytest.mark.parametrize(
    "bad", [dict(default=2.0), dict(step=0.0)], ids=["default-outside-range", "zero-step"]
)
def test_slider_rejects_inconsistent_declaration(bad):
    kwargs = dict(name="a", label="a", min=0.0, max=1.0, step=0.1, default=0.5) | bad
    with pytest.raises(ValueError):
        Slider(**kwargs)


def test_choice_rejects_default_not_offered():
    with pytest.raises(ValueError):
        Choice("c", "c", ("x", "y"), default="z")


def test_unknown_control_names_are_an_error(ex):
    with pytest.raises(TypeError, match="no controls named"):
        ex.figure(slop=1.0)
    with pytest.raises(ValueError, match="unknown controls"):
        Explorable("t", [Slider("a", "a", 0, 1, 1, 0)], _compute, _line_plot, interact=[("a", "b")])


def test_twin_states_cover_defaults_each_control_and_interacting_grid(ex):
    states = ex.twin_states()
    keys = {ex._key(s) for s in states}
    assert len(keys) == len(states), "states are unique"
    assert states[0] == ex.defaults()
    for kind in ("relu", "linear", "nan", "boom"):
        assert {**ex.defaults(), "kind": kind} in states
    for slope in ex.control("slope").values():
        for shift in ex.control("shift").values():
            assert {**ex.defaults(), "slope": slope, "shift": shift} in states
    # a non-interacting pair is not gridded
    assert {**ex.defaults(), "kind": "linear", "slope": 2.0} not in states


def _figure_text(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_a_failing_setting_draws_a_message_not_a_traceback(ex):
    fig = ex.figure(kind="boom")
    assert "could not be drawn" in _figure_text(fig) and "explodes" in _figure_text(fig)


def test_a_nan_result_draws_a_readable_message(ex):
    assert "not finite" in _figure_text(ex.figure(kind="nan"))


def test_every_extreme_renders_a_figure(ex):
    for state in ex.extreme_states():
        png = ex.png(**state)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_controls_give_the_same_figure(ex):
    assert ex.png(slope=0.5) == ex.png(slope=0.5)
    assert ex.png(slope=0.5) != ex.png(slope=2.0)


def test_quantised_png_is_smaller_than_full_colour(ex):
    fig = ex.figure()
    assert len(figure_to_png(fig, colors=64)) < len(figure_to_png(fig, colors=None))


def test_twin_is_self_contained_with_one_image_per_state(ex):
    page = ex.twin_html(element_id="t1")
    assert page.count("<img ") == len(ex.twin_states())
    assert page.count('type="range"') == 2 and page.count("<select") == 1
    # nothing is loaded from elsewhere: no external src/href, only data: URIs
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", page)
    assert "http" not in page.replace("data:image/png", "")
    assert 'id="t1"' in page and "Watch the corner move." in page
    # exactly one figure is visible at first
    assert page.count("display:block") == 1


def test_twins_get_distinct_ids_that_do_not_depend_on_the_clock(ex):
    ids = [re.search(r'<div class="relu-explorable" id="([^"]+)"', ex.twin_html()).group(1) for _ in range(2)]
    assert ids[0] != ids[1] and all(re.fullmatch(r"relu-explorable-\d+", i) for i in ids)
    assert int(ids[1].rsplit("-", 1)[1]) == int(ids[0].rsplit("-", 1)[1]) + 1


def test_widget_redraws_when_a_control_changes(ex):
    pytest.importorskip("ipywidgets")
    w = ex.widget()
    header, controls, image = w.children
    before = image.value
    assert before[:4] == b"\x89PNG"
    controls.children[0].value = 2.0
    assert image.value != before
    controls.children[0].value = 1.0
    assert image.value == before, "returning to the default redraws the same figure"
    assert [label for label, _ in controls.children[1].options] == ["relu", "linear", "nan", "boom"]


def test_a_widget_failure_shows_the_message_and_the_next_setting_recovers(ex):
    pytest.importorskip("ipywidgets")
    _, controls, image = ex.widget().children
    controls.children[1].value = "boom"
    assert "could not be drawn" in _figure_text(ex._live.fig) and "explodes" in _figure_text(ex._live.fig)
    controls.children[1].value = "linear"
    assert _pixels(image.value).shape[:2] == _pixels(ex.live_png(kind="relu")).shape[:2]
    assert not _figure_text(ex._live.fig)


# ---------------------------------------------------------------- choices of any type

def test_choice_takes_values_of_any_type_labelled_by_fmt():
    c = Choice("lr", "learning rate", [0.001, 0.5, 2.0, 3], default=2.0)
    assert c.options == (0.001, 0.5, 2.0, 3) and c.labels() == ["0.001", "0.5", "2", "3"]
    with pytest.raises(ValueError, match="distinct labels"):
        Choice("x", "x", (1, 1.0), default=1)


def test_numeric_choices_reach_compute_as_numbers_and_the_twin_as_labels():
    seen = []

    def compute(lr, n):
        seen.append((lr, n))
        return {"x": np.linspace(-1, 1, 5), "y": np.linspace(-1, 1, 5) * lr, "kind": "line"}

    ex = Explorable("numbers", [Choice("lr", "lr", (0.01, 0.1, 1.0), default=0.1),
                                Choice("n", "n", (2, 4), default=2)], compute, _line_plot)
    page = ex.twin_html(element_id="t2")
    assert (0.01, 2) in seen and all(isinstance(lr, float) and isinstance(n, int) for lr, n in seen)
    assert 'data-key="lr=0.01|n=2"' in page and '<option value="1">1</option>' in page
    assert '<option value="0.1" selected>' in page
    pytest.importorskip("ipywidgets")
    _, controls, _ = ex.widget().children
    assert controls.children[0].options == (("0.01", 0.01), ("0.1", 0.1), ("1", 1.0))
    controls.children[0].value = 1.0
    assert seen[-1] == (1.0, 2)


def test_widget_float_slider_values_are_snapped_before_compute():
    pytest.importorskip("ipywidgets")
    seen = []

    def compute(shift):
        seen.append(shift)
        return _compute(1.0, "relu", shift)

    ex = Explorable("snap", [Slider("shift", "shift", -1.0, 1.0, 0.05, default=0.0)], compute, _line_plot)
    _, controls, _ = ex.widget().children
    controls.children[0].value = 0.1 * 3 - 0.05  # 0.25000000000000006, as a float slider may report
    assert seen[-1] == 0.25


# ---------------------------------------------------------------- the live path

def _fast_plot(data, fig):
    ax = fig.add_subplot()
    (line,) = ax.plot(data["x"], data["y"], color="#0072B2")
    ax.set(xlim=(-2, 2), ylim=(-5, 5), xlabel="x", title=data["kind"])
    ax.axhline(0, color="black", lw=1, zorder=1)  # below the line: drawn once, under a blit
    legend = ax.legend([line], ["y"], loc="upper left")
    return {"line": line, "title": ax.title, "legend": legend}


def _fast_update(data, fig, h):
    if data["kind"] == "nan":
        return False
    h["line"].set_data(data["x"], data["y"])
    h["title"].set_text(data["kind"])
    return True


@pytest.fixture
def fast():
    return Explorable(
        "Fast explorable",
        controls=[Slider("slope", "slope", 0.0, 2.0, 0.25, default=1.0),
                  Choice("kind", "kind", ("relu", "linear", "nan", "boom"), default="relu"),
                  Slider("shift", "shift", -1.0, 1.0, 0.25, default=0.0)],
        compute=_compute, plot=_fast_plot, update=_fast_update,
    )


def _pixels(png):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _scratch_pixels(ex, **values):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ex.figure(**values)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3]


def test_an_uncached_change_takes_the_fast_path_and_draws_what_a_fresh_figure_shows(fast):
    pytest.importorskip("ipywidgets")
    _, controls, image = fast.widget().children
    assert fast._live.paths == {"scratch": 1, "update": 0, "blit": 0}
    controls.children[0].value = 1.75  # never drawn before: computed and redrawn, not looked up
    assert fast._live.paths["blit"] == 1, "only the line and title were drawn again"
    np.testing.assert_array_equal(_pixels(image.value), _scratch_pixels(fast, slope=1.75))
    controls.children[1].value = "linear"
    np.testing.assert_array_equal(_pixels(image.value), _scratch_pixels(fast, slope=1.75, kind="linear"))
    assert fast._live.paths == {"scratch": 1, "update": 0, "blit": 2}


def test_fast_path_falls_back_to_a_full_draw_or_a_fresh_plot_when_it_must(fast):
    from relu_lib.plotting import LiveFigure

    live = LiveFigure(fast.figsize, fast.plot, fast.update)
    live.show(_compute(1.0, "relu"))
    # limits change: an update in place, but the whole figure is drawn again
    handles = live._handles
    handles["line"].axes.set_ylim(-3, 3)
    pixels = live.show(_compute(0.5, "relu"))
    assert live.paths["update"] == 1
    # a static artist (below the line) changed behind the update's back: no blit either
    live._handles["line"].axes.lines[1].set_color("red")
    live.show(_compute(0.75, "relu"))
    assert live.paths["update"] == 2
    # update refuses (returns False) or raises: drawn from scratch, with the same picture
    live.show(_compute(0.5, "nan"))
    assert live.paths["scratch"] == 2
    live.show({"x": None})  # update raises, plot raises: a message, no traceback
    assert "could not be drawn" in _figure_text(live.fig) and live.paths["scratch"] == 3
    assert pixels.shape == (340, 700, 4)


def test_fast_path_matches_a_fresh_figure_at_every_extreme(fast):
    from relu_lib.plotting import LiveFigure

    live = LiveFigure(fast.figsize, fast.plot, fast.update)
    for state in fast.extreme_states():
        state = fast._complete(state)
        try:
            data = _compute(**state)
        except RuntimeError:
            continue
        np.testing.assert_array_equal(live.show(data)[..., :3], _scratch_pixels(fast, **state))
    assert live.paths["blit"] >= 4


def test_first_figure_waits_for_the_kernel_to_be_free_when_an_event_loop_runs(fast):
    pytest.importorskip("ipywidgets")

    async def show():
        _, _, image = fast.widget().children
        blank = image.value
        assert fast._live is None, "nothing computed or drawn before the widget is returned"
        await asyncio.sleep(0)
        return blank, image.value

    blank, first = asyncio.run(show())
    assert np.all(_pixels(blank) == 255) and _pixels(blank).shape == _pixels(first).shape
    assert first == fast.live_png()


# ---------------------------------------------------------------- the display bundle

def test_display_bundle_carries_twin_and_live_widget(ex, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.delenv("RELU_BOOK_BUILD", raising=False)
    bundle = ex._repr_mimebundle_()
    assert 'class="relu-explorable"' in bundle["text/html"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_a_live_display_shows_the_widget_without_building_the_twin(ex, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setenv("RELU_BOOK_BUILD", "0")
    monkeypatch.setattr(Explorable, "twin_html", lambda self, *a, **k: pytest.fail("twin built"))
    bundle = ex._repr_mimebundle_()
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
    assert "relu-explorable-live-note" in bundle["text/html"] and "<img" not in bundle["text/html"]
    assert set(ex._png_cache) == set(), "no twin figure was drawn"


def test_display_bundle_respects_include_and_exclude(ex, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setattr(Explorable, "twin_html", lambda self, *a, **k: pytest.fail("twin built"))
    assert "text/html" not in ex._repr_mimebundle_(include={"text/plain"})
    assert "text/html" not in ex._repr_mimebundle_(exclude={"text/html"})


class _Kernel:
    def __init__(self, allow_stdin):
        self.allow_stdin = allow_stdin

    def get_parent(self):
        return {"content": {"code": "ex", "allow_stdin": self.allow_stdin}}


@pytest.mark.parametrize("env, kernel, wanted", [
    ("1", True, True),    # the book build may insist
    ("0", False, False),  # a reader may refuse
    ("", None, True),     # no kernel: a script, a test
    ("", True, False),    # JupyterLab, Notebook, VS Code: a reader is there
    ("", False, True),    # nbclient (jupyter-book, nbconvert --execute, papermill): nobody reads
])
def test_twin_is_wanted_unless_a_reader_is_there(env, kernel, wanted, monkeypatch):
    import IPython

    monkeypatch.setenv("RELU_BOOK_BUILD", env)
    shell = types.SimpleNamespace(kernel=None if kernel is None else _Kernel(kernel))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert twin_wanted() is wanted
