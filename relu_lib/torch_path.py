"""ReLU and its variants on torch tensors, through torch's own kernels.

The names and defaults are those of :mod:`relu_lib.reference`, so a chapter can
swap one module for the other. Each activation calls the native kernel of
``torch.nn.functional``; each ``*_grad`` returns the elementwise derivative with
respect to ``x`` *as torch autograd computes it*: it runs autograd through that
same native kernel, so at finite inputs, kinks included (0 for ReLU, 6 for
ReLU6), and at NaN the value is torch's own, bit for bit, with no formula of
ours to drift from it. (At NaN torch is not even consistent with itself: on the
CPU the vectorised and scalar loops of ReLU6 and ELU backward disagree, so the
value depends on the tensor's length and strides; we return what autograd
returns for the very tensor given.) A derivative costs one forward and one
backward pass; the chapters use it for plots and checks, not in hot loops.

At ``+-inf`` every value and derivative is the mathematical limit, as in the
reference: ``gelu(-inf) = silu(-inf) = mish(-inf) = 0``, ``elu(-inf) = -alpha``,
``gelu'(+inf) = 1``, and so on. Torch is wrong there, and not the same on every
CPU: its vectorised CPU kernels of GELU, SiLU and Mish meet ``0 * inf`` and give
NaN at ``-inf`` (GELU at ``+inf`` too, in some dtypes), where its scalar
loop, which runs for short tensors and the tails of long ones, may not; its
autograd formulas for their derivatives give NaN at both infinities; and
``leaky_relu`` and ``prelu`` give ``-inf * 0 = NaN`` for a slope of 0. Those
results pass through ``_with_limits``: one test of ``x.sum()`` for finiteness,
and only for input that fails it, a ``torch.where`` that writes the limits in.
On finite input that test is the whole cost: on one CPU core, for 10**6 float32
elements, ``gelu`` takes 0.50 ms against 0.44 ms for ``F.gelu``. The others
(ReLU, ReLU6, ELU, SELU, Softplus and all their derivatives but those three) are
right at ``+-inf`` by construction (they compare, select, or take ``exp(-inf) = 0``)
and go straight to torch; the tests check all of them under every
``ATEN_CPU_CAPABILITY`` the machine supports.

Accuracy at finite inputs is torch's: this module keeps torch's kernels even
where they are poor, as GELU's is in its negative tail (see `gelu` for where).

``relu_at_zero`` is a ReLU whose derivative at exactly 0 is chosen by the
caller (torch fixes it at 0); ``ReLUAtZero`` wraps it as a module.

Inputs: tensors keep their dtype and device and are never copied. NumPy arrays
become tensors sharing their memory (copied only when torch cannot share it:
negative strides or a read-only array) and keep their dtype. Python numbers and
nested lists become tensors of torch's default float dtype. Results are always
tensors.

Only this module and `relu_lib.torch_nets` import torch; `import relu_lib` does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "default_device",
    "relu", "relu_grad", "relu_at_zero", "ReLUAtZero",
    "leaky_relu", "leaky_relu_grad", "prelu", "prelu_grad",
    "elu", "elu_grad", "selu", "selu_grad", "gelu", "gelu_grad",
    "silu", "silu_grad", "softplus", "softplus_grad",
    "mish", "mish_grad", "relu6", "relu6_grad",
]

TensorLike = Union[torch.Tensor, np.ndarray, np.generic, float, int, Sequence]


def default_device() -> torch.device:
    """Return the fastest device present: CUDA, then Apple MPS, then the CPU.

    Examples
    --------
    >>> default_device().type in {"cuda", "mps", "cpu"}
    True
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _tensor(x: TensorLike) -> torch.Tensor:
    """Return ``x`` as a tensor (see the module docstring for the rules)."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        a = np.asarray(x)
        if not a.flags.writeable or any(s < 0 for s in a.strides):
            a = a.copy()
        return torch.from_numpy(a)
    return torch.tensor(x, dtype=torch.get_default_dtype())


def _with_limits(y: torch.Tensor, x: torch.Tensor, minus: float | torch.Tensor,
                 plus: float) -> torch.Tensor:
    """``y`` with the limit ``minus`` where ``x = -inf`` and ``plus`` where ``x = +inf``.

    Finite ``x``, the usual case, gets ``y`` itself back after one test: is the sum of
    ``x`` finite? It is unless ``x`` holds an infinity or a NaN (or the sum of finite
    numbers overflows, which only sends ``x`` down the slow path, harmlessly). One sum
    is cheap beside an activation: on one CPU core, for 10**6 float32 elements, 0.05 ms
    against 0.44 ms for ``F.gelu`` (``torch.isfinite(x).all()`` takes 1.8 ms). Only input
    that fails the test pays for two ``torch.where``; NaN entries keep torch's value.
    """
    if bool(torch.isfinite(x.detach().sum(dtype=_accumulator(x.dtype)))):
        return y
    y = torch.where(x == -math.inf, torch.as_tensor(minus, dtype=y.dtype, device=y.device), y)
    return torch.where(x == math.inf, torch.as_tensor(plus, dtype=y.dtype, device=y.device), y)


def _accumulator(dtype: torch.dtype) -> torch.dtype:
    """float32 for the 16-bit floats, whose own range a sum of ordinary values overflows."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _times_minus_infinity(slope: float | torch.Tensor) -> float | torch.Tensor:
    """``lim slope * x`` as ``x -> -inf``: ``-inf * slope``, and 0 (not NaN) for slope 0."""
    if isinstance(slope, torch.Tensor):
        return torch.where(slope == 0, -slope, slope * -math.inf)
    return -slope if slope == 0 else slope * -math.inf


