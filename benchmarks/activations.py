"""Forward and backward time of every ReLU variant, relative to ReLU, on two paths.

Usage::

    python benchmarks/activations.py [--size N] [--repeat R] [--min-time S] [--paths torch numpy]

For one float32 array of N standard normal values (default 2**18), each activation's
forward pass and backward pass (the derivative times an incoming gradient of ones) are
timed on

* the torch path: ``torch.nn.functional.<name>`` on one CPU thread, the backward by
  ``torch.autograd.grad`` through the kept graph;
* the NumPy reference: ``relu_lib.reference.<name>`` and ``<name>_grad``, which compute
  the smooth functions in float64 (double-double where it matters) to stay within 4 ulp,
  so they are slower by design than a plain float32 formula.

``gelu_tanh`` is GELU's tanh approximation. The timing is the book's one implementation
(``relu_lib.kernels.time_calls`` via ``relu_lib.chapters.variants.activation_costs``): the
forward and backward calls of every name take turns, R rounds of as many calls as last at
least S seconds each (defaults 5 and 0.05), and the median per call is reported.
Each row shows the microseconds per call and the ratio to ReLU on the same path. The
figures depend on the machine: run it on yours. Torch rows are skipped where torch is not
installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from relu_lib.chapters.variants import VARIANTS, activation_costs  # noqa: E402

NAMES = (*VARIANTS, "gelu_tanh")


def table(path: str, size: int, repeat: int, min_time: float) -> list[str]:
    """The rows for one path: name, forward and backward in microseconds and relative to ReLU."""
    costs = activation_costs(path, n=size, names=NAMES, repeat=repeat, min_time=min_time)
    base_f, base_b = costs["relu"]
    lines = [f"{path} ({size:,} float32 values)",
             f"  {'':11} {'forward µs':>11} {'x ReLU':>7} {'backward µs':>12} {'x ReLU':>7}"]
    for name, (f, b) in costs.items():
        lines.append(f"  {name:11} {f * 1e6:11.1f} {f / base_f:7.2f} {b * 1e6:12.1f} "
                     f"{b / base_b:7.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1 << 18)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.05)
    parser.add_argument("--paths", nargs="+", default=["torch", "numpy"],
                        choices=["torch", "numpy"])
    args = parser.parse_args(argv)
    for path in args.paths:
        if path == "torch" and importlib.util.find_spec("torch") is None:
            print("torch: not installed, skipped")
            continue
        print("\n".join(table(path, args.size, args.repeat, args.min_time)))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
