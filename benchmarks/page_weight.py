"""What a reader downloads: every page's transfer size on a first visit, and the book's total.

Serves `_build/html` on localhost, opens each page in headless Chromium with an empty cache (the
same visit as the browser tests in `tests/built`), and adds up the bytes of every response: the
HTML, CSS, JavaScript, fonts, MathJax and images the page fetched. Figures inlined as data: URIs
are part of the HTML's bytes. The server compresses text (HTML, CSS, JavaScript, SVG) with gzip as
static hosts such as GitHub Pages do; "raw" is the same files uncompressed, what a copy served
without compression costs. The book's total counts each file once, as a reader who reads every
page in one browser would fetch it. Target: <= 2.5 MB per page, transferred.

Run after `make book`: `.venv/bin/python benchmarks/page_weight.py`
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "built"))

import harness  # noqa: E402
from bookpaths import HTML  # noqa: E402

TARGET = 2.5e6


def kind(url: str) -> str:
    path = url.split("?")[0]
    for ext, name in ((".html", "html"), (".js", "js"), (".css", "css"), (".woff2", "font"),
                      (".woff", "font"), (".png", "image"), (".svg", "image")):
        if path.endswith(ext):
            return name
    return "other"


def raw_bytes(url: str, site: str) -> int:
    """Size on disk of the file behind a URL of the local site."""
    path = url.removeprefix(site).split("?")[0].lstrip("/") or "index.html"
    f = HTML / path
    return (f / "index.html").stat().st_size if f.is_dir() else f.stat().st_size


def main() -> int:
    from playwright.sync_api import sync_playwright

    pages = harness.book_pages(HTML)
    every: dict[str, int] = {}
    over = []
    print(f"{'page':34s} {'requests':>8s} {'html':>9s} {'js':>9s} {'css':>9s} {'font':>9s} "
          f"{'other':>9s} {'total':>10s} {'raw':>8s}")
    with harness.serve(HTML) as site, sync_playwright() as p:
        browser = harness.launch(p)
        for path in pages:
            context, page, record = harness.open_page(browser, site)
            harness.load(page, record, f"{site}/{path}")
            context.close()
            by_kind: dict[str, int] = {}
            for url, size in record.responses.items():
                by_kind[kind(url)] = by_kind.get(kind(url), 0) + size
                every[url.split("?")[0]] = size
            total = record.transfer_bytes
            rest = sum(v for k, v in by_kind.items() if k not in ("html", "js", "css", "font"))
            flag = "" if total <= TARGET else "  over target"
            if flag:
                over.append(path)
            raw = sum(raw_bytes(url, site) for url in record.responses)
            print(f"{path:34s} {len(record.responses):8d} "
                  + " ".join(f"{by_kind.get(k, 0) / 1e3:7.0f}kB" for k in ("html", "js", "css", "font"))
                  + f" {rest / 1e3:7.0f}kB {total / 1e6:8.2f}MB {raw / 1e6:6.2f}MB{flag}")
        browser.close()
    print(f"\n{len(pages)} pages; the book's total, each file counted once: {sum(every.values()) / 1e6:.2f} MB")
    on_disk = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file())
    print(f"_build/html on disk (downloads and sources included): {on_disk / 1e6:.1f} MB")
    print(f"target <= {TARGET / 1e6:.1f} MB per page: " + ("met" if not over else f"missed by {over}"))
    return 0 if not over else 1


if __name__ == "__main__":
    raise SystemExit(main())
