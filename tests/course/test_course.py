"""Assignments, the student build, self-checks and the grader on the solutions (quick tests)."""

import os
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from fixtures import ASSIGNMENTS, TESTS, group_alive
from relu_lib.course import checks
from relu_lib.course.grader import grade_one
from relu_lib.course.hidden import StudentError, decode, load_tests
from relu_lib.course.notebook import (LeakError, build, cell_role, leaks, read_master,
                                      repository_url, solution_notebook, student_notebook)
from relu_lib.course.runner import Limits

MASTERS = sorted(p for p in ASSIGNMENTS.glob("*.md") if p.name != "README.md")
NAMES = [p.stem for p in MASTERS]


def test_there_is_one_master_per_part_two_chapter_and_one_for_part_one():
    assert {"relu_basics", "sparsity", "gradient_flow", "dying_relu"} <= set(NAMES)


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_master_marks_survive_a_jupytext_round_trip(master):
    nb = read_master(master)
    again = jupytext.reads(jupytext.writes(nb, fmt="md:myst"), fmt="md:myst")
    assert [(c.cell_type, c.source, c.metadata.get("tags")) for c in nb.cells] == \
           [(c.cell_type, c.source, c.metadata.get("tags")) for c in again.cells]
    assert again.metadata["relu_course"] == nb.metadata["relu_course"]


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_master_has_code_questions_self_checks_a_written_answer_and_hidden_tests(master):
    nb = read_master(master)
    roles = [cell_role(c) for c in nb.cells]
    answers = {q for r, q in roles if r == "answer"}
    assert len(answers) >= 3 and ("self-check", "") in roles
    assert any(r == "written" for r, _ in roles)
    tests, manual = load_tests(TESTS / master.stem)
    assert {t.question for t in tests} == answers and manual


def test_student_build_has_no_leak_no_output_and_installs_relu_lib_first(tmp_path):
    written = build(ASSIGNMENTS, tmp_path)
    assert sorted(p.stem for p in written) == sorted(NAMES)
    url = repository_url()
    assert url.startswith("https://github.com/")
    for path in written:
        nb = nbformat.read(path, as_version=4)
        master = read_master(ASSIGNMENTS / f"{path.stem}.md")
        assert leaks(nb, master, TESTS / path.stem) == []
        assert cell_role(nb.cells[0])[0] == "setup" and url in nb.cells[0].source
        text = path.read_text()
        for secret in ("BEGIN SOLUTION", "END SOLUTION", '"solution"', "jupytext"):
            assert secret not in text
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert "raise NotImplementedError" in text
        assert nb.metadata["relu_course"]["assignment"] == path.stem
    again = build(ASSIGNMENTS, tmp_path / "again")
    assert [p.read_bytes() for p in written] == [p.read_bytes() for p in again]


def test_build_refuses_a_notebook_that_leaks(tmp_path, monkeypatch):
    import relu_lib.course.notebook as nbmod

    monkeypatch.setattr(nbmod, "student_notebook", lambda m, *a: solution_notebook(m))
    with pytest.raises(LeakError, match="solution"):
        build(ASSIGNMENTS, tmp_path)
    assert not list(tmp_path.glob("*.ipynb"))


def test_leak_check_finds_hidden_test_text_and_outputs():
    master = read_master(ASSIGNMENTS / "sparsity.md")
    nb = student_notebook(ASSIGNMENTS / "sparsity.md")
    assert leaks(nb, master, TESTS / "sparsity") == []
    nb.cells.append(nbformat.v4.new_code_cell("acts[:, [1, 6]] = 0.0\nacts[3:, 4] = 0.0"))
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="x")]
    found = " ".join(leaks(nb, master, TESTS / "sparsity"))
    assert "hidden-test text" in found and "has outputs" in found


def _execute(nb, strict: bool):
    env = {"RELU_COURSE_STRICT": "1"} if strict else {}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, allow_errors=not strict).execute()
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.update({k: v})
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_master_runs_with_its_solutions_and_passes_every_self_check(master):
    printed = _execute(solution_notebook(master), strict=True)
    n_checks = sum(cell_role(c)[0] == "self-check" for c in read_master(master).cells)
    assert printed.count("✔") == n_checks and "✘" not in printed


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_student_build_runs_and_its_self_checks_say_not_answered(master):
    nb = student_notebook(master)
    printed = _execute(nb, strict=False)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    for q in ("q1", "q2", "q3"):
        assert f"{q}: ✘ not answered yet" in printed


@pytest.mark.parametrize("master", MASTERS, ids=NAMES)
def test_solutions_score_full_marks(master, tmp_path):
    path = tmp_path / "submission.ipynb"
    nbformat.write(solution_notebook(master), path)
    row = grade_one(path, TESTS, Limits(timeout=60))
    assert row["status"] == "ok", row
    assert row["points"] == row["max"] and sum(row["max"].values()) > 0
    assert row["written"]["q4"]


def test_self_checks_say_what_is_wrong_without_the_answer(capsys):
    assert not checks.derivative("q1", lambda x: (np.asarray(x) >= 0) * 1.0)
    assert not checks.derivative("q1", lambda x: 1 / 0)
    assert not checks.fraction_interval(
        "q3", lambda a: (np.mean(a == 0),) * 3)
    assert not checks.he_weights("q1", lambda i, o, s: np.random.default_rng(s).normal(
        0, np.sqrt(1 / i), (i, o)))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("q1: ✘ wrong at x = 0; ReLU′(0) is 0 here (the convention of PyTorch, "
                      "TensorFlow and JAX).")
    assert out[1] == "q1: ✘ your code raised ZeroDivisionError: division by zero"
    assert "interval should contain" in out[2]
    assert "LeCun or Xavier" in out[3]


def test_self_checks_need_only_numpy_and_relu_lib():
    import ast

    tree = ast.parse(Path(checks.__file__).read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"numpy", "relu_lib", "math", "os", "collections", "typing",
                        "__future__"}


def test_values_from_the_kernel_are_data_checked_here():
    a = decode('{"value": {"__ndarray__": [[1, 2]], "dtype": "<f8", "shape": [1, 2]}}', 1000)
    assert isinstance(a, np.ndarray) and a.shape == (1, 2)
    with pytest.raises(StudentError, match="not valid JSON"):
        decode("{not json", 1000)
    with pytest.raises(StudentError, match="larger than"):
        decode("[" + "1," * 600 + "1]", 1000)
    with pytest.raises(StudentError, match="NameError"):
        decode('{"error": "NameError", "message": "x"}', 1000)


def test_a_submission_past_its_deadline_is_killed_and_gets_a_row(tmp_path):
    from relu_lib.course.grader import grade_folder

    (tmp_path / "subs" / "slow").mkdir(parents=True)
    nb = solution_notebook(ASSIGNMENTS / "relu_basics.md")
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(60)"))
    nbformat.write(nb, tmp_path / "subs" / "slow" / "relu_basics.ipynb")
    book = grade_folder(tmp_path / "subs", tmp_path / "out", TESTS, jobs=1, deadline=4,
                        limits=Limits(timeout=60))
    text = book.read_text()
    assert "slow,relu_basics.ipynb,,0,0,deadline,grading stopped after 4 s," in text
    groups = [int(g) for p in (tmp_path / "out" / "logs").glob("*.pgids")
              for g in p.read_text().split()]
    assert groups and not [g for g in groups if group_alive(g)]

