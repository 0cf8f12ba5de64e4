"""Hidden tests of problem set 1 (relu_basics): they run in the grader, not in the kernel."""

import numpy as np

from relu_lib.course.hidden import check, close

MANUAL = {"q4": 2}


@check("q1", points=1)
def derivative_on_both_sides(student):
    x = np.array([-7.5, -1e-30, 1e-30, 0.25, 11.0])
    return close(student.call("relu_derivative", x), (x > 0) * 1.0, "ReLU′", where=x)


@check("q1", points=1)
def derivative_at_the_corner(student):
    x = np.array([0.0, -0.0])
    return close(student.call("relu_derivative", x), [0.0, 0.0], "ReLU′", where=x)


@check("q1", points=1)
def derivative_keeps_a_3d_shape(student):
    x = np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4)
    return close(student.call("relu_derivative", x), (x > 0) * 1.0, "ReLU′ of a 3-D array")


def _stack(seed, sizes):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((a, b)) for a, b in zip(sizes, sizes[1:])]
    bs = [rng.standard_normal(b) for b in sizes[1:]]
    return Ws, bs


@check("q2", points=2)
def collapse_matches_the_stack(student):
    Ws, bs = _stack(2024, [5, 7, 3, 4, 2])
    got = student.call("collapse", Ws, bs)
    if not isinstance(got, list) or len(got) != 2:
        return "collapse should return a pair (W, b)"
    x = np.random.default_rng(1).standard_normal((9, 5))
    h = x
    for W, b in zip(Ws, bs):
        h = h @ W + b
    W, b = (np.asarray(v, dtype=float) for v in got)
    if W.shape != (5, 2) or b.shape != (2,):
        return f"the single map has W of shape {W.shape} and b of shape {b.shape}"
    return close(x @ W + b, h, "the collapsed map's output", rtol=1e-9, atol=1e-9)


@check("q3", points=2)
def hinges_through_the_points(student):
    knots = np.array([-3.0, -1.25, 0.0, 0.4, 2.0, 5.5])
    values = np.array([0.5, 2.0, -1.0, -1.0, 3.0, 0.0])
    got = student.call("hinge_coefficients", knots, values)
    if not isinstance(got, list) or len(got) != 2:
        return "hinge_coefficients should return a pair (c, bias)"
    c, bias = np.asarray(got[0], dtype=float), float(np.asarray(got[1], dtype=float))
    if c.shape != knots.shape:
        return f"c has shape {c.shape}, not one entry per knot"
    f = bias + np.maximum(knots[:, None] - knots[None, :], 0.0) @ c
    return close(f, values, "the hinge sum", where=knots, rtol=1e-9, atol=1e-9)
