"""``python -m relu_lib.course``: build the student notebooks, grade one submission or a folder.

    python -m relu_lib.course build [--assignments assignments] [--out _build/assignments]
    python -m relu_lib.course solutions --out DIR        # the masters as full-marks submissions
    python -m relu_lib.course grade-one NOTEBOOK --out RESULT.json [--tests assignments/tests]
    python -m relu_lib.course gather RESULTS_DIR --out DIR
    python -m relu_lib.course grade SUBMISSIONS --out DIR [--tests DIR] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def _limits_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    p.add_argument("--grace", type=float, default=None,
                   help="seconds after the interrupt before the kill (default min(5, timeout))")
    p.add_argument("--memory", type=int, default=2048, help="MiB of address space (default 2048)")
    p.add_argument("--output-cap", type=int, default=1024**2, help="bytes a cell may print")


def _limits(a):
    from relu_lib.course.runner import Limits

    grace = a.grace if a.grace is not None else min(5.0, a.timeout)
    return Limits(timeout=a.timeout, grace=grace, memory=a.memory * 1024**2,
                  output_cap=a.output_cap)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m relu_lib.course",
                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the student notebooks (refuses any that leaks)")
    b.add_argument("--assignments", type=Path, default=Path("assignments"))
    b.add_argument("--out", type=Path, default=Path("_build/assignments"))
    b.add_argument("--tests", type=Path, default=None, help="hidden tests (default: assignments/tests)")
    b.add_argument("--repository", default=None, help="git URL relu_lib is installed from")
    b.add_argument("--ref", default="main")
    s = sub.add_parser("solutions", help="the masters as submissions with every answer right")
    s.add_argument("--assignments", type=Path, default=Path("assignments"))
    s.add_argument("--out", type=Path, required=True)
    g1 = sub.add_parser("grade-one", help="grade one notebook into one result file")
    g1.add_argument("notebook", type=Path)
    g1.add_argument("--out", type=Path, required=True)
    g1.add_argument("--tests", type=Path, default=Path("assignments/tests"))
    g1.add_argument("--student", default=None)
    g1.add_argument("--pgid-file", type=Path, default=None)
    _limits_args(g1)
    ga = sub.add_parser("gather", help="results -> gradebook.csv, feedback/, written/")
    ga.add_argument("results", type=Path)
    ga.add_argument("--out", type=Path, required=True)
    g = sub.add_parser("grade", help="grade every notebook in a folder")
    g.add_argument("submissions", type=Path)
    g.add_argument("--out", type=Path, default=Path("_build/grading"))
    g.add_argument("--tests", type=Path, default=Path("assignments/tests"))
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    g.add_argument("--deadline", type=float, default=600.0,
                   help="seconds one submission may take in all (default 600)")
    _limits_args(g)
    a = parser.parse_args(argv)

    if a.command == "build":
        from relu_lib.course.notebook import build
        for path in build(a.assignments, a.out, a.tests, a.repository, a.ref):
            print(path)
    elif a.command == "solutions":
        import nbformat
        from relu_lib.course.notebook import read_master, solution_notebook
        a.out.mkdir(parents=True, exist_ok=True)
        for master in sorted(a.assignments.glob("*.md")):
            if master.name.lower() == "readme.md":
                continue
            name = read_master(master).metadata["relu_course"]["assignment"]
            nbformat.write(solution_notebook(master), a.out / f"{name}.ipynb")
            print(a.out / f"{name}.ipynb")
    elif a.command == "grade-one":
        from relu_lib.course.grader import (become_subreaper, grade_one, reap_descendants,
                                            write_result)
        become_subreaper()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        try:
            row = grade_one(a.notebook, a.tests, _limits(a), a.student, a.pgid_file)
        finally:
            reap_descendants()
        write_result(row, a.out)
        print(f"{row['student']}: {row['status']} {sum(row['points'].values()):g}"
              f"/{sum(row['max'].values()):g}")
    elif a.command == "gather":
        from relu_lib.course.grader import gather
        a.out.mkdir(parents=True, exist_ok=True)
        print(gather(a.results, a.out))
    elif a.command == "grade":
        from relu_lib.course.grader import grade_folder
        print(grade_folder(a.submissions, a.out, a.tests, a.jobs, a.deadline, _limits(a)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
