"""Hidden tests of problem set 2 (sparsity): they run in the grader, not in the kernel."""

import numpy as np

from relu_lib.course.hidden import check, close

MANUAL = {"q4": 2}


def _net(seed):
    rng = np.random.default_rng(seed)
    sizes = [6, 9, 9, 5]
    Ws = [rng.standard_normal((a, b)) * np.sqrt(2 / a) for a, b in zip(sizes, sizes[1:])]
    bs = [rng.normal(-0.2, 0.3, b) for b in sizes[1:]]
    return rng.standard_normal((31, 6)), Ws, bs


@check("q1", points=2)
def zero_fractions_of_a_three_layer_net(student):
    X, Ws, bs = _net(11)
    got = student.call("layer_zero_fractions", X, Ws, bs)
    h, want = X, []
    for W, b in zip(Ws, bs):
        h = np.maximum(h @ W + b, 0.0)
        want.append(np.mean(h == 0))
    return close(got, want, "the per-layer zero fractions")


@check("q2", points=1)
def dead_units_on_a_batch(student):
    acts = np.maximum(np.random.default_rng(5).standard_normal((12, 8)), 0)
    acts[:, [1, 6]] = 0.0
    acts[3:, 4] = 0.0
    got = student.call("dead_units", acts)
    want = np.zeros(8, bool)
    want[[1, 6]] = True
    got = np.asarray(got)
    if got.shape != want.shape or got.dtype != bool:
        return "dead_units should return one boolean per unit"
    return None if np.array_equal(got, want) else "dead_units flags the wrong units"


def _wilson(p, n, z):
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return [p, centre - half, centre + half]


@check("q3", points=1)
def wilson_interval_inside(student):
    acts = np.maximum(np.random.default_rng(9).standard_normal((17, 13)) + 0.3, 0)
    p = np.mean(acts == 0)
    got = student.call("zero_fraction_interval", acts)
    return close(got, _wilson(p, acts.size, 1.959964), "(p_hat, low, high)", rtol=1e-6)


@check("q3", points=1)
def wilson_interval_at_the_edge(student):
    acts = np.zeros((3, 7))
    got = student.call("zero_fraction_interval", acts, z=2.5758)
    return close(got, _wilson(1.0, 21, 2.5758), "(p_hat, low, high) for all zeros",
                 rtol=1e-6)
