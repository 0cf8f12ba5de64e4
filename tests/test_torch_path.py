"""Tests of relu_lib.torch_path: parity with torch's kernels and autograd, relu'(0) by choice.

Torch is the oracle at finite inputs and NaN, bit for bit, on the very tensor given, so the
comparison holds whichever vectorised kernel runs. At +-inf torch is no oracle (its CPU
kernels give NaN there for GELU, SiLU and Mish on some CPUs): there the values and
derivatives are checked against the limits in `LIMITS`, in a subprocess for each
``ATEN_CPU_CAPABILITY`` the machine supports, so every kernel torch might pick is covered.
"""

import doctest
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from relu_lib import reference as ref  # noqa: E402
from relu_lib import torch_path as tp  # noqa: E402

HAS_CUDA = torch.cuda.is_available()
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not HAS_CUDA, reason="CUDA is not available")),
]
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
SETTINGS = settings(max_examples=60, derandomize=True, deadline=None)

# Kinks of the family (0, 6, softplus thresholds 20 and 5/2), signed zeros, non-finite values,
# the extremes of float16 and a spread of ordinary values.
HARD = [math.nan, math.inf, -math.inf, 0.0, -0.0, 6.0, -6.0, 20.0, 2.5, -20.0, 1.0, -1.0,
        1e-30, -1e-30, 5e-324, 65504.0, -65504.0, 1e4, -1e4, 0.5, -0.5, 3.0, 1e30, -1e30]


def hard(dtype, device, layout="contiguous"):
    """The hard values plus a fixed random sample, in the given dtype, device and layout."""
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.tensor(HARD, dtype=torch.float64),
                   3 * torch.randn(40, generator=g, dtype=torch.float64)]).to(dtype).to(device)
    if layout == "strided":  # every other element of a longer buffer
        x = torch.stack([x, -x], dim=1).reshape(-1)[::2]
    elif layout == "transposed":
        x = x.reshape(8, 8).t()
    elif layout == "0-d":
        x = x[0]
    elif layout == "empty":
        x = x[:0].reshape(0, 3)
    return x


def assert_bitwise_equal(a, b):
    """Same dtype, device and shape, and the same bits: sign of zero and NaN included."""
    assert a.dtype == b.dtype and a.device == b.device and a.shape == b.shape
    ints = {2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()]
    bits_a, bits_b = a.contiguous().view(ints).cpu(), b.contiguous().view(ints).cpu()
    at = (bits_a != bits_b).nonzero().flatten()[:5].tolist()
    assert torch.equal(bits_a, bits_b), f"differ at {at}: {a.flatten()[at]}, {b.flatten()[at]}"


def assert_torch_away_from_infinity_and_limits_at_it(ours, theirs, x, limits):
    """Bit for bit torch's result where ``x`` is finite or NaN; the `limits` at ``-inf, +inf``."""
    assert ours.shape == theirs.shape
    finite_or_nan = ~torch.isinf(x)
    assert_bitwise_equal(ours[finite_or_nan], theirs[finite_or_nan])
    for sign, limit in zip((-1, 1), limits):
        at = x == sign * math.inf
        assert torch.equal(ours[at], torch.full_like(ours[at], limit)), (sign, ours[at])


def autograd_derivative(f, x):
    """d f(x) / dx elementwise, by a plain backward pass through f at this very tensor.

    The same strides matter: at NaN, torch's CPU backward of relu6 and elu gives one value in
    its vectorised loop and another in its scalar loop (contiguous vs strided, long vs short).
    """
    leaf = x.detach().requires_grad_(True)
    y = f(leaf)
    y.backward(torch.ones_like(y))
    return leaf.grad


# (name, torch_path function, torch function, keyword arguments)
CASES = [
    ("relu", tp.relu, F.relu, {}),
    ("relu6", tp.relu6, F.relu6, {}),
    ("leaky_relu", tp.leaky_relu, F.leaky_relu, {}),
    ("leaky_relu", tp.leaky_relu, F.leaky_relu, {"negative_slope": 0.2}),
    ("elu", tp.elu, F.elu, {}),
    ("elu", tp.elu, F.elu, {"alpha": 0.5}),
    ("selu", tp.selu, F.selu, {}),
    ("gelu", tp.gelu, F.gelu, {}),
    ("gelu", tp.gelu, F.gelu, {"approximate": "tanh"}),
    ("silu", tp.silu, F.silu, {}),
    ("softplus", tp.softplus, F.softplus, {}),
    ("softplus", tp.softplus, F.softplus, {"beta": 2.0, "threshold": 5.0}),
    ("mish", tp.mish, F.mish, {}),
]


