"""Memory bandwidth of ReLU kernels: the NumPy reference, bare NumPy, and torch.

Usage::

    python benchmarks/kernel.py [--size N] [--repeat R]

ReLU does one comparison per element, so on a large array it is bound by
memory traffic, and the honest yardstick is a plain copy, which moves the same
bytes and computes nothing. For one float32 array ``x`` of N elements (default
2**25, i.e. 128 MiB, far larger than any CPU cache) each kernel is timed R
times (default 11) after 2 warm-up runs, the kernels taking turns so that any
drift of the machine hits them all alike; the table shows the median.

    GB/s = 2 * N * 4 bytes / median time / 1e9

counts one read of ``x`` and one write of the result for every row, the least
any ReLU must move. Kernels that build temporaries (a boolean mask, a product)
move more and so show as a lower GB/s: that extra work is what the table is
for. The last column is the ratio to a copy on the same side (``np.copyto``
for NumPy rows, ``Tensor.copy_`` for torch rows).

The torch rows call ``relu_lib.torch_path.relu`` (``torch.relu``, and
``torch.relu_`` for ``out=x``) on as many CPU threads as torch uses by default;
NumPy's ufuncs use one. An in-place kernel can beat the copy: it touches one
buffer, where a copy also pulls the destination's cache lines in before
writing them.

Two targets are printed with PASS/FAIL, and the exit status is 1 if one fails:
the reference ``relu(x, out=)`` runs at >= 0.95x bare ``np.maximum(x, 0,
out=)``, and torch's in-place ``relu_`` at >= 0.9x a torch copy. Torch rows are
skipped if torch is not installed; CUDA rows run when a GPU is present, timed
with CUDA events.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from relu_lib import reference  # noqa: E402

try:
    import torch

    from relu_lib import torch_path
except ImportError:  # the NumPy rows still run
    torch = None

WARMUP = 2


class Row:
    """One kernel to time: its side ("numpy", "torch cpu", "torch cuda"), name and call."""

    def __init__(self, side: str, name: str, run: Callable[[], object], cuda: bool = False):
        self.side, self.name, self.run, self.cuda = side, name, run, cuda
        self.seconds: list[float] = []

    def time_once(self) -> float:
        if self.cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            result = self.run()
            end.record()
            end.synchronize()
            del result
            return start.elapsed_time(end) / 1e3
        t0 = time.perf_counter()
        result = self.run()
        t1 = time.perf_counter()
        del result  # freeing an allocated result is not part of the kernel
        return t1 - t0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def numpy_rows(x: np.ndarray) -> list[Row]:
    out = np.empty_like(x)
    rows = [
        Row("numpy", "np.copyto(out, x)  [copy]", lambda: np.copyto(out, x)),
        Row("numpy", "reference relu(x, out=out)", lambda: reference.relu(x, out=out)),
        Row("numpy", "np.maximum(x, 0, out=out)", lambda: np.maximum(x, 0, out=out)),
        Row("numpy", "np.maximum(x, 0)", lambda: np.maximum(x, 0)),
        Row("numpy", "np.where(x > 0, x, 0)", lambda: np.where(x > 0, x, 0)),
        Row("numpy", "x * (x > 0)", lambda: x * (x > 0)),
    ]
    expected = np.maximum(x, 0)
    for row in rows[1:]:  # time only kernels that compute a ReLU
        assert np.array_equal(row.run(), expected), row.name
    return rows


def torch_rows(x: np.ndarray, device: str) -> list[Row]:
    side, cuda = f"torch {device}", device == "cuda"
    xt = torch.from_numpy(x).to(device)
    out, buf = torch.empty_like(xt), xt.clone()
    # relu_ rectifies buf again and again: after the first call it holds no negatives,
    # which does not matter to torch's branch-free kernel (a vectorised max).
    rows = [
        Row(side, "out.copy_(x)  [copy]", lambda: out.copy_(xt), cuda),
        Row(side, "relu(x)  (allocates)", lambda: torch_path.relu(xt), cuda),
        Row(side, "relu_(x)  (in place)", lambda: torch_path.relu(buf, out=buf), cuda),
    ]
    expected = torch.relu(xt)
    for row in rows[1:]:
        assert torch.equal(row.run(), expected), row.name
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2**25,
                        help="float32 elements in x (default 2**25 = 128 MiB)")
    parser.add_argument("--repeat", type=int, default=11,
                        help="timed runs per kernel (default 11)")
    args = parser.parse_args(argv)
    if args.size < 1 or args.repeat < 1:
        parser.error("--size and --repeat must be positive")

    x = np.random.default_rng(0).standard_normal(args.size, dtype=np.float32)
    rows = numpy_rows(x)
    if torch is not None:
        rows += torch_rows(x, "cpu")
        if torch.cuda.is_available():
            rows += torch_rows(x, "cuda")
    for i in range(WARMUP + args.repeat):
        for row in rows:
            seconds = row.time_once()
            if i >= WARMUP:
                row.seconds.append(seconds)

    nbytes = 2 * x.size * x.itemsize
    print(f"ReLU kernels on float32 x of {x.size} elements ({x.nbytes / 2**20:g} MiB), seed 0")
    print(f"median of {args.repeat} runs after {WARMUP} warm-up; "
          f"GB/s = 2 * N * 4 bytes / median time / 1e9 (one read of x, one write)")
    line = f"numpy {np.__version__} (ufuncs single-threaded)"
    if torch is not None:
        line += f"; torch {torch.__version__}, CPU rows on {torch.get_num_threads()} threads"
        if torch.cuda.is_available():
            line += f"; CUDA rows on {torch.cuda.get_device_name()}"
    print(line + "\n")
    print(f"{'side':<11} {'kernel':<30} {'ms':>8} {'GB/s':>8} {'x copy':>7}")
    copy = {}
    for row in rows:
        copy.setdefault(row.side, row.median)
        gbs = nbytes / row.median / 1e9
        print(f"{row.side:<11} {row.name:<30} {row.median * 1e3:8.2f} {gbs:8.2f} "
              f"{copy[row.side] / row.median:7.2f}")

    by_name = {(row.side, row.name.split("  ")[0]): row.median for row in rows}
    targets = [("reference relu(out=) vs np.maximum(out=)", 0.95,
                by_name["numpy", "np.maximum(x, 0, out=out)"]
                / by_name["numpy", "reference relu(x, out=out)"])]
    for side in sorted({row.side for row in rows} - {"numpy"}):
        targets.append((f"{side} relu_ vs {side} copy", 0.9,
                        by_name[side, "out.copy_(x)"] / by_name[side, "relu_(x)"]))
    print()
    ok = True
    for label, floor, ratio in targets:
        passed = ratio >= floor
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}  {label}: {ratio:.2f}x (target >= {floor}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
