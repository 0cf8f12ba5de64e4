"""The chapters as files: structure the build cannot check for us."""

import re

import pytest
import yaml

from book_pages import BIB_KEYS, CHAPTERS as CHAPTER_PAGES, PAGES, ROOT


def _text(page):
    """The page's source, or "" while it does not exist yet (the toc test names it)."""
    path = ROOT / f"{page}.md"
    return path.read_text() if path.is_file() else ""


WRITTEN = [p for p in PAGES if _text(p)]
# Pages with code cells: notebooks, whatever part of the book they are in.
NOTEBOOKS = [p for p in WRITTEN if "```{code-cell}" in _text(p)]
# Chapters: the notebooks of the numbered parts. Back matter and the pages for instructors may
# hold code cells (the timeline draws a figure) without being chapters.
CHAPTERS = [p for p in CHAPTER_PAGES if p in NOTEBOOKS]
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)


def test_every_page_in_the_toc_exists_and_nothing_in_book_is_orphaned():
    for page in PAGES:
        assert (ROOT / f"{page}.md").is_file(), page
    on_disk = {f"book/{p.stem}" for p in (ROOT / "book").glob("*.md")}
    assert on_disk <= set(PAGES), f"pages not in _toc.yml: {on_disk - set(PAGES)}"


def test_there_is_at_least_one_chapter():
    assert CHAPTERS


def test_chapters_are_the_numbered_parts_and_back_matter_is_not():
    assert "book/what_is_relu" in CHAPTERS and "book/dying_relu" in CHAPTERS
    assert not {p for p in CHAPTERS if "faq" in p or "timeline" in p or "glossary" in p}


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_chapter_is_a_myst_notebook_with_a_python_kernel(chapter):
    head = _text(chapter).split("---")[1]
    meta = yaml.safe_load(head)
    assert meta["jupytext"]["text_representation"]["format_name"] == "myst"
    assert meta["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_code_cells_are_short_and_fit_the_page(chapter):
    text = (ROOT / f"{chapter}.md").read_text()
    for cell in CELL.findall(text):
        cell = re.sub(r"\A---\n.*?^---\n", "", cell, flags=re.S | re.M)  # cell metadata (YAML)
        lines = [ln for ln in cell.splitlines() if ln.strip() and not ln.startswith(":")]
        assert len(lines) <= 20, f"a {len(lines)}-line cell belongs in relu_lib:\n{cell}"
        for ln in lines:
            assert len(ln) <= 70, f"line too wide for the page ({len(ln)} chars): {ln}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_three_exercises_each_with_a_gated_solution(chapter):
    text = (ROOT / f"{chapter}.md").read_text()
    labels = re.findall(r"```\{exercise-start\}\n:label: (\S+)", text)
    assert len(labels) >= 3
    for label in labels:
        assert re.search(r"```\{solution-start\} " + re.escape(label) + r"\n:class: dropdown", text), label


@pytest.mark.parametrize("page", WRITTEN)
def test_every_citation_is_in_the_bibliography(page):
    text = (ROOT / f"{page}.md").read_text()
    for keys in re.findall(r"\{cite[a-z:]*\}`([^`]+)`", text):
        for key in keys.split(","):
            assert key.strip() in BIB_KEYS, f"{page}: unknown citation {key}"


@pytest.mark.parametrize("chapter", NOTEBOOKS)
def test_randomness_in_chapters_is_seeded(chapter):
    text = "\n".join(CELL.findall((ROOT / f"{chapter}.md").read_text()))
    assert "default_rng()" not in text, "np.random.default_rng() without a seed"
    assert not re.search(r"np\.random\.(rand|randn|normal|uniform|seed)\(", text), "legacy global RNG"


# --- numbers in the prose ----------------------------------------------------------------------

def test_the_prose_checker_finds_typed_numbers_and_accepts_glued_cited_and_defined_ones():
    from prose_numbers import unbound_numbers

    text = """---
kernelspec: {name: python3}
---
# A chapter

The network reached 0.93 on the test set after 40 epochs.
It reached {glue:text}`acc:.2f` after {glue:text}`epochs` epochs, as the cell shows.
He et al. report 30 layers {cite}`he2015delving`. Leaky ReLU's slope is 0.01 by default.
In 2012 two layers were enough; the gradient fell to $4\\times10^{-5}$.

```{code-cell} ipython3
print(0.93, 40)
```
"""
    found = [(line, number) for line, number, _ in unbound_numbers(text)]
    assert found == [(6, "0.93"), (6, "40"), (9, "4\\times10^{-5}")]


@pytest.mark.parametrize("chapter", WRITTEN)
def test_every_number_in_the_prose_is_glued_cited_or_a_definition(chapter):
    from prose_numbers import unbound_numbers

    rows = unbound_numbers((ROOT / f"{chapter}.md").read_text())
    listing = "\n".join(f"{chapter}.md:{line}: {n}  | {s}" for line, n, s in rows)
    assert not rows, f"numbers typed into the prose (glue or cite them):\n{listing}"