def case_id(name, kw):
    return name + "".join(f"-{k}={v}" for k, v in kw.items())


CASE_IDS = [case_id(name, kw) for name, _, _, kw in CASES]
INF = math.inf
# case id: ((f(-inf), f(+inf)), (f'(-inf), f'(+inf))), the mathematical limits
LIMITS = {
    "relu": ((0, INF), (0, 1)), "relu6": ((0, 6), (0, 0)),
    "leaky_relu": ((-INF, INF), (0.01, 1)),
    "leaky_relu-negative_slope=0.2": ((-INF, INF), (0.2, 1)),
    "leaky_relu-negative_slope=0.0": ((0, INF), (0, 1)),
    "prelu-weight=0.25": ((-INF, INF), (0.25, 1)), "prelu-weight=0.0": ((0, INF), (0, 1)),
    "elu": ((-1, INF), (0, 1)), "elu-alpha=0.5": ((-0.5, INF), (0, 1)),
    "selu": ((-ref.SELU_SCALE * ref.SELU_ALPHA, INF), (0, ref.SELU_SCALE)),
    "gelu": ((0, INF), (0, 1)), "gelu-approximate=tanh": ((0, INF), (0, 1)),
    "silu": ((0, INF), (0, 1)), "softplus": ((0, INF), (0, 1)),
    "softplus-beta=2.0-threshold=5.0": ((0, INF), (0, 1)), "mish": ((0, INF), (0, 1)),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_activation_and_grad_are_torch_bitwise_and_the_limits_at_infinity(case, dtype, device):
    name, ours, theirs, kw = case
    x = hard(dtype, device)
    values, grads = LIMITS[case_id(name, kw)]
    assert_torch_away_from_infinity_and_limits_at_it(ours(x, **kw), theirs(x, **kw), x, values)
    assert_torch_away_from_infinity_and_limits_at_it(
        getattr(tp, ours.__name__ + "_grad")(x, **kw),
        autograd_derivative(lambda t: theirs(t, **kw), x), x, grads)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("layout", ["strided", "transposed", "0-d", "empty"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_activation_and_grad_keep_shape_on_odd_layouts(case, layout, device):
    name, ours, theirs, kw = case
    x = hard(torch.float32, device, layout)
    values, grads = LIMITS[case_id(name, kw)]
    assert_torch_away_from_infinity_and_limits_at_it(ours(x, **kw), theirs(x, **kw), x, values)
    grad = getattr(tp, ours.__name__ + "_grad")(x, **kw)
    assert_torch_away_from_infinity_and_limits_at_it(
        grad, autograd_derivative(lambda t: theirs(t, **kw), x), x, grads)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_prelu_and_grad_match_torch_per_channel(dtype, device):
    x = hard(dtype, device).reshape(4, 4, 4)
    w = torch.tensor([0.25, -0.5, 0.0, 2.0], dtype=dtype, device=device)
    assert_bitwise_equal(tp.prelu(x, w), F.prelu(x, w))  # no zero weight meets an infinity
    assert_bitwise_equal(tp.prelu_grad(x, w), autograd_derivative(lambda t: F.prelu(t, w), x))


@pytest.mark.parametrize("device", DEVICES)
def test_zero_slope_gives_zero_not_nan_at_minus_infinity(device):
    x = torch.tensor([[-INF, -2.0, INF], [-INF, 3.0, -INF]], device=device)
    assert tp.leaky_relu(x, 0.0).tolist() == [[0, 0, INF], [0, 3, 0]]
    w = torch.tensor([0.0, 0.5, 1.0], device=device)
    assert tp.prelu(x, w).tolist() == [[0, -1, INF], [0, 3, -INF]]
    assert tp.prelu(torch.tensor([-INF, 1.0], device=device), 0.0).tolist() == [0, 1]


def test_prelu_casts_number_and_array_weights_to_the_input_dtype():
    x = hard(torch.float16, "cpu")
    w = torch.tensor([0.25], dtype=torch.float16)
    assert_bitwise_equal(tp.prelu(x, 0.25), F.prelu(x, w))
    assert_bitwise_equal(tp.prelu(x, np.array([0.25])), F.prelu(x, w))
    assert_bitwise_equal(tp.prelu_grad(x, 0.25)[3:7], torch.tensor([0.25, 0.25, 1, 0.25]).half())


def test_prelu_weight_still_trains_through_prelu():
    w = torch.tensor([0.25], requires_grad=True)
    tp.prelu(torch.tensor([-2.0, 3.0]), w).sum().backward()
    assert w.grad.item() == -2.0


def test_grads_take_torch_conventions_at_kinks_and_nan_and_limits_at_infinities():
    x = torch.tensor([0.0, -0.0, 6.0, math.nan, math.inf, -math.inf], dtype=torch.float64)
    assert tp.relu_grad(x).tolist()[:2] == [0.0, 0.0] and tp.relu_grad(x)[3] == 1.0  # NaN: 1
    assert tp.relu6_grad(x).tolist()[:3] == [0.0, 0.0, 0.0]
    assert tp.leaky_relu_grad(x, 0.2).tolist()[:2] == [0.2, 0.2]
    assert tp.elu_grad(x, alpha=0.5).tolist()[:2] == [0.5, 0.5]
    assert tp.selu_grad(x)[0].item() == pytest.approx(1.0507009873554805 * 1.6732632423543772)
    for grad in (tp.gelu_grad, tp.silu_grad, tp.mish_grad, tp.softplus_grad):  # not NaN
        assert grad(x)[4:].tolist() == [1.0, 0.0]


# --- the limits at infinity, under every CPU kernel torch may pick ---------------

# prelu, and the slopes of 0, where torch's own kernels give -inf * 0 = NaN
SLOPES = [("leaky_relu", {"negative_slope": 0.0}), ("prelu", {"weight": 0.25}),
          ("prelu", {"weight": 0.0})]
# (function name, keyword arguments, ((f(-inf), f(+inf)), (f'(-inf), f'(+inf))))
LIMIT_CASES = [(name, kw, LIMITS[case_id(name, kw)])
               for name, kw in [(name, kw) for name, _, _, kw in CASES] + SLOPES]
CAPABILITY_ORDER = ("default", "avx2", "avx512")  # ATEN_CPU_CAPABILITY values on x86
# Run with ATEN_CPU_CAPABILITY set (torch reads it once, at import): every function and its
# derivative at -inf, +inf and NaN, in every dtype, at lengths below and above any SIMD
# width, contiguous and as a strided view. Prints what differs and exits 1.
LIMIT_SCRIPT = """
import json, math, sys
import torch
from relu_lib import torch_path as tp

capability, cases = sys.argv[1], json.loads(sys.argv[2])
running = torch.backends.cpu.get_cpu_capability().lower()
assert running == capability, f"asked for {capability}, torch runs {running}"
failures = []
for name, kw, limits in cases:
    for suffix, (minus, plus) in zip(("", "_grad"), limits):
        for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            for n in (1, 7, 33, 64):
                for first in (-math.inf, math.inf):
                    pattern = torch.tensor([first, -first, math.nan], dtype=dtype).repeat(n)[:n]
                    for x in (pattern, pattern.repeat_interleave(2)[::2]):
                        y = getattr(tp, name + suffix)(x, **kw)
                        expected = torch.where(x < 0, torch.tensor(minus, dtype=dtype),
                                               torch.tensor(plus, dtype=dtype))
                        number = ~x.isnan()
                        ok = torch.equal(y[number], expected[number])
                        if not suffix:  # values: NaN at NaN; derivatives there: torch's own
                            ok = ok and bool(y[~number].isnan().all())
                        if not ok:
                            failures.append(f"{name}{suffix}{kw} {dtype} n={n} "
                                            f"stride={x.stride()}: {y.tolist()[:3]}")
print(len(failures), "failures under", capability, *failures[:20], sep="\\n")
sys.exit(1 if failures else 0)
"""


def supported_capabilities() -> tuple[str, ...]:
    """``default`` up to the machine's own capability (``avx512`` on an AVX512 machine)."""
    own = torch.backends.cpu.get_cpu_capability().lower()
    if own in CAPABILITY_ORDER:
        return CAPABILITY_ORDER[: CAPABILITY_ORDER.index(own) + 1]
    return ("default", own)


@pytest.mark.parametrize("capability", supported_capabilities())
def test_values_and_grads_are_the_limits_at_infinity_under_every_cpu_capability(capability):
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "ATEN_CPU_CAPABILITY": capability}
    done = subprocess.run([sys.executable, "-c", LIMIT_SCRIPT, capability,
                           json.dumps(LIMIT_CASES)], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


# --- relu(out=) ---------------------------------------------------------------

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_relu_out_and_in_place_match_torch_relu_bitwise(dtype, device):
    x = hard(dtype, device)
    out = torch.empty_like(x)
    assert tp.relu(x, out=out) is out
    assert_bitwise_equal(out, torch.relu(x))
    y = x.clone()
    ptr = y.data_ptr()
    assert tp.relu(y, out=y) is y and y.data_ptr() == ptr
    assert_bitwise_equal(y, torch.relu(x))


def test_relu_keeps_the_sign_of_negative_zero_like_torch():
    y = tp.relu(torch.tensor([-0.0, 0.0]))
    assert torch.signbit(y).tolist() == [True, False]


# --- relu_at_zero ---------------------------------------------------------------

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_relu_at_zero_forward_is_torch_relu(dtype, device):
    x = hard(dtype, device)
    assert_bitwise_equal(tp.relu_at_zero(x, 0.5), torch.relu(x))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_relu_at_zero_default_backward_is_torch_relu_backward(dtype, device):
    x = hard(dtype, device)
    upstream = torch.linspace(-3, 3, x.numel(), dtype=dtype, device=device)
    # inf and NaN upstream must not leak through where x <= 0 (0 * inf would be NaN)
    upstream[:3] = torch.tensor([math.inf, -math.inf, math.nan], dtype=dtype, device=device)

    def vjp(f):
        leaf = x.clone().requires_grad_(True)
        f(leaf).backward(upstream)
        return leaf.grad

    assert_bitwise_equal(vjp(tp.relu_at_zero), vjp(torch.relu))
    assert_bitwise_equal(tp.relu_grad(x), autograd_derivative(torch.relu, x))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("at_zero", [0.0, 0.25, 0.5, 1.0])
def test_relu_at_zero_backward_uses_the_chosen_value_at_both_zeros(at_zero, device):
    x = torch.tensor([-2.0, -0.0, 0.0, 3.0, math.nan, -math.inf, math.inf], device=device,
                     requires_grad=True)
    tp.relu_at_zero(x, at_zero).backward(torch.full_like(x, 2.0))
    assert x.grad.tolist() == [0.0, 2 * at_zero, 2 * at_zero, 2.0, 2.0, 0.0, 2.0]
    expected = [0.0, at_zero, at_zero, 1.0, 1.0, 0.0, 1.0]
    assert tp.relu_grad(x.detach(), at_zero).tolist() == expected


def test_relu_at_zero_passes_gradcheck_away_from_zero():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(30, generator=g, dtype=torch.float64)
    x = (x + 0.1 * torch.sign(x)).requires_grad_(True)  # |x| > 0.1, far from the kink
    assert torch.autograd.gradcheck(lambda t: tp.relu_at_zero(t, 0.3), (x,))
    assert torch.autograd.gradgradcheck(lambda t: tp.relu_at_zero(t, 0.3), (x,))


def test_relu_at_zero_works_under_torch_func_grad_and_vmap():
    x = torch.tensor([-1.0, 0.0, 2.0])
    per_element = torch.func.vmap(torch.func.grad(lambda t: tp.relu_at_zero(t, 0.75)))(x)
    assert per_element.tolist() == [0.0, 0.75, 1.0]


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, math.inf])
def test_at_zero_outside_the_unit_interval_is_rejected(bad):
    with pytest.raises(ValueError, match="at_zero"):
        tp.relu_at_zero(torch.zeros(2), bad)
    with pytest.raises(ValueError, match="at_zero"):
        tp.relu_grad(torch.zeros(2), bad)
    with pytest.raises(ValueError, match="at_zero"):
        tp.ReLUAtZero(bad)


def _tiny_net(activation):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), activation, torch.nn.Linear(4, 1))
    with torch.no_grad():
        net[0].bias.zero_()  # a zero input row gives pre-activations exactly at the kink
    return net


