"""Fixtures for tests of the built HTML book (run by `make test` after `make book`).

These tests need `_build/html`; they fail, not skip, when it is missing, so a broken build can
never pass as "no tests ran". The browser tests drive Debian's Chromium through Playwright.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import pytest
from bookpaths import HTML, ROOT
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if not (HTML / "index.html").is_file():
        raise pytest.UsageError(f"{HTML.relative_to(ROOT)} is missing: run `make book` first")


def chromium_path() -> str:
    path = os.environ.get("RELU_BOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise pytest.UsageError("Chromium not found: `make test` installs it (Debian package chromium)")
    return path


@pytest.fixture(scope="session")
def site():
    """Serve the built book on a free localhost port; yields its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, site):
    """A fresh page whose requests to any host but the local server are blocked and recorded."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.outside_requests = []

    def route(r):
        if r.request.url.startswith(site) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            pg.outside_requests.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    yield pg
    context.close()
