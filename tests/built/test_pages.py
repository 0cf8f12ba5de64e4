"""Every page of the built book, in headless Chromium with the network cut.

For each page: it loads; nothing is requested from another host; no request fails; the console
shows no error; every image (hidden twin figures included) decodes; every piece of math is typeset
by the MathJax the site serves itself; axe-core finds no critical or serious violation; the
first visit transfers at most 2.5 MB. A full-page screenshot of each page is saved under
`_build/screenshots/pages/` to be looked at.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from bookpaths import HTML, ROOT, SCREENSHOTS

import harness

PAGES = harness.book_pages()
MAX_PAGE_BYTES = 2.5e6


def test_every_chapter_of_the_toc_was_built():
    toc = (ROOT / "_toc.yml").read_text()
    files = re.findall(r"(?:root|file):\s*(\S+)", toc)
    assert files and yaml.safe_load(toc)
    for f in files:
        assert f"{f}.html" in PAGES, f"{f} is in _toc.yml but has no page"
    assert "index.html" in PAGES and "search.html" in PAGES


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_and_whole(visit, site, path):
    page, record = visit
    harness.load(page, record, f"{site}/{path}")
    shot = SCREENSHOTS / "pages" / (path.replace("/", "__").removesuffix(".html") + ".png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)

    assert record.outside == [], f"requests to other hosts: {record.outside}"
    assert record.failed == [], f"failed requests: {record.failed}"
    assert record.console_errors == [], f"console errors: {record.console_errors}"
    assert harness.broken_images(page) == []
    math = harness.untypeset_math(page)
    assert math["bad"] == [], f"{len(math['bad'])} of {math['count']} math elements not typeset"
    if math["count"]:
        assert page.locator("mjx-container").count() >= math["count"]
    assert record.transfer_bytes <= MAX_PAGE_BYTES, f"{record.transfer_bytes / 1e6:.2f} MB"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_critical_or_serious_accessibility_violation(visit, site, path):
    page, record = visit
    harness.load(page, record, f"{site}/{path}")
    violations = harness.axe_violations(page)
    report = SCREENSHOTS / "axe" / (path.replace("/", "__").removesuffix(".html") + ".json")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=1))
    # critical: a reader cannot use the page; serious: contrast, names that do not match labels
    grave = [v for v in violations if v["impact"] in ("critical", "serious")]
    assert grave == [], json.dumps(grave, indent=1)


@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("book/")])
def test_every_figure_has_alt_text(path):
    html = (HTML / path).read_text()
    figures = [img for img in re.findall(r"<img\b[^>]*>", html)
               if re.search(r'src="(data:image|\.\./_images/)', img)]
    chapter = (ROOT / path).with_suffix(".md")
    assert figures or "```{code-cell}" not in chapter.read_text(), f"{path}: a chapter with no figure"
    for img in figures:
        alt = re.search(r'\balt="([^"]*)"', img)
        assert alt and alt.group(1).strip(), f"{path}: image without alt text: {img[:120]}"
        # myst-nb's fallback alt is the file name, which tells a screen-reader user nothing
        assert not re.search(r"\.(png|svg|jpe?g)$", alt.group(1)), f"{path}: alt is a file name: {img[:120]}"
        assert len(alt.group(1).split()) >= 4, f"{path}: alt text too short to describe: {img[:120]}"


def test_search_works_without_a_server(visit, site):
    page, record = visit
    harness.load(page, record, f"{site}/search.html?q=sparsity")
    page.wait_for_selector("#search-results li", timeout=20_000)
    found = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    assert any("sparsity.html" in href for href in found)
    assert record.outside == [] and record.console_errors == []


def test_live_code_fails_quietly_without_the_network(visit, site):
    """Thebe comes from the network when asked for; offline, the page says so and stays whole."""
    page, record = visit
    harness.load(page, record, f"{site}/book/what_is_relu.html")
    outputs = page.locator(".cell_output").count()
    page.locator(".dropdown-launch-buttons button").first.click()
    page.get_by_text("Live Code").click()
    page.wait_for_function(
        "() => (document.querySelector('.thebe-launch-button') || {}).innerText?.includes('needs the network')",
        timeout=20_000)
    assert [u for u in record.outside if "thebe" in u], "Thebe was not requested"
    assert not [e for e in record.console_errors if e.startswith("uncaught")], record.console_errors
    assert page.locator(".cell_output").count() == outputs