def _param_grads(net, x):
    net.zero_grad()
    net(x).sum().backward()
    return [p.grad.clone() for p in net.parameters()]


def test_relu_at_zero_module_is_a_drop_in_for_nn_relu():
    gen = torch.Generator().manual_seed(2)
    x = torch.cat([torch.randn(5, 3, generator=gen), torch.zeros(1, 3)])
    plain, ours = _tiny_net(torch.nn.ReLU()), _tiny_net(tp.ReLUAtZero(0.0))
    assert torch.equal(plain(x), ours(x))
    for a, b in zip(_param_grads(plain, x), _param_grads(ours, x)):
        assert_bitwise_equal(a, b)
    assert "at_zero=0.0" in repr(ours)


def test_choice_of_relu_grad_at_zero_changes_grads_only_when_a_unit_sits_at_zero():
    gen = torch.Generator().manual_seed(3)
    generic, at_kink = torch.randn(5, 3, generator=gen), torch.zeros(1, 3)
    low, high = _tiny_net(tp.ReLUAtZero(0.0)), _tiny_net(tp.ReLUAtZero(1.0))
    for a, b in zip(_param_grads(low, generic), _param_grads(high, generic)):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in
                   zip(_param_grads(low, at_kink), _param_grads(high, at_kink)))


# --- inputs that are not plain tensors, and autograd state --------------------

