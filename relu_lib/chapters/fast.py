"""The chapter *Making ReLU fast* (``book/fast.md``): ReLU measured against the memory of the
machine that builds the page.

The kernels and the harness live in :mod:`relu_lib.kernels` and :mod:`relu_lib.torch_kernels`
(shared with ``benchmarks/kernel.py``); this module runs the chapter's measurements, once per
process (:func:`relu_lib.cache.cached`), and draws them:

* :func:`sweep`: every kernel at every size from :data:`SMALLEST` to :data:`LARGEST`
  elements, in float32, float16 and bfloat16; :func:`plot_sweep` draws GB/s against size.
* :func:`variant_roofline`: the native torch kernel of every ReLU variant placed on the
  roofline of this machine (:func:`plot_roofline`); :func:`plot_gpu_roofline` draws GPUs'
  rooflines from their datasheets (:data:`GPU_DATASHEETS`).
* :func:`fault_table`: first-touch page faults of allocating and reusing kernels.
* :func:`fusion_table` and :func:`compile_attempt`: Linear and ReLU, apart and together.
* :func:`gpu_table`: torch's kernels on a GPU, where the build has one.
* :func:`roofline_explorable`: size, dtype and kernel against the roofline and GB/s.

Every measurement runs on one thread (NumPy's ufuncs use one; torch is limited to one),
so the numbers compare like with like and a busy second core disturbs them less.

Examples
--------
>>> intensity("numpy", "maximum", "float32")
0.125
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from relu_lib import kernels
from relu_lib.cache import cached
from relu_lib.explore import Choice, Explorable, Slider
from relu_lib.kernels import NUMPY_KERNELS, bandwidth, minor_faults
from relu_lib.plotting import COLORS, draw_message, panels

__all__ = [
    "SMALLEST", "LARGEST", "REPEAT", "ITEMSIZE", "GPU_DATASHEETS", "COMPILE_BUDGET_S",
    "sweep", "gbs", "ratio_to_copy", "intensity", "plot_sweep", "variant_roofline",
    "plot_roofline", "plot_gpu_roofline", "fault_table", "fusion_table", "compile_attempt",
    "gpu_table", "roofline_explorable", "fault_words", "EXPLORABLES",
]

#: Sizes measured, as powers of two of the number of elements: 2^10 (4 KiB of float32, in
#: any L1 cache) to 2^25 (128 MiB, several times the last-level cache of most CPUs).
SMALLEST, LARGEST = 10, 25
REPEAT = 3
ITEMSIZE = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2}

#: Kernels of the size sweep per library and dtype (NumPy has no bfloat16, and its float16
#: loops are slow enough that the sweep keeps two of them; the reference's in-place
#: ``relu`` is NumPy's in-place kernel, measured by ``benchmarks/kernel.py``).
SWEEP = {
    ("numpy", "float32"): tuple(k for k in NUMPY_KERNELS if k != "reference_in_place"),
    ("numpy", "float16"): ("copy", "in_place"),
    ("torch", "float32"): ("copy", "relu", "relu_out", "relu_"),
    ("torch", "float16"): ("copy", "relu", "relu_"),
    ("torch", "bfloat16"): ("copy", "relu", "relu_"),
}

#: Peak memory bandwidth (GB/s) and peak float32 arithmetic without tensor cores (GFLOP/s)
#: from NVIDIA's datasheets, with the bibliography key of each.
GPU_DATASHEETS = {
    "A100 80GB SXM": {"bandwidth": 2039.0, "flops": 19_500.0, "cite": "nvidia_a100_datasheet"},
    "H100 SXM": {"bandwidth": 3350.0, "flops": 67_000.0, "cite": "nvidia_h100_datasheet"},
}


def _kernel(library: str, name: str):
    if library == "numpy":
        return NUMPY_KERNELS[name]
    from relu_lib.torch_kernels import TORCH_KERNELS

    return TORCH_KERNELS[name]


def intensity(library: str, name: str, dtype: str) -> float:
    """Flops per byte moved of a kernel (temporaries counted): ``x * (x > 0)`` moves more
    than ``np.maximum`` and does one more operation.

    Serves the section 'Arithmetic intensity' of book/fast.md.

    >>> round(intensity("numpy", "mask_multiply", "float32"), 3)
    0.143
    """
    k = _kernel(library, name)
    return k.flops_per_element / k.bytes_moved(1, ITEMSIZE[dtype])


def _torch_input(x: np.ndarray, dtype: str, device: str = "cpu"):
    from relu_lib.torch_kernels import as_tensor

    return as_tensor(x, dtype, device)


def _calls(x: np.ndarray) -> dict[str, Any]:
    """Every kernel of :data:`SWEEP` built for ``x`` (float32), keyed ``library/dtype/name``."""
    calls = {}
    for (library, dtype), names in SWEEP.items():
        if library == "numpy":
            xs = x if dtype == "float32" else x.astype(dtype)
        else:
            xs = _torch_input(x, dtype)
        for name in names:
            calls[f"{library}/{dtype}/{name}"] = _kernel(library, name).build(xs)
    return calls


@cached(maxsize=2)
def sweep(repeat: int = REPEAT, smallest: int = SMALLEST, largest: int = LARGEST
          ) -> Mapping[str, Any]:
    """Median seconds per call of every kernel of :data:`SWEEP` at every size 2^k.

    Serves the sections 'Measured on this machine' and 'Explore' of book/fast.md. The input
    is seeded standard normal float32 (converted for the other dtypes); at each size all
    kernels take turns (:func:`relu_lib.kernels.time_calls`), torch on one thread.

    Returns
    -------
    mapping with ``log2`` (the exponents k) and ``seconds`` (``"library/dtype/name"`` ->
    array over the sizes); read-only.
    """
    from relu_lib.torch_nets import torch_threads

    x = np.random.default_rng(0).standard_normal(2**largest, dtype=np.float32)
    exponents = np.arange(smallest, largest + 1)
    seconds: dict[str, list[float]] = {}
    with torch_threads(1):
        for k in exponents:
            medians = kernels.time_calls(_calls(x[: 2**k]), repeat=repeat)
            for key, value in medians.items():
                seconds.setdefault(key, []).append(value)
    return {"log2": exponents, "seconds": {k: np.array(v) for k, v in seconds.items()}}


def gbs(table: Mapping[str, Any], key: str) -> np.ndarray:
    """GB/s of one read and one write per element, at every size of a :func:`sweep`."""
    dtype = key.split("/")[1]
    n = 2.0 ** table["log2"]
    return 2 * n * ITEMSIZE[dtype] / table["seconds"][key] / 1e9


def ratio_to_copy(table: Mapping[str, Any], key: str) -> np.ndarray:
    """Speed of a kernel as a fraction of its library's copy of the same dtype (above 1:
    faster than the copy), at every size of a :func:`sweep`."""
    library, dtype, _ = key.split("/")
    return table["seconds"][f"{library}/{dtype}/copy"] / table["seconds"][key]


def _cache_lines(ax, caches: Mapping[int, int]) -> None:
    """Dotted lines at the cache sizes, and the byte axis labelled in KiB and MiB."""
    for level, size in caches.items():
        ax.axvline(size, color=COLORS["theory"], lw=0.8, ls=":")
        ax.text(size, 0.97, f" L{level}", transform=ax.get_xaxis_transform(), fontsize=8,
                va="top")
    ax.set_xscale("log", base=2)
    ticks = [2.0**k for k in range(12, 27, 4)]
    ax.set_xticks(ticks, [_bytes(t) for t in ticks])
    ax.minorticks_off()


def _bytes(n: float) -> str:
    """``4096`` -> ``"4 KiB"``, ``2**20`` -> ``"1 MiB"``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n:g} B"


