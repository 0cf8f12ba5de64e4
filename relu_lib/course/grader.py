"""The grader: one submission into one result file, a folder into a gradebook.

* :func:`grade_one` grades one notebook in this process: it identifies the assignment from the
  notebook's metadata (``relu_course.assignment``, not the file name), runs its code cells in a
  fresh kernel in a fresh temporary folder (:class:`relu_lib.course.runner.Kernel`: timeout,
  interrupt, kill of the process group, memory and output caps), then runs the hidden tests here,
  in the grader, on values the kernel hands back as data (:mod:`relu_lib.course.hidden`).
  Whatever the notebook does, the result is a row: points, a status and a reason.
* :func:`grade_folder` grades every notebook of a folder as ``grade-one`` does, each in a
  process and a process group of its own, a few at a time, each under a deadline after which
  the group and its kernel's are killed; then :func:`gather`.
* :func:`gather` turns the result files into ``gradebook.csv``, one feedback file per student,
  and one file per written question with every student's answer.

Everything written is reproducible: the same folder graded twice gives the same files, except
the ``seconds`` column (the last one) of the gradebook.

Statuses, worst first: ``invalid`` (not a notebook), ``unknown`` (no such assignment),
``deadline`` (the whole grading ran out of time), ``died`` (the kernel died: ``os._exit``, a
crash, the memory limit), ``killed`` (a cell ignored the interrupt), ``timeout`` (a cell was
interrupted), ``memory`` (a ``MemoryError``), ``output`` (a cell printed past the cap),
``error`` (a cell raised), ``ok``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["STATUSES", "grade_one", "grade_folder", "gather", "student_id", "natural"]

STATUSES = ("invalid", "unknown", "deadline", "died", "killed", "timeout", "memory", "output",
            "error", "ok")
MAX_NOTEBOOK_BYTES = 32 * 1024**2
MAX_RESTARTS = 2


def natural(key: str) -> list:
    """Sort key that puts q2 before q10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


def student_id(path: Path, root: Path) -> str:
    """The student a file belongs to: its first folder under ``root``, or its name."""
    rel = Path(path).relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _plain(text: str, workdir: str = "") -> str:
    """A message without what changes from run to run (paths, addresses), on one line."""
    if workdir:
        text = text.replace(workdir, ".")
    text = re.sub(r"0x[0-9a-fA-F]{6,}", "0x…", text)
    text = re.sub(r"/tmp/[\w./-]*", "<tmp>", text)
    return " ".join(text.split())[:300]


def _row(student: str, file: str, **extra: Any) -> dict[str, Any]:
    row = {"student": student, "file": file, "assignment": "", "points": {}, "max": {},
           "manual": {}, "status": "ok", "reason": "", "notes": [], "feedback": {},
           "written": {}, "seconds": 0.0}
    row.update(extra)
    return row


def _read_notebook(path: Path):
    import nbformat

    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the file is larger than {MAX_NOTEBOOK_BYTES} bytes")
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValueError(f"not a notebook: invalid JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a notebook: no list of cells")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds
        raise ValueError(f"not a notebook: {type(e).__name__}") from None


def _cell_name(cell, index: int) -> str:
    from relu_lib.course.notebook import cell_role

    role, q = cell_role(cell)
    return f"cell {index + 1} ({role}-{q})" if q else f"cell {index + 1}"


def _event(run, name: str, limits) -> tuple[str, str] | None:
    """(status, note) for a cell run that did not simply succeed."""
    if run.status == "died":
        return "died", f"{name}: the kernel died (os._exit, a crash or the memory limit)"
    if run.status == "killed":
        return "killed", (f"{name}: ran past {limits.timeout:g} s and ignored the interrupt; "
                          "the kernel was killed")
    if run.status == "timeout":
        return "timeout", f"{name}: ran past {limits.timeout:g} s and was interrupted"
    if run.ename == "MemoryError":
        return "memory", f"{name}: MemoryError (limit {limits.memory // 1024**2} MiB)"
    if run.output_capped:
        return "output", f"{name}: printed more than {limits.output_cap} bytes (not kept)"
    if run.status == "error":
        return "error", f"{name}: {run.ename}: {run.evalue}".rstrip(": ")
    return None