def test_numpy_arrays_become_tensors_of_the_same_dtype_without_warnings():
    a = np.array([-1.5, 0.0, 2.0], dtype=np.float32)
    read_only = np.broadcast_to(a, (2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for arr in (a, a[::-1], read_only, np.float32(-1.5)):
            y = tp.relu(arr)
            assert isinstance(y, torch.Tensor) and y.dtype == torch.float32
            np.testing.assert_array_equal(y.numpy(), np.maximum(arr, 0))
        assert tp.gelu_grad(a.astype(np.float64)).dtype == torch.float64


def test_python_numbers_and_lists_become_default_float_tensors():
    assert tp.relu(-3).dtype == torch.get_default_dtype() and tp.relu(-3).ndim == 0
    assert tp.gelu([1, 2]).dtype == torch.get_default_dtype()
    assert tp.relu_grad(2.0).item() == 1.0


def test_grads_work_under_no_grad_and_inference_mode_and_leave_input_untouched():
    x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    expected = autograd_derivative(F.silu, x)
    with torch.no_grad():
        assert torch.equal(tp.silu_grad(x), expected)
    with torch.inference_mode():
        frozen = torch.tensor([-1.0, 0.0, 2.0])
        assert torch.equal(tp.silu_grad(frozen), expected)
        assert torch.equal(tp.relu_grad(frozen, 0.5), torch.tensor([0.0, 0.5, 1.0]))
    assert x.grad is None and x.requires_grad


# --- laws -------------------------------------------------------------------

finite_arrays = hnp.arrays(np.float64, st.integers(0, 20),
                           elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=True))


@SETTINGS
@given(finite_arrays)
def test_relu_splits_x_into_positive_and_negative_parts(a):
    x = torch.from_numpy(a)
    assert torch.equal(tp.relu(x) - tp.relu(-x), x)
    assert torch.equal(tp.relu(x), x * tp.relu_grad(x))  # Euler: relu is 1-homogeneous


@SETTINGS
@given(finite_arrays, st.floats(0.0, 1.0))
def test_relu_grad_is_the_indicator_with_the_chosen_value_at_zero(a, at_zero):
    x = torch.from_numpy(a)
    expected = torch.zeros_like(x)
    expected[x == 0] = at_zero
    expected[x > 0] = 1.0
    assert torch.equal(tp.relu_grad(x, at_zero), expected)


SMOOTH = [("elu", {}), ("selu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
          ("silu", {}), ("softplus", {}), ("mish", {})]


@pytest.mark.parametrize("name, kw", SMOOTH, ids=[n + str(k) for n, k in SMOOTH])
@SETTINGS
@given(st.floats(-30.0, 30.0).filter(lambda v: abs(v) > 1e-3 and abs(v - 20.0) > 1e-3))
def test_smooth_grads_agree_with_central_differences(name, kw, v):
    f, h = getattr(tp, name), 1e-6
    x = torch.tensor([v], dtype=torch.float64)
    numeric = (f(x + h, **kw) - f(x - h, **kw)) / (2 * h)
    assert getattr(tp, name + "_grad")(x, **kw).item() == pytest.approx(numeric.item(), abs=1e-7)


# --- cross-check with the NumPy reference --------------------------------------

def finite_grid():
    g = np.random.default_rng(4)
    special = [0.0, -0.0, 6.0, -6.0, 20.0, 2.5, 1.0, -1.0, 1e-300, -1e-300, 1e-8, -1e-8,
               30.0, -30.0, 1e3, -1e3, 700.0, -700.0]
    return np.concatenate([special, 4 * g.standard_normal(200), np.linspace(-40, 40, 161)])


REF_CASES = [(name, kw) for name, _, _, kw in CASES] + [("prelu", {"weight": 0.25})]
REF_IDS = [n + str(k) for n, k in REF_CASES]


def ref_atol(name):
    """Absolute slack: 0, but for GELU, whose ``1 + erf`` or ``1 + tanh`` cancels in torch.

    For x << 0 torch loses every digit there (an ulp of 1 times x/2, ~4e-15 at |x| = 40),
    where the reference keeps them; elsewhere the relative tolerance alone applies.
    """
    return 1e-14 if name == "gelu" else 0.0


@pytest.mark.parametrize("name, kw", REF_CASES, ids=REF_IDS)
def test_forward_agrees_with_numpy_reference_in_float64(name, kw):
    a = finite_grid()
    ours = getattr(tp, name)(torch.from_numpy(a), **kw).numpy()
    expected = getattr(ref, name)(a, **kw)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=ref_atol(name))


@pytest.mark.parametrize("name, kw", REF_CASES, ids=REF_IDS)
def test_grad_agrees_with_numpy_reference_in_float64(name, kw):
    a = finite_grid()
    ours = getattr(tp, name + "_grad")(torch.from_numpy(a), **kw).numpy()
    expected = getattr(ref, name + "_grad")(a, **kw)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=ref_atol(name))