_SWEEP_STYLE = {
    "copy": ("copy", "-", COLORS["theory"]),
    "maximum": ("allocating", "--", COLORS["highlight"]),
    "relu": ("allocating", "--", COLORS["highlight"]),
    "maximum_out": ("out=", "-", COLORS["leaky_relu"]),
    "relu_out": ("out=", "-", COLORS["leaky_relu"]),
    "in_place": ("in place", "-", COLORS["relu"]),
    "relu_": ("in place", "-", COLORS["relu"]),
    "mask_multiply": ("x * (x > 0)", ":", COLORS["gelu"]),
}


def plot_sweep(table: Mapping[str, Any], fig, caches: Mapping[int, int] | None = None) -> None:
    """GB/s against the size of ``x`` (float32), NumPy left and torch right, with the cache
    sizes of this machine marked.

    Serves the section 'Measured on this machine' of book/fast.md."""
    caches = kernels.cache_sizes() if caches is None else caches
    axes = panels(fig, 2)
    nbytes = 2.0 ** table["log2"] * 4
    top = 0.0
    for ax, library in zip(axes, ("numpy", "torch")):
        for name in SWEEP[library, "float32"]:
            if name not in _SWEEP_STYLE:
                continue
            label, ls, colour = _SWEEP_STYLE[name]
            y = gbs(table, f"{library}/float32/{name}")
            top = max(top, y.max())
            ax.plot(nbytes, y, ls, color=colour, label=label, marker="o", ms=2.5)
        _cache_lines(ax, caches)
        ax.set(xlabel="size of x", title=f"{'NumPy' if library == 'numpy' else 'torch'}"
               ", float32, one thread")
        # Below the cache labels, and above the curves (the y range leaves room for it).
        ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(0.0, 0.93), ncol=3,
                  columnspacing=0.8, handlelength=1.6, frameon=True, framealpha=0.9,
                  edgecolor="none")
    for ax in axes:
        ax.set_ylim(0, 1.45 * top)
    axes[0].set_ylabel("GB/s (one read + one write)")


