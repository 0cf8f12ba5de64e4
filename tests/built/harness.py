"""Serve the built book on localhost and visit its pages in headless Chromium.

Shared by the browser tests (`tests/built`) and `benchmarks/page_weight.py`, so the pages that are
tested and the pages that are weighed are the same pages, visited the same way.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bookpaths import AXE, HTML, ROOT

sys.path.insert(0, str(ROOT / "tests"))
from webtools import launch, missing  # noqa: E402,F401  (launch: for the tests and benchmarks)

VIEWPORT = {"width": 1200, "height": 900}
# Folders of the built site that hold assets, sources and downloads, not pages of the book.
NOT_PAGES = {"_static", "_sources", "_images", "mathjax"}


def book_pages(html: Path = HTML) -> list[str]:
    """Every HTML page of the built book, as a path relative to the site root."""
    pages = []
    for p in sorted(html.rglob("*.html")):
        rel = p.relative_to(html)
        if rel.parts[0] in NOT_PAGES or any(part.startswith(".") for part in rel.parts):
            continue
        pages.append(rel.as_posix())
    return pages


# Text that static hosts such as GitHub Pages send gzip-compressed; fonts and images go as they are.
COMPRESSED = (".html", ".css", ".js", ".svg", ".json", ".txt", ".map", ".ipynb", ".md")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """A static file server that compresses text as a static host does, and keeps quiet."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (not path.is_file() or not path.name.endswith(COMPRESSED)
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(directory: Path = HTML):
    """Serve `directory` on a free localhost port; yields the base URL."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Visit:
    """What one page load fetched and reported."""

    url: str
    responses: dict[str, int] = field(default_factory=dict)  # url -> bytes transferred (gzip)
    failed: list[str] = field(default_factory=list)  # failed requests and HTTP errors
    outside: list[str] = field(default_factory=list)  # requests to another host (blocked)
    console_errors: list[str] = field(default_factory=list)

    @property
    def transfer_bytes(self) -> int:
        return sum(self.responses.values())


def open_page(browser, site: str):
    """A fresh context and page (empty cache) whose requests to any other host are blocked."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    visit = Visit(url="")

    def route(r):
        url = r.request.url
        if url.startswith(site) or url.startswith("data:"):
            r.continue_()
        else:
            visit.outside.append(url)
            r.abort()

    def finished(request):
        sizes = request.sizes()
        visit.responses[request.url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    def response(resp):
        if resp.status >= 400:
            visit.failed.append(f"{resp.status} {resp.url}")

    def failed(request):
        if request.url not in visit.outside:
            visit.failed.append(f"{request.failure} {request.url}")

    def console(msg):
        if msg.type == "error":
            visit.console_errors.append(msg.text)

    page.route("**/*", route)
    page.on("requestfinished", finished)
    page.on("response", response)
    page.on("requestfailed", failed)
    page.on("console", console)
    page.on("pageerror", lambda exc: visit.console_errors.append(f"uncaught: {exc}"))
    return context, page, visit


def load(page, visit: Visit, url: str) -> Visit:
    """Load `url`, wait until the network is idle and math (if any) is typeset."""
    visit.url = url
    page.goto(url, wait_until="networkidle")
    page.evaluate(
        """() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
                   ? MathJax.startup.promise.then(() => true) : true"""
    )
    # images below the fold count too: scroll through the page once, then settle
    page.evaluate(
        """async () => { for (let y = 0; y < document.body.scrollHeight; y += 800) {
                             window.scrollTo(0, y); await new Promise(r => setTimeout(r, 0)); }
                         window.scrollTo(0, 0); }"""
    )
    page.wait_for_load_state("networkidle")
    return visit


def broken_images(page) -> list[str]:
    """Images that did not load or cannot be decoded (hidden twin figures included)."""
    return page.evaluate(
        """() => Promise.all([...document.images].map(img =>
                 img.decode().then(() => img.naturalWidth > 0 ? null : img.src.slice(0, 100),
                                   () => img.src.slice(0, 100))))
               .then(xs => xs.filter(x => x !== null))"""
    )


def untypeset_math(page) -> dict:
    """Sphinx math elements: how many there are, and which ones MathJax did not turn into math."""
    return page.evaluate(
        """() => { const els = [...document.querySelectorAll('.math')];
                   const bad = els.filter(e => !e.querySelector('mjx-container') || e.querySelector('mjx-merror'));
                   return {count: els.length, bad: bad.map(e => e.textContent.slice(0, 60))}; }"""
    )


def axe_violations(page) -> list[dict]:
    """Run axe-core (vendored from the npm registry by `make`) on the page; its violations."""
    if not AXE.is_file():
        missing(f"axe-core not found at {AXE.relative_to(ROOT)}: `make built` fetches it")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 300))})))"""
    )