# Long enough (64) that torch runs its vectorised loops, not only its scalar tail.
NON_FINITE = np.tile([math.nan, math.inf, -math.inf, 0.0, -0.0], 13)[:64]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=str)
@pytest.mark.parametrize("name, kw", REF_CASES, ids=REF_IDS)
def test_forward_agrees_with_numpy_reference_at_nan_inf_and_signed_zeros(name, kw, dtype):
    a = NON_FINITE.astype(dtype)
    ours = getattr(tp, name)(torch.from_numpy(a), **kw).numpy()
    theirs = getattr(ref, name)(a, **kw)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)  # NaN where NaN; -0.0 == 0.0
    # The sign of a zero, where both sides keep the same one. Not compared: at NaN (its sign
    # bit means nothing, and torch's varies), for relu and relu6 (the reference takes NumPy's
    # one-pass np.maximum, whose relu(-0.0) is +0.0 where torch's is -0.0), and for float32
    # erf-GELU (torch's vectorised loop gives +0.0 at -0.0, its scalar loop -0.0).
    numbers = ~np.isnan(theirs)
    if name in {"relu", "relu6"} or (name == "gelu" and not kw and dtype == np.float32):
        numbers &= a != 0
    np.testing.assert_array_equal(np.signbit(ours[numbers]), np.signbit(theirs[numbers]))


