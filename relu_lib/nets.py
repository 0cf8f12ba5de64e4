"""A small NumPy MLP with its backward pass written out, two losses, SGD, Adam and a training loop.

Layer ``l`` computes ``z_l = h_{l-1} @ W[l] + b[l]`` (``W[l]`` has shape
``(fan_in, fan_out)``, see :mod:`relu_lib.init`), then ``h_l = f(z_l)`` for
hidden layers; the last layer is linear. Backward is the chain rule, layer by
layer from the top:

* ``dW[l] = h_{l-1}.T @ dz_l`` and ``db[l] = dz_l.sum(axis=0)``,
* ``dh_{l-1} = dz_l @ W[l].T`` and ``dz_{l-1} = dh_{l-1} * f'(z_{l-1})``,

with ``f'`` the derivative from :mod:`relu_lib.reference` (or
:mod:`relu_lib.classic` for ``"sigmoid"`` and ``"tanh"``). Everything is
float64 unless the input says otherwise.

Examples
--------
>>> from relu_lib.data import moons
>>> X, y = moons(200)
>>> net = MLP([2, 16, 2])
>>> history = train(net, X, y, "cross_entropy", Adam(lr=0.01), epochs=20, batch_size=32)
>>> history.loss[-1] < history.loss[0], history.diverged
(True, False)
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from relu_lib import classic
from relu_lib.init import initialise_layers
from relu_lib.reference import ACTIVATIONS

__all__ = [
    "activation_functions",
    "MLP",
    "Trace",
    "Gradients",
    "softmax_cross_entropy",
    "mse",
    "LOSSES",
    "SGD",
    "Adam",
    "make_optimiser",
    "accuracy",
    "History",
    "minibatches",
    "limited_blas",
    "train",
]

Array = np.ndarray
_CLASSIC = {"sigmoid": (classic.sigmoid, classic.sigmoid_grad), "tanh": (classic.tanh, classic.tanh_grad)}


def _pair(name: str) -> tuple[Callable[..., Array], Callable[..., Array]]:
    if name in _CLASSIC:
        return _CLASSIC[name]
    if name in ACTIVATIONS:
        entry = ACTIVATIONS[name]
        return entry.function, entry.derivative
    valid = ", ".join(sorted([*ACTIVATIONS, *_CLASSIC]))
    raise ValueError(f"unknown activation {name!r}; valid names are: {valid}")


def activation_functions(name: str, **kwargs: Any) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """The activation called ``name`` and its derivative, with ``kwargs`` bound.

    ``name`` is a key of ``relu_lib.reference.ACTIVATIONS`` or ``"sigmoid"``
    or ``"tanh"``. Each keyword goes to whichever of the two functions accepts
    it (``negative_slope`` to both, ``at_zero`` only to ``relu_grad``).

    Examples
    --------
    >>> f, df = activation_functions("leaky_relu", negative_slope=0.1)
    >>> f(np.array([-1.0, 2.0])), df(np.array([-1.0, 2.0]))
    (array([-0.1,  2. ]), array([0.1, 1. ]))
    """
    pair = _pair(name)
    accepted = [set(inspect.signature(fn).parameters) for fn in pair]
    unknown = set(kwargs) - set.union(*accepted)
    if unknown:
        raise TypeError(f"activation {name!r} takes no argument(s) {sorted(unknown)}")
    f, df = (
        functools.partial(fn, **{k: v for k, v in kwargs.items() if k in names}) for fn, names in zip(pair, accepted)
    )
    return f, df


@dataclass
class Trace:
    """What one forward pass went through: ``pre_activations[l]`` is ``z_l`` for every
    layer (the last one is the output), ``activations[l]`` is ``h_l = f(z_l)`` for the
    hidden layers only."""

    pre_activations: list[Array]
    activations: list[Array]


@dataclass
class Gradients:
    """Gradients of a loss: for every layer ``W[l]``, ``b[l]`` and the pre-activations ``z_l``."""

    W: list[Array]
    b: list[Array]
    pre_activations: list[Array]

    def parameters(self) -> list[Array]:
        """``[dW[0], db[0], dW[1], db[1], ...]``, in the order of :meth:`MLP.parameters`."""
        return [g for pair in zip(self.W, self.b) for g in pair]


class MLP:
    """Multi-layer perceptron ``sizes[0] -> ... -> sizes[-1]``, hidden layers activated, last linear.

    Parameters
    ----------
    sizes
        Layer widths, input first, e.g. ``[64, 256, 256, 10]``.
    activation
        Hidden activation: a key of ``relu_lib.reference.ACTIVATIONS``,
        ``"sigmoid"`` or ``"tanh"``.
    init, gain, bias, seed
        As in :func:`relu_lib.init.initialise_layers`; ``bias`` is a constant
        or ``"torch_default"``.
    **activation_kwargs
        Passed to the activation and its derivative, e.g. ``negative_slope``.

    Attributes
    ----------
    W, b : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases ``(fan_out,)``, updated in place by the optimisers.

    Examples
    --------
    >>> net = MLP([3, 5, 2], activation="leaky_relu", negative_slope=0.1)
    >>> out = net.forward(np.ones((4, 3)))
    >>> grads = net.backward(np.ones_like(out))
    >>> out.shape, grads.W[0].shape, grads.b[1].shape
    ((4, 2), (3, 5), (2,))
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        init: str = "he_normal",
        gain: float = 1.0,
        bias: float | str = 0.0,
        seed: int = 0,
        **activation_kwargs: Any,
    ) -> None:
        self.sizes = tuple(sizes)
        self.activation = activation
        self.f, self.df = activation_functions(activation, **activation_kwargs)
        self.W, self.b = initialise_layers(self.sizes, init, gain=gain, bias=bias, seed=seed)
        self._inputs: list[Array] | None = None
        self._pre: list[Array] | None = None

    def __repr__(self) -> str:
        return f"MLP({list(self.sizes)}, activation={self.activation!r})"

    def parameters(self) -> list[Array]:
        """``[W[0], b[0], W[1], b[1], ...]``: the arrays an optimiser updates in place."""
        return [p for pair in zip(self.W, self.b) for p in pair]

    def forward(self, X: Array, record: bool = False) -> Array | tuple[Array, Trace]:
        """Output of the net on ``X`` of shape ``(samples, sizes[0])``.

        Remembers what :meth:`backward` needs. With ``record=True`` also
        returns a :class:`Trace` of every layer's pre-activations and
        activations (the arrays themselves, not copies).
        """
        last = len(self.W) - 1
        h, inputs, pre = np.asarray(X), [], []
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            inputs.append(h)
            z = h @ W
            z += b
            pre.append(z)
            h = self.f(z) if l < last else z
        self._inputs, self._pre = inputs, pre
        if record:
            return h, Trace(pre_activations=pre, activations=inputs[1:])
        return h

    __call__ = forward

    def backward(self, dout: Array, activity_l1: float = 0.0) -> Gradients:
        """Gradients of a loss given ``dout``, its gradient w.r.t. the output of the last :meth:`forward`.

        ``activity_l1`` adds the gradient of an L1 penalty on the hidden activations,
        ``activity_l1 * mean over samples of sum_l sum_units |h_l|``, which pushes units towards 0.
        """
        if self._pre is None:
            raise RuntimeError("backward() needs a forward() first")
        n_layers = len(self.W)
        dW, db, dz_all = [None] * n_layers, [None] * n_layers, [None] * n_layers
        dz = dout
        for l in reversed(range(n_layers)):
            dW[l] = self._inputs[l].T @ dz
            db[l] = dz.sum(axis=0)
            dz_all[l] = dz
            if l > 0:
                dz = dz @ self.W[l].T
                if activity_l1:
                    h = self._inputs[l]
                    dz += (activity_l1 / len(h)) * np.sign(h)
                dz *= self.df(self._pre[l - 1])
        return Gradients(W=dW, b=db, pre_activations=dz_all)