def _derivative(f: Callable[[torch.Tensor], torch.Tensor], x: TensorLike) -> torch.Tensor:
    """Elementwise derivative of the elementwise map ``f`` at ``x``, by autograd.

    Works under ``torch.no_grad`` and ``torch.inference_mode`` too; ``x`` and
    its autograd history are left untouched.
    """
    x = _tensor(x)
    with torch.inference_mode(False), torch.enable_grad():
        leaf = x.clone() if x.is_inference() else x.detach()
        leaf.requires_grad_(True)
        y = f(leaf)
        (dx,) = torch.autograd.grad(y, leaf, torch.ones_like(y))
    return dx


# --- ReLU --------------------------------------------------------------------

def relu(x: TensorLike, out: torch.Tensor | None = None) -> torch.Tensor:
    """Rectified linear unit, ``max(x, 0)``.

    Parameters
    ----------
    x : tensor-like
        Input.
    out : torch.Tensor, optional
        Where to write the result. ``out=x`` rectifies in place (``torch.relu_``);
        any other ``out`` goes through ``torch.clamp_min(x, 0, out=out)``, the
        kernel ``torch.relu`` itself dispatches to.

    Returns
    -------
    torch.Tensor
        NaN stays NaN and ``relu(-0.0)`` is ``-0.0``, as in torch.

    Examples
    --------
    >>> relu(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0., 0., 3.])
    """
    x = _tensor(x)
    if out is None:
        return torch.relu(x)
    if out is x:
        return torch.relu_(x)
    return torch.clamp_min(x, 0, out=out)


def _check_at_zero(at_zero: float) -> float:
    at_zero = float(at_zero)
    if not 0.0 <= at_zero <= 1.0:  # also rejects NaN
        raise ValueError(f"at_zero must lie in [0, 1] (a subgradient of relu at 0), got {at_zero}")
    return at_zero


class _ReLUAtZero(torch.autograd.Function):
    """ReLU whose backward uses a chosen value for the derivative at 0."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x: torch.Tensor, at_zero: float) -> torch.Tensor:
        return torch.relu(x)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        x, at_zero = inputs
        ctx.save_for_backward(x)
        ctx.at_zero = at_zero

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        # As torch's relu backward: pass grad where not x <= 0 (x > 0, and NaN),
        # select (never multiply) so an inf or NaN grad is not turned into NaN.
        dx = torch.where(x <= 0, torch.zeros_like(grad), grad)
        if ctx.at_zero != 0.0:
            dx = torch.where(x == 0, grad * ctx.at_zero, dx)
        return dx, None


def relu_at_zero(x: TensorLike, at_zero: float = 0.0) -> torch.Tensor:
    """ReLU for autograd, with ``relu'(0)`` set to ``at_zero``.

    The forward pass is ``torch.relu``. The backward pass uses the derivative 1
    for ``x > 0``, 0 for ``x < 0`` and ``at_zero`` at ``x == 0`` (either sign of
    zero). At NaN it is 1, as in torch. With ``at_zero=0`` it matches
    ``torch.relu`` exactly.

    Parameters
    ----------
    x : tensor-like
        Input.
    at_zero : float, default 0.0
        The derivative used at 0; any value in ``[0, 1]`` is a subgradient.

    Returns
    -------
    torch.Tensor

    Raises
    ------
    ValueError
        If ``at_zero`` is outside ``[0, 1]`` or NaN.

    Examples
    --------
    >>> x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> relu_at_zero(x, at_zero=0.5).sum().backward()
    >>> x.grad
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _ReLUAtZero.apply(_tensor(x), _check_at_zero(at_zero))


class ReLUAtZero(nn.Module):
    """Module form of :func:`relu_at_zero`, a drop-in for ``nn.ReLU``.

    Examples
    --------
    >>> ReLUAtZero(1.0)(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """

    def __init__(self, at_zero: float = 0.0) -> None:
        super().__init__()
        self.at_zero = _check_at_zero(at_zero)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return relu_at_zero(x, self.at_zero)

    def extra_repr(self) -> str:
        return f"at_zero={self.at_zero}"