@pytest.mark.parametrize("name, kw", REF_CASES, ids=REF_IDS)
def test_grad_agrees_with_numpy_reference_at_inf_and_zeros_and_differs_only_at_nan(name, kw):
    """Both give the limits at +-inf. At NaN the reference gives NaN, torch NaN, 1 or the
    slope (its comparisons are False there), by kernel and loop."""
    ours = getattr(tp, name + "_grad")(torch.from_numpy(NON_FINITE), **kw).numpy()
    theirs = getattr(ref, name + "_grad")(NON_FINITE, **kw)
    at_nan = np.isnan(NON_FINITE)
    assert np.isnan(theirs[at_nan]).all()
    np.testing.assert_array_equal(ours[~at_nan], theirs[~at_nan])


@pytest.mark.parametrize("at_zero", [0.0, 0.5, 1.0])
def test_relu_grad_agrees_with_numpy_reference_at_zero(at_zero):
    a = np.array([-1.0, -0.0, 0.0, 2.0])
    np.testing.assert_array_equal(tp.relu_grad(torch.from_numpy(a), at_zero).numpy(),
                                  ref.relu_grad(a, at_zero=at_zero))


# --- device choice, docs, and the import rule ---------------------------------

def test_default_device_matches_the_hardware_present():
    expected = "cuda" if HAS_CUDA else "mps" if torch.backends.mps.is_available() else "cpu"
    assert tp.default_device() == torch.device(expected)


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (True, False, "cuda"),
                                                 (False, True, "mps"), (False, False, "cpu")])
def test_default_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert tp.default_device() == torch.device(expected)


def test_default_device_is_cpu_on_a_torch_without_mps_backend(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delattr(torch.backends, "mps")
    assert tp.default_device() == torch.device("cpu")


def test_docstring_examples_run():
    assert doctest.testmod(tp, extraglobs={"torch": torch}).failed == 0


def test_importing_relu_lib_does_not_import_torch():
    code = "import sys, relu_lib, relu_lib.reference; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
