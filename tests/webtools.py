"""Chromium and JupyterLab for the tests that use a browser (tests/built, tests/binder).

Not a test module: the conftest.py files of those folders put tests/ on sys.path to import it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import NoReturn

import pytest

# Debian's Chromium, started as this machine needs it: no sandbox as root, and none of the
# background connections (updates, sync, safe browsing) that a closed network refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def missing(what: str) -> NoReturn:
    """A prerequisite is missing: skip with ``what`` as the reason, or fail under `make`.

    Plain ``pytest tests/built`` skips, so a contributor sees one line saying what to do; `make`
    sets ``RELU_BOOK_REQUIRE=1``, so there a missing prerequisite fails the run instead of letting
    it pass with nothing tested.
    """
    if os.environ.get("RELU_BOOK_REQUIRE") == "1":
        pytest.fail(what, pytrace=False)
    pytest.skip(what)


def chromium_path() -> str | None:
    """The Chromium to drive: $RELU_BOOK_CHROMIUM, else `chromium` or `chromium-browser` on PATH."""
    found = os.environ.get("RELU_BOOK_CHROMIUM")
    return found or shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright):
    """Debian's Chromium, headless, driven by Playwright (no browser is downloaded)."""
    path = chromium_path()
    if path is None:
        missing("Chromium not found: install Debian's chromium (`make test` does) "
                "or set RELU_BOOK_CHROMIUM")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLabFailed(RuntimeError):
    pass


@contextlib.contextmanager
def jupyterlab(python: str | Path, root: Path, log: Path, env: dict | None = None, startup_s: float = 120):
    """JupyterLab of `python` on 127.0.0.1 (free port, no token) serving `root`; yields its URL.

    Its output goes to `log`; a server that does not answer within `startup_s` raises
    JupyterLabFailed with the end of that log.
    """
    port = free_port()
    cmd = [
        str(python), "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
        "--allow-root", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=root, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_s
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/api", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join(log.read_text(errors="replace").splitlines()[-60:])
                    raise JupyterLabFailed(f"JupyterLab did not start\n$ {shlex.join(cmd)}\n{tail}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
