"""Tests of relu_lib.torch_models: the CNN orders, residual blocks and the feed-forward kinds."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from relu_lib import gated, torch_path  # noqa: E402
from relu_lib.torch_models import (FFN_KINDS, ORDERS, FeedForward, FFNActivation,  # noqa: E402
                                   PostActBlock, PreActBlock, TinyTransformer,
                                   count_parameters, ffn_hidden, residual_mlp, seeded,
                                   small_cnn)

nn = torch.nn


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --- CNN -----------------------------------------------------------------------------

@pytest.mark.parametrize("order", ORDERS)
def test_small_cnn_maps_digit_images_to_ten_logits(order):
    net = small_cnn(order=order)
    assert net(torch.rand(5, 1, 8, 8, generator=_gen())).shape == (5, 10)
    kinds = [type(m).__name__ for m in net]
    expected = {"conv-relu": ["Conv2d", "ReLU"], "conv-bn-relu": ["Conv2d", "BatchNorm2d", "ReLU"],
                "conv-relu-bn": ["Conv2d", "ReLU", "BatchNorm2d"]}[order]
    assert kinds[:len(expected)] == expected


def test_unknown_order_is_refused():
    with pytest.raises(ValueError, match="conv-bn-relu"):
        small_cnn(order="bn-conv-relu")


def test_building_a_model_is_seeded_and_leaves_torch_global_random_state_alone():
    state = torch.get_rng_state()
    a, b, c = small_cnn(seed=3), small_cnn(seed=3), small_cnn(seed=4)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a[0].weight, b[0].weight)
    assert not torch.equal(a[0].weight, c[0].weight)
    with seeded(1):
        x = torch.rand(3)
    with seeded(1):
        assert torch.equal(x, torch.rand(3))


# --- residual blocks ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["plain", "post", "pre"])
def test_residual_mlp_has_the_blocks_it_is_asked_for(kind):
    net = residual_mlp(kind, n_blocks=4, width=8)
    assert len(net) == 6
    assert net(torch.randn(7, 64, generator=_gen())).shape == (7, 10)
    with pytest.raises(ValueError):
        residual_mlp("dense")


def test_post_activation_block_ends_with_a_relu_and_pre_activation_block_does_not():
    x = torch.randn(16, 8, generator=_gen())
    assert PostActBlock(8)(x).min() >= 0
    assert PreActBlock(8)(x).min() < 0


def test_pre_activation_gradient_is_the_top_gradient_plus_the_branch_term():
    """dL/dx = dL/dy + J_F^T dL/dy for y = x + F(x): the identity term passes unchanged."""
    block = PreActBlock(6).double()
    x = torch.randn(10, 6, generator=_gen(1), dtype=torch.float64, requires_grad=True)
    g = torch.randn(10, 6, generator=_gen(2), dtype=torch.float64)
    (grad_x,) = torch.autograd.grad(block(x), x, g)
    _, branch_term = torch.autograd.functional.vjp(block.branch, x, g)
    torch.testing.assert_close(grad_x, g + branch_term)


def test_zero_branches_pass_the_gradient_unchanged_through_a_pre_activation_stack():
    net = residual_mlp("pre", n_blocks=5, width=8, seed=2)
    for block in net[1:-1]:
        nn.init.zeros_(block.branch[-1].weight)
    h = torch.randn(12, 64, generator=_gen())
    outs = []
    for module in net:
        h = module(h)
        h.retain_grad()
        outs.append(h)
    outs[-1].pow(2).sum().backward()
    grads = [o.grad for o in outs[1:-1]]
    assert all(torch.equal(g, grads[-1]) for g in grads)


# --- feed-forward blocks --------------------------------------------------------------

def test_ffn_hidden_widths_match_parameters():
    assert ffn_hidden(32, "relu") == ffn_hidden(32, "gelu") == 128
    assert ffn_hidden(48, "swiglu") == 128           # exactly 2/3 of 4d when 3 divides d
    for d in (32, 64, 100, 256):
        dense = count_parameters(FeedForward(d, "relu"))
        gated_ = count_parameters(FeedForward(d, "swiglu"))
        assert dense == 8 * d * d and gated_ == 3 * d * ffn_hidden(d, "swiglu")
        assert abs(gated_ / dense - 1) < 0.01
    for d in range(32, 8193):                        # the same count, without building
        assert abs(3 * ffn_hidden(d, "swiglu") / (8 * d) - 1) < 0.01
    with pytest.raises(ValueError):
        ffn_hidden(32, "leaky_relu")


def test_swiglu_block_activation_equals_the_numpy_reference():
    u = torch.randn(7, 2 * 9, generator=_gen(), dtype=torch.float64) * 4
    a, b = gated.halves(u.numpy())
    ours = FFNActivation("swiglu")(u).numpy()
    np.testing.assert_allclose(ours, gated.swiglu(a, b), rtol=1e-12, atol=1e-300)


def test_swiglu_feed_forward_equals_reference_through_both_matrices():
    ffn = FeedForward(6, "swiglu").double()
    x = torch.randn(4, 6, generator=_gen(3), dtype=torch.float64)
    W_in = ffn.w_in.weight.detach().numpy()
    W_out = ffn.w_out.weight.detach().numpy()
    a, b = gated.halves(x.numpy() @ W_in.T)
    expected = gated.swiglu(a, b) @ W_out.T
    np.testing.assert_allclose(ffn(x).detach().numpy(), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind, f", [("relu", torch_path.relu), ("gelu", torch_path.gelu)])
def test_relu_and_gelu_blocks_use_the_torch_path_functions(kind, f):
    u = torch.randn(5, 12, generator=_gen())
    assert torch.equal(FFNActivation(kind)(u), f(u))


def test_relu_block_zeros_are_exactly_the_negative_preactivations():
    u = torch.randn(50, 16, generator=_gen())
    h = FFNActivation("relu")(u)
    assert torch.equal(h == 0, u <= 0)


def test_tiny_transformer_gives_logits_per_position_and_is_seeded():
    tokens = torch.randint(0, 10, (3, 6), generator=_gen())
    outs = []
    for kind in FFN_KINDS:
        a = TinyTransformer(10, 6, kind=kind, seed=5).eval()
        b = TinyTransformer(10, 6, kind=kind, seed=5).eval()
        with torch.no_grad():
            out = a(tokens)
            assert out.shape == (3, 6, 10)
            assert torch.equal(out, b(tokens))
        outs.append(count_parameters(a))
    assert abs(outs[2] / outs[0] - 1) < 0.01


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", FFN_KINDS)
def test_models_run_on_cuda_and_agree_with_the_cpu(kind):
    net = TinyTransformer(10, 6, kind=kind, seed=1).eval()
    tokens = torch.randint(0, 10, (3, 6), generator=_gen())
    with torch.no_grad():
        cpu = net(tokens)
        gpu = net.cuda()(tokens.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, rtol=1e-3, atol=1e-4)
    cnn = small_cnn(order="conv-bn-relu").eval()
    x = torch.rand(2, 1, 8, 8, generator=_gen())
    with torch.no_grad():
        torch.testing.assert_close(cnn.cuda()(x.cuda()).cpu(), cnn.cpu()(x), rtol=1e-3,
                                   atol=1e-4)
