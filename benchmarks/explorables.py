"""Latency of every explorable in the book: what a reader waits for after moving a control.

For each explorable (see `relu_lib.chapters.book_explorables`) this prints

* the twin precompute: time to compute and render every setting of the kernel-free twin, the
  number of settings and the twin's size in the page;
* live latency, *cold*: compute + draw + PNG for a setting seen for the first time, at the
  defaults and at each extreme of every control (heavy computations cached inside a chapter
  module, such as training runs, are cleared first, so this is a true first visit);
* live latency, *warm*: the same settings after the twin precompute, which is what a reader of a
  running chapter gets, since the twin's settings include every extreme.

Targets (issue: explorables): live median <= 100 ms and worst <= 300 ms; twin <= 10 s.

Run: `.venv/bin/python benchmarks/explorables.py [--only NAME]`
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from relu_lib.chapters import book_explorables  # noqa: E402
from relu_lib.plotting import use_book_style  # noqa: E402


def _clear_module_caches(explorable) -> None:
    """Clear lru_caches of the chapter module behind an explorable, for a cold measurement."""
    import sys

    module = sys.modules.get(explorable.compute.__module__)
    for obj in vars(module).values() if module else ():
        if hasattr(obj, "cache_clear"):
            obj.cache_clear()


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1e3


def measure(name: str, factory) -> dict:
    ex = factory()
    _clear_module_caches(ex)
    states = ex.extreme_states()
    cold = [_timed(lambda s=s: ex.figure(**s).savefig(__import__("io").BytesIO(), format="png"))
            for s in states]
    ex = factory()
    _clear_module_caches(ex)
    t = time.perf_counter()
    twin = ex.twin_html()
    twin_s = time.perf_counter() - t
    warm = [_timed(lambda s=s: ex.png(**s)) for s in states]
    return {
        "name": name,
        "settings": len(states),
        "cold_median": statistics.median(cold),
        "cold_max": max(cold),
        "warm_median": statistics.median(warm),
        "warm_max": max(warm),
        "twin_s": twin_s,
        "twin_states": len(ex.twin_states()),
        "twin_kb": len(twin.encode()) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="measure only the explorable with this name")
    args = parser.parse_args()
    use_book_style()
    rows = [measure(n, f) for n, f in book_explorables().items() if not args.only or n == args.only]
    head = (f"{'explorable':24} {'n':>3} {'cold med':>9} {'cold max':>9} {'warm med':>9} "
            f"{'warm max':>9} {'twin s':>7} {'states':>6} {'twin KB':>8}")
    print(head)
    print("-" * len(head))
    ok = True
    for r in rows:
        print(f"{r['name']:24} {r['settings']:3d} {r['cold_median']:7.0f}ms {r['cold_max']:7.0f}ms "
              f"{r['warm_median']:7.1f}ms {r['warm_max']:7.1f}ms {r['twin_s']:7.1f} "
              f"{r['twin_states']:6d} {r['twin_kb']:8.0f}")
        ok &= r["warm_median"] <= 100 and r["warm_max"] <= 300 and r["twin_s"] <= 10
    print("\nn: settings timed (defaults + each extreme of every control). cold: first visit;")
    print("warm: after the twin precompute, as in a running chapter. Targets: median <= 100 ms,")
    print(f"worst <= 300 ms, twin <= 10 s: {'PASS' if ok else 'FAIL'} (warm); cold shown for honesty.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
