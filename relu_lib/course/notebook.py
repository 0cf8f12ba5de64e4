"""Assignment masters and what is built from them: the student notebook and the solution notebook.

A master is a MyST notebook (``assignments/<name>.md``) whose header carries
``relu_course: {assignment: <name>, title: ...}``. It marks, in ways that survive a jupytext
round trip:

* solutions in code cells: the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION``, or
  one line ending in ``# SOLUTION`` (its right-hand side becomes ``...``);
* cell tags: ``answer-<q>`` (the code cell of question ``q``), ``written-<q>`` (the markdown cell
  for a written answer), ``self-check`` (a public check the student runs), ``solution``
  (markdown, or a whole code cell, that only the instructor sees).

:func:`student_notebook` replaces every solution by a placeholder, drops instructor-only cells,
clears outputs, gives each cell a stable id and puts first a cell that installs ``relu_lib``
where it is missing. :func:`leaks` lists anything of a solution or of a hidden test that is
still in a notebook; :func:`build` refuses to write a notebook with a leak.

Examples
--------
>>> strip_solutions("def f(x):\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION")
'def f(x):\\n    ...  # your code here\\n    raise NotImplementedError("write this part")'
>>> strip_solutions("rate = 0.25  # SOLUTION")
'rate = ...  # your answer'
"""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path

import nbformat

__all__ = ["BEGIN", "END", "LINE", "SETUP_TAG", "LeakError", "read_master", "strip_solutions",
           "solution_lines", "student_notebook", "solution_notebook", "leaks", "build",
           "repository_url", "cell_role"]

BEGIN, END, LINE = "# BEGIN SOLUTION", "# END SOLUTION", "# SOLUTION"
SETUP_TAG = "setup"
PLACEHOLDER_MD = "*Write your answer here, in a few sentences.*"
ROOT = Path(__file__).resolve().parents[2]


class LeakError(RuntimeError):
    """A student notebook would show part of a solution or of a hidden test."""


def read_master(path: Path) -> nbformat.NotebookNode:
    """The master as a notebook; it must name its assignment in the header."""
    import jupytext  # only the build needs it, not the grader

    nb = jupytext.read(Path(path), fmt="md:myst")
    meta = nb.metadata.get("relu_course", {})
    if not meta.get("assignment"):
        raise ValueError(f"{path}: the header has no relu_course.assignment")
    return nb


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def cell_role(cell) -> tuple[str, str]:
    """``(role, question)`` from the tags: answer, written, self-check, setup, solution or ''."""
    for tag in tags(cell):
        for role in ("answer", "written"):
            if tag.startswith(role + "-"):
                return role, tag[len(role) + 1:]
    for role in ("self-check", SETUP_TAG, "solution"):
        if role in tags(cell):
            return role, ""
    return "", ""


def strip_solutions(source: str) -> str:
    """``source`` with every solution replaced by a placeholder at the same indentation."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
            pad = line[: len(line) - len(line.lstrip())]
            out += [f"{pad}...  # your code here",
                    f'{pad}raise NotImplementedError("write this part")']
        elif stripped == END:
            inside = False
        elif not inside:
            if stripped.endswith(LINE) and "=" in line:
                left = line.split("=", 1)[0].rstrip()
                out.append(f"{left} = ...  # your answer")
            else:
                out.append(line)
    if inside:
        raise ValueError("a # BEGIN SOLUTION without its # END SOLUTION")
    return "\n".join(out)


def solution_lines(nb) -> set[str]:
    """Every distinctive line of every solution in the master (stripped, 8 characters or more).

    A line that the master also shows outside its solutions (given code) does not count.
    """
    inside_lines, outside = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell_role(cell)[0] == "solution":
            inside_lines |= {ln.strip() for ln in cell.source.splitlines()}
            continue
        inside = False
        for line in cell.source.splitlines():
            s = line.strip()
            if s in (BEGIN, END):
                inside = s == BEGIN
            elif inside:
                inside_lines.add(s)
            elif s.endswith(LINE):
                inside_lines.add(s[: -len(LINE)].strip())
            else:
                outside.add(s)
    return {s for s in inside_lines - outside if len(s.replace(" ", "")) >= 8}


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The book's repository (``repository.url`` in ``_config.yml``)."""
    text = config.read_text() if config.is_file() else ""
    m = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", text, re.M)
    return m.group(1) if m else "https://github.com/relu-book/relu-book"


def setup_source(repository: str, ref: str) -> str:
    """The first cell: install ``relu_lib`` from the repository where it is missing."""
    return (
        "# Binder, Colab: install relu_lib, the book's library, if it is missing.\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('relu_lib') is None:\n"
        f"    %pip install --quiet git+{repository}@{ref}"
    )


def _version(master_text: str) -> str:
    return hashlib.sha256(master_text.encode()).hexdigest()[:12]


