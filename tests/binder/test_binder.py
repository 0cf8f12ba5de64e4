"""binder/ builds an environment in which a MyST chapter opens in JupyterLab as a notebook and runs.

repo2docker cannot run here, so the fixtures in conftest.py build the same environment in a fresh
venv with pip and run binder/postBuild in it. These tests then check that a chapter executes top
to bottom there, that relu_lib and a CPU torch import, and that JupyterLab from that environment
opens .md and .myst files as notebooks (Jupytext Notebook as the default viewer).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from binderenv import BINDER, ROOT, SCREENSHOTS, TORCH_CPU, run, venv_env

CHAPTER = "book/what_is_relu.md"
VIEWER = "Jupytext Notebook"  # the widget factory that jupytext's JupyterLab extension registers
DOCMANAGER = "@jupyterlab/docmanager-extension:plugin"
# the document in the tab that is showing (JupyterLab may restore other tabs of an earlier visit)
MAIN = "#jp-main-dock-panel .jp-MainAreaWidget:not(.lm-mod-hidden)"
# What can show up in the main area when a text file is opened: a notebook, or something else.
OPENED = {
    "notebook": f"{MAIN}.jp-NotebookPanel .jp-Notebook .jp-Cell",
    "text editor": f"{MAIN} .jp-FileEditor",
    "markdown preview": f"{MAIN}.jp-MarkdownViewer, {MAIN} .jp-MarkdownViewer",
}


def overrides() -> dict:
    return json.loads((BINDER / "overrides.json").read_text())


def code_cells(path) -> int:
    return path.read_text().count("```{code-cell}")


def test_binder_files_name_no_hosts_and_postbuild_is_executable():
    for path in sorted(BINDER.iterdir()):
        text = path.read_text()
        assert "://" not in text, f"{path.name} holds a URL"
        hosts = re.findall(r"\b[\w-]+(?:\.[\w-]+)*\.(?:org|com|io|net|dev)\b", text)
        assert not hosts, f"{path.name} names hosts: {hosts}"
    assert os.access(BINDER / "postBuild", os.X_OK), "binder/postBuild must be executable"


def test_default_viewer_is_a_jupytext_factory(binder_venv):
    """Each viewer named in overrides.json is one the installed jupytext extension defines."""
    bundles = (binder_venv / "share" / "jupyter" / "labextensions" / "jupyterlab-jupytext" / "static").glob("*.js")
    source = "".join(p.read_text(errors="replace") for p in bundles)
    assert source, "the jupytext JupyterLab extension is not installed in the binder environment"
    for file_type, viewer in overrides()[DOCMANAGER]["defaultViewers"].items():
        defined = json.dumps(viewer) in source
        assert defined, f"{file_type}: jupytext's extension defines no viewer {viewer!r}"


def test_relu_lib_and_a_cpu_torch_import(binder_venv, tmp_path):
    probe = (
        "import importlib, json, pkgutil, sys\n"
        "import numpy, matplotlib.pyplot, sklearn.datasets, PIL.Image, ipywidgets, torch, relu_lib\n"
        "for m in pkgutil.iter_modules(relu_lib.__path__): importlib.import_module('relu_lib.' + m.name)\n"
        "print(json.dumps({'prefix': sys.prefix, 'relu_lib': relu_lib.__file__, 'torch': torch.__version__,\n"
        "                  'cuda': torch.version.cuda, 'cuda_built': torch.backends.cuda.is_built()}))\n"
    )
    # run outside the checkout, so relu_lib can only come from the install postBuild made
    out = run([binder_venv / "bin" / "python", "-c", probe], what="importing the chapters' libraries",
              timeout=300, cwd=tmp_path, env=venv_env(binder_venv, tmp_path)).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert os.path.samefile(found["prefix"], binder_venv)
    assert os.path.samefile(found["relu_lib"], ROOT / "relu_lib" / "__init__.py"), found
    assert found["torch"].split("+")[0] == TORCH_CPU, found
    assert found["cuda"] is None and not found["cuda_built"], f"torch is not the CPU build: {found}"


def test_chapter_executes_top_to_bottom(binder_venv, home, tmp_path):
    out = tmp_path / "what_is_relu.ipynb"
    run([binder_venv / "bin" / "jupytext", "--to", "ipynb", "--execute", "--output", out, ROOT / CHAPTER],
        what=f"executing {CHAPTER} in the binder environment", timeout=600, cwd=tmp_path,
        env=venv_env(binder_venv, home))
    cells = [c for c in json.loads(out.read_text())["cells"] if c["cell_type"] == "code"]
    assert len(cells) == code_cells(ROOT / CHAPTER)
    assert all(isinstance(c["execution_count"], int) for c in cells), "some code cells did not run"
    outputs = [o for c in cells for o in c["outputs"]]
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert not errors, f"error outputs: {[(o['ename'], o['evalue']) for o in errors]}"
    assert any("image/png" in o.get("data", {}) for o in outputs), "the chapter drew no figure"


def test_settings_api_has_jupytext_as_default_viewer(lab):
    with urllib.request.urlopen(f"{lab.url}/lab/api/settings/{DOCMANAGER}", timeout=30) as r:
        plugin = json.load(r)
    # overrides.json becomes the schema's defaults; the user's own settings (none here) go on top
    viewers = {**plugin["schema"]["properties"]["defaultViewers"]["default"],
               **plugin["settings"].get("defaultViewers", {})}
    assert viewers.get("markdown") == VIEWER and viewers.get("myst") == VIEWER, viewers
    assert overrides()[DOCMANAGER]["defaultViewers"].items() <= viewers.items(), viewers


def open_in_lab(page, lab, path: str) -> str:
    """Open `path` the way a link to lab/tree/<path> does; returns what showed it (a key of OPENED)."""
    page.goto(f"{lab.url}/lab/tree/{path}?reset")  # ?reset: no tabs restored from an earlier visit
    page.wait_for_selector(", ".join(OPENED.values()), timeout=90_000)
    return next(kind for kind, selector in OPENED.items() if page.locator(selector).count())


def wait_for_code_cells(page, n: int):
    """The notebook panel shows one empty cell until the file is loaded; wait for the file's cells."""
    selector = f"{MAIN} .jp-Notebook .jp-CodeCell"
    try:
        page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[selector, n],
                               timeout=60_000)
    except PlaywrightTimeout:
        raise AssertionError(f"the notebook shows {page.locator(selector).count()} code cells, not {n}") from None
    return page.locator(selector)


