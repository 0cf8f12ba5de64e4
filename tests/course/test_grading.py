"""The grader on a folder of misbehaving submissions: every row, twice, and nothing left running.

Grading the fixture folder twice takes about a minute on 2 cores, so this module runs when
``RELU_BOOK_GRADING_TESTS=1`` (``make test`` and ``make grade-tests`` set it); plain ``pytest``
skips it with that reason.
"""

import csv
import os
import subprocess
import sys

import pytest

from fixtures import ROOT, TESTS, group_alive, write_fixtures

pytestmark = pytest.mark.skipif(
    not os.environ.get("RELU_BOOK_GRADING_TESTS"),
    reason="grades the fixture folder twice (about a minute): RELU_BOOK_GRADING_TESTS=1 or "
           "`make grade-tests`")

TIMEOUT, GRACE = 5, 2
LIMITS = ["--timeout", str(TIMEOUT), "--grace", str(GRACE), "--memory", "1024", "--jobs", "2"]


def _grade(folder, out):
    subprocess.run([sys.executable, "-m", "relu_lib.course", "grade", str(folder), "--out",
                    str(out), "--tests", str(TESTS), *LIMITS], check=True, cwd=ROOT,
                   timeout=600)
    with open(out / "gradebook.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    expected = write_fixtures(root / "submissions")
    first = _grade(root / "submissions", root / "first")
    second = _grade(root / "submissions", root / "second")
    return expected, first, second, root


def test_every_submission_gets_a_row_with_the_expected_status_points_and_reason(graded):
    expected, rows, _, _ = graded
    by_student = {r["student"]: r for r in rows}
    assert set(by_student) == set(expected)
    for student, want in expected.items():
        row = by_student[student]
        for key, value in want.items():
            if key in ("reason", "notes"):
                assert value in row[key], (student, key, row)
            else:
                assert row[key] == value, (student, key, row)


def test_a_monkeypatched_numpy_or_a_fake_printout_scores_nothing(graded):
    _, rows, _, root = graded
    row = next(r for r in rows if r["student"] == "monkeypatched_numpy")
    assert row["q1"] == "0" and row["total"] == "4"
    feedback = (root / "first" / "feedback" / "monkeypatched_numpy.md").read_text()
    assert "ReLU′ is wrong at x = " in feedback


def test_grading_twice_gives_the_same_gradebook_apart_from_seconds(graded):
    _, first, second, root = graded
    drop = [{k: v for k, v in r.items() if k != "seconds"} for r in first]
    assert drop == [{k: v for k, v in r.items() if k != "seconds"} for r in second]
    assert list(first[0])[-1] == "seconds"
    for name in ("feedback", "written"):
        a = sorted(p.relative_to(root / "first" / name)
                   for p in (root / "first" / name).rglob("*.md"))
        b = sorted(p.relative_to(root / "second" / name)
                   for p in (root / "second" / name).rglob("*.md"))
        assert a == b
        for p in a:
            assert (root / "first" / name / p).read_text() == \
                   (root / "second" / name / p).read_text()


def test_a_misbehaving_submission_costs_about_its_timeout(graded):
    _, rows, _, _ = graded
    seconds = {r["student"]: float(r["seconds"]) for r in rows}
    restart = 10     # a fresh kernel and the notebook again, on a loaded 2-core machine
    assert seconds["infinite_loop"] < TIMEOUT + restart
    assert seconds["sigint_ignored"] < TIMEOUT + GRACE + restart


def test_no_kernel_or_forked_child_outlives_the_grading(graded):
    _, _, _, root = graded
    groups = [int(g) for p in (root / "first" / "logs").glob("*.pgids")
              for g in p.read_text().split()]
    assert groups and not [g for g in groups if group_alive(g)]


def test_feedback_per_student_and_written_answers_per_question(graded):
    expected, _, _, root = graded
    assert sorted(p.stem for p in (root / "first" / "feedback").glob("*.md")) == \
           sorted(expected)
    q4 = (root / "first" / "written" / "relu_basics" / "q4.md").read_text()
    assert q4.count("\n## ") == sum(1 for s in expected
                                     if s not in ("invalid_json", "no_metadata"))
