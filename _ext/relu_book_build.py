"""Sphinx extension: how relu-book's chapters are executed, and what a build refuses to do.

- **Execution mode.** ``_config.yml`` asks for ``cache``: an executed chapter is kept in the
  jupyter-cache under ``_build/.jupyter_cache`` and reused while its code cells are unchanged, so
  an author who edits prose sees the page again in seconds. ``RELU_BOOK_EXECUTE`` overrides the
  mode (``force``: execute every chapter from scratch; `make test`, CI and the publish workflow
  set it).
- **The library is part of every chapter's code.** jupyter-cache keys a chapter on its own code
  cells only, and Sphinx re-reads only the pages whose source changed. A fingerprint of
  ``relu_lib/`` (every ``*.py`` under it) is kept beside the cache; when it differs, the cache is
  emptied and every page is read again, so an edit to ``relu_lib`` re-executes the chapters.
- **No silent half-book.** The site serves its own MathJax, which `make book` vendors into
  ``_vendor/mathjax``. ``jupyter-book build .`` run directly without it would build pages whose
  math never typesets; the build stops at once and says to run `make book`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

LIBRARY = "relu_lib"
FINGERPRINT = "relu_lib.sha256"
MODES = ("off", "auto", "force", "cache", "inline")


def library_fingerprint(root: Path) -> str:
    """SHA-256 over the paths and contents of every ``*.py`` file under ``root/relu_lib``."""
    digest = hashlib.sha256()
    for path in sorted((root / LIBRARY).rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def choose_execution_mode(app: Sphinx, config) -> None:
    mode = os.environ.get("RELU_BOOK_EXECUTE", "").strip()
    if mode:
        if mode not in MODES:
            raise ConfigError(f"RELU_BOOK_EXECUTE must be one of {', '.join(MODES)}; got {mode!r}")
        config.nb_execution_mode = mode


def require_vendored_mathjax(app: Sphinx, config) -> None:
    root = Path(app.srcdir)
    if not (root / "_vendor" / "mathjax" / "tex-chtml.js").is_file():
        raise ConfigError(
            "MathJax is not vendored in _vendor/mathjax, so no math on any page would typeset. "
            "Build the book with `make book`: it sets up .venv, vendors MathJax and builds.")


def _cache_dir(app: Sphinx) -> Path:
    path = Path(app.config.nb_execution_cache_path or ".jupyter_cache")
    return path if path.is_absolute() else Path(app.srcdir) / path


def forget_stale_executions(app: Sphinx, config) -> None:
    """Empty the jupyter-cache when relu_lib changed since the chapters in it were executed."""
    if config.nb_execution_mode != "cache":
        return
    cache = _cache_dir(app)
    stamp = cache / FINGERPRINT
    current = library_fingerprint(Path(app.srcdir))
    if stamp.is_file() and stamp.read_text() == current:
        return
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    stamp.write_text(current)


def reread_after_library_change(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Every page is outdated when relu_lib differs from the one the environment was read with."""
    current = library_fingerprint(Path(app.srcdir))
    previous = getattr(env, "relu_lib_fingerprint", None)
    env.relu_lib_fingerprint = current
    if previous is None or previous == current:
        return []
    return sorted(env.found_docs - set(added) - set(changed) - set(removed))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", choose_execution_mode, priority=400)
    app.connect("config-inited", require_vendored_mathjax)
    app.connect("config-inited", forget_stale_executions, priority=600)
    app.connect("env-get-outdated", reread_after_library_change)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
