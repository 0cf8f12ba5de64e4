"""Fixtures for the test of binder/: the environment repo2docker would build, made here without it.

A fresh virtual environment (from python3 on PATH, not from .venv) gets the dependencies listed in
binder/environment.yml, installed with pip instead of conda, and then binder/postBuild is run in
it. The JupyterLab fixture serves a copy of book/ from that environment, with an empty home
directory, so no user settings or kernels from this machine take part.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from binderenv import (BINDER, ROOT, Lab, base_python, load_environment, pip_requirements,
                       python_version, run, venv_env)

sys.path.insert(0, str(ROOT / "tests"))
from webtools import JupyterLabFailed, jupyterlab, launch, missing  # noqa: E402


@pytest.fixture(scope="module")
def binder_venv(tmp_path_factory) -> Path:
    """A fresh venv holding binder/environment.yml's dependencies, after binder/postBuild ran in it."""
    environment = load_environment()
    requirements = pip_requirements(environment)
    python = base_python()
    wanted = python_version(environment)
    found = run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                what="asking python3 its version", timeout=60).stdout.strip()
    if found != wanted:
        missing(f"environment.yml asks for python {wanted}; {python} is {found}")

    venv = tmp_path_factory.mktemp("binder") / "venv"
    run([python, "-m", "venv", venv], what="creating a fresh venv", timeout=300)
    env = venv_env(venv)
    run([venv / "bin" / "python", "-m", "pip", "install", "--progress-bar", "off", *requirements],
        what="pip install of binder/environment.yml's dependencies", timeout=1800, env=env)
    # repo2docker runs postBuild from the repository root
    run([BINDER / "postBuild"], what="binder/postBuild", timeout=600, env=env, cwd=ROOT)
    return venv


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """An empty home directory: no Jupyter user settings, kernels or configuration."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def lab(binder_venv, home, tmp_path_factory):
    """JupyterLab from the binder venv on 127.0.0.1, no token, serving a copy of book/."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "book", root / "book")
    log = tmp_path_factory.mktemp("lablog") / "jupyterlab.log"
    try:
        with jupyterlab(binder_venv / "bin" / "python", root, log, env=venv_env(binder_venv, home)) as url:
            yield Lab(url, root, log)
    except JupyterLabFailed as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, lab):
    """A page in which every request to anything but the JupyterLab server is blocked."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith((lab.url + "/", "data:", "blob:")) or url == lab.url:
            r.continue_()
        else:
            r.abort()

    pg.route("**/*", route)
    yield pg
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that used JupyterLab shows the end of the server's log."""
    report = yield
    server = getattr(item, "funcargs", {}).get("lab")
    if report.failed and isinstance(server, Lab):
        report.sections.append(("JupyterLab log (end)", server.log_tail()))
    return report
