"""Fixtures for tests of the built HTML book (run by `make test` after `make book`).

These tests need `_build/html`; they fail, not skip, when it is missing, so a broken build can
never pass as "no tests ran". The browser tests drive Debian's Chromium through Playwright.
"""

from __future__ import annotations

import pytest
from bookpaths import HTML, ROOT

import harness


def pytest_collection_modifyitems(config, items):
    if not (HTML / "index.html").is_file():
        raise pytest.UsageError(f"{HTML.relative_to(ROOT)} is missing: run `make book` first")


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
