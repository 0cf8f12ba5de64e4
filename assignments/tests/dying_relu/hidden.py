"""Hidden tests of problem set 4 (dying_relu): they run in the grader, not in the kernel."""

import math

import numpy as np

from relu_lib.course.hidden import check, close

MANUAL = {"q4": 2}

# The tracker is driven in the kernel by this expression; only its result comes back.
TRACK = "(lambda t: [t.update(b) for b in batches] and list(t.dead()))(DeadUnitTracker())"


@check("q1", points=2)
def tracker_over_many_batches(student):
    rng = np.random.default_rng(31)
    batches = [np.maximum(rng.standard_normal((7, 10)), 0) for _ in range(5)]
    for b in batches:
        b[:, [0, 3, 9]] = 0.0
    batches[4][2, 9] = 0.5                          # unit 9 fires once, in the last batch
    got = np.asarray(student.evaluate(TRACK, batches=batches))
    want = np.zeros(10, bool)
    want[[0, 3]] = True
    if got.shape != want.shape:
        return "dead() does not give one flag per unit"
    return None if np.array_equal(got.astype(bool), want) else "the tracker flags the wrong units"


@check("q2", points=1)
def born_dead_narrow(student):
    widths, depths = np.array([1, 3, 5, 2]), np.array([7, 20, 50, 1])
    got = [student.call("born_dead_probability", int(w), int(d)) for w, d in zip(widths, depths)]
    return close(got, 1 - (1 - 0.5**widths) ** depths, "born_dead_probability", rtol=1e-9)


@check("q2", points=1)
def born_dead_wide(student):
    got = student.call("born_dead_probability", 64, 200)
    want = -math.expm1(200 * math.log1p(-(0.5**64)))
    return close(got, want, "born_dead_probability(64, 200)", rtol=1e-6, atol=0)


@check("q3", points=2)
def estimate_agrees_with_theory(student):
    width, depth, trials = 3, 6, 3000
    got = student.call("born_dead_estimate", width, depth, trials, 2718)
    if not isinstance(got, list) or len(got) != 2:
        return "born_dead_estimate should return (p_hat, half_width)"
    p_hat, half = (float(v) for v in got)
    p = 1 - (1 - 0.5**width) ** depth
    if abs(p_hat - p) > 4.5 * math.sqrt(p * (1 - p) / trials):
        return "the estimate is far from the theory, beyond what chance explains"
    if not 1.95 < half / math.sqrt(p_hat * (1 - p_hat) / trials) < 1.97:
        return "the half-width is not that of a 95 % normal interval"
    return None
