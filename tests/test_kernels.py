"""Tests of relu_lib.kernels: the bytes each kernel moves, identical outputs, the harness, and
first-touch page faults. Relations that hold on any machine; no test depends on a time."""

import subprocess
import sys

import numpy as np
import pytest

from relu_lib import kernels
from relu_lib.kernels import NUMPY_KERNELS

DTYPES = (np.float16, np.float32, np.float64)


def _x(n, dtype=np.float32, seed=0):
    x = np.random.default_rng(seed).standard_normal(n).astype(dtype)
    x[:4] = [0.0, -0.0, 1e-30, -1e-30]
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", [k for k in NUMPY_KERNELS if k != "copy"])
def test_every_numpy_kernel_computes_relu_exactly(name, dtype):
    x = _x(1001, dtype)
    before = x.copy()
    got = kernels.run_once(NUMPY_KERNELS[name], x)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, np.maximum(x, 0))  # -0.0 == 0.0
    np.testing.assert_array_equal(x, before)  # in-place kernels work on their own copy


def test_copy_kernel_copies_and_does_no_arithmetic():
    x = _x(100)
    np.testing.assert_array_equal(kernels.run_once(NUMPY_KERNELS["copy"], x), x)
    assert NUMPY_KERNELS["copy"].flops_per_element == 0


@pytest.mark.parametrize("itemsize", [2, 4, 8])
def test_bytes_moved_counts_one_read_one_write_and_the_mask_traffic(itemsize):
    n = 1000
    least = kernels.minimum_bytes(n, itemsize)
    assert least == 2 * n * itemsize
    for name in ("copy", "maximum", "maximum_out", "in_place", "clip"):
        assert NUMPY_KERNELS[name].bytes_moved(n, itemsize) == least
    for name in ("where", "mask_multiply"):  # x read twice, mask written and read
        assert NUMPY_KERNELS[name].bytes_moved(n, itemsize) == n * (3 * itemsize + 2)
    for k in NUMPY_KERNELS.values():
        assert k.bytes_moved(n, itemsize) >= least


def test_float32_relu_is_one_flop_per_eight_bytes():
    k = NUMPY_KERNELS["maximum_out"]
    assert k.flops_per_element / k.bytes_moved(1, 4) == 1 / 8


def test_allocating_flags_match_what_the_calls_return():
    x = _x(64)
    for k in NUMPY_KERNELS.values():
        call = k.build(x)
        assert (call() is not call()) == k.allocates, k.name


def test_bandwidth_and_roofline_formulas():
    assert kernels.bandwidth(10**9, 4, 1.0) == 8.0
    r = kernels.roofline([1e-3, 1.0, 1e3], bandwidth_gbs=20.0, peak_gflops=100.0)
    np.testing.assert_allclose(r, [0.02, 20.0, 100.0])


def test_flop_estimates_count_transcendentals_by_the_stated_constant():
    assert kernels.flops(3, 2) == 3 + 2 * kernels.TRANSCENDENTAL_FLOPS


def test_harness_runs_every_call_and_reports_a_positive_median_for_each():
    counts = {"a": 0, "b": 0}

    def bump(name):
        def call():
            counts[name] += 1
        return call

    t = kernels.time_calls({"a": bump("a"), "b": bump("b")}, repeat=3, warmup=1,
                           min_seconds=0.0)
    assert set(t) == {"a", "b"} and all(v > 0 for v in t.values())
    assert counts == {"a": 5, "b": 5}  # calibration, one warm-up, three timed rounds


def test_harness_synchronises_around_every_sample():
    syncs = []
    kernels.time_calls({"a": lambda: None}, repeat=2, warmup=0, min_seconds=0.0,
                       synchronize=lambda: syncs.append(1))
    assert len(syncs) == 2 * (1 + 2)


@pytest.mark.skipif(sys.platform == "win32", reason="no resource module")
def test_allocating_kernel_faults_pages_in_and_a_reused_buffer_does_not():
    # A fresh process, so that no allocator holds a freed block to hand back; 64 MiB is more
    # than glibc's allocator keeps for reuse, so every call of the allocating kernel maps
    # fresh pages (fewer faults where huge pages back them, but at least one).
    code = (
        "import numpy as np\n"
        "from relu_lib.kernels import NUMPY_KERNELS as K, minor_faults\n"
        "x = np.zeros(2**24, dtype=np.float32)\n"
        "print(minor_faults(K['maximum'].build(x)), minor_faults(K['maximum_out'].build(x)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    fresh, reused = map(float, out.stdout.split())
    assert fresh > reused
    assert reused <= 1


def test_minor_faults_of_a_call_that_touches_nothing_new_is_zero():
    buf = np.zeros(2**20)
    assert kernels.minor_faults(lambda: np.multiply(buf, 2.0, out=buf)) == 0


def test_machine_description_names_the_cpu_and_library_versions():
    m = kernels.machine()
    assert m["cpu"] and m["cores"] >= 1 and m["numpy"] == np.__version__
    assert all(level >= 1 and size > 0 for level, size in m["caches"].items())
    assert kernels.page_size() >= 1024


def test_matmul_rate_is_positive():
    assert kernels.matmul_rate(32, repeat=1) > 0


def test_module_does_not_import_torch():
    code = "import sys, relu_lib.kernels; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
