"""Tests of relu_lib.torch_monitor: the hooks' numbers against values computed by hand."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from relu_lib.torch_monitor import Monitor, unit_axis  # noqa: E402

nn = torch.nn


def _tiny_net(dtype=torch.float64):
    """Linear(2, 3) -> ReLU -> Linear(3, 1) with weights chosen so every count is known.

    On X = [[1, 2], [3, 0], [-1, 1]] the pre-activations are
    unit 0: x0 = [1, 3, -1]; unit 1: x1 - 1 = [1, -1, 0]; unit 2: -x0 - x1 - 5 = [-8, -8, -5].
    """
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False)).to(dtype)
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        net[0].bias.copy_(torch.tensor([0.0, -1.0, -5.0]))
        net[2].weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))
    X = torch.tensor([[1.0, 2.0], [3.0, 0.0], [-1.0, 1.0]], dtype=dtype)
    return net, X


def test_zero_fraction_kink_fraction_and_dead_units_match_the_hand_count():
    net, X = _tiny_net()
    with Monitor(net) as mon:
        net(X).sum().backward()
    # h = [[1, 1, 0], [3, 0, 0], [0, 0, 0]]: six zeros of nine; z = 0 exactly once
    assert mon.names == ["1"]
    np.testing.assert_array_equal(mon.zero_fraction[0], [6 / 9])
    np.testing.assert_array_equal(mon.kink_fraction[0], [1 / 9])
    np.testing.assert_array_equal(mon.dead_units()[0], [False, False, True])
    np.testing.assert_array_equal(mon.dead_fraction(), [1 / 3])


def test_gradient_norms_are_those_of_dL_dz_computed_by_hand():
    net, X = _tiny_net()
    with Monitor(net) as mon:
        net(X).sum().backward()
    # dL/dy = 1 for each of 3 samples; dL/dz = v * ReLU'(z) with ReLU'(0) = 0:
    # sample 1 [1, 2, 0], sample 2 [1, 0, 0], sample 3 [0, 0, 0]
    assert mon.grad_names == ["0", "2"]
    norms = mon.grad_norms()
    assert norms.shape == (1, 2)
    assert norms[0, 0] == pytest.approx(math.sqrt(6))
    assert norms[0, 1] == pytest.approx(math.sqrt(3))


def test_every_training_step_adds_one_row_and_evaluation_adds_none():
    net, X = _tiny_net()
    with Monitor(net) as mon:
        for _ in range(3):
            net(X).sum().backward()
        net.eval()
        with torch.no_grad():
            net(X)
        net.train()
        net(X)                      # a training forward without backward: NaN gradients
    assert len(mon.zero_fraction) == len(mon.kink_fraction) == 4
    norms = mon.grad_norms()
    assert norms.shape == (4, 2)
    assert np.all(np.isfinite(norms[:3])) and np.all(np.isnan(norms[3]))


def test_dead_on_counts_only_the_given_data_records_no_step_and_restores_the_mode():
    net, X = _tiny_net()
    with Monitor(net) as mon:
        net(X[:1])                              # unit 1 is alive on the first sample
        before = len(mon.zero_fraction)
        dead = mon.dead_on(X[1:])               # on the last two, units 1 and 2 are dead
        assert net.training
    assert len(mon.zero_fraction) == before
    np.testing.assert_array_equal(dead, [2 / 3])


def test_dead_units_accumulate_until_reset():
    net, X = _tiny_net()
    with Monitor(net) as mon:
        net(X[1:])
        np.testing.assert_array_equal(mon.dead_units()[0], [False, True, True])
        net(X[:1])
        np.testing.assert_array_equal(mon.dead_units()[0], [False, False, True])
        mon.reset_units()
        assert np.isnan(mon.dead_fraction()[0])


def test_hooks_are_removed_on_exit_and_a_monitor_attaches_once():
    net, X = _tiny_net()
    mon = Monitor(net)
    with mon:
        with pytest.raises(RuntimeError):
            mon.attach()
    for m in net.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks
    with pytest.raises(RuntimeError):
        mon.dead_on(X)


def test_units_of_a_feature_map_are_its_channels():
    conv = nn.Conv2d(1, 2, kernel_size=1)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([1.0, 0.0]).reshape(2, 1, 1, 1))
        conv.bias.copy_(torch.tensor([0.0, -1.0]))      # channel 1: always -1, dead
    net = nn.Sequential(conv, nn.ReLU())
    with Monitor(net) as mon:
        net(torch.rand(4, 1, 3, 3) + 0.1)
    np.testing.assert_array_equal(mon.dead_units()[0], [False, True])
    np.testing.assert_array_equal(mon.zero_fraction[0], [0.5])


def test_units_of_a_sequence_output_are_its_last_axis():
    assert unit_axis((16, 8, 128)) == 2
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.copy_(torch.tensor([1.0, -1.0, 1.0, -1.0]))
    with Monitor(net) as mon:
        net(torch.randn(2, 5, 3))
    np.testing.assert_array_equal(mon.dead_units()[0], [False, True, False, True])


def test_monitor_watches_the_modules_it_is_given():
    net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    with Monitor(net, activations=(nn.Tanh,), gradients=(nn.Sequential,)) as mon:
        net(torch.ones(3, 2)).sum().backward()
    assert mon.names == ["1"] and mon.grad_names == [""]
    np.testing.assert_allclose(mon.grad_norms(), [[math.sqrt(3)]])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_monitor_gives_the_same_counts_on_cuda():
    net, X = _tiny_net(torch.float32)
    with Monitor(net) as cpu:
        net(X).sum().backward()
    net = net.cuda()
    with Monitor(net) as gpu:
        net(X.cuda()).sum().backward()
    np.testing.assert_array_equal(cpu.zero_fraction, gpu.zero_fraction)
    np.testing.assert_array_equal(cpu.dead_units()[0], gpu.dead_units()[0])
    np.testing.assert_allclose(cpu.grad_norms(), gpu.grad_norms(), rtol=1e-6)
