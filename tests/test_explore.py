"""Explorables: one declaration, a live widget and a kernel-free twin."""

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from relu_lib.explore import Choice, Explorable, Slider  # noqa: E402
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
    assert controls.children[1].options == ("relu", "linear", "nan", "boom")


def test_display_bundle_carries_twin_and_live_widget(ex):
    pytest.importorskip("ipywidgets")
    bundle = ex._repr_mimebundle_()
    assert "relu-explorable" in bundle["text/html"]
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
