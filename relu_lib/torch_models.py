"""Small real architectures in torch: a CNN, residual blocks, a transformer and its FFN kinds.

Each model is small enough to train on two CPU cores in seconds and is built the way its paper
builds it, so that a chapter can measure what ReLU does inside it:

* :func:`small_cnn`: two 3x3 convolutions on 8x8 images, with the order of convolution, batch
  normalisation and ReLU as an argument (``"conv-relu"``, ``"conv-bn-relu"``, ``"conv-relu-bn"``).
* :func:`residual_mlp` with the blocks :class:`PlainBlock`, :class:`PostActBlock` (the original
  ResNet block, ReLU after the addition; He et al. 2016) and :class:`PreActBlock` (batch norm and
  ReLU before each weight layer, nothing after the addition; He et al., "Identity mappings", 2016).
* :class:`FeedForward`, the position-wise block of a transformer, with ``kind`` ``"relu"``
  (Vaswani et al. 2017), ``"gelu"`` (BERT, GPT-2) or ``"swiglu"`` (Shazeer 2020; PaLM, LLaMA),
  its hidden width by :func:`ffn_hidden` (2/3 of 4d for SwiGLU, so the three match in
  parameters); :class:`TinyTransformer` stacks it with attention.

Every builder takes a ``seed`` and draws its weights from a private copy of torch's random
state (:func:`seeded`), so building a model leaves the global state as it was. The activations
are those of :mod:`relu_lib.torch_path`, one implementation of each function for the library.
This module, with :mod:`relu_lib.torch_path`, :mod:`relu_lib.torch_nets` and
:mod:`relu_lib.torch_monitor`, is where the library imports torch.

Examples
--------
>>> net = small_cnn(order="conv-bn-relu")
>>> net(torch.zeros(2, 1, 8, 8)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Sequence

import torch
from torch import nn

from relu_lib import torch_path
from relu_lib.torch_nets import ACTIVATION_MODULES
from relu_lib.torch_path import ReLUAtZero

__all__ = ["seeded", "ORDERS", "small_cnn", "PlainBlock", "PostActBlock", "PreActBlock",
           "BLOCKS", "residual_mlp", "FFN_KINDS", "ffn_hidden", "FFNActivation", "FeedForward",
           "TinyTransformer", "ACTIVATION_TYPES", "count_parameters"]


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's CPU random state seeded by ``seed``, then restore the state.

    Examples
    --------
    >>> with seeded(3):
    ...     a = torch.rand(2)
    >>> with seeded(3):
    ...     torch.equal(a, torch.rand(2))
    True
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def count_parameters(module: nn.Module) -> int:
    """The number of trainable numbers in ``module``.

    Examples
    --------
    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


# --------------------------------------------------------------------------- convolutions

ORDERS = ("conv-relu", "conv-bn-relu", "conv-relu-bn")
"""Orders of a convolutional layer's parts that :func:`small_cnn` builds."""


def _conv_layer(c_in: int, c_out: int, order: str) -> list[nn.Module]:
    conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
    if order == "conv-relu":
        return [conv, nn.ReLU()]
    if order == "conv-bn-relu":
        return [conv, nn.BatchNorm2d(c_out), nn.ReLU()]
    if order == "conv-relu-bn":
        return [conv, nn.ReLU(), nn.BatchNorm2d(c_out)]
    raise ValueError(f"unknown order {order!r}; valid: {', '.join(ORDERS)}")


