"""One kernel for one submission: cells run with a timeout, a memory cap and an output cap.

:class:`Kernel` drives an IPython kernel through nbclient. The kernel is started by
:mod:`relu_lib.course.kernel` (resource limits) in a working folder of its own, with a small
environment (no variables of the grader's shell, one BLAS thread). Each :meth:`Kernel.run`

* interrupts the cell (SIGINT to the kernel's process group) when it runs past ``timeout``;
* kills the kernel's whole process group (SIGKILL: the kernel and anything it forked) when the
  interrupt has not ended the cell ``grace`` seconds later, as for a loop that ignores SIGINT;
* keeps no output: it only counts the bytes a cell prints (a cell past ``output_cap`` is marked)
  and the socket drops any single message over ``output_cap`` unread;
* reports the kernel's death (``os._exit``, a crash, the memory limit) as such.

The result of a cell is a :class:`CellRun`: a status (``ok``, ``error``, ``timeout``,
``killed``, ``died``), and for an error the exception's name and message.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, DeadKernelError
from traitlets import Type

__all__ = ["Limits", "CellRun", "Kernel"]

KERNEL_NAME = "relu-course"


@dataclass(frozen=True)
class Limits:
    """What one submission may use: seconds per cell, bytes of memory, of output, of files."""

    timeout: float = 30.0          # seconds a cell may run before it is interrupted
    grace: float = 5.0             # seconds after the interrupt before the kernel is killed
    memory: int = 2 * 1024**3      # address space of the kernel (RLIMIT_AS)
    output_cap: int = 1024**2      # bytes a cell may print; larger messages are dropped unread
    file_size: int = 64 * 1024**2  # largest file the kernel may write (RLIMIT_FSIZE)
    startup: float = 60.0          # seconds the kernel may take to start


@dataclass
class CellRun:
    """How one cell ended."""

    status: str                    # ok, error, timeout, killed, died
    ename: str = ""
    evalue: str = ""
    output_bytes: int = 0

    @property
    def output_capped(self) -> bool:
        return self.output_bytes < 0


class _CappedClient(AsyncKernelClient):
    """A kernel client whose sockets refuse any single message larger than the cap."""

    max_message = 8 * 1024**2

    def _create_connected_socket(self, channel, identity=None):
        url = self._make_url(channel)
        sock = self.context.socket(zmq.SUB if channel == "iopub" else zmq.DEALER
                                   if channel in ("shell", "stdin", "control") else zmq.REQ)
        sock.linger = 1000
        if channel in ("iopub", "shell"):
            sock.setsockopt(zmq.MAXMSGSIZE, self.max_message)
        if identity:
            sock.identity = identity
        sock.connect(url)
        return sock


class _Specs(KernelSpecManager):
    """Only one kernel: :mod:`relu_lib.course.kernel` under the given limits."""

    limits = Limits()

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(
            argv=[sys.executable, "-m", "relu_lib.course.kernel",
                  "--memory", str(self.limits.memory),
                  "--file-size", str(self.limits.file_size), "-f", "{connection_file}"],
            display_name="relu-course grader", language="python", metadata={})


class _Manager(AsyncKernelManager):
    client_class = "relu_lib.course.runner._CappedClient"
    client_factory = Type(klass="jupyter_client.client.KernelClient")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.client_factory = _CappedClient


def kernel_env(workdir: Path) -> dict[str, str]:
    """The kernel's environment: enough to run Python, nothing of the grader's secrets."""
    keep = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(HOME=str(workdir), IPYTHONDIR=str(workdir / ".ipython"), MPLBACKEND="Agg",
               MPLCONFIGDIR=str(workdir / ".mpl"), PYTHONHASHSEED="0", MALLOC_ARENA_MAX="2",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1", RELU_COURSE_GRADING="1")
    env.setdefault("LANG", "C.UTF-8")
    return env


class _Client(NotebookClient):
    """nbclient's executor, keeping no outputs: it counts their bytes and keeps the error.

    ``_idle`` records whether the kernel's end-of-cell message arrived: when it did not, a
    message was dropped for its size (or the output stream was lost), and the cell is marked.
    """

    def process_message(self, msg, cell, cell_index):
        try:
            return super().process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            self._idle = True
            raise

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = sum(len(str(v)) for v in content.get("data", {}).values())
        size += len(content.get("text", ""))
        self._printed += size
        return None


class Kernel:
    """A kernel in ``workdir``; :meth:`run` executes one piece of code under ``limits``.

    ``pgid_file``, when given, receives the kernel's process-group id as soon as it starts, so
    that a supervisor can kill the group should this process itself be killed.
    """

    def __init__(self, workdir: Path, limits: Limits = Limits(), pgid_file: Path | None = None):
        self.workdir = Path(workdir)
        self.limits = limits
        self.pgid_file = pgid_file
        self.client: _Client | None = None
        self._count = 0

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        specs = _Specs()
        specs.limits = self.limits
        km = _Manager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs,
                      transport="ipc", ip=str(self.workdir / "ipc"))
        nb = nbformat.v4.new_notebook()
        client = _Client(nb, km=km, timeout=max(1, int(round(self.limits.timeout))),
                         interrupt_on_timeout=True, allow_errors=True,
                         startup_timeout=int(self.limits.startup), iopub_timeout=2,
                         shutdown_kernel="immediate", record_timing=False)
        client._printed = 0
        self.client = client
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The kernel writes nothing to the grader's terminal (a C-level print can be huge).
        client.start_new_kernel(cwd=str(self.workdir), env=kernel_env(self.workdir),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.pgid_file is not None and self.pgid is not None:
            with open(self.pgid_file, "a") as f:
                f.write(f"{self.pgid}\n")
        client.start_new_kernel_client()

    @property
    def pgid(self) -> int | None:
        km = self.client.km if self.client else None
        return getattr(getattr(km, "provisioner", None), "pgid", None)

    def kill(self) -> None:
        """SIGKILL to the kernel's whole process group (the kernel and what it forked)."""
        pgid = self.pgid
        if pgid:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass

    def close(self) -> None:
        """Stop the kernel, whatever state it is in; idempotent."""
        if self.client is None:
            return
        self.kill()
        try:
            if self.client.km is not None:
                self.client._cleanup_kernel()
        except Exception:  # noqa: BLE001 - a dead kernel may fail to clean up; it is dead
            pass
        self.client = None

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ running
    def run(self, source: str) -> CellRun:
        """Execute ``source``; never raises for anything the code does."""
        client = self.client
        if client is None:
            return CellRun("died", "DeadKernel", "the kernel is not running")
        cell = nbformat.v4.new_code_cell(source)
        client.nb.cells = [cell]
        client._printed = 0
        client._idle = False
        killed = threading.Event()

        def hard_kill() -> None:
            killed.set()
            self.kill()

        watchdog = threading.Timer(self.limits.timeout + self.limits.grace, hard_kill)
        watchdog.daemon = True
        watchdog.start()
        self._count += 1
        reply: dict = {}
        client.on_cell_executed = lambda cell, cell_index, execute_reply: reply.update(
            execute_reply.get("content", {}))
        try:
            client.execute_cell(cell, 0)
        except DeadKernelError:
            return CellRun("killed" if killed.is_set() else "died", output_bytes=client._printed)
        except Exception as e:  # noqa: BLE001 - nbclient's own failures (lost messages)
            if killed.is_set():
                return CellRun("killed", output_bytes=client._printed)
            if not self._alive():
                return CellRun("died", output_bytes=client._printed)
            return CellRun("error", type(e).__name__, str(e)[:500], client._printed)
        finally:
            watchdog.cancel()
        if killed.is_set() or not self._alive():
            return CellRun("killed" if killed.is_set() else "died", output_bytes=client._printed)
        printed = client._printed
        if not client._idle:
            self._reconnect_output()
        if not client._idle or printed > self.limits.output_cap:
            printed = -1                         # over the cap: marked, never read
        if reply.get("status") == "error" or not reply:
            ename = str(reply.get("ename", "Error"))
            evalue = str(reply.get("evalue", ""))[:500]
            status = "timeout" if ename == "KeyboardInterrupt" else "error"
            return CellRun(status, ename, evalue, printed)
        return CellRun("ok", output_bytes=printed)

    def _reconnect_output(self) -> None:
        """A message over the cap cut the output socket off: open a new one."""
        kc = self.client.kc
        try:
            kc.iopub_channel.close()
        except Exception:  # noqa: BLE001
            pass
        kc._iopub_channel = None
        kc.iopub_channel.start()
        time.sleep(0.3)                          # let the new subscription reach the kernel

    def _alive(self) -> bool:
        km = self.client.km if self.client else None
        if km is None:
            return False
        try:
            from nbclient.util import run_sync
            return bool(run_sync(km.is_alive)())
        except Exception:  # noqa: BLE001
            return False
