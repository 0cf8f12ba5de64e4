"""The live side of an explorable: in JupyterLab with a kernel, moving a slider redraws the figure."""

from __future__ import annotations

import subprocess
import sys

import pytest
from bookpaths import SCREENSHOTS
from webtools import jupyterlab

NOTEBOOK = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
```{code-cell} ipython3
from relu_lib.chapters import sparsity
sparsity.at_init_explorable()
```
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    (root / "live.md").write_text(NOTEBOOK)
    subprocess.run([sys.executable, "-m", "jupytext", "--to", "ipynb", "-q", str(root / "live.md")], check=True)
    with jupyterlab(sys.executable, root, tmp_path_factory.mktemp("log") / "jupyterlab.log") as url:
        yield url


def test_slider_in_jupyterlab_redraws_the_figure(browser, lab):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(f"{lab}/lab/tree/live.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # run the cell only once the kernel is connected and idle (the status bar says so)
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=120_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("() => /\\[1\\]:/.test(document.querySelector('.jp-InputPrompt').innerText)",
                               timeout=60_000)
        image = page.locator(".jp-OutputArea img").first
        image.wait_for(timeout=120_000)
        # the widget shows at once with an empty image; wait for its first figure
        page.wait_for_function(
            "() => { const i = document.querySelector('.jp-OutputArea img');"
            " return i && i.complete && i.naturalWidth > 100; }", timeout=60_000)
        before = image.get_attribute("src")
        handle = page.locator(".widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "before => { const i = document.querySelector('.jp-OutputArea img');"
            " return i && i.getAttribute('src') !== before && i.naturalWidth > 100; }",
            arg=before, timeout=30_000,
        )
        assert page.locator(".widget-slider .widget-readout").first.inner_text() == "15"
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "jupyterlab-live-widget-failure.png"))
        raise
    finally:
        page.close()
