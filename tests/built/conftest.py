"""Fixtures for tests of the built HTML book (run by `make test` after `make book`).

These tests need `_build/html` (`make book`) and Chromium. Run by name (`pytest tests/built`),
they skip with a one-line reason when either is missing; under `make` (RELU_BOOK_REQUIRE=1) they
fail instead, so a broken build can never pass as "no tests ran". The browser tests drive
Debian's Chromium through Playwright.
"""

from __future__ import annotations

import pytest
from bookpaths import HTML, ROOT

import harness
from webtools import missing


@pytest.fixture(autouse=True, scope="session")
def built_book():
    """Every test here reads the built book."""
    if not (HTML / "index.html").is_file():
        missing(f"no built book in {HTML.relative_to(ROOT)}: run `make book` first")


@pytest.fixture(scope="session")
def site():
    """The built book served on a free localhost port; its base URL."""
    with harness.serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = harness.launch(p)
        yield b
        b.close()


@pytest.fixture
def visit(browser, site):
    """A fresh page with an empty cache; requests to any other host are blocked and recorded."""
    context, page, record = harness.open_page(browser, site)
    yield page, record
    context.close()


@pytest.fixture
def page(visit):
    pg, record = visit
    pg.outside_requests = record.outside
    return pg