def relu_grad(x: TensorLike, at_zero: float = 0.0) -> torch.Tensor:
    """Derivative of ReLU: 1 for ``x > 0``, 0 for ``x < 0``, ``at_zero`` at 0.

    Computed by autograd through :func:`relu_at_zero`; with the default
    ``at_zero=0`` it equals autograd of ``torch.relu`` (which gives 1 at NaN).

    Examples
    --------
    >>> relu_grad(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 1.])
    """
    at_zero = _check_at_zero(at_zero)
    return _derivative(lambda t: relu_at_zero(t, at_zero), x)


# --- the rest of the family: native forward, autograd derivative -------------

def leaky_relu(x: TensorLike, negative_slope: float = 0.01) -> torch.Tensor:
    """Leaky ReLU, ``x`` for ``x > 0`` else ``negative_slope * x``.

    Examples
    --------
    >>> leaky_relu(torch.tensor([-2.0, 3.0]), negative_slope=0.5)
    tensor([-1.,  3.])

    At ``-inf`` the limit ``-inf * negative_slope``, and 0 for a slope of 0 (torch: NaN).
    """
    x = _tensor(x)
    minus = _times_minus_infinity(negative_slope)
    return _with_limits(F.leaky_relu(x, negative_slope), x, minus, math.inf)


def leaky_relu_grad(x: TensorLike, negative_slope: float = 0.01) -> torch.Tensor:
    """Derivative of :func:`leaky_relu`; torch takes ``negative_slope`` at 0.

    Examples
    --------
    >>> leaky_relu_grad(torch.tensor([-2.0, 0.0, 3.0]), negative_slope=0.5)
    tensor([0.5000, 0.5000, 1.0000])
    """
    return _derivative(lambda t: F.leaky_relu(t, negative_slope), x)


