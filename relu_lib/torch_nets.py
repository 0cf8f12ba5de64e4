"""Torch twins of :mod:`relu_lib.nets`: the same MLPs as ``nn.Sequential``, a seeded training loop,
and a recorder of every activation layer's output.

:func:`mlp` draws its weights with :func:`relu_lib.init.initialise_layers`
in NumPy and copies them in, so ``mlp(...)`` and ``relu_lib.nets.MLP(...)``
built with the same arguments start from identical weights (``Linear.weight``
is the transpose of ``MLP.W[l]``). Building a net does not touch torch's
global random state. :func:`train` cuts the same minibatches as
``relu_lib.nets.train`` for the same seed.

This module, with :mod:`relu_lib.torch_path`, is where the library imports torch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from relu_lib.init import initialise_layers
from relu_lib.nets import History, _loss_function, minibatches
from relu_lib.torch_path import ReLUAtZero

__all__ = ["ACTIVATION_MODULES", "activation_module", "mlp", "NORMS", "Residual", "LOSSES", "train",
           "ActivationRecorder", "hidden_outputs", "torch_threads"]

ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "mish": nn.Mish,
    "relu6": nn.ReLU6,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}
"""The ``torch.nn`` module of each activation name used by :class:`relu_lib.nets.MLP`."""


def activation_module(name: str, **kwargs: Any) -> nn.Module:
    """A fresh activation module for ``name``, e.g. ``nn.LeakyReLU(negative_slope=0.1)``.

    ``"relu"`` with ``at_zero`` gives :class:`relu_lib.torch_path.ReLUAtZero`.

    Examples
    --------
    >>> activation_module("leaky_relu", negative_slope=0.1)
    LeakyReLU(negative_slope=0.1)
    """
    if name == "relu" and "at_zero" in kwargs:
        return ReLUAtZero(**kwargs)
    if name not in ACTIVATION_MODULES:
        raise ValueError(f"unknown activation {name!r}; valid names are: {', '.join(sorted(ACTIVATION_MODULES))}")
    return ACTIVATION_MODULES[name](**kwargs)


class Residual(nn.Module):
    """An identity shortcut around ``branch``: ``x + scale * branch(x)`` (He et al., 2016).

    Examples
    --------
    >>> block = Residual(nn.Linear(3, 3, bias=False), scale=0.0)
    >>> block(torch.ones(1, 3))
    tensor([[1., 1., 1.]], grad_fn=<AddBackward0>)
    """

    def __init__(self, branch: nn.Module, scale: float = 1.0) -> None:
        super().__init__()
        self.branch = branch
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.scale * self.branch(x)

    def extra_repr(self) -> str:
        return f"scale={self.scale:g}"


NORMS: dict[str, type[nn.Module]] = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}
"""Normalisations that :func:`mlp` can put between a hidden layer's Linear and its activation."""


def _linear(W: np.ndarray, b: np.ndarray, dtype: torch.dtype) -> nn.Linear:
    """An ``nn.Linear`` holding ``W`` (as ``relu_lib.nets.MLP`` stores it, transposed) and ``b``."""
    linear = nn.utils.skip_init(nn.Linear, *W.shape, dtype=dtype)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(W.T))
        linear.bias.copy_(torch.from_numpy(b))
    return linear


def mlp(
    sizes: Sequence[int],
    activation: str = "relu",
    init: str = "he_normal",
    gain: float = 1.0,
    bias: float | str = 0.0,
    seed: int = 0,
    dtype: torch.dtype | None = None,
    norm: str | None = None,
    residual: bool = False,
    residual_scale: float = 1.0,
    **activation_kwargs: Any,
) -> nn.Sequential:
    """``Linear, activation, ..., Linear`` with weights from :mod:`relu_lib.init`.

    Parameters are those of :class:`relu_lib.nets.MLP`, plus

    dtype
        default: torch's default float dtype.
    norm
        ``"batch"`` or ``"layer"``: each hidden layer is ``Linear, norm, activation``.
    residual
        Each hidden layer whose input and output widths agree becomes
        :class:`Residual`: ``h + residual_scale * f(norm(W h + b))``. The first hidden layer
        (from the input) and the output layer stay plain.

    With ``norm=None`` and ``residual=False`` the weights and the function are those of
    ``MLP(sizes, ...)``; the options add layers but draw the same weights.

    Examples
    --------
    >>> net = mlp([2, 8, 1], activation="tanh")
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=1, bias=True)
    )
    >>> [type(m).__name__ for m in mlp([2, 8, 8, 1], norm="batch", residual=True)]
    ['Linear', 'BatchNorm1d', 'ReLU', 'Residual', 'Linear']
    """
    if norm is not None and norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; valid: {', '.join(NORMS)} or None")
    dtype = torch.get_default_dtype() if dtype is None else dtype
    weights, biases = initialise_layers(sizes, init, gain=gain, bias=bias, seed=seed)
    layers: list[nn.Module] = []
    for l, (W, b) in enumerate(zip(weights, biases)):
        linear = _linear(W, b, dtype)
        if l == len(weights) - 1:
            layers.append(linear)
            break
        hidden = [linear]
        if norm is not None:
            hidden.append(NORMS[norm](W.shape[1], dtype=dtype))
        hidden.append(activation_module(activation, **activation_kwargs))
        if residual and W.shape[0] == W.shape[1]:
            layers.append(Residual(nn.Sequential(*hidden), scale=residual_scale))
        else:
            layers += hidden
    return nn.Sequential(*layers)