def small_cnn(channels: Sequence[int] = (8, 16), order: str = "conv-relu",
              n_classes: int = 10, size: int = 8, seed: int = 0) -> nn.Sequential:
    """Two 3x3 convolutional layers, a 2x2 max-pool between them, and a linear classifier.

    ``size x size`` single-channel images (8x8 digits) become ``channels[0]`` maps of
    ``size x size``, then, after pooling, ``channels[1]`` maps of ``size/2 x size/2``, which
    are flattened into the linear output layer (logits, no activation). ``order`` places the
    batch normalisation; weights are PyTorch's defaults, drawn from ``seed``.

    Examples
    --------
    >>> [type(m).__name__ for m in small_cnn(order="conv-relu-bn")][:4]
    ['Conv2d', 'ReLU', 'BatchNorm2d', 'MaxPool2d']
    """
    c1, c2 = channels
    with seeded(seed):
        layers = [*_conv_layer(1, c1, order), nn.MaxPool2d(2), *_conv_layer(c1, c2, order),
                  nn.Flatten(), nn.Linear(c2 * (size // 2) ** 2, n_classes)]
        return nn.Sequential(*layers)


# --------------------------------------------------------------------------- residual blocks

def _linear(n: int, m: int) -> nn.Linear:
    """He-initialised ``Linear(n, m)`` with zero bias (He et al. 2015)."""
    layer = nn.Linear(n, m)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)
    return layer


class PlainBlock(nn.Module):
    """Two layers, ``ReLU(BN(W2 ReLU(BN(W1 x))))``, with no shortcut: the control of a ResNet.

    Examples
    --------
    >>> PlainBlock(4)(torch.randn(3, 4)).shape
    torch.Size([3, 4])
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(_linear(width, width), nn.BatchNorm1d(width), nn.ReLU(),
                                    _linear(width, width), nn.BatchNorm1d(width), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.branch(x)


class PostActBlock(nn.Module):
    """The original residual block, ``ReLU(x + BN(W2 ReLU(BN(W1 x))))`` (He et al. 2016).

    The ReLU after the addition sits on the shortcut path: the identity reaches the next block
    only where ``x + F(x) > 0``.

    Examples
    --------
    >>> PostActBlock(4)(torch.randn(3, 4)).min() >= 0
    tensor(True)
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(_linear(width, width), nn.BatchNorm1d(width), nn.ReLU(),
                                    _linear(width, width), nn.BatchNorm1d(width))
        self.out = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(x + self.branch(x))


class PreActBlock(nn.Module):
    """The pre-activation block, ``x + W2 ReLU(BN(W1 ReLU(BN(x))))`` (He et al., identity mappings).

    Nothing follows the addition, so ``∂x_{l+1}/∂x_l`` is the identity plus the branch's
    Jacobian, and the gradient at any block contains the gradient of every block above it.

    Examples
    --------
    >>> block = PreActBlock(4)
    >>> _ = nn.init.zeros_(block.branch[-1].weight)
    >>> x = torch.randn(3, 4)
    >>> torch.equal(block(x), x)     # a zero branch is the identity
    True
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(nn.BatchNorm1d(width), nn.ReLU(), _linear(width, width),
                                    nn.BatchNorm1d(width), nn.ReLU(), _linear(width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


BLOCKS: dict[str, type[nn.Module]] = {"plain": PlainBlock, "post": PostActBlock, "pre": PreActBlock}
"""The three block kinds of :func:`residual_mlp`."""


def residual_mlp(kind: str = "pre", n_blocks: int = 16, width: int = 32, n_in: int = 64,
                 n_out: int = 10, seed: int = 0) -> nn.Sequential:
    """A stem, ``n_blocks`` blocks of two weight layers each, and a linear output layer.

    ``kind`` is ``"plain"``, ``"post"`` or ``"pre"`` (:data:`BLOCKS`). The stem is
    ``Linear, BN, ReLU`` for plain and post-activation nets and a lone ``Linear`` for the
    pre-activation net, whose head adds the final ``BN, ReLU`` (as in He et al.'s
    pre-activation ResNets). He-initialised weights, zero biases, drawn from ``seed``.
    The blocks are the entries ``1 .. n_blocks`` of the returned ``nn.Sequential``.

    Examples
    --------
    >>> net = residual_mlp("post", n_blocks=3, width=8)
    >>> [type(m).__name__ for m in net]
    ['Sequential', 'PostActBlock', 'PostActBlock', 'PostActBlock', 'Sequential']
    >>> net(torch.randn(5, 64)).shape
    torch.Size([5, 10])
    """
    if kind not in BLOCKS:
        raise ValueError(f"unknown block kind {kind!r}; valid: {', '.join(BLOCKS)}")
    with seeded(seed):
        if kind == "pre":
            stem = nn.Sequential(_linear(n_in, width))
            head = nn.Sequential(nn.BatchNorm1d(width), nn.ReLU(), _linear(width, n_out))
        else:
            stem = nn.Sequential(_linear(n_in, width), nn.BatchNorm1d(width), nn.ReLU())
            head = nn.Sequential(_linear(width, n_out))
        blocks = [BLOCKS[kind](width) for _ in range(n_blocks)]
        return nn.Sequential(stem, *blocks, head)


# --------------------------------------------------------------------------- transformers

FFN_KINDS = ("relu", "gelu", "swiglu")
"""Feed-forward kinds: the original Transformer's, BERT's and GPT-2's, PaLM's and LLaMA's."""


def ffn_hidden(d_model: int, kind: str) -> int:
    """Hidden width of the feed-forward block: ``4 d``, or ``round(2/3 · 4 d)`` for SwiGLU.

    A gated block has three ``d x hidden`` matrices instead of two, so two thirds of the
    width gives it (nearly) the same number of weights and multiply-adds (Shazeer 2020).

    Examples
    --------
    >>> ffn_hidden(32, "relu"), ffn_hidden(32, "swiglu")
    (128, 85)
    """
    if kind not in FFN_KINDS:
        raise ValueError(f"unknown feed-forward kind {kind!r}; valid: {', '.join(FFN_KINDS)}")
    return 4 * d_model if kind != "swiglu" else round(2 * 4 * d_model / 3)


class FFNActivation(nn.Module):
    """The hidden vector of a feed-forward block from its first projection ``u``.

    ``relu(u)`` or ``gelu(u)``; for ``"swiglu"`` the projection holds two halves ``[a, b]``
    and the hidden vector is ``silu(a) * b``. This is what multiplies the second matrix, so its
    zeros are the rows of that matrix one can skip. Functions from :mod:`relu_lib.torch_path`.

    Examples
    --------
    >>> FFNActivation("swiglu")(torch.tensor([[0.0, 2.0, 5.0, 3.0]]))
    tensor([[0.0000, 5.2848]])
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        if kind not in FFN_KINDS:
            raise ValueError(f"unknown feed-forward kind {kind!r}; valid: {', '.join(FFN_KINDS)}")
        self.kind = kind

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        if self.kind == "relu":
            return torch_path.relu(u)
        if self.kind == "gelu":
            return torch_path.gelu(u)
        a, b = u.chunk(2, dim=-1)
        return torch_path.silu(a) * b

    def extra_repr(self) -> str:
        return self.kind


class FeedForward(nn.Module):
    """The position-wise feed-forward block ``W_out · act(W_in x)``, without biases.

    For ``"swiglu"``, ``W_in`` holds the gate and the value projections stacked (``2 · hidden``
    rows). No biases, as in PaLM, so the three kinds differ only in the activation and the
    width.

    Examples
    --------
    >>> [count_parameters(FeedForward(32, k)) for k in FFN_KINDS]
    [8192, 8192, 8160]
    """

    def __init__(self, d_model: int, kind: str = "relu", hidden: int | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.hidden = ffn_hidden(d_model, kind) if hidden is None else hidden
        rows = 2 * self.hidden if kind == "swiglu" else self.hidden
        self.w_in = nn.Linear(d_model, rows, bias=False)
        self.act = FFNActivation(kind)
        self.w_out = nn.Linear(self.hidden, d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w_out(self.act(self.w_in(x)))


class _Layer(nn.Module):
    """A pre-norm transformer layer: ``x + attn(LN(x))``, then ``x + ffn(LN(x))``."""

    def __init__(self, d_model: int, heads: int, kind: str) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ffn = FeedForward(d_model, kind)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.ffn(self.norm2(x))


class TinyTransformer(nn.Module):
    """An encoder-only transformer: token and position embeddings, pre-norm layers, logits.

    Every position attends to every other (no mask) and predicts one output token, which
    suits tasks such as sorting a sequence. The layers are those of Vaswani et al. (2017) with
    the normalisation moved before each sub-block, as in GPT-2; the feed-forward ``kind``
    is the one thing the chapter varies. Weights are PyTorch's defaults, drawn from ``seed``.

    Examples
    --------
    >>> net = TinyTransformer(vocab=10, length=6, kind="swiglu")
    >>> net(torch.zeros(4, 6, dtype=torch.long)).shape
    torch.Size([4, 6, 10])
    """

    def __init__(self, vocab: int, length: int, d_model: int = 32, heads: int = 4,
                 layers: int = 2, kind: str = "relu", seed: int = 0) -> None:
        super().__init__()
        self.kind = kind
        with seeded(seed):
            self.embed = nn.Embedding(vocab, d_model)
            self.position = nn.Parameter(0.02 * torch.randn(length, d_model))
            self.layers = nn.ModuleList([_Layer(d_model, heads, kind) for _ in range(layers)])
            self.norm = nn.LayerNorm(d_model)
            self.out = nn.Linear(d_model, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens) + self.position
        for layer in self.layers:
            x = layer(x)
        return self.out(self.norm(x))


ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (*ACTIVATION_MODULES.values(), ReLUAtZero,
                                                 FFNActivation)
"""Module classes whose outputs are activations: what :mod:`relu_lib.torch_monitor` watches."""
