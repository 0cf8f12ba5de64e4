"""Watch a torch network train: per-layer zero fractions, dead units and gradient norms, by hooks.

A :class:`Monitor` registers a forward hook on every activation module of a model (by default
the classes of :data:`relu_lib.torch_models.ACTIVATION_TYPES`) and on every module whose
gradient it is asked to watch (by default ``nn.Linear`` and ``nn.Conv2d``). It records, for each
training step (each forward pass of the model in training mode):

* ``zero_fraction``: each activation layer's fraction of outputs that are exactly zero;
* ``kink_fraction``: each activation layer's fraction of *inputs* that are exactly zero, where
  the derivative is the convention ``ReLU'(0) = 0`` rather than a limit (chapter 1);
* ``grad_norm``: the norm of ``∂L/∂(output)`` of each watched module, read by a tensor hook
  during the backward pass (for a ``Linear`` or ``Conv2d`` that is ``∂L/∂z_l``).

It also keeps, per activation layer, which units have been non-zero on some input of any
forward pass (training or evaluation) since the last :meth:`Monitor.reset_units`; the rest are
**dead** on the inputs seen (zero on every one of them). A unit is a column of a
``(samples, units)`` output, a channel of an ``(N, C, H, W)`` feature map, and the last axis
of a ``(batch, positions, units)`` output. :meth:`Monitor.dead_on`
runs a data set through the model, without recording a step, and returns each layer's dead
fraction on it. Everything is measured on the model's device; only a few numbers per layer and
step come back to the CPU.

Examples
--------
>>> from torch import nn
>>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
>>> with Monitor(net) as mon:
...     net(torch.ones(4, 2)).sum().backward()
>>> mon.names, mon.grad_names
(['1'], ['0', '2'])
>>> len(mon.zero_fraction), len(mon.grad_norm[0])
(1, 2)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from relu_lib.torch_models import ACTIVATION_TYPES

__all__ = ["Monitor", "unit_axis"]


def unit_axis(shape: Sequence[int]) -> int:
    """The axis of ``shape`` that indexes units: 1 for ``(N, C, H, W)`` maps, else the last.

    Examples
    --------
    >>> unit_axis((32, 8, 8, 8)), unit_axis((32, 10)), unit_axis((16, 8, 128))
    (1, 1, 2)
    """
    return 1 if len(shape) == 4 else len(shape) - 1


class Monitor:
    """Record zero fractions, exact-zero inputs, dead units and gradient norms while a model trains.

    Serves the section 'Watching a real network' of book/in_practice.md. Use it as a context
    manager (or :meth:`attach` / :meth:`detach`); the hooks are removed on exit.

    Parameters
    ----------
    model : the network to watch
    activations : module classes whose outputs are activations
    gradients : module classes at whose outputs the gradient norm is recorded

    Attributes
    ----------
    names, grad_names : list of str
        Qualified names of the watched activation modules and gradient modules.
    zero_fraction, kink_fraction : list of ndarray
        One array per recorded step, one entry per activation layer.
    grad_norm : list of ndarray
        One array per step with a backward pass, one entry per gradient module (NaN for a
        module whose output took no part in the loss).

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = net[0].weight.copy_(torch.tensor([[1.0], [-1.0]]))
    ...     _ = net[0].bias.zero_()
    >>> with Monitor(net) as mon:
    ...     _ = net(torch.tensor([[1.0], [2.0]]))
    >>> mon.zero_fraction[0], mon.dead_fraction()
    (array([0.5]), array([0.5]))
    """

    def __init__(self, model: nn.Module,
                 activations: Sequence[type[nn.Module]] = ACTIVATION_TYPES,
                 gradients: Sequence[type[nn.Module]] = (nn.Linear, nn.Conv2d)) -> None:
        self.model = model
        self._act_types, self._grad_types = tuple(activations), tuple(gradients)
        modules = list(model.named_modules())
        self.names = [n for n, m in modules if isinstance(m, self._act_types)]
        self.grad_names = [n for n, m in modules if isinstance(m, self._grad_types)]
        self.zero_fraction: list[np.ndarray] = []
        self.kink_fraction: list[np.ndarray] = []
        self.grad_norm: list[np.ndarray] = []
        self._alive: list[torch.Tensor | None] = [None] * len(self.names)
        self._handles: list[Any] = []
        self._recording = True
        self._active = False
        self._step: dict[str, list] = {}

    # ------------------------------------------------------------------ hooks
    def attach(self) -> Monitor:
        """Register the hooks (what entering the ``with`` block does)."""
        if self._handles:
            raise RuntimeError("this Monitor is already attached")
        self._handles.append(self.model.register_forward_pre_hook(self._open_step))
        self._handles.append(self.model.register_forward_hook(self._close_forward))
        modules = dict(self.model.named_modules())
        for l, name in enumerate(self.names):
            self._handles.append(modules[name].register_forward_hook(self._activation_hook(l)))
        for g, name in enumerate(self.grad_names):
            self._handles.append(modules[name].register_forward_hook(self._gradient_hook(g)))
        return self

    def detach(self) -> None:
        """Remove every hook."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> Monitor:
        return self.attach()

    def __exit__(self, *exc_info: Any) -> None:
        self.detach()

    def _open_step(self, module: nn.Module, args: Any) -> None:
        n, m = len(self.names), len(self.grad_names)
        self._active = self._recording and module.training
        self._step = {"zero": [np.nan] * n, "kink": [np.nan] * n, "grad": [np.nan] * m}

    def _close_forward(self, module: nn.Module, args: Any, output: Any) -> None:
        if not self._active:
            return
        self.zero_fraction.append(np.array(self._step["zero"], dtype=np.float64))
        self.kink_fraction.append(np.array(self._step["kink"], dtype=np.float64))
        if torch.is_grad_enabled():
            self.grad_norm.append(self._step["grad"])  # filled in by the backward pass

    def _activation_hook(self, l: int):
        def hook(module: nn.Module, args: Any, output: torch.Tensor) -> None:
            z, h = args[0].detach(), output.detach()
            if self._active:
                self._step["zero"][l] = (h == 0).sum().item() / h.numel()
                self._step["kink"][l] = (z == 0).sum().item() / z.numel()
            axis = unit_axis(h.shape)
            others = tuple(a for a in range(h.ndim) if a != axis)
            alive = (h != 0).any(dim=others) if others else h != 0
            self._alive[l] = alive if self._alive[l] is None else self._alive[l] | alive
        return hook

    def _gradient_hook(self, g: int):
        def hook(module: nn.Module, args: Any, output: torch.Tensor) -> None:
            if not (self._active and output.requires_grad):
                return
            row = self._step["grad"]

            def record(grad: torch.Tensor) -> None:
                row[g] = grad.detach().float().norm().item()
            output.register_hook(record)
        return hook

    # ------------------------------------------------------------------ results
    def grad_norms(self) -> np.ndarray:
        """``(steps, modules)`` array of the recorded gradient norms."""
        return np.array([np.asarray(r, dtype=np.float64) for r in self.grad_norm]).reshape(
            -1, len(self.grad_names))

    def dead_units(self) -> list[np.ndarray]:
        """Per activation layer, the mask of units zero on every input since the last reset."""
        return [np.zeros(0, dtype=bool) if a is None else ~a.cpu().numpy() for a in self._alive]

    def dead_fraction(self) -> np.ndarray:
        """Per activation layer, the fraction of its units dead on the inputs seen (NaN: none)."""
        return np.array([m.mean() if m.size else np.nan for m in self.dead_units()])

    def reset_units(self) -> None:
        """Start a new count of dead units (at the start of an epoch, say)."""
        self._alive = [None] * len(self.names)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Inside this block, forward passes do not add steps (dead units are still counted)."""
        before, self._recording = self._recording, False
        try:
            yield
        finally:
            self._recording = before

    def dead_on(self, X: torch.Tensor, batch_size: int = 512) -> np.ndarray:
        """Each activation layer's dead fraction on ``X``, in eval mode and without gradients.

        The count of units seen so far is replaced by the count on ``X``; no step is recorded;
        the model's training mode is restored afterwards. The model must be attached.
        """
        if not self._handles:
            raise RuntimeError("attach the Monitor first (use it as a context manager)")
        was_training = self.model.training
        self.model.eval()
        self.reset_units()
        try:
            with torch.no_grad(), self.paused():
                for start in range(0, len(X), batch_size):
                    self.model(X[start:start + batch_size])
        finally:
            self.model.train(was_training)
        return self.dead_fraction()