# -------------------------------------------------------------------------- roofline

@cached(maxsize=2)
def variant_roofline(log2: int = LARGEST - 1, repeat: int = REPEAT) -> Mapping[str, Any]:
    """Every variant's native torch kernel (:data:`relu_lib.torch_kernels.VARIANT_KERNELS`,
    writing into a buffer) timed with torch's copy on float32 ``x`` of 2^``log2`` elements,
    and the matrix-product rate of this machine (:func:`relu_lib.kernels.matmul_rate`).

    Serves the section 'Arithmetic intensity' of book/fast.md.

    Returns
    -------
    mapping with ``names``, ``flops`` (per element, estimated), ``seconds``, ``gflops``
    (achieved), ``intensity`` (flops per byte), ``copy_gbs``, ``peak_gflops``, ``n``.
    """
    from relu_lib.torch_kernels import TORCH_KERNELS, VARIANT_KERNELS
    from relu_lib.torch_nets import torch_threads

    n = 2**log2
    xt = _torch_input(np.random.default_rng(0).standard_normal(n, dtype=np.float32), "float32")
    calls = {name: k.build(xt) for name, k in VARIANT_KERNELS.items()}
    calls["copy"] = TORCH_KERNELS["copy"].build(xt)
    with torch_threads(1):
        seconds = kernels.time_calls(calls, repeat=repeat)
    names = tuple(VARIANT_KERNELS)
    f = np.array([VARIANT_KERNELS[k].flops_per_element for k in names])
    t = np.array([seconds[k] for k in names])
    return {"names": names, "flops": f, "seconds": t, "gflops": f * n / t / 1e9,
            "intensity": f / 8.0, "copy_gbs": bandwidth(n, 4, seconds["copy"]),
            "copy_seconds": seconds["copy"], "peak_gflops": kernels.matmul_rate(), "n": n}


def _roof_axes(ax, lo: float = 1e-2, hi: float = 1e3) -> np.ndarray:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="arithmetic intensity (flop per byte)", xlim=(lo, hi))
    return np.geomspace(lo, hi, 200)


def plot_roofline(r: Mapping[str, Any], fig) -> None:
    """The roofline of this machine (measured copy bandwidth, measured matrix-product rate)
    with every variant's kernel placed on it.

    Serves the section 'Arithmetic intensity' of book/fast.md."""
    (ax,) = panels(fig, 1)
    fig.subplots_adjust(left=0.1, right=0.78)
    i = _roof_axes(ax, 1e-2, 1e2)
    ax.plot(i, kernels.roofline(i, r["copy_gbs"], r["peak_gflops"]), color=COLORS["theory"],
            lw=1.5, label="roof")
    ridge = r["peak_gflops"] / r["copy_gbs"]
    ax.axvline(ridge, color=COLORS["theory"], lw=0.8, ls=":")
    ax.text(ridge, 0.03, " ridge", transform=ax.get_xaxis_transform(), fontsize=8)
    for name, x, y in zip(r["names"], r["intensity"], r["gflops"]):
        ax.plot(x, y, "o", color=COLORS.get(name, COLORS["gelu"]), ms=7 if name == "relu" else 5,
                mec="black" if name == "relu" else "none", label=name.replace("_", " "))
    ax.set(ylabel="GFLOP/s (estimated flops)", ylim=(0.1, 3 * r["peak_gflops"]),
           title=f"one thread, float32, x of {_bytes(4.0 * r['n'])}")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))


