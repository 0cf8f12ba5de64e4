"""Every explorable of the book, at its defaults and at each extreme of every control."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from relu_lib.chapters import book_explorables  # noqa: E402

EXPLORABLES = book_explorables()


def _all_text(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


@pytest.mark.parametrize("name", sorted(EXPLORABLES))
def test_every_control_extreme_renders_a_figure_without_an_error_message(name):
    ex = EXPLORABLES[name]()
    for state in ex.extreme_states():
        fig = ex.figure(**state)
        assert fig.axes, f"{name} at {state} drew nothing"
        assert "could not be drawn" not in _all_text(fig), f"{name} failed at {state}"


@pytest.mark.parametrize("name", sorted(EXPLORABLES))
def test_twin_covers_every_extreme_so_the_live_view_has_them_precomputed(name):
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
