"""Grading throughput: well-behaved submissions a minute, and what a misbehaving one costs.

Makes ``N`` copies of each assignment's solution notebook (the well-behaved case), grades the
folder with ``python -m relu_lib.course grade --jobs 2``, and prints submissions per minute
(wall clock). Then grades one notebook with an
infinite loop and one whose loop ignores SIGINT, and prints the seconds each took against the
cell timeout. Run it on an otherwise idle machine: other work on the cores lowers the figure.

    python benchmarks/grading.py [N]     # N copies per assignment (default 10)
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "course"))

from fixtures import FIXTURES, solution  # noqa: E402

TIMEOUT = 10


def grade(folder: Path, out: Path, jobs: int = 2) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "relu_lib.course", "grade", str(folder), "--out",
                    str(out), "--jobs", str(jobs), "--timeout", str(TIMEOUT)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    with open(out / "gradebook.csv", newline="") as f:
        return wall, list(csv.DictReader(f))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    work = Path(tempfile.mkdtemp(prefix="relu-grading-bench-"))
    try:
        subs = work / "subs"
        names = ["relu_basics", "sparsity", "gradient_flow", "dying_relu"]
        for name in names:
            nb = solution(name)
            for i in range(n):
                (subs / f"{name}-{i:03d}").mkdir(parents=True)
                nbformat.write(nb, subs / f"{name}-{i:03d}" / f"{name}.ipynb")
        count = n * len(names)
        wall, rows = grade(subs, work / "out")
        assert all(r["status"] == "ok" and r["total"] == r["max"] for r in rows), rows
        print(f"well-behaved: {count} submissions in {wall:.1f} s on 2 workers: "
              f"{60 * count / wall:.1f} a minute")
        bad = work / "bad"
        for fixture in ("infinite_loop", "sigint_ignored"):
            make, _, _ = FIXTURES[fixture]
            (bad / fixture).mkdir(parents=True)
            nbformat.write(make(solution()), bad / fixture / "relu_basics.ipynb")
        _, rows = grade(bad, work / "bad-out")
        for r in rows:
            print(f"{r['student']}: {r['status']}, {float(r['seconds']):.1f} s "
                  f"(cell timeout {TIMEOUT} s; grace min(5, timeout) s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