def test_md_chapter_opens_as_notebook_and_runs(page, lab):
    try:
        shown = open_in_lab(page, lab, CHAPTER)
        assert shown == "notebook", f"{CHAPTER} opened in a {shown}, not as a notebook"
        cells = wait_for_code_cells(page, code_cells(ROOT / CHAPTER))
        # markdown cells are rendered as MyST: a target such as "(relu-definition)=" is not shown
        rendered = page.locator(f"{MAIN} .jp-MarkdownCell .jp-Cell-inputWrapper").all_inner_texts()
        assert rendered and "The definition" in "\n".join(rendered)
        raw = [t for t in rendered if re.search(r"^\([\w-]+\)=", t, re.M)]
        assert not raw, f"MyST targets shown as text (jupyterlab-myst missing?): {raw[:2]}"
        # the binder environment's kernel runs the chapter's first cell (its imports)
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=120_000)
        first = cells.first
        first.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        first.locator(".jp-InputPrompt", has_text="[1]:").wait_for(timeout=120_000)
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=60_000)
        assert "Traceback" not in first.inner_text(), first.inner_text()
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "binder-jupyterlab.png"))


def test_myst_file_opens_as_notebook(page, lab):
    shutil.copy(ROOT / CHAPTER, lab.root / "what_is_relu.myst")
    shown = open_in_lab(page, lab, "what_is_relu.myst")
    assert shown == "notebook", f"what_is_relu.myst opened in a {shown}, not as a notebook"
    wait_for_code_cells(page, code_cells(ROOT / CHAPTER))