def plot_gpu_roofline(fig, cpu: Mapping[str, Any], gpu: Mapping[str, float] | None = None
                      ) -> None:
    """Rooflines of the GPUs of :data:`GPU_DATASHEETS` (peak bandwidth, peak float32) and of
    this machine's CPU (measured, ``cpu`` from :func:`variant_roofline`), with float32 ReLU's
    intensity marked; ``gpu``, where given, adds the roof measured on this build's GPU
    (``{"bandwidth": GB/s}``).

    Serves the section 'On a GPU' of book/fast.md."""
    (ax,) = panels(fig, 1)
    fig.subplots_adjust(left=0.11, right=0.73)
    i = _roof_axes(ax, 1e-2, 1e3)
    styles = ["--", "-."]
    for (name, d), ls in zip(GPU_DATASHEETS.items(), styles):
        ax.plot(i, kernels.roofline(i, d["bandwidth"], d["flops"]), ls, color=COLORS["elu"],
                label=f"{name} (datasheet)")
    if gpu is not None:
        ax.plot(i, i * gpu["bandwidth"], ":", color=COLORS["highlight"],
                label="this GPU (copy, measured)")
    ax.plot(i, kernels.roofline(i, cpu["copy_gbs"], cpu["peak_gflops"]), color=COLORS["theory"],
            label="this CPU, one thread\n(measured)")
    relu = 1 / 8
    ax.axvline(relu, color=COLORS["relu"], lw=1.2)
    ax.text(relu, 0.97, " ReLU,\n float32", transform=ax.get_xaxis_transform(), fontsize=8,
            va="top", color=COLORS["relu"])
    ax.set(ylabel="attainable GFLOP/s", ylim=(1, 2e5))
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))


# -------------------------------------------------------------------------- allocation

@cached(maxsize=2)
def fault_table(log2: int = LARGEST, repeat: int = REPEAT) -> Mapping[str, Any]:
    """Minor page faults per call and median seconds of allocating, ``out=`` and in-place
    kernels on float32 ``x`` of 2^``log2`` elements, measured together.

    Serves the section 'Allocation is not free' of book/fast.md. How many faults an
    allocating kernel takes depends on its allocator's history: a block freed by an earlier
    call and kept by the allocator comes back without faults (see :func:`fault_words`).

    Returns
    -------
    mapping: ``faults`` and ``seconds`` (``"library/name"`` -> per call), ``pages`` (pages
    of one result at this system's page size) and ``page_size`` (bytes).
    """
    from relu_lib.torch_kernels import TORCH_KERNELS
    from relu_lib.torch_nets import torch_threads

    x = np.random.default_rng(0).standard_normal(2**log2, dtype=np.float32)
    xt = _torch_input(x, "float32")
    chosen = [("numpy", NUMPY_KERNELS[k], x) for k in ("maximum", "maximum_out", "in_place")]
    chosen += [("torch", TORCH_KERNELS[k], xt) for k in ("relu", "relu_out", "relu_")]
    with torch_threads(1):
        calls = {f"{lib}/{k.name}": k.build(arg) for lib, k, arg in chosen}
        faults = {key: minor_faults(call) for key, call in calls.items()}
        seconds = kernels.time_calls(calls, repeat=repeat)
    return {"faults": faults, "seconds": seconds, "pages": x.nbytes // kernels.page_size(),
            "page_size": kernels.page_size()}


def fault_words(faults: float, pages: int) -> str:
    """What a count of minor faults per call says, for the prose: about one per page, fewer
    (huge pages), or none (memory the allocator kept).

    Serves the section 'Allocation is not free' of book/fast.md.

    >>> fault_words(16385, 16384), fault_words(33, 16384), fault_words(0, 16384)
    ('about one per page', 'fewer than one per page', 'none')
    """
    if faults >= 0.5 * pages:
        return "about one per page"
    return "fewer than one per page" if faults >= 1 else "none"


# -------------------------------------------------------------------------- fusion

