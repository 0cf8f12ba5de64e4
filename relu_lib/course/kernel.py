"""The grader's kernel: an IPython kernel started under resource limits.

The grader starts this module instead of ``ipykernel_launcher``: it lowers the limits of its own
process (address space, file size, no core files), which the kernel and everything it forks
inherit, and then runs the ordinary IPython kernel. A submission that allocates without bound gets
a ``MemoryError`` (or dies, and the grader says so) instead of taking the machine down.

    python -m relu_lib.course.kernel --memory BYTES --file-size BYTES -f CONNECTION_FILE

Examples
--------
>>> parse_limits(["--memory", "1000", "--file-size", "10", "-f", "c.json"])
(1000, 10, ['-f', 'c.json'])
"""

from __future__ import annotations

import resource
import sys

__all__ = ["parse_limits", "apply_limits", "main"]


def parse_limits(argv: list[str]) -> tuple[int, int, list[str]]:
    """Split ``--memory`` and ``--file-size`` (bytes) from the kernel's own arguments."""
    memory, file_size, rest = 0, 0, []
    it = iter(argv)
    for arg in it:
        if arg == "--memory":
            memory = int(next(it))
        elif arg == "--file-size":
            file_size = int(next(it))
        else:
            rest.append(arg)
    return memory, file_size, rest


def apply_limits(memory: int, file_size: int) -> None:
    """Cap this process's address space and file size (0: leave as is); no core files."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if file_size > 0:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))


def main(argv: list[str] | None = None) -> None:
    """Apply the limits, then run the IPython kernel with the remaining arguments."""
    memory, file_size, rest = parse_limits(sys.argv[1:] if argv is None else argv)
    apply_limits(memory, file_size)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=rest)


if __name__ == "__main__":
    main()
