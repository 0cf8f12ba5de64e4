"""Every explorable of the book, at its defaults and at each extreme of every control, drawn from
scratch (the twin) and through the live figure (the widget), which must look exactly the same."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from relu_lib.chapters import book_explorables  # noqa: E402
from relu_lib.plotting import LiveFigure  # noqa: E402

EXPLORABLES = book_explorables()


def _all_text(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def _pixels(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


@pytest.mark.parametrize("name", sorted(EXPLORABLES))
def test_every_control_extreme_renders_the_same_figure_live_and_from_scratch(name):
    """Each extreme drawn from scratch without an error message, and the live figure, moved
    there from the setting before (in place, or only the changed artists), pixel for pixel the
    same; the explorables with an ``update`` must take a fast path for most moves."""
    ex = EXPLORABLES[name]()
    live = LiveFigure(ex.figsize, ex.plot, ex.update)
    for state in ex.extreme_states():
        fig = ex.figure(**state)
        assert fig.axes, f"{name} at {state} drew nothing"
        assert "could not be drawn" not in _all_text(fig), f"{name} failed at {state}"
        shown = live.show(ex._compute(ex._complete(state)))
        np.testing.assert_array_equal(shown, _pixels(fig), err_msg=f"{name} live at {state}")
    assert ex.update is not None, "every explorable of the book redraws in place"
    fast = live.paths["update"] + live.paths["blit"]
    assert fast >= 0.6 * len(ex.extreme_states()), live.paths


@pytest.mark.parametrize("name", sorted(EXPLORABLES))
def test_twin_covers_every_extreme_and_stays_small(name):
    ex = EXPLORABLES[name]()
    keys = {ex._key(s) for s in ex.twin_states()}
    for state in ex.extreme_states():
        assert ex._key(state) in keys
    assert len(keys) <= 40, "a twin this large makes the page heavy"


@pytest.mark.parametrize("name", sorted(EXPLORABLES))
def test_same_setting_gives_the_same_figure_on_a_fresh_explorable(name):
    a, b = EXPLORABLES[name](), EXPLORABLES[name]()
    state = a.defaults()
    assert a.png(**state) == b.png(**state)
    assert a.live_png(**state) == b.live_png(**state)