FUSION_BATCH, FUSION_OUT, FUSION_FAN_INS = 8192, 256, (16, 256)


@cached(maxsize=2)
def fusion_table(fan_ins: tuple[int, ...] = FUSION_FAN_INS, repeat: int = REPEAT
                 ) -> Mapping[str, Any]:
    """Median seconds of :func:`relu_lib.torch_kernels.linear_relu_calls` for a batch of
    :data:`FUSION_BATCH` rows, :data:`FUSION_OUT` outputs and each fan-in, on one thread.

    Serves the section 'Linear and ReLU in one pass' of book/fast.md.

    Returns
    -------
    mapping ``fan_in -> {call name: seconds}``, plus ``"equal"``: whether every version with a
    ReLU gave the unfused result (to float32 rounding; the fused product may sum in another order).
    """
    import torch

    from relu_lib.torch_kernels import linear_relu_calls
    from relu_lib.torch_nets import torch_threads

    g = torch.Generator().manual_seed(0)
    out: dict[Any, Any] = {}
    equal = True
    with torch_threads(1):
        for k in fan_ins:
            x = torch.randn(FUSION_BATCH, k, generator=g)
            w, b = torch.randn(FUSION_OUT, k, generator=g) / k**0.5, torch.randn(FUSION_OUT, generator=g)
            calls = linear_relu_calls(x, w, b)
            ref = calls["F.linear, relu"]()
            equal &= all(torch.allclose(f(), ref, rtol=1e-4, atol=1e-5)
                         for name, f in calls.items() if name not in ("F.linear", "addmm"))
            out[k] = kernels.time_calls(calls, repeat=repeat)
    out["equal"] = bool(equal)
    return out


#: Seconds that :func:`compile_attempt` gives ``torch.compile`` (its first call compiles C++).
COMPILE_BUDGET_S = 20.0

_COMPILE_SCRIPT = r"""
import json, sys, time
import torch
import torch.nn.functional as F
from relu_lib.kernels import time_calls
torch.set_num_threads(1)
batch, out, k, repeat = map(int, sys.argv[1:5])
g = torch.Generator().manual_seed(0)
x = torch.randn(batch, k, generator=g)
w, b = torch.randn(out, k, generator=g) / k**0.5, torch.randn(out, generator=g)
f = lambda: torch.relu(F.linear(x, w, b))
start = time.perf_counter()
compiled = torch.compile(lambda x: torch.relu(F.linear(x, w, b)))
try:
    from torch._inductor.utils import run_and_get_code
    y, code = run_and_get_code(compiled, x)
    code = "\n".join(code)
except Exception:
    y, code = compiled(x), ""
first = time.perf_counter() - start
h = lambda: torch.addmm(b, x, w.t()).relu_()
t = time_calls({"eager": f, "inplace": h, "compiled": lambda: compiled(x)}, repeat=repeat)
print(json.dumps({"first_call": first, "eager": t["eager"], "compiled": t["compiled"],
                  "inplace": t["inplace"],
                  "equal": bool(torch.allclose(y, f(), rtol=1e-4, atol=1e-5)),
                  "extern_mm": "extern_kernels" in code and "mm(" in code,
                  "kernels": code.count("async_compile.cpp")}))
"""


