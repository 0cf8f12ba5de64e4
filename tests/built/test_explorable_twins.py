"""The kernel-free twins in the built book: present, self-contained, and responsive in a browser."""

from __future__ import annotations

import re

import pytest

from bookpaths import HTML, ROOT, SCREENSHOTS

CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md"))


def _explorable_cells(md_text: str) -> int:
    """Code cells whose last line displays an explorable (a call to an `*_explorable()` factory)."""
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", md_text, re.S | re.M)
    return sum(1 for c in cells if re.search(r"_explorable\([^)]*\)\s*$", c.strip()))


PAGES_WITH_TWINS = [p for p in CHAPTERS if _explorable_cells(p.read_text())]


def test_some_chapter_shows_an_explorable():
    assert PAGES_WITH_TWINS


@pytest.mark.parametrize("chapter", PAGES_WITH_TWINS, ids=lambda p: p.stem)
def test_every_explorable_cell_became_a_twin_with_no_outside_resources(chapter):
    html = (HTML / "book" / f"{chapter.stem}.html").read_text()
    assert html.count('class="relu-explorable"') == _explorable_cells(chapter.read_text())
    for twin in re.findall(r'<div class="relu-explorable".*?</script>\n</div>', html, re.S):
        assert not re.search(r"""\b(src|href)\s*=\s*["'](?!data:)""", twin), "twin loads a resource"
        assert "<img" in twin and "<script>" in twin
    # no widget JavaScript from a CDN on the page
    assert not re.search(r"<script[^>]+src=\"https?://", html)
    assert "embed-amd" not in html and "require.min.js" not in html


MOVE_AND_CHECK_WITHIN_A_FRAME = """el => new Promise(resolve => {
    const root = el.closest('.relu-explorable');
    const before = root.dataset.shown;
    if (el.tagName === 'SELECT') { el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
                                   el.dispatchEvent(new Event('change')); }
    else { el.value = String((parseInt(el.value) + 1) % (parseInt(el.max) + 1));
           el.dispatchEvent(new Event('input')); }
    const immediately = root.dataset.shown !== before;
    requestAnimationFrame(() => resolve(immediately));
})"""


@pytest.mark.parametrize("chapter", PAGES_WITH_TWINS, ids=lambda p: p.stem)
def test_every_control_of_every_twin_shows_another_figure_within_the_same_frame(page, site, chapter):
    page.goto(f"{site}/book/{chapter.stem}.html")
    twins = page.locator(".relu-explorable")
    assert twins.count() == _explorable_cells(chapter.read_text())
    for i in range(twins.count()):
        twin = twins.nth(i)
        twin.scroll_into_view_if_needed()
        controls = twin.locator("input[type=range], select")
        assert controls.count() >= 1
        for j in range(controls.count()):
            before = twin.get_attribute("data-shown")
            visible = twin.locator("img:visible")
            assert visible.count() == 1 and visible.get_attribute("data-key") == before
            src_before = visible.get_attribute("src")
            # move the control as a reader would; the figure must change before the next frame
            changed = controls.nth(j).evaluate(MOVE_AND_CHECK_WITHIN_A_FRAME)
            name = controls.nth(j).get_attribute("name")
            assert changed, f"twin {i}, control {name}: no new figure within one animation frame"
            after = twin.get_attribute("data-shown")
            assert after != before
            shown = twin.locator("img:visible")
            assert shown.count() == 1 and shown.get_attribute("data-key") == after
            assert shown.get_attribute("src") != src_before
            assert shown.evaluate("img => img.complete && img.naturalWidth > 0")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{chapter.stem}-twin.png"), full_page=True)
    assert page.outside_requests == []


@pytest.mark.parametrize("chapter", PAGES_WITH_TWINS, ids=lambda p: p.stem)
def test_keyboard_moves_a_slider_and_the_figure_follows(page, site, chapter):
    page.goto(f"{site}/book/{chapter.stem}.html")
    twin = page.locator(".relu-explorable", has=page.locator("input[type=range]")).first
    if twin.count() == 0:
        pytest.skip("no explorable on this page has a slider")
    slider = twin.locator("input[type=range]").first
    before = twin.get_attribute("data-shown")
    slider.focus()
    slider.press("ArrowRight" if slider.evaluate("el => el.value !== el.max") else "ArrowLeft")
    assert twin.get_attribute("data-shown") != before
    label = slider.locator("xpath=following-sibling::output")
    name = slider.get_attribute("name")
    assert f"{name}={label.inner_text()}" in twin.get_attribute("data-shown").split("|")


def test_math_is_typeset_from_the_site_itself(page, site):
    page.goto(f"{site}/book/what_is_relu.html")
    page.wait_for_selector("mjx-container", timeout=15000)
    assert page.locator("mjx-container").count() > 10
    assert page.outside_requests == []
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert sum("tex-chtml.js" in s for s in scripts) == 1, "MathJax is loaded exactly once"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_pages_show_no_warnings_tracebacks_or_machine_paths(chapter):
    html = (HTML / "book" / f"{chapter.stem}.html").read_text()
    for bad in ("Warning:", "Traceback", "/tmp/", "ipykernel_", "could not be drawn"):
        assert bad not in html, f"{chapter.stem}: page shows {bad!r}"


NOTEBOOKS = [p for p in CHAPTERS if "```{code-cell}" in p.read_text()]


@pytest.mark.parametrize("chapter", NOTEBOOKS, ids=lambda p: p.stem)
def test_printed_outputs_fit_the_page_width(chapter):
    import json

    nb = json.loads((ROOT / "_build" / "jupyter_execute" / "book" / f"{chapter.stem}.ipynb").read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for line in "".join(out.get("text", "")).splitlines():
                assert len(line) <= 74, f"{chapter.stem}: output line of {len(line)} chars: {line}"
