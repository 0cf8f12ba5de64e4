"""Tests of relu_lib.torch_kernels: the one-bit-mask ReLU against autograd, the bytes it saves,
in-place ReLU under autograd, and that every kernel computes what it names."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from relu_lib import torch_kernels as tk  # noqa: E402

FLOATS = (torch.float64, torch.float32, torch.float16, torch.bfloat16)


def _special(n, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g, dtype=torch.float64)
    x[:7] = torch.tensor([0.0, -0.0, math.nan, math.inf, -math.inf, 1e-300, -1e-300])
    return x.to(dtype)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 64, 1001])
def test_pack_bits_is_numpy_packbits_little_endian_and_unpacks_back(n):
    mask = np.random.default_rng(n).random(n) < 0.5
    packed = tk.pack_bits(torch.from_numpy(mask))
    np.testing.assert_array_equal(packed.numpy(), np.packbits(mask, bitorder="little"))
    assert packed.numel() == math.ceil(n / 8)
    np.testing.assert_array_equal(tk.unpack_bits(packed, n).numpy(), mask)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(1001,), (3, 5, 7)])
def test_mask_relu_gradient_equals_autograd_bit_for_bit(dtype, shape):
    n = math.prod(shape)
    x = _special(n, dtype).reshape(shape)
    up = _special(n, dtype, seed=1).reshape(shape)
    grads, outs = [], []
    for f in (torch.relu, tk.mask_relu):
        leaf = x.clone().requires_grad_()
        y = f(leaf)
        y.backward(up)
        grads.append(leaf.grad)
        outs.append(y.detach())
    assert torch.equal(grads[0].isnan(), grads[1].isnan())
    assert torch.equal(torch.nan_to_num(grads[0]), torch.nan_to_num(grads[1]))
    assert torch.equal(torch.nan_to_num(outs[0]), torch.nan_to_num(outs[1]))


def test_mask_relu_passes_gradcheck_away_from_the_kink():
    x = torch.tensor([-2.0, -0.5, 0.3, 1.7], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(tk.mask_relu, (x,))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [8, 4096, 1001])
def test_mask_saves_all_but_one_bit_of_every_element(dtype, n):
    x = torch.randn(n, dtype=torch.float64).to(dtype).requires_grad_()
    itemsize = x.element_size()
    auto, _ = tk.saved_bytes(torch.relu, x)
    mask, _ = tk.saved_bytes(tk.mask_relu, x)
    assert auto == n * itemsize and mask == math.ceil(n / 8)
    if n % 8 == 0:
        assert auto - mask == n * (itemsize - 1 / 8)


def test_between_two_linear_layers_the_mask_adds_its_bits():
    torch.manual_seed(0)
    lin1, lin2 = torch.nn.Linear(16, 32), torch.nn.Linear(32, 8)
    batch = torch.randn(64, 16)
    auto, _ = tk.saved_bytes(lambda b: lin2(torch.relu(lin1(b))), batch)
    mask, _ = tk.saved_bytes(lambda b: lin2(tk.mask_relu(lin1(b))), batch)
    assert mask - auto == 64 * 32 // 8  # lin2 keeps the ReLU's output anyway


def test_in_place_relu_on_a_leaf_that_requires_grad_raises():
    leaf = torch.randn(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.relu_()


@pytest.mark.parametrize("f", [torch.sigmoid, torch.exp, torch.tanh])
def test_in_place_relu_of_an_output_saved_for_backward_raises_at_backward(f):
    y = f(torch.randn(4, requires_grad=True))
    y.relu_()
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_in_place_relu_after_linear_gives_the_same_gradients():
    def grads(inplace):
        torch.manual_seed(0)
        lin = torch.nn.Linear(8, 8)
        h = lin(torch.randn(4, 8))
        (h.relu_() if inplace else torch.relu(h)).sum().backward()
        return lin.weight.grad

    assert torch.equal(grads(True), grads(False))


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_torch_kernels_compute_relu_and_copy(dtype):
    x = tk.as_tensor(np.random.default_rng(0).standard_normal(1001), dtype)
    for name, k in tk.TORCH_KERNELS.items():
        got = k.build(x)()
        assert torch.equal(got, x if name == "copy" else torch.relu(x)), name


def test_variant_kernels_equal_torch_functional():
    x = _special(1001, torch.float32)[7:]
    want = {"relu": F.relu, "relu6": F.relu6, "leaky_relu": F.leaky_relu, "elu": F.elu,
            "selu": F.selu, "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
            "silu": F.silu, "softplus": F.softplus, "mish": F.mish}
    assert set(want) == set(tk.VARIANT_KERNELS)
    for name, k in tk.VARIANT_KERNELS.items():
        assert torch.equal(k.build(x)(), want[name](x)), name
        assert k.flops_per_element >= 1


def test_variants_with_a_transcendental_are_estimated_costlier_than_relu():
    v = tk.VARIANT_KERNELS
    for name in ("elu", "selu", "gelu", "gelu_tanh", "silu", "softplus", "mish"):
        assert v[name].flops_per_element > v["leaky_relu"].flops_per_element > v["relu"].flops_per_element


def test_every_linear_relu_version_gives_the_unfused_result():
    g = torch.Generator().manual_seed(0)
    x, w, b = torch.randn(64, 16, generator=g), torch.randn(32, 16, generator=g), torch.randn(32, generator=g)
    calls = tk.linear_relu_calls(x, w, b)
    assert {"F.linear", "F.linear, relu", "addmm", "addmm, relu_"} <= set(calls)
    ref = torch.relu(x @ w.T + b)
    for name, f in calls.items():
        want = ref if ("," in name or name == "oneDNN fused") else x @ w.T + b
        assert torch.allclose(f(), want, rtol=1e-5, atol=1e-5), name
