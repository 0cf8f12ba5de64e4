"""ReLU kernels in torch: forward kernels to time, a backward that keeps one bit per element,
and Linear followed by ReLU with and without a second pass.

The torch half of :mod:`relu_lib.kernels` (same :class:`~relu_lib.kernels.Kernel`, same
harness), for the chapter *Making ReLU fast* (``book/fast.md``) and ``benchmarks/kernel.py``:

* :data:`TORCH_KERNELS`: copy, allocating ``relu``, ``out=`` and in-place ``relu_``;
  :data:`VARIANT_KERNELS`: the native kernel of every variant of
  :data:`relu_lib.reference.ACTIVATIONS` (but PReLU), each writing into a buffer, with an
  estimate of its flops per element.
* :class:`MaskReLU` (:func:`mask_relu`): ReLU whose backward keeps only the sign of its input,
  packed eight to a byte (:func:`pack_bits`), not a float tensor; :func:`saved_bytes`
  counts what a graph keeps for its backward pass.
* :func:`linear_relu_calls`: a Linear layer and its ReLU as two kernels, as a matrix product
  followed by an in-place pass, and fused by oneDNN where torch has that operation.

Only this module, :mod:`relu_lib.torch_path` and :mod:`relu_lib.torch_nets` import torch.

Examples
--------
>>> x = torch.tensor([-1.0, 0.0, 2.0, float("nan")], requires_grad=True)
>>> mask_relu(x).sum().backward()
>>> x.grad
tensor([0., 0., 1., 1.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from relu_lib import torch_path
from relu_lib.kernels import Kernel, flops

__all__ = [
    "TORCH_KERNELS", "VARIANT_KERNELS", "DTYPES", "as_tensor", "synchronizer",
    "pack_bits", "unpack_bits", "MaskReLU", "mask_relu", "saved_bytes",
    "linear_relu_calls", "fused_linear_relu",
]

#: torch's floating-point types by name.
DTYPES = {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16,
          "bfloat16": torch.bfloat16}


def as_tensor(x: np.ndarray, dtype: str = "float32", device: str | torch.device = "cpu"
              ) -> torch.Tensor:
    """A NumPy array as a new torch tensor of ``dtype`` (a name of :data:`DTYPES`) on
    ``device``.

    >>> as_tensor(np.array([1.0, -2.0]), "bfloat16").dtype
    torch.bfloat16
    """
    return torch.from_numpy(np.ascontiguousarray(x)).to(device=device, dtype=DTYPES[dtype])


def synchronizer(device: str | torch.device) -> Callable[[], Any] | None:
    """The function that waits for ``device`` to finish its queued work (None for the CPU),
    for :func:`relu_lib.kernels.time_calls`."""
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.cuda.synchronize
    if kind == "mps":
        return torch.mps.synchronize
    return None


# -------------------------------------------------------------------------------- forward

def _copy(x: torch.Tensor) -> Callable[[], torch.Tensor]:
    out = torch.empty_like(x)
    return lambda: out.copy_(x)


def _relu(x: torch.Tensor) -> Callable[[], torch.Tensor]:
    return lambda: torch_path.relu(x)


def _relu_out(x: torch.Tensor) -> Callable[[], torch.Tensor]:
    out = torch.empty_like(x)
    return lambda: torch_path.relu(x, out=out)


def _relu_in_place(x: torch.Tensor) -> Callable[[], torch.Tensor]:
    buf = x.clone()  # rectified again and again; its kernel does not branch
    return lambda: torch_path.relu(buf, out=buf)


#: torch's ReLU kernels (through :func:`relu_lib.torch_path.relu`) and torch's copy.
TORCH_KERNELS = {k.name: k for k in (
    Kernel("copy", "out.copy_(x)", "torch", _copy, 2, 0, False, 0.0),
    Kernel("relu", "torch.relu(x)", "torch", _relu, 2, 0, True, 1.0),
    Kernel("relu_out", "torch.relu(x, out=out)", "torch", _relu_out, 2, 0, False, 1.0),
    Kernel("relu_", "torch.relu_(x)", "torch", _relu_in_place, 2, 0, False, 1.0),
)}


def _into(op: Callable[..., torch.Tensor], **kw: Any) -> Callable[[torch.Tensor], Callable]:
    """A ``build`` for an ATen ``.out`` operation: writes into a buffer made once."""
    def build(x: torch.Tensor) -> Callable[[], torch.Tensor]:
        out = torch.empty_like(x)
        return lambda: op(x, **kw, out=out)
    return build


_ATEN = torch.ops.aten
_SELU = dict(alpha=1.6732632423543772, scale=1.0507009873554805, input_scale=1.0)

#: The native torch kernel of each variant, writing into a buffer (no allocation), and its
#: flops per element, estimated by :func:`relu_lib.kernels.flops` from the formula:
#: comparisons, selections, additions and multiplications count one, each exp, expm1,
#: log1p, tanh or erf :data:`relu_lib.kernels.TRANSCENDENTAL_FLOPS`.
VARIANT_KERNELS = {k.name: k for k in (
    Kernel("relu", "max(x, 0)", "torch", _into(_ATEN.clamp_min.out, min=0.0), 2, 0, False,
           flops(1)),
    Kernel("relu6", "min(max(x, 0), 6)", "torch",
           _into(_ATEN.hardtanh.out, min_val=0.0, max_val=6.0), 2, 0, False, flops(2)),
    Kernel("leaky_relu", "x > 0 ? x : a x", "torch",
           _into(_ATEN.leaky_relu.out, negative_slope=0.01), 2, 0, False, flops(3)),
    Kernel("elu", "x > 0 ? x : a expm1(x)", "torch",
           _into(_ATEN.elu.out, alpha=1.0, scale=1.0, input_scale=1.0), 2, 0, False,
           flops(3, 1)),
    Kernel("selu", "l (x > 0 ? x : a expm1(x))", "torch", _into(_ATEN.elu.out, **_SELU),
           2, 0, False, flops(4, 1)),
    Kernel("gelu", "x (1 + erf(x / sqrt 2)) / 2", "torch", _into(_ATEN.gelu.out), 2, 0,
           False, flops(4, 1)),
    Kernel("gelu_tanh", "x (1 + tanh(c (x + k x^3))) / 2", "torch",
           _into(_ATEN.gelu.out, approximate="tanh"), 2, 0, False, flops(8, 1)),
    Kernel("silu", "x / (1 + exp(-x))", "torch", _into(_ATEN.silu.out), 2, 0, False,
           flops(3, 1)),
    Kernel("softplus", "log1p(exp(x))", "torch",
           _into(_ATEN.softplus.out, beta=1.0, threshold=20.0), 2, 0, False, flops(4, 2)),
    Kernel("mish", "x tanh(softplus(x))", "torch", _into(_ATEN.mish.out), 2, 0, False,
           flops(5, 3)),
)}


# -------------------------------------------------------------------------------- backward

_SHIFTS = torch.arange(8, dtype=torch.uint8)


def pack_bits(mask: torch.Tensor) -> torch.Tensor:
    """A boolean tensor packed eight elements to a byte, first element in the lowest bit
    (NumPy's ``packbits(..., bitorder="little")`` of the flattened mask).

    Serves the section 'Backward needs only the sign' of book/fast.md.

    Examples
    --------
    >>> pack_bits(torch.tensor([True, False, True, True, False, False, False, False, True]))
    tensor([13,  1], dtype=torch.uint8)
    """
    flat = mask.reshape(-1).to(torch.uint8)
    pad = -flat.numel() % 8
    if pad:
        flat = torch.cat([flat, flat.new_zeros(pad)])
    return (flat.view(-1, 8) << _SHIFTS.to(flat.device)).sum(dim=1, dtype=torch.uint8)


def unpack_bits(packed: torch.Tensor, n: int) -> torch.Tensor:
    """The first ``n`` booleans packed by :func:`pack_bits`, as a flat tensor.

    >>> unpack_bits(torch.tensor([13, 1], dtype=torch.uint8), 9).int().tolist()
    [1, 0, 1, 1, 0, 0, 0, 0, 1]
    """
    bits = (packed[:, None] >> _SHIFTS.to(packed.device)) & 1
    return bits.reshape(-1)[:n].bool()


class MaskReLU(torch.autograd.Function):
    """ReLU whose backward pass keeps one bit per element: whether the gradient passes.

    Serves the section 'Backward needs only the sign' of book/fast.md. Autograd's own ReLU
    keeps its output, a float tensor, and passes the gradient where the output is not
    ``<= 0``; this keeps exactly that test, packed by :func:`pack_bits`, so the gradients
    are the same bit for bit, NaN included.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.shape = x.shape
        ctx.save_for_backward(pack_bits(~(x <= 0)))
        return torch.relu(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (packed,) = ctx.saved_tensors
        passes = unpack_bits(packed, grad.numel()).view(ctx.shape)
        return torch.where(passes, grad, 0.0)


def mask_relu(x: torch.Tensor) -> torch.Tensor:
    """ReLU through :class:`MaskReLU`: one bit per element kept for the backward pass."""
    return MaskReLU.apply(x)


def saved_bytes(fn: Callable[..., Any], *args: Any) -> tuple[int, Any]:
    """Bytes that autograd keeps for the backward pass of ``fn(*args)``, and its result.

    Serves the section 'Backward needs only the sign' of book/fast.md. Every tensor saved
    for backward passes through a hook (:func:`torch.autograd.graph.saved_tensors_hooks`);
    a memory block saved twice (a tensor and its transpose, or one layer's output saved
    again by the next) is counted once. The graph lives as long as the result.

    Examples
    --------
    >>> x = torch.randn(1000, requires_grad=True)
    >>> saved_bytes(torch.relu, x)[0], saved_bytes(mask_relu, x)[0]
    (4000, 125)
    """
    blocks: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        blocks[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        result = fn(*args)
    return sum(blocks.values()), result


# -------------------------------------------------------------------------------- fusion

def fused_linear_relu() -> Callable[..., torch.Tensor] | None:
    """oneDNN's Linear with ReLU applied to each tile of the product before it is stored
    (a private torch operation, ``torch.ops.mkldnn._linear_pointwise``), or None where this
    torch does not have it or it fails.

    Serves the section 'Linear and ReLU in one pass' of book/fast.md.
    """
    try:
        op = torch.ops.mkldnn._linear_pointwise
        w, b, x = torch.ones(2, 3), torch.zeros(2), -torch.ones(1, 3)
        if not torch.equal(op(x, w, b, "relu", [], ""), torch.zeros(1, 2)):
            return None
    except (AttributeError, RuntimeError, NotImplementedError):
        return None
    return lambda x, weight, bias: op(x, weight, bias, "relu", [], "")


def linear_relu_calls(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
                      ) -> dict[str, Callable[[], torch.Tensor]]:
    """``relu(x @ weight.T + bias)`` in several ways, as zero-argument calls to time, and each
    matrix product alone (``"F.linear"``, ``"addmm"``) for its floor.

    Serves the section 'Linear and ReLU in one pass' of book/fast.md. ``"F.linear, relu"``
    allocates the product and then the ReLU's result; ``"addmm, relu_"`` rectifies the
    product in place; ``"oneDNN fused"`` (where available) applies the ReLU to each tile of
    the product before storing it. Each ReLU version is compared with its own product, timed
    alone (``F.linear`` calls ``addmm`` for a 2-D input with a bias, but allocates its result).

    Examples
    --------
    >>> x, w, b = torch.randn(4, 3), torch.randn(5, 3), torch.randn(5)
    >>> calls = linear_relu_calls(x, w, b)
    >>> ref = torch.relu(x @ w.T + b)
    >>> all(torch.allclose(f(), ref, atol=1e-6) for name, f in calls.items() if "," in name
    ...     or name == "oneDNN fused")
    True
    """
    wt = weight.t()
    calls = {
        "F.linear": lambda: F.linear(x, weight, bias),
        "F.linear, relu": lambda: torch.relu(F.linear(x, weight, bias)),
        "addmm": lambda: torch.addmm(bias, x, wt),
        "addmm, relu_": lambda: torch.addmm(bias, x, wt).relu_(),
    }
    fused = fused_linear_relu()
    if fused is not None:
        calls["oneDNN fused"] = lambda: fused(x, weight, bias)
    return calls