def softmax_cross_entropy(logits: Array, y: Array) -> tuple[float, Array]:
    """Mean cross-entropy of ``softmax(logits)`` against integer labels ``y``, and its gradient.

    Mirrors ``torch.nn.functional.cross_entropy`` (mean reduction).

    Returns
    -------
    loss : float
    dlogits : ndarray, ``(softmax(logits) - onehot(y)) / samples``

    Examples
    --------
    >>> loss, d = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 4), d[0].tolist()  # log(4); softmax 1/4 everywhere, minus 1 at label 0, over 2 samples
    (1.3863, [-0.375, 0.125, 0.125, 0.125])
    """
    n = len(y)
    rows = np.arange(n)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    total = p.sum(axis=1)
    loss = float(np.mean(np.log(total) - z[rows, y]))
    p /= total[:, None]
    p[rows, y] -= 1.0
    p /= n
    return loss, p


def mse(pred: Array, target: Array) -> tuple[float, Array]:
    """Mean squared error over all entries, and its gradient w.r.t. ``pred``.

    Mirrors ``torch.nn.functional.mse_loss`` (mean reduction). A target with
    as many entries as ``pred`` is reshaped to it, so ``(n,)`` targets work
    with ``(n, 1)`` predictions.

    Examples
    --------
    >>> mse(np.array([[1.0], [3.0]]), np.array([0.0, 1.0]))
    (2.5, array([[1.],
           [2.]]))
    """
    target = np.asarray(target)
    if target.shape != pred.shape and target.size == pred.size:
        target = target.reshape(pred.shape)
    diff = pred - target
    return float(np.mean(diff * diff)), diff * (2.0 / diff.size)


