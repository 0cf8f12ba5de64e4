"""The book's figure style."""

import matplotlib

matplotlib.use("Agg")

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
