"""ReLU kernels in NumPy, the bytes each moves, and a harness that times them against a copy.

One implementation for the chapter *Making ReLU fast* (``book/fast.md``) and for
``benchmarks/kernel.py``. A :class:`Kernel` is one way to rectify a whole array (or to copy
it, the yardstick); :data:`NUMPY_KERNELS` lists NumPy's, and :mod:`relu_lib.torch_kernels`
adds torch's. The harness (:func:`time_calls`) runs the kernels in turns, so that a drift of
the machine hits them all alike, and reports the median time of each. Bandwidth is counted
from the least traffic any ReLU needs, one read and one write of every element
(:func:`bandwidth`); a kernel that builds temporaries moves more (:meth:`Kernel.bytes_moved`)
and shows as a lower figure. The module also measures the machine: its copy bandwidth, its
matrix-product rate (the roof of :func:`roofline`), its caches and first-touch page faults
(:func:`minor_faults`). It never imports torch.

Examples
--------
>>> x = np.random.default_rng(0).standard_normal(1000, dtype=np.float32)
>>> k = NUMPY_KERNELS["mask_multiply"]
>>> k.bytes_moved(x.size, x.itemsize), k.bytes_moved(x.size, x.itemsize) / (2 * x.nbytes)
(14000, 1.75)
>>> np.array_equal(run_once(k, x), np.maximum(x, 0))
True
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np

from relu_lib.reference import relu

__all__ = [
    "Kernel", "NUMPY_KERNELS", "TRANSCENDENTAL_FLOPS", "flops", "time_calls", "measure",
    "run_once", "bandwidth", "minimum_bytes", "minor_faults", "matmul_rate", "roofline",
    "cache_sizes", "machine", "page_size",
]

#: Flops we count for one exp, expm1, log1p, tanh or erf: an assumption, not a measurement
#: (a vectorised implementation evaluates a polynomial of about this length after a range
#: reduction). Only the variants with such a function depend on it; ReLU does not.
TRANSCENDENTAL_FLOPS = 20


def flops(simple: int, transcendental: int = 0) -> float:
    """Estimated flops per element: ``simple`` comparisons, selections and arithmetic
    operations count one each, each transcendental function :data:`TRANSCENDENTAL_FLOPS`.

    Serves the section 'Arithmetic intensity' of book/fast.md.

    Examples
    --------
    >>> flops(1), flops(3, 1)
    (1.0, 23.0)
    """
    return float(simple + transcendental * TRANSCENDENTAL_FLOPS)


@dataclass(frozen=True)
class Kernel:
    """One way to compute ReLU over a whole array, or to copy it (the yardstick).

    Serves every section of book/fast.md.

    Attributes
    ----------
    name : short key, e.g. ``"maximum_out"``
    code : the call as one would write it, for tables
    library : ``"numpy"`` or ``"torch"``
    build : ``build(x) -> call``: prepares buffers for input ``x`` once and returns the
        zero-argument call that is timed; the call returns the result
    passes : full passes over arrays of ``x``'s dtype, reads and writes together (a ReLU
        into another array: one read and one write, 2)
    mask_passes : passes over a one-byte boolean temporary (written once, read once: 2)
    allocates : the call returns a newly allocated array
    flops_per_element : arithmetic per element, an estimate (see :func:`flops`)
    """

    name: str
    code: str
    library: str
    build: Callable[[Any], Callable[[], Any]]
    passes: int = 2
    mask_passes: int = 0
    allocates: bool = False
    flops_per_element: float = 1.0

    def bytes_moved(self, n: int, itemsize: int) -> int:
        """Bytes the kernel reads and writes for ``n`` elements of ``itemsize`` bytes,
        counting its temporaries; a cache may save some of this traffic."""
        return n * (self.passes * itemsize + self.mask_passes)


def minimum_bytes(n: int, itemsize: int) -> int:
    """The least traffic of any ReLU, or copy, of ``n`` elements: one read, one write.

    >>> minimum_bytes(10**6, 4)
    8000000
    """
    return 2 * n * itemsize


def bandwidth(n: int, itemsize: int, seconds: float) -> float:
    """GB/s (10^9 bytes per second) of :func:`minimum_bytes` moved in ``seconds``.

    >>> bandwidth(10**6, 4, 1e-3)
    8.0
    """
    return minimum_bytes(n, itemsize) / seconds / 1e9


# -------------------------------------------------------------------------------- the kernels

def _copy(x: np.ndarray) -> Callable[[], np.ndarray]:
    out = np.empty_like(x)
    return lambda: np.copyto(out, x) or out


def _maximum(x: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: np.maximum(x, 0)


def _maximum_out(x: np.ndarray) -> Callable[[], np.ndarray]:
    out = np.empty_like(x)
    return lambda: np.maximum(x, 0, out=out)


def _in_place(x: np.ndarray) -> Callable[[], np.ndarray]:
    # A private copy is rectified again and again: after the first call it holds no
    # negatives, which does not matter to a branch-free (vectorised) maximum.
    buf = x.copy()
    return lambda: np.maximum(buf, 0, out=buf)


def _reference_in_place(x: np.ndarray) -> Callable[[], np.ndarray]:
    buf = x.copy()
    return lambda: relu(buf, out=buf)


def _where(x: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: np.where(x > 0, x, 0)


def _mask_multiply(x: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: x * (x > 0)


def _clip(x: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: np.clip(x, 0, None)


def _kernels(*rows: tuple) -> dict[str, Kernel]:
    return {row[0]: Kernel(*row) for row in rows}


#: NumPy's ways to compute ReLU, and the copy they are measured against. ``where`` and
#: ``mask_multiply`` first write a boolean mask (``x > 0``) and read it back: three passes
#: over ``x``'s dtype and two over the mask.
NUMPY_KERNELS: Mapping[str, Kernel] = _kernels(
    ("copy", "np.copyto(out, x)", "numpy", _copy, 2, 0, False, 0.0),
    ("maximum", "np.maximum(x, 0)", "numpy", _maximum, 2, 0, True, 1.0),
    ("maximum_out", "np.maximum(x, 0, out=out)", "numpy", _maximum_out, 2, 0, False, 1.0),
    ("in_place", "np.maximum(x, 0, out=x)", "numpy", _in_place, 2, 0, False, 1.0),
    ("reference_in_place", "relu_lib.relu(x, out=x)", "numpy", _reference_in_place,
     2, 0, False, 1.0),
    ("where", "np.where(x > 0, x, 0)", "numpy", _where, 3, 2, True, 2.0),
    ("mask_multiply", "x * (x > 0)", "numpy", _mask_multiply, 3, 2, True, 2.0),
    ("clip", "np.clip(x, 0, None)", "numpy", _clip, 2, 0, True, 1.0),
)


def run_once(kernel: Kernel, x: Any) -> Any:
    """The result of one call of ``kernel`` on ``x`` (``x`` itself is left unchanged)."""
    return kernel.build(x)()


# -------------------------------------------------------------------------------- the harness

def time_calls(
    calls: Mapping[str, Callable[[], Any]],
    repeat: int = 5,
    warmup: int = 1,
    min_seconds: float = 2e-4,
    synchronize: Callable[[], Any] | None = None,
) -> dict[str, float]:
    """Median seconds per call of each zero-argument call, the calls taking turns.

    Serves the sections 'Measured on this machine' of book/fast.md and benchmarks/kernel.py.

    Each call is first run once to find how many calls make a sample of at least
    ``min_seconds`` (a short call is timed in a loop, so the clock's resolution does not
    matter); then ``warmup`` rounds and ``repeat`` timed rounds follow, each round taking one
    sample of every call in turn. A result is dropped before the clock stops only by the
    next call, so freeing it is not timed. ``synchronize`` (e.g. ``torch.cuda.synchronize``)
    is called before the clock starts and before it stops, for devices that run
    asynchronously.

    Examples
    --------
    >>> t = time_calls({"sum": lambda: sum(range(100))}, repeat=3)
    >>> t["sum"] > 0
    True
    """
    sync = synchronize or (lambda: None)
    loops = {}
    for name, call in calls.items():
        sync()
        start = time.perf_counter()
        call()
        sync()
        once = max(time.perf_counter() - start, 1e-9)
        loops[name] = max(1, min(10_000, math.ceil(min_seconds / once)))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for r in range(warmup + repeat):
        for name, call in calls.items():
            k = loops[name]
            sync()
            start = time.perf_counter()
            for _ in range(k):
                call()
            sync()
            if r >= warmup:
                samples[name].append((time.perf_counter() - start) / k)
    return {name: statistics.median(s) for name, s in samples.items()}


def measure(kernels: Mapping[str, Kernel], x: Any, **options: Any) -> dict[str, float]:
    """Median seconds of each kernel on ``x`` (see :func:`time_calls` for ``options``).

    >>> x = np.ones(4096, dtype=np.float32)
    >>> sorted(measure({k: NUMPY_KERNELS[k] for k in ("copy", "maximum")}, x, repeat=2))
    ['copy', 'maximum']
    """
    return time_calls({name: k.build(x) for name, k in kernels.items()}, **options)


# -------------------------------------------------------------------------------- the machine

def page_size() -> int:
    """Bytes of one memory page of this operating system (4096 on most machines)."""
    try:
        return os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 4096


def minor_faults(call: Callable[[], Any], calls: int = 3, warmup: int = 1) -> float:
    """Minor page faults per call of ``call`` (after ``warmup`` calls); NaN where the
    operating system does not count them.

    Serves the section 'Allocation is not free' of book/fast.md. A minor fault is the
    operating system mapping a page into the process on its first touch (and filling it
    with zeros) without reading a disk.

    Examples
    --------
    >>> buf = np.empty(1 << 20)
    >>> minor_faults(lambda: buf.fill(1.0)) == 0.0   # touched in the warm-up already
    True
    """
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    for _ in range(warmup):
        call()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        result = call()
        del result
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def matmul_rate(n: int = 512, repeat: int = 5) -> float:
    """GFLOP/s of a float32 ``n x n`` matrix product on one BLAS thread: the arithmetic
    roof of :func:`roofline` (a product of ``n x n`` matrices is ``2 n^3`` flops).

    Serves the section 'Arithmetic intensity' of book/fast.md.

    >>> matmul_rate(64, repeat=1) > 0
    True
    """
    from relu_lib.nets import limited_blas

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)
    with limited_blas(1):
        seconds = time_calls({"mm": lambda: np.matmul(a, b, out=out)}, repeat=repeat,
                             min_seconds=2e-3)["mm"]
    return 2 * n**3 / seconds / 1e9


def roofline(intensity: Any, bandwidth_gbs: float, peak_gflops: float) -> np.ndarray:
    """Attainable GFLOP/s at ``intensity`` flops per byte: ``min(peak, intensity x bandwidth)``
    (Williams, Waterman and Patterson's roofline).

    >>> roofline([0.125, 100.0], bandwidth_gbs=10.0, peak_gflops=50.0).tolist()
    [1.25, 50.0]
    """
    return np.minimum(peak_gflops, np.asarray(intensity, dtype=float) * bandwidth_gbs)


def cache_sizes() -> dict[int, int]:
    """Bytes of each level of data cache seen by CPU 0 (Linux), e.g. ``{1: 32768, ...}``;
    empty where the system does not say."""
    sizes: dict[int, int] = {}
    root = "/sys/devices/system/cpu/cpu0/cache"
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return sizes
    for entry in entries:
        try:
            with open(f"{root}/{entry}/type") as f:
                kind = f.read().strip()
            with open(f"{root}/{entry}/level") as f:
                level = int(f.read())
            with open(f"{root}/{entry}/size") as f:
                text = f.read().strip()
        except (OSError, ValueError):
            continue
        if kind == "Instruction" or not text:
            continue
        scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1], 1)
        sizes[level] = int(text.rstrip("KMG")) * scale
    return sizes


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine() -> dict[str, Any]:
    """What the measurements ran on: CPU model, logical cores, caches, library versions.

    Serves the section 'Measured on this machine' of book/fast.md. torch's version is read
    from its installed metadata, without importing it (None where it is not installed).

    >>> sorted(machine())
    ['caches', 'cores', 'cpu', 'numpy', 'python', 'torch']
    """
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = None
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "caches": cache_sizes(),
            "numpy": np.__version__, "torch": torch_version,
            "python": platform.python_version()}
