"""The timeline's data (relu_lib.history): every milestone cited, in order, and drawn legibly."""

import dataclasses
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from relu_lib import history  # noqa: E402
from relu_lib.plotting import COLORS, blank_figure, color  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _bib_years() -> dict[str, int]:
    """BibTeX key -> year, for every entry of references.bib."""
    text = (ROOT / "references.bib").read_text()
    years = {}
    for entry in re.split(r"\n(?=@)", text):
        head = re.match(r"\s*@\w+\{([^,\s]+),", entry)
        year = re.search(r"^\s*year\s*=\s*\{?(\d{4})", entry, re.M)
        if head and year:
            years[head.group(1)] = int(year.group(1))
    return years


BIB = _bib_years()


@pytest.mark.parametrize("m", history.TIMELINE, ids=lambda m: m.key)
def test_every_milestone_cites_a_reference_of_its_own_year(m):
    assert m.key in BIB, f"{m.key} is not in references.bib"
    assert BIB[m.key] == m.year, f"{m.label}: {m.year}, but its reference is from {BIB[m.key]}"


def test_milestones_run_in_order_of_year_with_unique_references_and_labels():
    years = [m.year for m in history.TIMELINE]
    assert years == sorted(years)
    assert len({m.key for m in history.TIMELINE}) == len(history.TIMELINE)
    assert len({m.label for m in history.TIMELINE}) == len(history.TIMELINE)


@pytest.mark.parametrize("m", history.TIMELINE, ids=lambda m: m.key)
def test_each_milestone_has_a_short_label_a_sentence_and_a_known_kind(m):
    assert 0 < len(m.label) <= history.LABEL_WIDTH
    assert m.event[0].isupper() and m.event.endswith(".")
    assert m.kind in history.KINDS


def test_milestones_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        history.TIMELINE[0].year = 1900


def test_the_timeline_runs_from_threshold_units_to_gated_units_through_the_rectifier_papers():
    keys = [m.key for m in history.TIMELINE]
    assert history.TIMELINE[0].kind == "threshold"
    for key in ("fukushima1969visual", "hahnloser2000digital", "jarrett2009best",
                "nair2010rectified", "glorot2011deep", "krizhevsky2012imagenet",
                "vaswani2017attention", "shazeer2020glu"):
        assert key in keys
    assert {m.kind for m in history.TIMELINE} == set(history.KINDS)


def test_relu_milestones_are_drawn_in_relus_colour():
    assert color(history.KINDS["relu"][1]) == COLORS["relu"]
    others = [concept for kind, (_, concept) in history.KINDS.items() if kind != "relu"]
    assert COLORS["relu"] not in {color(c) for c in others}


def test_figure_has_one_dot_and_one_label_per_milestone_all_inside_the_axes():
    fig = blank_figure((7, 7.2))
    ax = history.plot_timeline(fig)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    dots = [line for line in ax.lines if len(line.get_xdata()) == 1]
    assert len(dots) == len(ax.texts) == len(history.TIMELINE)
    box = ax.get_window_extent(renderer)
    for text in ax.texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, text.get_text()
    for dot, m in zip(dots, history.TIMELINE):
        assert dot.get_xdata()[0] == m.year
        assert dot.get_color() == color(history.KINDS[m.kind][1])
    assert ax.get_xlabel()