def grade_one(path: Path, tests_root: Path, limits=None, student: str | None = None,
              pgid_file: Path | None = None) -> dict[str, Any]:
    """Grade one notebook; the result as a JSON-ready dict (see the module docstring)."""
    from relu_lib.course.hidden import Fail, Student, load_tests
    from relu_lib.course.notebook import cell_role
    from relu_lib.course.runner import Kernel, Limits

    limits = limits or Limits()
    path = Path(path)
    start = time.monotonic()
    row = _row(student or path.stem, path.name)
    try:
        nb = _read_notebook(path)
    except (OSError, ValueError) as e:
        return row | {"status": "invalid", "reason": _plain(str(e)),
                      "seconds": round(time.monotonic() - start, 2)}
    meta = nb.metadata.get("relu_course", {})
    assignment = str(meta.get("assignment", "")) if isinstance(meta, dict) else ""
    row["assignment"] = assignment
    folder = Path(tests_root) / assignment
    if not re.fullmatch(r"[\w-]+", assignment) or not folder.is_dir():
        reason = (f"no hidden tests for assignment {assignment!r}" if assignment else
                  "the notebook does not say which assignment it is "
                  "(metadata relu_course.assignment)")
        return row | {"status": "unknown", "reason": _plain(reason),
                      "seconds": round(time.monotonic() - start, 2)}
    tests, manual = load_tests(folder)
    for t in tests:
        row["max"][t.question] = row["max"].get(t.question, 0.0) + t.points
        row["points"].setdefault(t.question, 0.0)
    row["manual"] = manual
    if path.stem != assignment:
        row["notes"].append(f"file name {path.name!r} is not {assignment + '.ipynb'!r}; "
                            "graded as the notebook's metadata says")

    cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and cell_role(c)[0] not in ("self-check", "setup") and c.source.strip()]
    present = {cell_role(c) for c in nb.cells}
    for q in sorted(row["max"], key=natural):
        if ("answer", q) not in present:
            row["notes"].append(f"no cell tagged answer-{q} (deleted or re-tagged); "
                                "its names are looked for anywhere")
    for q in sorted(manual, key=natural):
        texts = [c.source.strip() for c in nb.cells if cell_role(c) == ("written", q)]
        row["written"][q] = "\n\n".join(texts)

    workdir = tempfile.mkdtemp(prefix="relu-course-")
    events: dict[int, tuple[str, str]] = {}
    skip: set[int] = set()
    kernel = None
    restarts = 0

    def fresh_kernel() -> Kernel | None:
        """A new kernel that has run every cell but those that killed one before."""
        nonlocal restarts
        while restarts <= MAX_RESTARTS:
            k = Kernel(Path(workdir) / f"k{restarts}", limits, pgid_file)
            try:
                k.start()
            except Exception as e:  # noqa: BLE001
                k.close()
                row["notes"].append(f"the kernel did not start ({type(e).__name__})")
                return None
            for i, cell in cells:
                if i in skip:
                    continue
                run = k.run(cell.source)
                event = _event(run, _cell_name(cell, i), limits)
                if event and i not in events:
                    events[i] = event
                if run.status in ("died", "killed"):
                    skip.add(i)
                    break
            else:
                return k
            k.close()
            restarts += 1
        return None

    try:
        kernel = fresh_kernel()
        for t in tests:
            if kernel is None:
                message = "not checked: the kernel could not run the notebook"
            else:
                try:
                    message = t(Student(kernel, kernel.workdir))
                except Fail as e:
                    message = str(e)
                except Exception as e:  # noqa: BLE001 - an answer of an unexpected type
                    message = f"the answer could not be checked ({type(e).__name__})"
                if not kernel._alive():
                    kernel.close()
                    restarts += 1
                    kernel = fresh_kernel()
            if message:
                row["feedback"].setdefault(t.question, []).append(_plain(message, workdir))
            else:
                row["points"][t.question] += t.points
    finally:
        if kernel is not None:
            kernel.close()
        shutil.rmtree(workdir, ignore_errors=True)

    ordered = [events[i] for i in sorted(events)]
    row["notes"] += [_plain(note, workdir) for _, note in ordered]
    if ordered:
        worst = min(ordered, key=lambda e: STATUSES.index(e[0]))
        row["status"], row["reason"] = worst[0], _plain(worst[1], workdir)
    row["seconds"] = round(time.monotonic() - start, 2)
    return row


# --------------------------------------------------------------------------- many submissions

def _kill_groups(pid: int, pgid_file: Path) -> None:
    groups = {pid}
    if pgid_file.is_file():
        groups |= {int(x) for x in pgid_file.read_text().split() if x.isdigit()}
    for g in groups:
        try:
            os.killpg(g, signal.SIGKILL)
        except OSError:
            pass


def become_subreaper() -> None:
    """Orphans of the kernel's children come back to this process (Linux), to be killed."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_descendants() -> None:
    """Kill whatever the kernels left behind (forked children, even those that left the group)."""
    try:
        import psutil
    except ImportError:
        return
    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


def write_result(row: dict[str, Any], out: Path) -> None:
    """The result file, written whole or not at all."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(row, indent=1, sort_keys=True))
    tmp.replace(out)


def _graded_in_own_group(path, result, tests_root, limits, student, pgid_file, log) -> None:
    """Body of one submission's process: a new session, output to its log, one result file."""
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    become_subreaper()
    try:
        row = grade_one(path, tests_root, limits, student, pgid_file)
    finally:
        reap_descendants()
    write_result(row, result)


#: Imported once by the fork server, so each submission's process starts without the imports.
PRELOAD = ["relu_lib.course.grader", "relu_lib.course.runner", "relu_lib.course.hidden",
           "relu_lib.course.notebook", "nbclient", "numpy"]