LOSSES: dict[str, Callable[[Array, Array], tuple[float, Array]]] = {
    "cross_entropy": softmax_cross_entropy,
    "mse": mse,
}


def _loss_function(loss: str | Callable, losses: dict[str, Callable]) -> Callable:
    """``losses[loss]`` for a name, ``loss`` itself for a function."""
    if not isinstance(loss, str):
        return loss
    if loss not in losses:
        raise ValueError(f"unknown loss {loss!r}; valid names are: {', '.join(sorted(losses))}")
    return losses[loss]


class SGD:
    """Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    ``v ← momentum·v + g`` and ``p ← p − lr·v`` (plain ``p ← p − lr·g`` when ``momentum=0``).

    Examples
    --------
    >>> net = MLP([1, 1], init="lecun_normal")
    >>> before = net.W[0].copy()
    >>> _ = net.forward(np.ones((1, 1)))
    >>> SGD(lr=0.5).step(net, net.backward(np.ones((1, 1))))
    >>> (before - net.W[0]).item()
    0.5
    """

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        self.lr, self.momentum = lr, momentum
        self.velocity: list[Array] | None = None

    def step(self, net: MLP, grads: Gradients) -> None:
        """Update ``net``'s parameters in place."""
        params, gs = net.parameters(), grads.parameters()
        if self.momentum == 0.0:
            for p, g in zip(params, gs):
                p -= self.lr * g
            return
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, gs, self.velocity):
            v *= self.momentum
            v += g
            p -= self.lr * v


class Adam:
    """Adam, as ``torch.optim.Adam``: bias-corrected moving averages of ``g`` and ``g²``.

    ``p ← p − lr/(1−β₁ᵗ) · m / (sqrt(v/(1−β₂ᵗ)) + eps)``.

    Examples
    --------
    >>> net = MLP([1, 1])
    >>> before = net.W[0].copy()
    >>> _ = net.forward(np.ones((1, 1)))
    >>> Adam(lr=0.01).step(net, net.backward(np.full((1, 1), 123.0)))
    >>> round((before - net.W[0]).item(), 6)  # the first step has length lr, whatever the gradient
    0.01
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.m: list[Array] | None = None
        self.v: list[Array] | None = None

    def step(self, net: MLP, grads: Gradients) -> None:
        """Update ``net``'s parameters in place."""
        params, gs = net.parameters(), grads.parameters()
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1.0 - beta1**self.t)
        root_correction = np.sqrt(1.0 - beta2**self.t)
        for p, g, m, v in zip(params, gs, self.m, self.v):
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / root_correction + self.eps)


def make_optimiser(name: str, lr: float, momentum: float = 0.0) -> SGD | Adam:
    """An optimiser by name: ``"sgd"`` (with ``momentum``) or ``"adam"`` (``momentum`` unused).

    Examples
    --------
    >>> type(make_optimiser("adam", 0.01)).__name__
    'Adam'
    """
    if name == "sgd":
        return SGD(lr=lr, momentum=momentum)
    if name == "adam":
        return Adam(lr=lr)
    raise ValueError(f"optimiser must be 'sgd' or 'adam', got {name!r}")


def accuracy(logits: Array, y: Array) -> float:
    """Fraction of rows whose largest logit is at the true label ``y``.

    Examples
    --------
    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0]))
    0.5
    """
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


@dataclass
class History:
    """What :func:`train` saw: the mean training loss of each completed epoch, whether the
    loss became non-finite (training then stopped), and the callback's return values."""

    loss: list[float] = field(default_factory=list)
    diverged: bool = False
    metrics: list[Any] = field(default_factory=list)