def _weight(weight: TensorLike, x: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(_tensor(weight), dtype=x.dtype, device=x.device)


def _per_channel(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``w`` shaped to broadcast over axis 1 of ``x``, as ``F.prelu`` applies it."""
    if w.numel() == 1:
        return w.reshape(())
    return w.reshape((-1,) + (1,) * (x.dim() - 2))


def prelu(x: TensorLike, weight: TensorLike) -> torch.Tensor:
    """Parametric ReLU, ``x`` for ``x > 0`` else ``weight * x``.

    ``weight`` has one element, or one per channel (``x.shape[1]``), as in
    ``torch.nn.functional.prelu``; it is cast to the dtype and device of ``x``.

    Examples
    --------
    >>> prelu(torch.tensor([-2.0, 3.0]), 0.25)
    tensor([-0.5000,  3.0000])

    At ``-inf`` the limit ``-inf * weight``, and 0 for a weight of 0 (torch: NaN).
    """
    x = _tensor(x)
    w = _weight(weight, x)
    minus = _times_minus_infinity(_per_channel(w.detach(), x))
    return _with_limits(F.prelu(x, w), x, minus, math.inf)


def prelu_grad(x: TensorLike, weight: TensorLike) -> torch.Tensor:
    """Derivative of :func:`prelu` with respect to ``x``; ``weight`` at 0.

    Examples
    --------
    >>> prelu_grad(torch.tensor([-2.0, 0.0, 3.0]), 0.25)
    tensor([0.2500, 0.2500, 1.0000])
    """
    x = _tensor(x)
    w = _weight(weight, x).detach()
    return _derivative(lambda t: F.prelu(t, w), x)


def elu(x: TensorLike, alpha: float = 1.0) -> torch.Tensor:
    """Exponential linear unit, ``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> elu(torch.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """
    return F.elu(_tensor(x), alpha)


def elu_grad(x: TensorLike, alpha: float = 1.0) -> torch.Tensor:
    """Derivative of :func:`elu`; torch takes the left value ``alpha`` at 0.

    Examples
    --------
    >>> elu_grad(torch.tensor([0.0, 2.0]), alpha=0.5)
    tensor([0.5000, 1.0000])
    """
    return _derivative(lambda t: F.elu(t, alpha), x)


def selu(x: TensorLike) -> torch.Tensor:
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017).

    Examples
    --------
    >>> selu(torch.tensor([0.0]))
    tensor([0.])
    """
    return F.selu(_tensor(x))


def selu_grad(x: TensorLike) -> torch.Tensor:
    """Derivative of :func:`selu`; torch takes the left value ``scale * alpha`` at 0.

    Examples
    --------
    >>> selu_grad(torch.tensor([1.0]))
    tensor([1.0507])
    """
    return _derivative(F.selu, x)


def gelu(x: TensorLike, approximate: str = "none") -> torch.Tensor:
    """Gaussian error linear unit, ``x * Phi(x)`` (``approximate="tanh"`` for the tanh form).

    Examples
    --------
    >>> gelu(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8413])

    At ``-inf`` 0 and at ``+inf`` ``inf``, the limits; torch's vectorised CPU kernel gives
    NaN at ``-inf`` (and at ``+inf`` in some dtypes) on some CPUs.

    Elsewhere the values are torch's, and in the negative tail they lose their digits:
    torch forms ``1 + erf(x / sqrt 2)`` (or ``1 + tanh(...)``), which cancels. Measured
    against correctly rounded values (torch 2.13, CPU), float32 ``gelu`` is off by more
    than 4 ulp below x = -1.3 and by a relative 1e-3 below x = -3.5, and from about
    x = -5.5 down it has no correct digit (at x = -6.3 it returns -0.0 for -9.4e-10).
    In float64 the three thresholds are -1.45, -7.6 and -8.4; for the tanh form the first
    two are -1.3 and -4.1 in float32, -1.3 and -6.7 in float64. `relu_lib.reference.gelu`
    stays within 4 ulp of the correctly rounded value everywhere.
    """
    x = _tensor(x)
    return _with_limits(F.gelu(x, approximate=approximate), x, -0.0, math.inf)


def gelu_grad(x: TensorLike, approximate: str = "none") -> torch.Tensor:
    """Derivative of :func:`gelu`.

    Examples
    --------
    >>> gelu_grad(torch.tensor([0.0]))
    tensor([0.5000])

    At ``-inf`` 0 and at ``+inf`` 1, the limits, where torch's autograd gives NaN.
    """
    x = _tensor(x)
    grad = _derivative(lambda t: F.gelu(t, approximate=approximate), x)
    return _with_limits(grad, x, 0.0, 1.0)


def silu(x: TensorLike) -> torch.Tensor:
    """Sigmoid linear unit (swish), ``x * sigmoid(x)``.

    Examples
    --------
    >>> silu(torch.tensor([0.0]))
    tensor([0.])

    At ``-inf`` 0, the limit, where torch's vectorised CPU kernel gives NaN on some CPUs.
    """
    x = _tensor(x)
    return _with_limits(F.silu(x), x, -0.0, math.inf)


def silu_grad(x: TensorLike) -> torch.Tensor:
    """Derivative of :func:`silu`.

    Examples
    --------
    >>> silu_grad(torch.tensor([0.0]))
    tensor([0.5000])

    At ``-inf`` 0 and at ``+inf`` 1, the limits, where torch's autograd gives NaN.
    """
    x = _tensor(x)
    return _with_limits(_derivative(F.silu, x), x, 0.0, 1.0)


def softplus(x: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> torch.Tensor:
    """Softplus, ``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``.

    Examples
    --------
    >>> softplus(torch.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return F.softplus(_tensor(x), beta, threshold)


def softplus_grad(x: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> torch.Tensor:
    """Derivative of :func:`softplus`, ``sigmoid(beta * x)`` (1 past the threshold).

    Examples
    --------
    >>> softplus_grad(torch.tensor([0.0]))
    tensor([0.5000])
    """
    return _derivative(lambda t: F.softplus(t, beta, threshold), x)


def mish(x: TensorLike) -> torch.Tensor:
    """Mish, ``x * tanh(softplus(x))``.

    Examples
    --------
    >>> mish(torch.tensor([0.0]))
    tensor([0.])

    At ``-inf`` 0, the limit, where torch's vectorised CPU kernel gives NaN on some CPUs.
    """
    x = _tensor(x)
    return _with_limits(F.mish(x), x, -0.0, math.inf)


def mish_grad(x: TensorLike) -> torch.Tensor:
    """Derivative of :func:`mish`.

    Examples
    --------
    >>> mish_grad(torch.tensor([0.0]))
    tensor([0.6000])

    At ``-inf`` 0 and at ``+inf`` 1, the limits, where torch's autograd gives NaN.
    """
    x = _tensor(x)
    return _with_limits(_derivative(F.mish, x), x, 0.0, 1.0)


def relu6(x: TensorLike) -> torch.Tensor:
    """ReLU capped at 6, ``min(max(x, 0), 6)``.

    Examples
    --------
    >>> relu6(torch.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    return F.relu6(_tensor(x))


def relu6_grad(x: TensorLike) -> torch.Tensor:
    """Derivative of :func:`relu6`: 1 on ``(0, 6)``, else 0 (torch takes 0 at both kinks).

    Examples
    --------
    >>> relu6_grad(torch.tensor([0.0, 3.0, 6.0]))
    tensor([0., 1., 0.])
    """
    return _derivative(F.relu6, x)
