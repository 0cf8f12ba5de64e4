"""Hidden tests of problem set 3 (gradient_flow): they run in the grader, not in the kernel."""

import numpy as np

from relu_lib.course.hidden import check, close

MANUAL = {"q4": 2}


@check("q1", points=1)
def he_spread_for_a_wide_layer(student):
    W = np.asarray(student.call("he_weights", 900, 700, 123), dtype=float)
    if W.shape != (900, 700):
        return f"he_weights(900, 700, seed) has shape {W.shape}"
    if abs(W.mean()) > 0.005:
        return "the weights are not centred on 0"
    if abs(W.std() / np.sqrt(2 / 900) - 1) > 0.02:
        return "the spread of the weights does not follow He et al.'s rule"
    return None


@check("q1", points=1)
def he_is_seeded(student):
    a = np.asarray(student.call("he_weights", 50, 40, 8))
    b = np.asarray(student.call("he_weights", 50, 40, 8))
    c = np.asarray(student.call("he_weights", 50, 40, 9))
    if not np.array_equal(a, b):
        return "the same seed gives different weights"
    if np.array_equal(a, c):
        return "different seeds give the same weights"
    return None


@check("q2", points=2)
def stds_of_a_deep_stack(student):
    rng = np.random.default_rng(77)
    X = rng.standard_normal((40, 16))
    Ws = [rng.standard_normal((16, 16)) * 0.4 for _ in range(6)]
    z, want = X @ Ws[0], []
    want.append(z.std())
    for W in Ws[1:]:
        z = np.maximum(z, 0) @ W
        want.append(z.std())
    return close(student.call("preactivation_stds", X, Ws), want, "the per-layer stds",
                 rtol=1e-9)


@check("q3", points=2)
def recursion_with_mixed_layers(student):
    fan_ins = np.array([64.0, 128.0, 32.0, 256.0])
    var_w = np.array([2 / 64, 1 / 128, 1 / 16, 1 / 256])
    want = 3.5 * np.concatenate([[1.0], np.cumprod(0.5 * fan_ins * var_w)])
    return close(student.call("predicted_variances", 3.5, fan_ins, var_w), want,
                 "the predicted variances", rtol=1e-9)
