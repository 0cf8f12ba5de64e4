"""Tests of relu_lib.chapters.in_practice: the runs, the inference count and the output claims."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

torch = pytest.importorskip("torch")

from relu_lib.chapters import in_practice as ip  # noqa: E402


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


# ---------------------------------------------------------------- data and helpers

def test_sorting_batch_targets_are_the_inputs_sorted():
    x, y = ip.sorting_batch(np.random.default_rng(3), 50)
    assert x.shape == y.shape == (50, ip.SORT_LENGTH)
    assert np.all(np.diff(y, axis=1) >= 0)
    np.testing.assert_array_equal(np.sort(x, axis=1), y)
    assert x.min() >= 0 and x.max() < ip.SORT_VOCAB


def test_digit_images_have_an_exactly_zero_background():
    Xtr, ytr, Xte, yte = ip.digit_images()
    assert Xtr.dtype == np.float32 and Xtr.min() == 0.0 and Xtr.max() == 1.0
    assert np.mean(Xtr == 0) > 0.3
    assert len(Xtr) + len(Xte) == 1797


# ---------------------------------------------------------------- inference count

def test_skipping_zero_rows_gives_the_dense_product_and_counts_its_work():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((20, 7))
    h = np.maximum(rng.standard_normal(20), 0)
    out, done = ip.skip_zero_rows(h, W)
    np.testing.assert_allclose(out, h @ W, rtol=1e-12)
    assert done == 7 * np.count_nonzero(h)


def test_multiply_adds_of_a_feed_forward_block():
    assert ip.ffn_multiply_adds(32, 128, 128, 128) == (8192, 8192)
    dense, skip = ip.ffn_multiply_adds(32, 170, 85, 0)
    assert dense == 32 * 170 + 85 * 32 and skip == 32 * 170


# ---------------------------------------------------------------- output layers

def test_relu_before_the_softmax_cannot_produce_negative_logits():
    from relu_lib.torch_nets import mlp

    net = mlp([5, 16, 4], seed=0)
    net.append(torch.nn.ReLU())
    logits = net(torch.randn(200, 5, generator=torch.Generator().manual_seed(0)))
    assert logits.min().item() >= 0.0
    target = torch.randint(0, 4, (200,), generator=torch.Generator().manual_seed(1))
    ce = torch.nn.functional.cross_entropy(logits.double(), target, reduction="none")
    true = logits.double()[torch.arange(200), target]
    bound = ip.nonnegative_logit_bound(true.detach().numpy(), 4)
    assert np.all(ce.detach().numpy() >= bound - 1e-12)


def test_logit_bound_is_log_k_when_every_logit_is_zero_and_falls_with_the_true_logit():
    assert ip.nonnegative_logit_bound(0.0, 10) == pytest.approx(np.log(10))
    m = np.linspace(0, 20, 5)
    assert np.all(np.diff(ip.nonnegative_logit_bound(m, 10)) < 0)


def test_relu_logits_leave_only_non_negative_logits_and_train_worse():
    plain, relu = ip.softmax_run(False, 0), ip.softmax_run(True, 0)
    assert plain["stuck"] == 0.0 and plain["clipped"] == 0.0
    assert 0.0 <= relu["stuck"] <= relu["clipped"] <= 1.0
    assert relu["loss"] > plain["loss"]


def test_a_relu_output_cannot_beat_the_non_negative_floor_and_a_linear_one_can():
    relu, linear = ip.regression_run("relu", 0), ip.regression_run("linear", 0)
    assert relu["mse"] >= relu["floor"] - 1e-12
    assert np.all(relu["pred"] >= 0)
    assert linear["mse"] < relu["floor"]


# ---------------------------------------------------------------- CNN

def test_cnn_run_is_deterministic():
    a = ip.cnn_run.uncached("conv-bn-relu", 0.003, 1, epochs=1)
    b = ip.cnn_run.uncached("conv-bn-relu", 0.003, 1, epochs=1)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    np.testing.assert_array_equal(a["zero_steps"], b["zero_steps"])
    for ma, mb in zip(a["maps"], b["maps"]):
        np.testing.assert_array_equal(ma, mb)


def test_cnn_run_shapes_and_monitor_records():
    r = ip.cnn_run.uncached("conv-relu", 0.003, 0, epochs=1)
    assert [z.shape for z in r["zero_channel"]] == [(8,), (16,)]
    assert [m.shape for m in r["maps"]] == [(len(ip.SHOWN), 8, 8, 8), (len(ip.SHOWN), 16, 4, 4)]
    steps = 1347 // 64
    assert r["zero_steps"].shape == (steps, 2) and r["grad_steps"].shape == (steps, 3)
    assert r["dead_epochs"].shape == (2, 2)
    assert set(r["zeros_by_precision"]) == {"float32", "bfloat16", "float16"}


def test_batch_norm_after_the_relu_hides_every_zero_from_the_next_layer():
    r = ip.cnn_run.uncached("conv-relu-bn", 0.003, 0, epochs=1)
    assert np.all(r["next_zero"] == 0.0)
    assert np.all([z.mean() > 0.05 for z in r["zero_channel"]])   # the ReLU does make zeros


def test_batch_norm_before_the_relu_keeps_channels_near_half_zero():
    r = ip.cnn_run("conv-bn-relu", 0.003, 0)
    for zeros, dead in zip(r["zero_channel"], r["dead_channel"]):
        assert not dead.any()
        assert np.all((zeros > 0.2) & (zeros < 0.8))


def test_feature_map_mosaic_places_every_channel():
    maps = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)
    image, corners = ip._mosaic(maps, 2)
    assert image.shape == (3, 7) and np.isnan(image[:, 3]).all()
    np.testing.assert_array_equal(image[:, 4:], maps[1])
    assert len(corners) == 2


@pytest.mark.parametrize("state", [{}, {"layer": 2}, {"order": "conv-relu-bn", "digit": 0}])
def test_feature_map_explorable_draws_without_error(state):
    ex = ip.feature_map_explorable()
    assert len(ex.twin_states()) <= 40
    fig = ex.figure(**state)
    assert "could not be drawn" not in _texts(fig)


# ---------------------------------------------------------------- residual

def test_plain_stack_gradient_explodes_towards_the_input_and_residual_blocks_tame_it():
    ratio = {k: (lambda g: g[0] / g[-1])(ip.residual_gradients(k)) for k in ip.RES_KINDS}
    assert ratio["plain"] > 10 * ratio["post"] > 10 * 1.0
    assert ratio["pre"] < ratio["post"]


def test_residual_run_is_deterministic():
    a = ip.residual_run.uncached("pre", 1, n_blocks=3, epochs=1)
    b = ip.residual_run.uncached("pre", 1, n_blocks=3, epochs=1)
    np.testing.assert_array_equal(a["loss"], b["loss"])
    assert a["accuracy"] == b["accuracy"]


# ---------------------------------------------------------------- transformer

def test_transformer_run_is_deterministic_and_reports_its_widths():
    a = ip.transformer_run.uncached("swiglu", 0, steps=ip.TF_EVAL_EVERY)
    b = ip.transformer_run.uncached("swiglu", 0, steps=ip.TF_EVAL_EVERY)
    np.testing.assert_array_equal(a["test_loss"], b["test_loss"])
    assert a["hidden"] == 85 and a["rows_in"] == 170 and a["w_out"].shape == (85, 32)


@pytest.mark.parametrize("kind", ip.TF_KINDS)
def test_only_the_relu_feed_forward_starts_with_exact_zeros(kind):
    r = ip.transformer_run.uncached(kind, 1, steps=ip.TF_EVAL_EVERY)
    if kind == "relu":
        assert 0.3 < r["zero_init"] < 0.7                # symmetric weights: about half
    else:
        assert r["zero_init"] == 0.0


def test_runs_leave_torch_thread_count_as_it_was():
    before = torch.get_num_threads()
    ip.residual_run.uncached("post", 0, n_blocks=2, epochs=1)
    assert torch.get_num_threads() == before


def test_transformer_plot_draws_all_kinds():
    from matplotlib.figure import Figure

    runs = {k: [ip.transformer_run.uncached(k, 0, steps=ip.TF_EVAL_EVERY)] for k in ip.TF_KINDS}
    fig = Figure()
    ip.plot_transformer(runs, fig)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == list(ip.TF_KINDS)
