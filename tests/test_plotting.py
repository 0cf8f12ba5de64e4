"""The book's figure style."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from relu_lib import plotting  # noqa: E402


def test_book_style_gives_700_pixel_wide_figures():
    plotting.use_book_style()
    import matplotlib.pyplot as plt

    fig = plt.figure()
    assert round(fig.get_figwidth() * fig.dpi) == 700
    plt.close(fig)


def test_relu_has_one_colour_and_unknown_concepts_fall_back_to_grey():
    assert plotting.color("relu") == plotting.COLORS["relu"]
    assert plotting.color("no-such-concept") == "#999999"
    # ReLU's colour is not reused by another activation function
    others = {k: v for k, v in plotting.COLORS.items() if k != "relu"}
    assert plotting.COLORS["relu"] not in others.values()


def test_panels_switch_off_the_book_styles_constrained_layout():
    plotting.use_book_style()
    import matplotlib.pyplot as plt

    fig = plt.figure()
    assert fig.get_layout_engine() is not None  # the book style turns constrained layout on
    axes = plotting.panels(fig, 2)
    fig.canvas.draw()  # constrained layout would move the axes here
    assert axes[0].get_position().x0 == pytest.approx(0.09)
    assert axes[1].get_position().x1 == pytest.approx(0.98)
    plt.close(fig)


def test_moved_chapter_modules_still_import_with_a_deprecation_warning():
    import relu_lib
    from relu_lib.chapters import gradient_flow

    with pytest.warns(DeprecationWarning, match="relu_lib.chapters.gradient_flow"):
        assert relu_lib.gradflow is gradient_flow
