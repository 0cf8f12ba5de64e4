"""What the test of binder/ shares between its fixtures and its tests.

binder/environment.yml is read as pip requirements (pip stands in for conda, which is not
available here), and commands run in the resulting venv with only that venv on the Python side.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from webtools import missing  # noqa: E402
BINDER = ROOT / "binder"
SCREENSHOTS = ROOT / "_build" / "screenshots"

# conda-forge's pytorch-cpu has no PyPI twin; the CPU wheel of torch 2.13.0, which pip installs
# from local disk on the machines this project is tested on, stands in for it.
TORCH_CPU = "2.13.0"
# conda-forge names whose PyPI distribution has another name
PYPI_NAMES = {"matplotlib-base": "matplotlib"}
# Variables that would point a process at this machine's Python or Jupyter setup.
_FOREIGN = ("JUPYTER", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "IPYTHONDIR", "MPLCONFIGDIR", "CONDA")


def load_environment() -> dict:
    return yaml.safe_load((BINDER / "environment.yml").read_text())


def _split_conda_spec(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", spec)
    if not match:
        raise ValueError(f"cannot read conda dependency {spec!r}")
    return match.group(1), match.group(2)


def _pip_version(name: str, version: str) -> str:
    """A conda version constraint as a pip one: `=1.2` (conda: 1.2.*) becomes `==1.2.*`."""
    if re.fullmatch(r"=[^=<>!].*", version):
        pinned = version[1:]
        version = "==" + (pinned if pinned.endswith("*") else pinned + ".*")
    if version and not re.match(r"(==|>=|<=|!=|~=|<|>)", version):
        raise ValueError(f"conda constraint {name} {version!r} has no pip equivalent here")
    return version


def pip_requirements(environment: dict) -> list[str]:
    """pip requirement strings for every dependency of environment.yml except python and pip."""
    requirements = []
    for dep in environment["dependencies"]:
        if isinstance(dep, dict):
            requirements += dep.get("pip", [])
            continue
        name, version = _split_conda_spec(dep)
        if name in ("python", "pip"):
            continue
        version = _pip_version(name, version)
        if name == "pytorch-cpu":
            if TORCH_CPU not in SpecifierSet(version):
                raise ValueError(f"environment.yml asks for pytorch-cpu{version}; tests use torch {TORCH_CPU}")
            requirements.append(f"torch=={TORCH_CPU}")
        else:
            requirements.append(PYPI_NAMES.get(name, name) + version)
    return requirements


def python_version(environment: dict) -> str:
    for dep in environment["dependencies"]:
        if isinstance(dep, str) and _split_conda_spec(dep)[0] == "python":
            return _split_conda_spec(dep)[1].lstrip("=")
    raise ValueError("environment.yml does not name a python version")


def _outside_this_env(path: str) -> list[str]:
    here = Path(sys.prefix).resolve()
    return [d for d in path.split(os.pathsep) if d and not Path(d).resolve().is_relative_to(here)]


def venv_env(venv: Path, home: Path | None = None) -> dict[str, str]:
    """The environment variables for a process run in `venv` (and, given `home`, with that $HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *_outside_this_env(env.get("PATH", ""))])
    env["VIRTUAL_ENV"] = str(venv)
    if home is not None:
        env = {k: v for k, v in env.items() if not k.startswith("XDG_")}
        env["HOME"] = str(home)
    return env


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def run(cmd: list, *, what: str, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """Run `cmd`; on failure, fail the test with the end of its output."""
    cmd = [str(c) for c in cmd]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as e:
        output = e.output.decode(errors="replace") if isinstance(e.output, bytes) else (e.output or "")
        pytest.fail(f"{what}: no result after {timeout:.0f} s\n$ {shlex.join(cmd)}\n{tail(output)}", pytrace=False)
    if proc.returncode:
        pytest.fail(f"{what} failed (exit {proc.returncode})\n$ {shlex.join(cmd)}\n{tail(proc.stdout)}",
                    pytrace=False)
    return proc


def base_python() -> str:
    """python3 from PATH, skipping the environment that runs the tests."""
    found = shutil.which("python3", path=os.pathsep.join(_outside_this_env(os.environ.get("PATH", ""))))
    if not found:
        missing("no python3 on PATH outside the test environment to make a fresh venv with")
    return found


class Lab:
    def __init__(self, url: str, root: Path, log: Path):
        self.url, self.root, self.log = url, root, log

    def log_tail(self, lines: int = 80) -> str:
        return tail(self.log.read_text(errors="replace"), lines) if self.log.exists() else "(no log)"
