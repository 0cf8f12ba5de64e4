"""Memory bandwidth of ReLU kernels: the NumPy reference, bare NumPy, and torch.

Usage::

    python benchmarks/kernel.py [--size N] [--repeat R] [--threads T]

ReLU does one comparison per element, so on a large array it is bound by
memory traffic, and the honest yardstick is a plain copy, which moves the same
bytes and computes nothing. The kernels and the timing harness are those of the
chapter *Making ReLU fast* (``book/fast.md``): ``relu_lib.kernels`` (NumPy,
and the harness) and ``relu_lib.torch_kernels`` (torch); this script only
chooses a size and prints. For one float32 array ``x`` of N elements (default
2**24, i.e. 64 MiB, larger than the last-level cache of most CPUs) every kernel
is timed R times (default 11) after one warm-up round, the kernels taking turns
so that any drift of the machine hits them all alike; the table shows the
median.

    GB/s = 2 * N * 4 bytes / median time / 1e9

counts one read of ``x`` and one write of the result for every row, the least
any ReLU must move. Kernels that build temporaries (a boolean mask, a product)
move more and so show as a lower GB/s; kernels that allocate their result also
pay for fresh pages (see the chapter's section on allocation). The last
column is the ratio to a copy on the same side (``np.copyto`` for NumPy rows,
``Tensor.copy_`` for torch rows). An in-place kernel can beat the copy: it
touches one buffer, where a copy also pulls the destination's cache lines in
before writing them.

NumPy's ufuncs run on one thread; the torch CPU rows run on ``--threads``
threads (default: torch's own default). CUDA rows run when a GPU is present,
with the device synchronised around every sample.

Two targets are printed with PASS/FAIL, and the exit status is 1 if one fails:
the reference ``relu(x, out=x)`` runs at >= 0.95x bare ``np.maximum(x, 0,
out=x)``, and torch's in-place ``relu_`` at >= 0.9x a torch copy. Torch rows are
skipped if torch is not installed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from relu_lib import kernels  # noqa: E402

try:
    import torch

    from relu_lib import torch_kernels
except ImportError:  # the NumPy rows still run
    torch = None

WARMUP = 1


def rows(x: np.ndarray) -> list[tuple[str, kernels.Kernel, object, object]]:
    """(side, kernel, input, synchronize) for every kernel this machine can run on ``x``."""
    found = [("numpy", k, x, None) for k in kernels.NUMPY_KERNELS.values()]
    if torch is not None:
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        for device in devices:
            xt = torch_kernels.as_tensor(x, "float32", device)
            sync = torch_kernels.synchronizer(device)
            found += [(f"torch {device}", k, xt, sync)
                      for k in torch_kernels.TORCH_KERNELS.values()]
    return found


def check(found) -> None:
    """Every kernel but the copies computes ReLU exactly (zeros compare equal to -0.0)."""
    for side, k, arg, _ in found:
        if k.name == "copy":
            continue
        got = kernels.run_once(k, arg)
        got = got.cpu().numpy() if torch is not None and isinstance(got, torch.Tensor) else got
        want = np.maximum(arg.cpu().numpy() if side != "numpy" else arg, 0)
        assert np.array_equal(got, want), f"{side} {k.code}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2**24,
                        help="float32 elements in x (default 2**24 = 64 MiB)")
    parser.add_argument("--repeat", type=int, default=11,
                        help="timed runs per kernel (default 11)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's default)")
    args = parser.parse_args(argv)
    if args.size < 1 or args.repeat < 1:
        parser.error("--size and --repeat must be positive")
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)

    x = np.random.default_rng(0).standard_normal(args.size, dtype=np.float32)
    found = rows(x)
    check(found)
    # One round-robin per synchronisation rule: NumPy and torch CPU together, CUDA apart.
    seconds: dict[tuple[str, str], float] = {}
    for sync in {id(s): s for *_, s in found}.values():
        group = [(side, k, arg) for side, k, arg, s in found if s is sync]
        medians = kernels.time_calls({(side, k.name): k.build(arg) for side, k, arg in group},
                                     repeat=args.repeat, warmup=WARMUP, synchronize=sync)
        seconds.update(medians)

    m = kernels.machine()
    print(f"ReLU kernels on float32 x of {x.size} elements ({x.nbytes / 2**20:g} MiB), seed 0")
    print(f"median of {args.repeat} runs after {WARMUP} warm-up round; "
          "GB/s = 2 * N * 4 bytes / median time / 1e9 (one read of x, one write)")
    line = f"{m['cpu']}, {m['cores']} logical cores; numpy {m['numpy']} (one thread)"
    if torch is not None:
        line += f"; torch {torch.__version__}, CPU rows on {torch.get_num_threads()} threads"
        if torch.cuda.is_available():
            line += f"; CUDA rows on {torch.cuda.get_device_name()}"
    print(line + "\n")
    print(f"{'side':<11} {'kernel':<28} {'ms':>8} {'GB/s':>8} {'x copy':>7}")
    for side, k, _, _ in found:
        t = seconds[side, k.name]
        copy = seconds[side, "copy"]
        print(f"{side:<11} {k.code:<28} {t * 1e3:8.2f} "
              f"{kernels.bandwidth(x.size, x.itemsize, t):8.2f} {copy / t:7.2f}")

    targets = [("reference relu(x, out=x) vs np.maximum(x, 0, out=x)", 0.95,
                seconds["numpy", "in_place"] / seconds["numpy", "reference_in_place"])]
    for side in sorted({side for side, *_ in found} - {"numpy"}):
        targets.append((f"{side} relu_ vs {side} copy", 0.9,
                        seconds[side, "copy"] / seconds[side, "relu_"]))
    print()
    ok = True
    for label, floor, ratio in targets:
        passed = ratio >= floor
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}  {label}: {ratio:.2f}x (target >= {floor}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