@cached(maxsize=2)
def compile_attempt(budget_s: float = COMPILE_BUDGET_S, fan_in: int = FUSION_FAN_INS[0],
                    repeat: int = REPEAT) -> Mapping[str, Any]:
    """Try ``torch.compile`` on Linear + ReLU in a separate process, within ``budget_s``.

    Serves the section 'Linear and ReLU in one pass' of book/fast.md. On a CPU,
    torch.compile's first call generates and compiles C++ with the system's compiler, which
    takes seconds; a separate process can be stopped when that takes too long, and leaves
    this one as it was.

    Returns
    -------
    mapping with ``ok``; where ok, ``first_call`` (seconds, compilation included), ``eager``
    (``relu(F.linear(...))``), ``inplace`` (``addmm`` and ``relu_``) and ``compiled`` (median
    seconds per call), ``equal``, ``extern_mm`` (the generated code
    calls a library matrix product) and ``kernels`` (C++ kernels it generated); where not,
    ``reason``.
    """
    if not any(shutil.which(c) for c in (os.environ.get("CXX", "g++"), "g++", "c++",
                                         "clang++")):
        return {"ok": False, "reason": "no C++ compiler was found, and torch.compile "
                "needs one to generate CPU kernels"}
    env = dict(os.environ, TORCHINDUCTOR_COMPILE_THREADS="1", OMP_NUM_THREADS="1")
    argv = [sys.executable, "-c", _COMPILE_SCRIPT, str(FUSION_BATCH), str(FUSION_OUT),
            str(fan_in), str(repeat)]
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=budget_s, env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": f"torch.compile did not finish within {budget_s:g} s "
                "(its first call generates and compiles C++ code)"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {"ok": False, "reason": f"torch.compile failed: {last[:200]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"ok": True, "wall": time.perf_counter() - start, **result}


# -------------------------------------------------------------------------- GPU

@cached(maxsize=2)
def gpu_table(exponents: tuple[int, ...] = (16, 20, 24), repeat: int = REPEAT
              ) -> Mapping[str, Any] | None:
    """torch's kernels on the device :func:`relu_lib.torch_path.default_device` picks, or
    None where that is the CPU.

    Serves the section 'On a GPU' of book/fast.md. Timed with the device synchronised
    before and after each sample.

    Returns
    -------
    mapping with ``device`` (its name), ``log2`` and ``seconds``
    (``"dtype/name"`` -> array over the sizes).
    """
    import torch

    from relu_lib import torch_path
    from relu_lib.torch_kernels import TORCH_KERNELS, synchronizer

    device = torch_path.default_device()
    if device.type == "cpu":
        return None
    name = torch.cuda.get_device_name() if device.type == "cuda" else device.type
    x = np.random.default_rng(0).standard_normal(2 ** max(exponents), dtype=np.float32)
    seconds: dict[str, list[float]] = {}
    for k in exponents:
        calls = {}
        for dtype in ("float32", "float16", "bfloat16"):
            xt = _torch_input(x[: 2**k], dtype, device)
            for kname, kernel in TORCH_KERNELS.items():
                calls[f"{dtype}/{kname}"] = kernel.build(xt)
        for key, value in kernels.time_calls(calls, repeat=repeat,
                                             synchronize=synchronizer(device)).items():
            seconds.setdefault(key, []).append(value)
    return {"device": name, "log2": np.array(exponents),
            "seconds": {k: np.array(v) for k, v in seconds.items()}}


# -------------------------------------------------------------------------- explorable

#: The explorable's kernels: label -> (library, name in :data:`SWEEP`).
EXPLORE_KERNELS = {
    "np.maximum(x, 0)": ("numpy", "maximum"),
    "np.maximum(x, 0, out=out)": ("numpy", "maximum_out"),
    "np.maximum(x, 0, out=x)": ("numpy", "in_place"),
    "x * (x > 0)": ("numpy", "mask_multiply"),
    "torch copy": ("torch", "copy"),
    "torch.relu(x)": ("torch", "relu"),
    "torch.relu_(x)": ("torch", "relu_"),
}


def _explore_compute(log2_n: int, dtype: str, kernel: str) -> dict[str, Any]:
    library, name = EXPLORE_KERNELS[kernel]
    key = f"{library}/{dtype}/{name}"
    if name not in SWEEP.get((library, dtype), ()):
        why = ("NumPy has no bfloat16 type." if dtype == "bfloat16" else
               "NumPy's float16 loops are slow; the sweep measures only its copy and "
               "in-place kernels in float16.")
        return {"key": key, "missing": f"{kernel} in {dtype}: not measured.\n{why}"}
    table = sweep()
    top = max(float(gbs(table, k).max()) for k in table["seconds"])
    base = {"kernel": kernel, "dtype": dtype, "log2_n": log2_n, "top": top, "key": key}
    i = int(np.searchsorted(table["log2"], log2_n))
    copy = f"{library}/{dtype}/copy"
    k = _kernel(library, name)
    n = 2.0**log2_n
    seconds = table["seconds"][key]
    return {**base, "nbytes": 2.0 ** table["log2"] * ITEMSIZE[dtype], "i": i,
            "gbs": gbs(table, key), "copy_gbs": gbs(table, copy),
            "deep_gbs": float(gbs(table, copy)[-1]),
            "ratio": float(ratio_to_copy(table, key)[i]), "is_copy": name == "copy",
            "intensity": intensity(library, name, dtype),
            "gflops": k.flops_per_element * n / seconds[i] / 1e9,
            "caches": kernels.cache_sizes(), "library": library}


_INTENSITY = np.geomspace(1e-2, 1e1, 50)
_LIBRARY = {"numpy": "NumPy", "torch": "torch"}


def _plot_explore(d: Mapping[str, Any], fig) -> dict[str, Any] | None:
    if "missing" in d:
        draw_message(fig, d["missing"])
        return None
    ax1, ax2 = panels(fig, 2)
    fig.subplots_adjust(left=0.1, wspace=0.32)
    _roof_axes(ax1, 1e-2, 1e1)
    ax1.set(ylabel="GFLOP/s", ylim=(1e-2, 1e2))
    h = {"deep": ax1.plot(_INTENSITY, _INTENSITY, "--", color=COLORS["theory"], lw=1,
                          label="roof beyond cache")[0],
         "roof": ax1.plot(_INTENSITY, _INTENSITY, color=COLORS["theory"], lw=1.5,
                          label="roof at this size")[0],
         "point": ax1.plot([], [], "o", color=COLORS["relu"], ms=8, mec="black")[0],
         "title1": ax1.title}
    ax1.legend(fontsize=8, loc="upper left")
    _cache_lines(ax2, d["caches"])
    ax2.set(xlabel="size of x", ylabel="GB/s (one read + one write)",
            xlim=(2**11, 2**27), ylim=(0, 1.1 * d["top"]))
    h["copy"] = ax2.plot([], [], "-", color=COLORS["theory"], lw=1, label="copy")[0]
    h["line"] = ax2.plot([], [], "-", color=COLORS["relu"], marker="o", ms=2.5,
                         label="kernel")[0]
    h["mark"] = ax2.plot([], [], "o", mfc="none", mec=COLORS["highlight"], ms=11, mew=2)[0]
    h["title2"] = ax2.title
    ax2.legend(fontsize=8, loc="upper left")
    _update_explore(d, fig, h)
    return h


def _update_explore(d: Mapping[str, Any], fig, h: dict[str, Any] | None) -> bool:
    if h is None or "missing" in d:
        return False
    i = d["i"]
    h["deep"].set_ydata(_INTENSITY * d["deep_gbs"])
    h["roof"].set_ydata(_INTENSITY * d["copy_gbs"][i])
    if d["is_copy"]:
        h["point"].set_data([], [])
        h["title1"].set_text("a copy computes nothing: it is the roof")
    else:
        h["point"].set_data([d["intensity"]], [d["gflops"]])
        h["title1"].set_text(f"{d['gflops']:.2g} GFLOP/s at {d['intensity']:.3g} flop/B")
    h["copy"].set_data(d["nbytes"], d["copy_gbs"])
    h["line"].set_data(d["nbytes"], d["gbs"])
    h["mark"].set_data([d["nbytes"][i]], [d["gbs"][i]])
    h["title2"].set_text(f"{d['gbs'][i]:.1f} GB/s, {d['ratio']:.2f}× the "
                          f"{_LIBRARY[d['library']]} copy")
    return True


def roofline_explorable() -> Explorable:
    """Array size, dtype and kernel against the roofline and GB/s of the build machine.

    Serves the section 'Explore' of book/fast.md; every figure comes from :func:`sweep`."""
    return Explorable(
        "ReLU kernels on this machine",
        controls=[
            Slider("log2_n", "elements: 2^", SMALLEST, LARGEST, 1, default=LARGEST,
                   integer=True, twin_values=(10, 13, 16, 19, 22, 24)),
            Choice("dtype", "dtype", ("float32", "float16", "bfloat16"), default="float32"),
            Choice("kernel", "kernel", tuple(EXPLORE_KERNELS), default="torch.relu_(x)"),
        ],
        compute=_explore_compute,
        plot=_plot_explore,
        update=_update_explore,
        caption="Measured while this page was built, on one thread. Left: the kernel on the "
        "roofline of its library's copy at this size (solid) and beyond the caches (dashed). "
        "Right: GB/s against size; dotted lines mark the caches.",
    )


#: This chapter's explorables, found by :func:`relu_lib.chapters.book_explorables`.
EXPLORABLES = {"roofline": roofline_explorable}