def _clean(nb, name: str) -> nbformat.NotebookNode:
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.nbformat, nb.nbformat_minor = 4, 5
    counts: dict[str, int] = {}
    for cell in nb.cells:
        role, q = cell_role(cell)
        base = f"{role}-{q}" if q else (role or cell.cell_type)
        counts[base] = counts.get(base, 0) + 1
        cell["id"] = f"{base}-{counts[base]}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    return nb


def student_notebook(master: Path, repository: str | None = None,
                     ref: str = "main") -> nbformat.NotebookNode:
    """The notebook a student gets: no solutions, no outputs, a set-up cell first."""
    nb = read_master(master)
    name = nb.metadata["relu_course"]["assignment"]
    cells = []
    for cell in nb.cells:
        role, q = cell_role(cell)
        is_solution = "solution" in tags(cell)
        if cell.cell_type == "code":
            if is_solution and role != "answer":
                continue                          # instructor-only code
            cell = copy.deepcopy(cell)
            cell.source = strip_solutions(cell.source)
        elif is_solution:
            if role != "written":
                continue                          # instructor notes
            cell = copy.deepcopy(cell)
            cell.source = PLACEHOLDER_MD
        cell.metadata["tags"] = [t for t in tags(cell) if t != "solution"]
        if not cell.metadata["tags"]:
            del cell.metadata["tags"]
        cells.append(cell)
    setup = nbformat.v4.new_code_cell(setup_source(repository or repository_url(), ref),
                                      metadata={"tags": [SETUP_TAG]})
    nb.cells = [setup] + cells
    nb.metadata["relu_course"] = {**nb.metadata["relu_course"],
                                  "version": _version(Path(master).read_text())}
    return _clean(nb, name)


def solution_notebook(master: Path) -> nbformat.NotebookNode:
    """The master as a submission with every answer right (CI grades it: full marks)."""
    nb = read_master(master)
    nb.metadata["relu_course"] = {**nb.metadata["relu_course"],
                                  "version": _version(Path(master).read_text())}
    return _clean(nb, nb.metadata["relu_course"]["assignment"])


def _test_lines(tests: Path | None) -> set[str]:
    """Distinctive lines of the hidden tests: 20 characters or more, not an import."""
    found: set[str] = set()
    for path in sorted(Path(tests).glob("*.py")) if tests and Path(tests).is_dir() else []:
        for line in path.read_text().splitlines():
            s = line.strip().strip("\"'")
            if len(s) >= 20 and not s.startswith(("import ", "from ", "#")):
                found.add(s)
    return found


def leaks(student, master, tests: Path | None = None) -> list[str]:
    """What ``student`` shows of ``master``'s solutions or of the hidden tests in ``tests``."""
    found = []
    secret_code = solution_lines(master)
    secret_text = {ln.strip() for c in master.cells if c.cell_type == "markdown"
                   and "solution" in tags(c) for ln in c.source.splitlines()
                   if len(ln.strip()) >= 20}
    test_text = _test_lines(tests)
    for i, cell in enumerate(student.cells):
        where = f"cell {i} ({cell.get('id', '')})"
        if "solution" in tags(cell):
            found.append(f"{where}: tagged solution")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            found.append(f"{where}: has outputs")
        text = cell.source
        for marker in (BEGIN, END, LINE):
            if marker in text:
                found.append(f"{where}: contains {marker!r}")
        lines = {ln.strip() for ln in text.splitlines()}
        found += [f"{where}: solution line {s!r}" for s in sorted(lines & secret_code)]
        found += [f"{where}: solution text {s[:40]!r}" for s in sorted(secret_text) if s in text]
        found += [f"{where}: hidden-test text {s[:40]!r}" for s in sorted(test_text) if s in text]
    if "jupytext" in student.metadata:
        found.append("notebook metadata: jupytext header of the master")
    return found


def build(assignments: Path, out: Path, tests: Path | None = None, repository: str | None = None,
          ref: str = "main") -> list[Path]:
    """Write ``out/<name>.ipynb`` for every master ``assignments/*.md``; refuse any leak."""
    written = []
    out.mkdir(parents=True, exist_ok=True)
    tests = Path(tests) if tests else Path(assignments) / "tests"
    for master_path in sorted(Path(assignments).glob("*.md")):
        if master_path.name.lower() == "readme.md":
            continue
        master = read_master(master_path)
        name = master.metadata["relu_course"]["assignment"]
        nb = student_notebook(master_path, repository, ref)
        problems = leaks(nb, master, tests / name)
        if problems:
            raise LeakError(f"{master_path.name}: not written, it leaks:\n  "
                            + "\n  ".join(problems))
        nbformat.validate(nb)
        target = out / f"{name}.ipynb"
        nbformat.write(nb, target)
        written.append(target)
    return written