def minibatches(n: int, batch_size: int | None, rng: np.random.Generator,
                equal: bool = False) -> list[Array]:
    """Index arrays of one epoch's minibatches: a fresh permutation of ``range(n)`` cut in order.

    ``equal=True`` cuts it into ``n // batch_size`` parts whose sizes differ by at most one, so
    no minibatch is a tiny remainder (which batch normalisation, with statistics over a few
    samples, would turn into a wild step).

    Examples
    --------
    >>> [len(idx) for idx in minibatches(10, 4, np.random.default_rng(0))]
    [4, 4, 2]
    >>> [len(idx) for idx in minibatches(10, 4, np.random.default_rng(0), equal=True)]
    [5, 5]
    """
    order = rng.permutation(n)
    size = n if batch_size is None else batch_size
    if equal:
        return np.array_split(order, max(1, n // size))
    return [order[start : start + size] for start in range(0, n, size)]


@functools.cache
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, change nothing
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def limited_blas(threads: int | None = 1) -> Iterator[None]:
    """Run the block with the BLAS library behind NumPy limited to ``threads`` (None: unchanged).

    The nets of this library are small: a matrix product of a minibatch takes microseconds, and a
    second BLAS thread only adds the cost of waking it. On a busy machine it is much worse: a
    BLAS thread that waits for a core stalls every product (measured on 2 cores with one other
    busy process: a digits training run took 7 s with 2 BLAS threads, 0.25 s with 1). Needs
    threadpoolctl (installed with scikit-learn); without it the block runs unchanged. The limit
    holds for the whole process while the block runs.

    Examples
    --------
    >>> with limited_blas(1):
    ...     float(np.ones((64, 64)) @ np.ones(64) @ np.ones(64))
    4096.0
    """
    controller = _blas_controller() if threads is not None else None
    if controller is None:
        yield
        return
    with controller.limit(limits=threads, user_api="blas"):
        yield


def train(
    net: MLP,
    X: Array,
    y: Array,
    loss: str | Callable[[Array, Array], tuple[float, Array]],
    optimiser: SGD | Adam,
    epochs: int = 10,
    batch_size: int | None = 32,
    seed: int = 0,
    callback: Callable[[int, MLP], Any] | None = None,
    activity_l1: float = 0.0,
    blas_threads: int | None = 1,
) -> History:
    """Train ``net`` in place by minibatch gradient descent; stop early if it diverges.

    Parameters
    ----------
    net
        The :class:`MLP` to train.
    X, y
        Inputs ``(samples, features)`` and targets (labels for
        ``"cross_entropy"``, values for ``"mse"``).
    loss
        A key of :data:`LOSSES` or a function ``(output, y) -> (loss, doutput)``.
    optimiser
        :class:`SGD` or :class:`Adam` (or anything with ``step(net, grads)``).
    epochs, batch_size
        Passes over the data and samples per step (``None``: the whole set).
    seed
        Seeds the shuffling: the same seed gives the same batches, hence the
        same trained net.
    callback
        Called as ``callback(epoch, net)`` after every epoch (``epoch`` from
        1); what it returns is appended to ``history.metrics``.
    activity_l1
        Strength of an L1 penalty on the hidden activations (see
        :meth:`MLP.backward`); ``history.loss`` reports the data loss without it.
    blas_threads
        Threads for NumPy's matrix products while training (see :func:`limited_blas`; the
        results do not depend on it); None leaves the setting alone.

    Returns
    -------
    History
        If a minibatch loss is NaN or infinite, training stops at once,
        before that update, with ``history.diverged = True``; ``history.loss``
        then holds the completed epochs only. NumPy's overflow warnings are
        silenced during training.
    """
    loss_fn = _loss_function(loss, LOSSES)
    X, y = np.asarray(X), np.asarray(y)
    rng = np.random.default_rng(seed)
    history = History()
    quiet = np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")
    with quiet, limited_blas(blas_threads):
        for epoch in range(1, epochs + 1):
            total = 0.0
            for idx in minibatches(len(X), batch_size, rng):
                value, dout = loss_fn(net.forward(X[idx]), y[idx])
                if not np.isfinite(value):
                    history.diverged = True
                    return history
                total += value * len(idx)
                optimiser.step(net, net.backward(dout, activity_l1=activity_l1))
            history.loss.append(total / len(X))
            if callback is not None:
                history.metrics.append(callback(epoch, net))
    return history
