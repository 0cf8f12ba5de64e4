"""The site's Sphinx extensions, the Colab copies of the chapters and the CI and publish workflows."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


site = _load("relu_book_site", ROOT / "_ext" / "relu_book_site.py")
build = _load("relu_book_build", ROOT / "_ext" / "relu_book_build.py")
colab = _load("colab_notebooks", ROOT / ".ci" / "colab_notebooks.py")


# --- _ext/relu_book_site.py -------------------------------------------------------------------

def _scripts():
    from sphinx.builders.html._assets import _JavaScript

    thebe = _JavaScript(None, body='const THEBE_JS_URL = "x"')
    return [
        _JavaScript("a.js"), thebe, _JavaScript("sphinx-thebe.js", **{"async": "async"}),
        _JavaScript("", body='const THEBE_JS_URL = "x"'), _JavaScript("a.js"),
        _JavaScript(None, body="{}", type=site.WIDGET_STATE),
    ]


def test_each_script_is_kept_once_in_order():
    kept = site.unique_scripts(_scripts())
    assert [(js.filename, js.attributes.get("body")) for js in kept] == [
        ("a.js", None), (None, 'const THEBE_JS_URL = "x"'), ("sphinx-thebe.js", None), (None, "{}")]


def test_icon_script_tag_is_removed_and_nothing_else():
    page = ('<head>\n  <!-- So that users can add custom icons -->\n'
            '  <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>\n'
            '  <link rel="preload" as="script" href="../_static/scripts/bootstrap.js" />\n</head>')
    out = site.tidy(page)
    assert "fontawesome.js" not in out and "bootstrap.js" in out
    assert out == page.replace('\n  <script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>', "")


def test_reference_entries_become_list_items():
    page = '<div role="list" class="citation-list">\n<div class="citation" id="id6" role="doc-biblioentry">'
    assert site.tidy(page) == page.replace("doc-biblioentry", "listitem")


def test_search_button_is_named_by_its_visible_text():
    page = ('<button class="btn search-button-field search-button__button pst-js-only" title="Search" '
            'aria-label="Search" data-bs-placement="bottom">')
    assert 'aria-label' not in site.tidy(page) and 'title="Search"' in site.tidy(page)


def test_reference_labels_read_as_the_citations():
    from pybtex.database import parse_file

    bib = parse_file(str(ROOT / "references.bib"))
    entries = {e.key: e for e in bib.entries.values()}
    style = site.BookStyle()
    formatted = {e.key: e.label for e in style.format_entries(style.sort(list(entries.values())))}
    assert formatted["he2015delving"] == "He et al., 2015"
    assert formatted["glorot2010understanding"] == "Glorot and Bengio, 2010"
    assert formatted["fukushima1969visual"] == "Fukushima, 1969"
    assert len(set(formatted.values())) == len(formatted), "two works share a label"


class _Config:
    def __init__(self):
        self.html_theme_options = {"repository_url": "https://github.com/relu-book/relu-book"}


def _page_context(scripts):
    return {"script_files": scripts, "github_user": "someone", "github_repo": "relu-book",
            "header_buttons": [{"label": "launch-buttons", "buttons": [{"text": "Binder"}]}]}


def test_widget_state_is_dropped_and_no_colab_button_without_published_copies(monkeypatch):
    monkeypatch.delenv("RELU_BOOK_COLAB_BRANCH", raising=False)
    ctx = _page_context(_scripts())
    site.adjust_page(None, "book/sparsity", "page.html", ctx, None)
    assert all(js.attributes.get("type") != site.WIDGET_STATE for js in ctx["script_files"])
    assert len(ctx["script_files"]) == 3
    assert [b["text"] for b in ctx["header_buttons"][0]["buttons"]] == ["Binder"]


def test_colab_button_points_at_the_published_notebook(monkeypatch):
    monkeypatch.setenv("RELU_BOOK_COLAB_BRANCH", "notebooks")
    ctx = _page_context(_scripts())
    site.adjust_page(None, "book/sparsity", "page.html", ctx, None)
    colab_button = ctx["header_buttons"][0]["buttons"][-1]
    assert colab_button["text"] == "Colab"
    assert colab_button["url"] == ("https://colab.research.google.com/github/someone/relu-book/"
                                   "blob/notebooks/book/sparsity.ipynb")


def test_repository_comes_from_the_environment_when_set(monkeypatch):
    config = _Config()
    monkeypatch.delenv("RELU_BOOK_REPOSITORY", raising=False)
    site.point_at_repository(None, config)
    assert config.html_theme_options["repository_url"] == "https://github.com/relu-book/relu-book"
    monkeypatch.setenv("RELU_BOOK_REPOSITORY", "someone/fork")
    site.point_at_repository(None, config)
    assert config.html_theme_options["repository_url"] == "https://github.com/someone/fork"
    monkeypatch.setenv("RELU_BOOK_REPOSITORY", "not-a-repository")
    with pytest.raises(ValueError, match="owner/name"):
        site.point_at_repository(None, config)


# --- .ci/colab_notebooks.py -------------------------------------------------------------------

def test_colab_copies_are_the_chapters_with_a_setup_cell_first(tmp_path):
    import jupytext
    from IPython.core.inputtransformer2 import TransformerManager

    written = colab.write_all(tmp_path, "someone/relu-book", "main")
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == sorted(f"book/{p.stem}.ipynb" for p in colab.chapters())
    assert "book/sparsity.ipynb" in names and "book/preface.ipynb" not in names
    for path in written:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        first = nb.cells[0]
        assert first.cell_type == "code" and colab.SETUP_TAG in first.metadata["tags"]
        assert "git+https://github.com/someone/relu-book@main" in first.source
        compile(TransformerManager().transform_cell(first.source), path.name, "exec")
        source = jupytext.read(ROOT / "book" / f"{path.stem}.md", fmt="md:myst")
        assert [c.source for c in nb.cells[1:]] == [c.source for c in source.cells]
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


# --- .github/workflows/publish.yml --------------------------------------------------------------

def test_publish_workflow_builds_as_the_readme_and_enables_colab_after_publishing():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    steps = wf["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    readme = (ROOT / "README.md").read_text()
    build = next(i for i, r in enumerate(runs) if r.strip() == "make book EXECUTE=force")
    assert "make book" in readme
    publish = next(i for i, r in enumerate(runs) if "colab_notebooks.py" in r)
    assert publish < build and "git push" in runs[publish]
    assert steps[build]["env"]["RELU_BOOK_COLAB_BRANCH"] in runs[publish]
    assert steps[build]["env"]["RELU_BOOK_REPOSITORY"] == "${{ github.repository }}"
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact") and
               s["with"]["path"] == "_build/html" for s in steps[build:])
    assert wf["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert re.search(r'python-version:\s*"3\.11"', (ROOT / ".github/workflows/publish.yml").read_text())


def test_ci_workflow_runs_the_gate_on_every_pull_request():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    assert "pull_request" in wf[True]  # YAML 1.1 reads the key `on` as True
    runs = [s.get("run", "") for s in wf["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in runs
    assert "make test" in (ROOT / ".ci" / "run").read_text()


# --- _ext/relu_book_build.py ------------------------------------------------------------------

class _App:
    """What the build extension reads of a Sphinx application."""

    def __init__(self, root: Path, mode: str = "cache"):
        self.srcdir = str(root)
        self.config = type("Config", (), {"nb_execution_mode": mode,
                                           "nb_execution_cache_path": "_build/.jupyter_cache"})()


def _library(root: Path, text: str = "x = 1\n") -> None:
    (root / "relu_lib" / "chapters").mkdir(parents=True, exist_ok=True)
    (root / "relu_lib" / "chapters" / "a.py").write_text(text)


def test_library_fingerprint_changes_with_any_module_and_only_then(tmp_path):
    _library(tmp_path)
    first = build.library_fingerprint(tmp_path)
    assert build.library_fingerprint(tmp_path) == first
    (tmp_path / "relu_lib" / "notes.txt").write_text("not code")
    assert build.library_fingerprint(tmp_path) == first
    _library(tmp_path, "x = 2\n")
    assert build.library_fingerprint(tmp_path) != first


def test_a_library_change_empties_the_execution_cache_and_marks_every_page_outdated(tmp_path):
    _library(tmp_path)
    app = _App(tmp_path)
    cache = tmp_path / "_build" / ".jupyter_cache"
    build.forget_stale_executions(app, app.config)
    (cache / "executed.db").write_text("a chapter's outputs")
    env = type("Env", (), {"found_docs": {"book/a", "book/b", "book/c"}})()
    assert build.reread_after_library_change(app, env, set(), set(), set()) == []

    build.forget_stale_executions(app, app.config)  # same library: the cache stays
    assert (cache / "executed.db").is_file()
    assert build.reread_after_library_change(app, env, set(), {"book/b"}, set()) == []

    _library(tmp_path, "x = 2\n")
    build.forget_stale_executions(app, app.config)
    assert not (cache / "executed.db").exists()
    assert build.reread_after_library_change(app, env, set(), {"book/b"}, set()) == ["book/a",
                                                                                   "book/c"]


def test_forced_execution_leaves_the_cache_alone(tmp_path):
    _library(tmp_path)
    app = _App(tmp_path, mode="force")
    build.forget_stale_executions(app, app.config)
    assert not (tmp_path / "_build").exists()


def test_execution_mode_comes_from_the_environment_and_is_checked(tmp_path, monkeypatch):
    app = _App(tmp_path)
    monkeypatch.setenv("RELU_BOOK_EXECUTE", "force")
    build.choose_execution_mode(app, app.config)
    assert app.config.nb_execution_mode == "force"
    monkeypatch.setenv("RELU_BOOK_EXECUTE", "sometimes")
    with pytest.raises(Exception, match="RELU_BOOK_EXECUTE must be one of"):
        build.choose_execution_mode(app, app.config)


def test_a_build_without_vendored_mathjax_stops_and_names_make_book(tmp_path):
    with pytest.raises(Exception, match="make book"):
        build.require_vendored_mathjax(_App(tmp_path), None)
    (tmp_path / "_vendor" / "mathjax").mkdir(parents=True)
    (tmp_path / "_vendor" / "mathjax" / "tex-chtml.js").write_text("// MathJax")
    build.require_vendored_mathjax(_App(tmp_path), None)