def _mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``F.mse_loss``, with a target of as many entries as ``output`` reshaped to it."""
    if target.shape != output.shape and target.numel() == output.numel():
        target = target.reshape(output.shape)
    return F.mse_loss(output, target)


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "mse": _mse,
}


def train(
    model: nn.Module,
    X: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimiser: torch.optim.Optimizer,
    epochs: int = 10,
    batch_size: int | None = 32,
    seed: int = 0,
    callback: Callable[[int, nn.Module], Any] | None = None,
    equal_batches: bool = False,
) -> History:
    """Train ``model`` in place by minibatch gradient descent; stop early if it diverges.

    The torch counterpart of :func:`relu_lib.nets.train`, with the same
    arguments, the same minibatches for the same ``seed`` and the same
    :class:`relu_lib.nets.History`. ``X`` is cast to the dtype of the model's
    parameters; integer ``y`` becomes ``torch.long`` labels (except for
    ``"mse"``), floating ``y`` that dtype. ``optimiser`` is any ``torch.optim`` optimiser over
    ``model.parameters()``. If a minibatch loss is NaN or infinite, training
    stops before that update with ``history.diverged = True``. Each epoch starts with
    ``model.train()`` (a callback may switch to evaluation mode to measure);
    ``equal_batches`` cuts minibatches of equal size (:func:`relu_lib.nets.minibatches`).

    Examples
    --------
    >>> from relu_lib.data import moons
    >>> X, y = moons(200)
    >>> net = mlp([2, 16, 2])
    >>> history = train(net, X, y, "cross_entropy", torch.optim.Adam(net.parameters(), lr=0.01), epochs=20)
    >>> history.loss[-1] < history.loss[0], history.diverged
    (True, False)
    """
    loss_fn = _loss_function(loss, LOSSES)
    dtype = next(model.parameters()).dtype
    X = torch.as_tensor(X, dtype=dtype)
    y = torch.as_tensor(y)
    y = y.long() if loss != "mse" and not y.is_floating_point() else y.to(dtype)
    rng = np.random.default_rng(seed)
    history = History()
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for idx in minibatches(len(X), batch_size, rng, equal=equal_batches):
            idx = torch.from_numpy(idx).to(X.device)
            optimiser.zero_grad(set_to_none=True)
            value = loss_fn(model(X[idx]), y[idx])
            if not torch.isfinite(value):
                history.diverged = True
                return history
            value.backward()
            optimiser.step()
            total += value.item() * len(idx)
        history.loss.append(total / len(X))
        if callback is not None:
            history.metrics.append(callback(epoch, model))
    return history


class ActivationRecorder:
    """Context manager recording the output of every activation module of ``model``.

    On entering, a forward hook is registered on each submodule that is an
    instance of ``types`` (by default the classes of :data:`ACTIVATION_MODULES`
    and ``ReLUAtZero``), and a pre-hook on ``model`` itself to open a new pass;
    on exiting, all hooks are removed. Each forward pass of ``model`` appends
    one list to :attr:`passes`, holding one NumPy array per activation call in
    call order: detached, copied to the CPU, in the model's dtype.

    Attributes
    ----------
    names : list of str
        Qualified names of the recorded modules, as in ``model.named_modules()``.
    passes : list of list of ndarray
        ``passes[k][l]``: activations of layer ``l`` in forward pass ``k``.

    Examples
    --------
    >>> net = mlp([3, 4, 4, 2])
    >>> with ActivationRecorder(net) as rec:
    ...     _ = net(torch.ones(5, 3))
    >>> rec.names, [a.shape for a in rec.last]
    (['1', '3'], [(5, 4), (5, 4)])
    """

    def __init__(self, model: nn.Module, types: Sequence[type[nn.Module]] | None = None) -> None:
        self.model = model
        self.types = (*ACTIVATION_MODULES.values(), ReLUAtZero) if types is None else tuple(types)
        self.names = [name for name, module in model.named_modules() if isinstance(module, self.types)]
        self.passes: list[list[np.ndarray]] = []
        self._handles: list[Any] = []

    @property
    def last(self) -> list[np.ndarray]:
        """The activations of the latest forward pass, one array per layer."""
        if not self.passes:
            raise RuntimeError("no forward pass has been recorded yet")
        return self.passes[-1]

    def clear(self) -> None:
        """Forget every recorded pass."""
        self.passes.clear()

    def _open_pass(self, module: nn.Module, args: Any) -> None:
        self.passes.append([])

    def _record(self, module: nn.Module, args: Any, output: torch.Tensor) -> None:
        if not self.passes:  # an activation called on its own, outside the model
            self.passes.append([])
        self.passes[-1].append(output.detach().to("cpu", copy=True).numpy())

    def __enter__(self) -> ActivationRecorder:
        if self._handles:
            raise RuntimeError("this ActivationRecorder is already recording")
        self._handles.append(self.model.register_forward_pre_hook(self._open_pass))
        for module in self.model.modules():
            if isinstance(module, self.types):
                self._handles.append(module.register_forward_hook(self._record))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def hidden_outputs(model: nn.Module, X: Any) -> list[np.ndarray]:
    """The outputs of every activation module of ``model`` on ``X``, as NumPy arrays.

    One forward pass without gradients, in the model's dtype and on its device; what
    :class:`relu_lib.metrics.DeadTracker` reads from a torch model.

    Examples
    --------
    >>> net = mlp([3, 4, 4, 2])
    >>> [a.shape for a in hidden_outputs(net, np.ones((5, 3)))]
    [(5, 4), (5, 4)]
    """
    first = next(model.parameters())
    x = torch.as_tensor(np.asarray(X), dtype=first.dtype, device=first.device)
    with torch.no_grad(), ActivationRecorder(model) as recorder:
        model(x)
    return recorder.last


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run torch on ``n`` CPU threads inside a ``with`` block, then restore the setting.

    The torch counterpart of :func:`relu_lib.nets.limited_blas`: the chapters' networks are
    small, and on two cores a second thread only contends (results do not depend on it).

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)
