"""Tests of relu_lib.nets (the NumPy MLP, losses, optimisers, training loop) and relu_lib.classic."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import relu_lib
from relu_lib import classic
from relu_lib.data import curve_1d, digits, moons
from relu_lib.metrics import dead_fraction, per_layer
from relu_lib.nets import (
    MLP, SGD, Adam, activation_functions, minibatches, mse, softmax_cross_entropy, train,
)

FD_ACTIVATIONS = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.1}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("tanh", {}), ("sigmoid", {}), ("elu", {}), ("softplus", {}), ("silu", {}),
]


def _problem(seed=0, n=12, sizes=(3, 6, 5, 4)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, sizes[0])), rng.integers(0, sizes[-1], n)


def _loss_of(net, X, y):
    return softmax_cross_entropy(net.forward(X), y)[0]


def _assert_matches_central_differences(net, grads, loss, h=1e-6):
    """Compare every parameter gradient with (loss(p + h) - loss(p - h)) / 2h, entry by entry."""
    for p, g in zip(net.parameters(), grads.parameters()):
        numeric = np.empty_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            p[i] = saved + h
            up = loss()
            p[i] = saved - h
            down = loss()
            p[i] = saved
            numeric[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9)


# --- the backward pass -----------------------------------------------------------

@pytest.mark.parametrize("activation, kwargs", FD_ACTIVATIONS)
def test_backward_matches_central_finite_differences(activation, kwargs):
    X, y = _problem()
    net = MLP([3, 6, 5, 4], activation=activation, bias=0.1, seed=1, **kwargs)
    out, trace = net.forward(X, record=True)
    # the steps below move a pre-activation by ~1e-5 at most: no hidden one may sit that close to a kink
    assert min(np.abs(z).min() for z in trace.pre_activations[:-1]) > 1e-4
    grads = net.backward(softmax_cross_entropy(out, y)[1])
    _assert_matches_central_differences(net, grads, lambda: _loss_of(net, X, y))


def test_pre_activation_gradients_are_consistent_with_weight_gradients():
    X, y = _problem(seed=2)
    net = MLP([3, 6, 5, 4], seed=3)
    out, trace = net.forward(X, record=True)
    grads = net.backward(softmax_cross_entropy(out, y)[1])
    inputs = [X, *trace.activations]
    for l, dz in enumerate(grads.pre_activations):
        assert dz.shape == trace.pre_activations[l].shape
        np.testing.assert_allclose(grads.W[l], inputs[l].T @ dz)
        np.testing.assert_allclose(grads.b[l], dz.sum(axis=0))


TORCH_ACTIVATIONS = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}), ("selu", {}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("softplus", {}), ("mish", {}),
    ("relu6", {}), ("sigmoid", {}), ("tanh", {}),
]


@pytest.mark.parametrize("activation, kwargs", TORCH_ACTIVATIONS)
def test_backward_matches_torch_autograd_with_the_same_weights(activation, kwargs):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    torch_f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}.get(activation) or getattr(F, activation)
    X, y = _problem(seed=4, n=32)
    X *= 3.0  # reach relu6's upper kink and the saturating tails
    net = MLP([3, 6, 5, 4], activation=activation, bias=0.2, seed=5, **kwargs)
    out, trace = net.forward(X, record=True)
    loss, dout = softmax_cross_entropy(out, y)
    grads = net.backward(dout)

    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    h, zs = torch.tensor(X), []
    for l in range(len(net.W)):
        z = h @ params[2 * l] + params[2 * l + 1]
        z.retain_grad()
        zs.append(z)
        h = torch_f(z, **kwargs) if l < len(net.W) - 1 else z
    torch_loss = F.cross_entropy(h, torch.tensor(y))
    torch_loss.backward()

    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    for ours, theirs in zip(grads.parameters(), params):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)
    for ours, z in zip(grads.pre_activations, zs):
        np.testing.assert_allclose(ours, z.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="forward"):
        MLP([2, 3, 1]).backward(np.ones((1, 1)))


# --- the forward pass and construction -------------------------------------------

def test_forward_record_gives_every_layer_pre_activation_and_hidden_activation():
    X, _ = _problem()
    net = MLP([3, 6, 5, 4], activation="leaky_relu", negative_slope=0.3)
    out, trace = net.forward(X, record=True)
    assert [z.shape for z in trace.pre_activations] == [(12, 6), (12, 5), (12, 4)]
    assert [a.shape for a in trace.activations] == [(12, 6), (12, 5)]
    for z, a in zip(trace.pre_activations, trace.activations):
        np.testing.assert_allclose(a, np.where(z > 0, z, 0.3 * z))
    np.testing.assert_array_equal(out, trace.pre_activations[-1])
    np.testing.assert_array_equal(net(X), out)


def test_same_arguments_give_the_same_weights_and_seed_changes_them():
    a, b, c = MLP([4, 8, 2], seed=3), MLP([4, 8, 2], seed=3), MLP([4, 8, 2], seed=4)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(a.W[0], c.W[0])


def test_activation_kwargs_reach_only_the_functions_that_take_them():
    f, df = activation_functions("relu", at_zero=0.5)
    np.testing.assert_array_equal(f(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(df(np.array([-1.0, 0.0, 2.0])), [0.0, 0.5, 1.0])


def test_unknown_activation_or_argument_is_rejected():
    with pytest.raises(ValueError, match="sigmoid"):
        MLP([2, 2], activation="swish")
    with pytest.raises(TypeError, match="slope"):
        MLP([2, 2], activation="relu", slope=0.1)


# --- losses ------------------------------------------------------------------------

def test_softmax_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_onehot():
    logits = np.array([[1000.0, 0.0], [0.0, 0.0]])
    loss, d = softmax_cross_entropy(logits, np.array([1, 0]))
    assert loss == pytest.approx((1000.0 + np.log(2)) / 2)
    np.testing.assert_allclose(d, [[0.5, -0.5], [-0.25, 0.25]])


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((7, 5)), rng.integers(0, 5, 7)
    t = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(t, torch.tensor(labels)).backward()
    loss, d = softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(torch.nn.functional.cross_entropy(t, torch.tensor(labels)).item())
    np.testing.assert_allclose(d, t.grad.numpy(), atol=1e-15)

    pred, target = rng.standard_normal((7, 1)), rng.standard_normal(7)
    t = torch.tensor(pred, requires_grad=True)
    torch.nn.functional.mse_loss(t, torch.tensor(target[:, None])).backward()
    loss, d = mse(pred, target)
    assert loss == pytest.approx(np.mean((pred[:, 0] - target) ** 2))
    np.testing.assert_allclose(d, t.grad.numpy(), atol=1e-15)


# --- optimisers --------------------------------------------------------------------

@pytest.mark.parametrize("ours, theirs", [
    (lambda: SGD(lr=0.1), lambda torch, ps: torch.optim.SGD(ps, lr=0.1)),
    (lambda: SGD(lr=0.1, momentum=0.9), lambda torch, ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    (lambda: Adam(lr=0.01), lambda torch, ps: torch.optim.Adam(ps, lr=0.01)),
    (lambda: Adam(lr=0.05, betas=(0.5, 0.9), eps=1e-3),
     lambda torch, ps: torch.optim.Adam(ps, lr=0.05, betas=(0.5, 0.9), eps=1e-3)),
], ids=["sgd", "sgd_momentum", "adam", "adam_custom"])
def test_optimiser_steps_match_torch_optim(ours, theirs):
    torch = pytest.importorskip("torch")
    net = MLP([3, 4, 2], seed=0)
    params = [torch.tensor(p.copy(), requires_grad=True) for p in net.parameters()]
    optimiser, torch_optimiser = ours(), theirs(torch, params)
    rng = np.random.default_rng(1)
    for _ in range(5):
        net.forward(rng.standard_normal((6, 3)))
        grads = net.backward(rng.standard_normal((6, 2)))
        for p, g in zip(params, grads.parameters()):
            p.grad = torch.tensor(g)
        optimiser.step(net, grads)
        torch_optimiser.step()
    for ours_p, theirs_p in zip(net.parameters(), params):
        np.testing.assert_allclose(ours_p, theirs_p.detach().numpy(), rtol=1e-12, atol=1e-14)


# --- training ----------------------------------------------------------------------

def test_training_on_moons_reduces_the_loss():
    X, y = moons(200, noise=0.1)
    net = MLP([2, 16, 16, 2])
    history = train(net, X, y, "cross_entropy", Adam(lr=0.01), epochs=30, batch_size=32)
    assert not history.diverged and len(history.loss) == 30
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_training_on_a_small_digits_set_reduces_the_loss():
    split = digits()
    X, y = split.X_train[:300], split.y_train[:300]
    net = MLP([64, 32, 10], activation="tanh", init="xavier_normal")
    history = train(net, X, y, "cross_entropy", SGD(lr=0.1, momentum=0.9), epochs=5, batch_size=50)
    assert history.loss[-1] < 0.3 * history.loss[0]
    assert np.mean(net(split.X_test).argmax(axis=1) == split.y_test) > 0.8


def test_training_with_mse_on_column_outputs_and_flat_targets():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 1))
    net = MLP([1, 16, 1], seed=1)
    history = train(net, X, np.abs(X[:, 0]), "mse", Adam(lr=0.02), epochs=40, batch_size=20)
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_training_is_determined_by_the_seeds():
    X, y = moons(100)
    runs = [MLP([2, 8, 2], seed=s) for s in (0, 0, 0)]
    histories = [train(net, X, y, "cross_entropy", SGD(0.1, momentum=0.5), epochs=3, batch_size=16, seed=s)
                 for net, s in zip(runs, (0, 0, 1))]
    assert histories[0].loss == histories[1].loss
    np.testing.assert_array_equal(runs[0].W[0], runs[1].W[0])
    assert not np.array_equal(runs[0].W[0], runs[2].W[0])  # another shuffle, another net


def test_unknown_loss_name_raises_value_error_listing_names():
    X, y = moons(20)
    with pytest.raises(ValueError, match="cross_entropy"):
        train(MLP([2, 3, 2]), X, y, "hinge", SGD(0.1))


def test_minibatches_cover_every_sample_once_per_epoch():
    rng = np.random.default_rng(0)
    parts = minibatches(10, 4, rng)
    assert [len(p) for p in parts] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(10))
    assert [len(p) for p in minibatches(10, None, rng)] == [10]


def test_callback_results_are_collected_per_epoch():
    X, y = moons(100)
    net = MLP([2, 8, 2])

    def dead(epoch, net):
        return epoch, per_layer(dead_fraction, net.forward(X, record=True)[1].activations)

    history = train(net, X, y, "cross_entropy", SGD(0.1), epochs=3, callback=dead)
    assert [m[0] for m in history.metrics] == [1, 2, 3]
    assert all(len(m[1]) == 1 and 0.0 <= m[1][0] <= 1.0 for m in history.metrics)


def test_divergence_is_reported_not_raised_and_warns_nothing():
    X, y = curve_1d(100)
    net = MLP([1, 32, 32, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(net, X, y, "mse", SGD(lr=1e3), epochs=20, batch_size=10)
    assert history.diverged
    assert 0 < len(history.loss) < 20 and all(np.isfinite(history.loss))


def test_divergence_in_the_first_epoch_leaves_an_empty_loss_history():
    X, y = moons(100)
    net = MLP([2, 32, 32, 2], activation="leaky_relu")
    history = train(net, X, y, "cross_entropy", SGD(lr=1e3), epochs=20, batch_size=10)
    assert history.diverged and history.loss == []


# --- classic saturating activations ------------------------------------------------

def test_sigmoid_and_tanh_values():
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(classic.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(classic.tanh(x), np.tanh(x))
    np.testing.assert_allclose(classic.sigmoid(x) + classic.sigmoid(-x), 1.0, rtol=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_classic_derivatives_match_central_finite_differences(name):
    f, df = getattr(classic, name), getattr(classic, name + "_grad")
    x = np.linspace(-8, 8, 161)
    h = 1e-6
    np.testing.assert_allclose(df(x), (f(x + h) - f(x - h)) / (2 * h), rtol=1e-7, atol=1e-9)


def test_classic_derivatives_stay_accurate_in_the_tails_without_warnings():
    x = np.array([-800.0, -40.0, 40.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, ds, dt = classic.sigmoid(x), classic.sigmoid_grad(x), classic.tanh_grad(x)
    np.testing.assert_allclose(s, [0.0, np.exp(-40.0), 1.0, 1.0], rtol=1e-14)
    np.testing.assert_allclose(ds, [0.0, np.exp(-40.0), np.exp(-40.0), 0.0], rtol=1e-14)
    np.testing.assert_allclose(dt, [0.0, 4 * np.exp(-80.0), 4 * np.exp(-80.0), 0.0], rtol=1e-14)


def test_classic_activations_keep_float32_and_promote_integers():
    assert classic.sigmoid(np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert classic.tanh_grad(np.zeros(2, dtype=np.float32)).dtype == np.float32
    np.testing.assert_array_equal(classic.sigmoid_grad(np.array([0])), [0.25])


# --- light imports ----------------------------------------------------------------------

def test_numpy_modules_import_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import relu_lib.init, relu_lib.data, relu_lib.metrics, relu_lib.nets, relu_lib.classic"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(relu_lib.__file__).parents[1])


# --- the L1 activity penalty --------------------------------------------------------

def _penalised_loss(net, X, y, lam):
    out, trace = net.forward(X, record=True)
    penalty = lam * sum(np.abs(h).sum() for h in trace.activations) / len(X)
    return softmax_cross_entropy(out, y)[0] + penalty


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_activity_l1_gradient_matches_finite_differences_of_the_penalised_loss(activation):
    X, y = _problem(seed=4)
    lam = 0.3
    net = MLP([3, 6, 5, 4], activation=activation, bias=0.1, seed=5)
    out, trace = net.forward(X, record=True)
    assert min(np.abs(z).min() for z in trace.pre_activations[:-1]) > 1e-4
    grads = net.backward(softmax_cross_entropy(out, y)[1], activity_l1=lam)
    _assert_matches_central_differences(net, grads, lambda: _penalised_loss(net, X, y, lam))


def test_activity_l1_makes_a_trained_relu_net_sparser():
    from relu_lib.data import moons
    from relu_lib.metrics import zero_fraction

    X, y = moons(200)
    zeros = []
    for lam in (0.0, 0.05):
        net = MLP([2, 32, 32, 2], seed=0)
        train(net, X, y, "cross_entropy", Adam(lr=0.01), epochs=30, batch_size=32, activity_l1=lam)
        _, trace = net.forward(X, record=True)
        zeros.append(np.mean([zero_fraction(h) for h in trace.activations]))
    assert zeros[1] > zeros[0] + 0.05


# --- optimiser by name, accuracy ------------------------------------------------------

def test_make_optimiser_builds_sgd_with_momentum_or_adam_and_rejects_other_names():
    from relu_lib.nets import make_optimiser

    sgd = make_optimiser("sgd", 0.1, momentum=0.9)
    assert isinstance(sgd, SGD) and (sgd.lr, sgd.momentum) == (0.1, 0.9)
    assert isinstance(make_optimiser("adam", 0.01), Adam)
    with pytest.raises(ValueError, match="'sgd' or 'adam'"):
        make_optimiser("rmsprop", 0.01)


def test_accuracy_counts_rows_whose_argmax_is_the_label():
    from relu_lib.nets import accuracy

    logits = np.array([[3.0, 1.0, 0.0], [0.0, 0.1, 5.0], [1.0, 2.0, 0.0], [9.0, 0.0, 0.0]])
    assert accuracy(logits, np.array([0, 2, 0, 1])) == 0.5


def test_equal_minibatches_have_no_tiny_remainder_and_cover_every_sample_once():
    from relu_lib.nets import minibatches

    batches = minibatches(1347, 64, np.random.default_rng(0), equal=True)
    sizes = [len(b) for b in batches]
    assert sum(sizes) == 1347 and min(sizes) >= 64
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(1347))