def grade_folder(submissions: Path, out: Path, tests_root: Path, jobs: int = 2,
                 deadline: float = 600.0, limits=None) -> Path:
    """Grade every ``*.ipynb`` under ``submissions`` into ``out``; returns the gradebook's path.

    Each notebook is graded in a process of its own, in a session (process group) of its own,
    ``jobs`` at a time; the processes fork from a server that has imported the grader once.
    After ``deadline`` seconds a process's group and its kernel's are killed and its row says
    so. Other submissions are not affected. ``python -m relu_lib.course grade-one`` does the
    same for one notebook, as one command.
    """
    import multiprocessing

    from relu_lib.course.runner import Limits

    limits = limits or Limits()
    submissions, out = Path(submissions), Path(out)
    results, logs = out / "results", out / "logs"
    for d in (results, logs):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    files = sorted(p for p in submissions.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)

    def one(path: Path) -> None:
        student = student_id(path, submissions)
        key = re.sub(r"[^\w.-]", "_", str(path.relative_to(submissions).with_suffix("")))
        result = results / f"{key}.json"
        pgid_file = logs / f"{key}.pgids"
        start = time.monotonic()
        proc = ctx.Process(target=_graded_in_own_group,
                           args=(path, result, Path(tests_root), limits, student, pgid_file,
                                 logs / f"{key}.log"))
        proc.start()
        proc.join(deadline)
        timed_out = proc.is_alive()
        _kill_groups(proc.pid, pgid_file)
        proc.kill()
        proc.join()
        if timed_out or not result.is_file():
            reason = (f"grading stopped after {deadline:g} s" if timed_out
                      else f"the grading process ended with code {proc.exitcode}")
            row = _row(student, path.name, status="deadline" if timed_out else "invalid",
                       reason=reason, seconds=round(time.monotonic() - start, 2))
            write_result(row, result)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, files))
    return gather(results, out)


def _fmt(x: float) -> str:
    return f"{x:g}"


def gather(results: Path, out: Path) -> Path:
    """``gradebook.csv``, ``feedback/<student>.md`` and ``written/<assignment>/<q>.md``."""
    rows = [json.loads(p.read_text()) for p in sorted(Path(results).glob("*.json"))]
    rows.sort(key=lambda r: (r["student"], r["file"]))
    out = Path(out)
    questions = sorted({q for r in rows for q in r["max"]}, key=natural)
    written = sorted({q for r in rows for q in r["manual"]}, key=natural)
    header = (["student", "file", "assignment"] + questions + [f"{q} (written)" for q in written]
              + ["total", "max", "status", "reason", "notes", "seconds"])
    book = out / "gradebook.csv"
    with open(book, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r["student"], r["file"], r["assignment"]]
                       + [_fmt(r["points"][q]) if q in r["max"] else "" for q in questions]
                       + ["" for _ in written]
                       + [_fmt(sum(r["points"].values())), _fmt(sum(r["max"].values())),
                          r["status"], r["reason"], " | ".join(r["notes"]), r["seconds"]])
    fb = out / "feedback"
    shutil.rmtree(fb, ignore_errors=True)
    fb.mkdir(parents=True)
    for r in rows:
        (fb / f"{r['student']}.md").write_text(feedback_text(r))
    wdir = out / "written"
    shutil.rmtree(wdir, ignore_errors=True)
    for assignment in sorted({r["assignment"] for r in rows if r["manual"]}):
        for q in sorted({q for r in rows if r["assignment"] == assignment for q in r["manual"]},
                        key=natural):
            parts = [f"# {assignment}, {q}: written answers\n"]
            for r in rows:
                if r["assignment"] == assignment and q in r["manual"]:
                    answer = r["written"].get(q, "").strip() or "*(no answer)*"
                    parts.append(f"## {r['student']} ({r['file']})\n\n{answer}\n")
            (wdir / assignment).mkdir(parents=True, exist_ok=True)
            (wdir / assignment / f"{q}.md").write_text("\n".join(parts))
    return book


def feedback_text(r: dict[str, Any]) -> str:
    """A student's feedback: points per question, what was wrong, what happened to the notebook."""
    total, most = sum(r["points"].values()), sum(r["max"].values())
    lines = [f"# {r['assignment'] or 'unknown assignment'}: feedback for {r['student']}", "",
             f"File: {r['file']}", f"Points: {_fmt(total)} of {_fmt(most)}"
             + (f" (written answers marked by hand: {', '.join(sorted(r['manual'], key=natural))})"
                if r["manual"] else ""),
             f"Status: {r['status']}" + (f" ({r['reason']})" if r["reason"] else ""), ""]
    for q in sorted(r["max"], key=natural):
        lines.append(f"- {q}: {_fmt(r['points'][q])} of {_fmt(r['max'][q])}")
        lines += [f"  - {m}" for m in r["feedback"].get(q, [])]
    if r["notes"]:
        lines += ["", "Notes:"] + [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"
