"""Tests of relu_lib.torch_nets: the torch MLP twin, its training loop and ActivationRecorder."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from relu_lib import nets  # noqa: E402
from relu_lib.data import curve_1d, moons  # noqa: E402
from relu_lib.metrics import dead_fraction, layer_summary, per_layer  # noqa: E402
from relu_lib.torch_nets import ActivationRecorder, activation_module, mlp, train  # noqa: E402
from relu_lib.torch_path import ReLUAtZero  # noqa: E402

nn = torch.nn


def _all_hooks(model):
    return [h for m in model.modules() for h in (*m._forward_hooks.values(), *m._forward_pre_hooks.values())]


# --- mlp -----------------------------------------------------------------------------

@pytest.mark.parametrize("init, bias", [
    ("he_normal", 0.0), ("xavier_normal", 0.3), ("lecun_normal", 0.0), ("torch_default", "torch_default"),
])
def test_mlp_has_exactly_the_weights_of_the_numpy_mlp(init, bias):
    args = dict(sizes=[5, 7, 6, 3], init=init, gain=1.3, bias=bias, seed=11)
    twin, model = nets.MLP(**args), mlp(**args, dtype=torch.float64)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert len(linears) == 3
    for linear, W, b in zip(linears, twin.W, twin.b):
        np.testing.assert_array_equal(linear.weight.detach().numpy(), W.T)
        np.testing.assert_array_equal(linear.bias.detach().numpy(), b)


@pytest.mark.parametrize("activation, kwargs", [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("gelu", {"approximate": "tanh"}),
    ("softplus", {"beta": 2.0}), ("elu", {"alpha": 0.5}), ("tanh", {}), ("sigmoid", {}),
])
def test_mlp_computes_what_the_numpy_mlp_computes(activation, kwargs):
    X = np.random.default_rng(0).standard_normal((20, 4))
    twin = nets.MLP([4, 8, 8, 2], activation=activation, bias=0.1, **kwargs)
    model = mlp([4, 8, 8, 2], activation=activation, bias=0.1, dtype=torch.float64, **kwargs)
    with torch.no_grad():
        out = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(out, twin.forward(X), rtol=1e-12, atol=1e-14)


def test_mlp_layout_and_default_dtype():
    model = mlp([3, 4, 5, 2], activation="leaky_relu", negative_slope=0.3)
    kinds = [type(m) for m in model]
    assert kinds == [nn.Linear, nn.LeakyReLU, nn.Linear, nn.LeakyReLU, nn.Linear]
    assert model[1].negative_slope == 0.3 and model[1] is not model[3]
    assert model[0].weight.dtype == torch.get_default_dtype()


def test_relu_with_at_zero_uses_relu_at_zero_module():
    module = activation_module("relu", at_zero=0.5)
    assert isinstance(module, ReLUAtZero) and module.at_zero == 0.5


def test_unknown_activation_raises_value_error_listing_names():
    with pytest.raises(ValueError, match="leaky_relu"):
        mlp([2, 3, 1], activation="swish")


def test_building_a_net_leaves_torch_global_random_state_alone():
    state = torch.random.get_rng_state()
    mlp([30, 40, 2], init="torch_default", bias="torch_default")
    assert torch.equal(state, torch.random.get_rng_state())


# --- train -----------------------------------------------------------------------

@pytest.mark.parametrize("make_optimisers", [
    lambda ps: (nets.SGD(0.05, momentum=0.9), torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    lambda ps: (nets.Adam(0.01), torch.optim.Adam(ps, lr=0.01)),
], ids=["sgd_momentum", "adam"])
def test_training_follows_the_numpy_training_step_for_step(make_optimisers):
    X, y = moons(96)
    twin, model = nets.MLP([2, 16, 16, 2]), mlp([2, 16, 16, 2], dtype=torch.float64)
    ours, theirs = make_optimisers(model.parameters())
    numpy_history = nets.train(twin, X, y, "cross_entropy", ours, epochs=3, batch_size=20, seed=4)
    torch_history = train(model, X, y, "cross_entropy", theirs, epochs=3, batch_size=20, seed=4)
    np.testing.assert_allclose(torch_history.loss, numpy_history.loss, rtol=1e-10)
    for linear, W in zip(model[::2], twin.W):
        np.testing.assert_allclose(linear.weight.detach().numpy(), W.T, rtol=1e-9, atol=1e-12)


def test_training_reduces_the_loss_in_float32():
    X, y = curve_1d(120, kind="abs", noise=0.05)
    model = mlp([1, 32, 1])
    history = train(model, X, y, "mse", torch.optim.Adam(model.parameters(), lr=0.02), epochs=40, batch_size=16)
    assert not history.diverged and len(history.loss) == 40
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_training_is_determined_by_the_seed():
    X, y = moons(80)
    weights = []
    for seed in (0, 0, 1):
        model = mlp([2, 8, 2])
        train(model, X, y, "cross_entropy", torch.optim.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=8, seed=seed)
        weights.append(model[0].weight.detach().clone())
    assert torch.equal(weights[0], weights[1])
    assert not torch.equal(weights[0], weights[2])


def test_divergence_is_reported_not_raised():
    X, y = curve_1d(100)
    model = mlp([1, 32, 32, 1])
    history = train(model, X, y, "mse", torch.optim.SGD(model.parameters(), lr=1e3), epochs=20, batch_size=10)
    assert history.diverged and len(history.loss) < 20 and all(np.isfinite(history.loss))


def test_callback_sees_the_model_after_each_epoch():
    X, y = moons(60)
    model = mlp([2, 8, 2])
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    history = train(model, X, y, "cross_entropy", optimiser, epochs=3,
                    callback=lambda epoch, m: (epoch, m is model))
    assert history.metrics == [(1, True), (2, True), (3, True)]


# --- ActivationRecorder --------------------------------------------------------------

def test_recorder_collects_each_activation_layer_per_forward_pass():
    model = mlp([3, 6, 5, 2], dtype=torch.float64)
    X = np.random.default_rng(0).standard_normal((7, 3))
    with ActivationRecorder(model) as recorder:
        model(torch.from_numpy(X))
        model(torch.from_numpy(X[:4]))
    assert recorder.names == ["1", "3"]
    assert [[a.shape for a in p] for p in recorder.passes] == [[(7, 6), (7, 5)], [(4, 6), (4, 5)]]
    assert all(isinstance(a, np.ndarray) for p in recorder.passes for a in p)
    _, trace = nets.MLP([3, 6, 5, 2]).forward(X, record=True)
    for ours, theirs in zip(recorder.passes[0], trace.activations):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert per_layer(dead_fraction, recorder.passes[0]) == per_layer(dead_fraction, trace.activations)


class _ZeroInPlace(nn.Module):
    def forward(self, x):
        return x.mul_(0.0)


def test_recorded_arrays_are_copies_unharmed_by_later_in_place_ops():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), _ZeroInPlace())
    x = torch.ones(3, 2)
    with torch.no_grad():
        # fixed weights: two units positive and two negative on x (a random init left all four
        # negative about one time in sixteen, and then there was nothing to overwrite)
        model[0].weight.copy_(torch.tensor([[1.0, 0.5], [-1.0, -0.5], [0.25, 0.25], [-2.0, 1.0]]))
        model[0].bias.zero_()
        expected = torch.relu(model[0](x)).numpy()
        assert expected.any()
        with ActivationRecorder(model) as recorder:
            assert not model(x).any()
    np.testing.assert_array_equal(recorder.last[0], expected)


def test_recording_leaves_the_autograd_graph_intact():
    model = mlp([2, 4, 1])
    x = torch.ones(3, 2, requires_grad=True)
    with ActivationRecorder(model) as recorder:
        model(x).sum().backward()
    assert recorder.last[0].shape == (3, 4) and x.grad is not None


def test_hooks_are_removed_on_exit_and_later_passes_are_not_recorded():
    model = mlp([2, 4, 4, 1], activation="tanh")
    assert _all_hooks(model) == []
    with ActivationRecorder(model) as recorder:
        assert len(_all_hooks(model)) == 3  # one per activation, plus the model's pre-hook
        model(torch.zeros(1, 2))
    assert _all_hooks(model) == []
    model(torch.zeros(1, 2))
    assert len(recorder.passes) == 1


def test_hooks_are_removed_when_the_block_raises():
    model = mlp([2, 4, 1])
    with pytest.raises(RuntimeError, match="boom"):
        with ActivationRecorder(model):
            raise RuntimeError("boom")
    assert _all_hooks(model) == []


def test_recorder_finds_activations_nested_anywhere_and_custom_types():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.GELU(), nn.Linear(3, 3)), nn.Softsign())
    assert ActivationRecorder(model).names == ["1.0"]
    with ActivationRecorder(model, types=[nn.Softsign, nn.GELU]) as recorder:
        model(torch.ones(2, 2))
    assert recorder.names == ["1.0", "2"] and len(recorder.last) == 2


def test_recorder_last_and_clear():
    model = mlp([2, 3, 1])
    recorder = ActivationRecorder(model)
    with pytest.raises(RuntimeError):
        recorder.last
    with recorder:
        model(torch.ones(1, 2))
    recorder.clear()
    assert recorder.passes == []


def test_metrics_on_recorded_dead_layer():
    model = mlp([4, 16, 16, 2], bias=-100.0)  # every first-layer unit starts dead
    with ActivationRecorder(model) as recorder:
        model(torch.randn(50, 4, generator=torch.Generator().manual_seed(0)))
    summary = layer_summary(recorder.last)
    np.testing.assert_array_equal(summary["dead_fraction"], [1.0, 1.0])
    np.testing.assert_array_equal(summary["zero_fraction"], [1.0, 1.0])


# --- backward at exact kinks ---------------------------------------------------------

def _kinked_pair(activation, **kwargs):
    """A NumPy MLP and its torch twin (same seed: same weights), with some weights replaced by
    binary fractions so that, on the input (1, 1), unit 0 of each hidden layer has a
    pre-activation of exactly 0 and unit 1 of the second layer exactly 6, in any order of
    summation (every product and partial sum is exact)."""
    net = nets.MLP([2, 4, 3, 2], activation=activation, seed=3, **kwargs)
    net.W[0][:, 0] = [0.75, -0.75]          # z1[0] = 0.75 - 0.75 = 0
    net.W[0][:, 1] = [1.5, 0.5]             # z1[1] = 2, so h1[1] = 2
    net.W[1][:, :3] = 0.0
    net.W[1][:2, 0], net.b[1][0] = [0.5, 0.25], -0.5    # z2[0] = 2·0.25 − 0.5 = 0
    net.W[1][:2, 1], net.b[1][1] = [1.0, 3.0], 0.0      # z2[1] = 2·3 = 6
    net.W[1][:2, 2], net.b[1][2] = [-1.0, 0.5], 0.25    # z2[2] = 1.25: alive, passes gradient down
    model = mlp([2, 4, 3, 2], activation=activation, seed=3, dtype=torch.float64, **kwargs)
    with torch.no_grad():
        for linear, W, b in zip([m for m in model if isinstance(m, nn.Linear)], net.W, net.b):
            linear.weight.copy_(torch.from_numpy(W.T))
            linear.bias.copy_(torch.from_numpy(b))
    return net, model


def _torch_pass(model, X, dout):
    """Forward and backward through ``model`` layer by layer, keeping every dL/dz."""
    h, zs = torch.from_numpy(X), []
    for module in model:
        h = module(h)
        if isinstance(module, nn.Linear):
            h.retain_grad()
            zs.append(h)
    h.backward(torch.from_numpy(dout))
    return [z.detach().numpy() for z in zs], [z.grad.numpy() for z in zs]


@pytest.mark.parametrize("activation, kwargs, kinks, slope", [
    ("relu", {}, [(0, 0, 0.0), (1, 0, 0.0)], 0.0),
    ("relu", {"at_zero": 0.5}, [(0, 0, 0.0), (1, 0, 0.0)], 0.5),
    ("relu6", {}, [(0, 0, 0.0), (1, 0, 0.0), (1, 1, 6.0)], 0.0),
], ids=["relu", "relu_at_zero_half", "relu6"])
def test_numpy_backward_agrees_with_autograd_at_exact_kinks(activation, kwargs, kinks, slope):
    """At a pre-activation of exactly 0 (and 6 for ReLU6) both sides take the derivative
    ``slope``: 0 as torch does (or ``at_zero``). Checked against the numbers themselves, so
    the test fails if either side changes its convention, even if both change together."""
    X = np.array([[1.0, 1.0], [0.3, -1.7]])  # row 0 sits on the kinks, row 1 is generic
    dout = np.array([[1.0, -0.5], [0.25, 0.75]])
    net, model = _kinked_pair(activation, **kwargs)
    _, trace = net.forward(X, record=True)
    grads = net.backward(dout)
    z_torch, dz_torch = _torch_pass(model, X, dout)
    for layer, unit, at in kinks:
        assert trace.pre_activations[layer][0, unit] == at == z_torch[layer][0, unit], "on the kink"
        # dL/dz = f'(z) · dL/dh, and dL/dh = dL/dz_next · W_next^T is not zero here
        upstream = (grads.pre_activations[layer + 1] @ net.W[layer + 1].T)[0, unit]
        assert upstream != 0.0
        assert grads.pre_activations[layer][0, unit] == slope * upstream
        assert dz_torch[layer][0, unit] == slope * upstream
    for ours, theirs in zip(grads.pre_activations, dz_torch):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for linear, dW, db in zip(linears, grads.W, grads.b):
        np.testing.assert_allclose(dW, linear.weight.grad.numpy().T, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(db, linear.bias.grad.numpy(), rtol=1e-12, atol=1e-300)


# --- normalisation and residual connections ---------------------------------------------------

def test_batch_norm_centres_and_scales_every_unit_over_the_batch():
    torch.manual_seed(0)
    net = mlp([4, 16, 16, 2], norm="batch", bias=1.0, dtype=torch.float64)
    norms = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    seen = []
    handles = [m.register_forward_hook(lambda m, i, o: seen.append(o.detach())) for m in norms]
    net(torch.randn(256, 4, dtype=torch.float64) * 5 + 3)
    for h in handles:
        h.remove()
    assert len(seen) == 2
    for out in seen:
        torch.testing.assert_close(out.mean(0), torch.zeros(16, dtype=torch.float64),
                                   atol=1e-12, rtol=0)
        torch.testing.assert_close(out.var(0, unbiased=False), torch.ones(16, dtype=torch.float64),
                                   atol=1e-3, rtol=0)


def test_residual_layers_add_their_branch_to_the_identity():
    plain = mlp([3, 6, 6, 6, 2], seed=4, dtype=torch.float64)
    skip = mlp([3, 6, 6, 6, 2], seed=4, dtype=torch.float64, residual=True)
    assert [type(m).__name__ for m in skip] == ["Linear", "ReLU", "Residual", "Residual", "Linear"]
    x = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    h1 = plain[1](plain[0](x))
    h2 = h1 + plain[3](plain[2](h1))  # the same weights, with the shortcut written out
    h3 = h2 + plain[5](plain[4](h2))
    torch.testing.assert_close(skip(x), plain[6](h3))
    zero = mlp([3, 6, 6, 6, 2], seed=4, dtype=torch.float64, residual=True, residual_scale=0.0)
    torch.testing.assert_close(zero(x), plain[6](h1))


def test_an_unknown_norm_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown norm 'group'"):
        mlp([2, 4, 1], norm="group")
