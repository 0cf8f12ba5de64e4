"""Course tools: assignments built from masters, self-checks, and a grader that cannot be fooled.

The top of relu_lib's dependency order: it uses the core (``relu_lib.reference`` and friends)
and nothing imports it. Modules:

* :mod:`relu_lib.course.checks`: the self-checks a student runs in an assignment (NumPy and
  relu_lib only; each says what is wrong in one sentence, without giving the answer);
* :mod:`relu_lib.course.notebook`: masters (``assignments/*.md``), the student build and its
  leak check, the solution notebook;
* :mod:`relu_lib.course.hidden`: the hidden tests' API (they run in the grader, not the kernel);
* :mod:`relu_lib.course.runner`: one kernel under limits (timeout, interrupt, kill, memory,
  output);
* :mod:`relu_lib.course.grader`: one submission into one result, a folder into a gradebook.

The command line: ``python -m relu_lib.course {build,solutions,grade-one,gather,grade}``
(``--help`` on each). Only :mod:`~relu_lib.course.checks` is imported in a student's kernel; the
others need nbclient and jupytext, which the book's requirements install.
"""
