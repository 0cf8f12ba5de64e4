"""Self-checks for the assignments: run in the student's notebook, say what is wrong in a sentence.

Each check calls the student's function on a few public inputs and prints one line: ``q1: ✔ ...``
or ``q1: ✘ <what is wrong>``, naming where it goes wrong (``wrong at x = 0``) and the idea that
applies, never the value expected. They need only NumPy and relu_lib, so they run on Binder, on
Colab and on a laptop. They are not the grade: the hidden tests use other inputs.

In the masters' CI run (``RELU_COURSE_STRICT=1``) a failing check raises, so every solution
passes its own self-checks.

Examples
--------
>>> derivative("q1", lambda x: (np.asarray(x) >= 0).astype(float))
q1: ✘ wrong at x = 0; ReLU′(0) is 0 here (the convention of PyTorch, TensorFlow and JAX).
False
>>> born_dead("q2", lambda width, depth: 1 - (1 - 0.5**width) ** depth)
q2: ✘ wrong for a wide network (width 60): 1 − (1 − p)^L rounds to 0 when p is below the float64 spacing near 1; use log1p and expm1.
False
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["report", "attempt", "derivative", "collapse", "hinges", "zero_fractions",
           "dead_units", "fraction_interval", "he_weights", "preactivation_stds",
           "predicted_variances", "tracker", "born_dead", "born_dead_estimate"]


class _NoAnswer(Exception):
    """The student's function raised: the message is the sentence to print."""


def report(question: str, problem: str | None, good: str = "passes the self-check.") -> bool:
    """Print the verdict in one line; in the masters' CI run a failure raises."""
    if problem:
        print(f"{question}: ✘ {problem}")
        if os.environ.get("RELU_COURSE_STRICT"):
            raise AssertionError(f"{question}: {problem}")
        return False
    print(f"{question}: ✔ {good}")
    return True


def attempt(func: Callable, *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)``, with an unanswered question or an exception said plainly."""
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise _NoAnswer("not answered yet: replace the `...` and the "
                        "`raise NotImplementedError` with your code.") from None
    except Exception as e:  # noqa: BLE001 - whatever the student's code raises
        raise _NoAnswer(f"your code raised {type(e).__name__}: {e}") from None


def _run(question: str, body: Callable[[], str | None], good: str) -> bool:
    try:
        problem = body()
    except _NoAnswer as e:
        problem = str(e)
    return report(question, problem, good)


def _array(value: Any, what: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _NoAnswer(f"{what} should be numbers (an array), not {type(value).__name__}.")


# --------------------------------------------------------------------------- Part I

def derivative(question: str, relu_derivative: Callable) -> bool:
    """ReLU′ elementwise, with ReLU′(0) = 0; shape kept."""
    def body():
        x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
        got = _array(attempt(relu_derivative, x), "The derivative")
        if got.shape != x.shape:
            return f"returns shape {got.shape} for an input of shape {x.shape}."
        for xi, gi in zip(x, got):
            if xi == 0 and gi != 0:
                return ("wrong at x = 0; ReLU′(0) is 0 here (the convention of PyTorch, "
                        "TensorFlow and JAX).")
            if xi < 0 and gi != 0:
                return f"wrong at x = {xi:g}; ReLU is flat for negative inputs."
            if xi > 0 and gi != 1:
                return f"wrong at x = {xi:g}; ReLU is the identity for positive inputs."
        m = np.array([[-1.0, 2.0], [0.0, -3.0]])
        if _array(attempt(relu_derivative, m), "The derivative").shape != m.shape:
            return "does not keep the shape of a 2-D input."
        return None
    return _run(question, body, "right at every point checked.")


def collapse(question: str, collapse_fn: Callable) -> bool:
    """A stack of affine maps ``x @ W + b`` as one affine map."""
    def body():
        rng = np.random.default_rng(7)
        Ws = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))]
        bs = [rng.standard_normal(4), rng.standard_normal(2)]
        out = attempt(collapse_fn, Ws, bs)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return "should return a pair (W, b)."
        W, b = _array(out[0], "W"), _array(out[1], "b")
        if W.shape != (3, 2) or b.shape != (2,):
            return f"W should map 3 inputs to 2 outputs; got W {W.shape}, b {b.shape}."
        x = rng.standard_normal((5, 3))
        if not np.allclose(x @ W + b, (x @ Ws[0] + bs[0]) @ Ws[1] + bs[1]):
            if np.allclose(x @ W, (x @ Ws[0]) @ Ws[1]):
                return "W is right, b is not: the first bias passes through the second layer."
            return "the single map does not give the outputs of the stack."
        return None
    return _run(question, body, "one affine map, the same outputs as the stack.")


def hinges(question: str, hinge_coefficients: Callable) -> bool:
    """Coefficients of ``bias + Σ c_i ReLU(x − k_i)`` through given points."""
    def body():
        knots = np.array([-1.0, 0.0, 0.5, 2.0])
        values = np.array([1.0, -1.0, 0.0, 2.0])
        out = attempt(hinge_coefficients, knots, values)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return "should return a pair (c, bias)."
        c, bias = _array(out[0], "c"), float(_array(out[1], "bias"))
        if c.shape != knots.shape:
            return f"c should hold one slope change per knot, shape {knots.shape}."
        f = bias + np.maximum(knots[:, None] - knots[None, :], 0.0) @ c
        for k, v, fk in zip(knots, values, f):
            if not math.isclose(fk, v, abs_tol=1e-9):
                return f"the sum of hinges misses the point at x = {k:g}."
        return None
    return _run(question, body, "the hinges pass through every point checked.")


# --------------------------------------------------------------------------- sparsity

def zero_fractions(question: str, layer_zero_fractions: Callable) -> bool:
    """Per-layer fraction of exact zeros in a ReLU MLP."""
    def body():
        X = np.array([[1.0, -1.0], [2.0, 0.5], [-1.0, -1.0]])
        Ws = [np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -1.0]]), np.eye(3)[:, :2]]
        bs = [np.zeros(3), np.array([0.0, -10.0])]
        got = _array(attempt(layer_zero_fractions, X, Ws, bs), "The fractions")
        if got.shape != (2,):
            return f"should give one fraction per layer (2 here), got shape {got.shape}."
        h1 = np.maximum(X @ Ws[0] + bs[0], 0)
        h2 = np.maximum(h1 @ Ws[1] + bs[1], 0)
        for l, (g, h) in enumerate(zip(got, (h1, h2)), 1):
            if not math.isclose(g, float((h == 0).mean()), abs_tol=1e-12):
                return (f"wrong for layer {l}; count the exact zeros after the ReLU, "
                        "over all inputs and units.")
        return None
    return _run(question, body, "right for both layers checked.")


def dead_units(question: str, dead_units_fn: Callable) -> bool:
    """Units zero on every input of the batch."""
    def body():
        acts = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
        got = np.asarray(attempt(dead_units_fn, acts))
        if got.shape != (3,):
            return f"should give one flag per unit (3 here), got shape {got.shape}."
        if got.dtype != bool:
            return "should return booleans (True for a dead unit)."
        if got[1] or got[2]:
            return "flags a unit that is zero on some inputs only; that is sparsity, not death."
        if not got[0]:
            return "misses a unit that is zero on every input."
        return None
    return _run(question, body, "tells dead units from sparse ones.")


def fraction_interval(question: str, zero_fraction_interval: Callable) -> bool:
    """Fraction of zeros with a Wilson 95 % interval."""
    def body():
        acts = np.zeros(40)
        acts[:10] = 1.0
        out = attempt(zero_fraction_interval, acts)
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            return "should return (fraction, low, high)."
        p, lo, hi = (float(v) for v in out)
        if not math.isclose(p, 0.75):
            return "the fraction of exact zeros is wrong."
        if not lo < p < hi:
            return "the interval should contain the measured fraction."
        zeros = attempt(zero_fraction_interval, np.zeros(40))
        if float(zeros[2]) > 1 or not float(zeros[1]) < 1:
            return ("for all zeros the interval should stay inside [0, 1] and still have "
                    "width (the Wilson interval does; p ± z·se does not).")
        return None
    return _run(question, body, "a fraction with an interval that behaves at the edges.")


# --------------------------------------------------------------------------- gradient flow

def he_weights(question: str, he_weights_fn: Callable) -> bool:
    """He-normal weights: shape, spread, seeding."""
    def body():
        W = _array(attempt(he_weights_fn, 400, 300, 0), "The weights")
        if W.shape != (400, 300):
            return f"should have shape (fan_in, fan_out) = (400, 300), got {W.shape}."
        ratio = W.std() / math.sqrt(1 / 400)
        if abs(ratio - 1) < 0.05:
            return "the spread is that of LeCun or Xavier weights; ReLU halves the variance."
        if abs(ratio - math.sqrt(2)) > 0.05 * math.sqrt(2):
            return "the standard deviation does not follow the fan-in rule for ReLU."
        if not np.array_equal(W, _array(attempt(he_weights_fn, 400, 300, 0), "W")):
            return "the same seed should give the same weights."
        return None
    return _run(question, body, "shape, spread and seeding as He et al. prescribe.")


def preactivation_stds(question: str, preactivation_stds_fn: Callable) -> bool:
    """Per-layer std of the pre-activations of a zero-bias ReLU MLP."""
    def body():
        X = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0]])
        Ws = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[2.0, -1.0], [1.0, 1.0]])]
        got = _array(attempt(preactivation_stds_fn, X, Ws), "The stds")
        z1 = X @ Ws[0]
        z2 = np.maximum(z1, 0) @ Ws[1]
        want = [z1.std(), z2.std()]
        if got.shape != (2,):
            return f"should give one number per layer (2 here), got shape {got.shape}."
        if not math.isclose(got[0], want[0]):
            return "wrong for the first layer: its pre-activations are X @ W1."
        if not math.isclose(got[1], want[1]):
            return "wrong for the second layer: it is fed the ReLU of the first."
        return None
    return _run(question, body, "right for both layers checked.")


def predicted_variances(question: str, predicted_variances_fn: Callable) -> bool:
    """He et al.'s recursion Var[z_l] = ½ n_l Var[w_l] Var[z_{l-1}]."""
    def body():
        got = _array(attempt(predicted_variances_fn, 1.0, [100, 100], [0.02, 0.01]),
                     "The variances")
        if got.shape != (3,):
            return f"should give one variance per layer (3 here), got shape {got.shape}."
        if not math.isclose(got[0], 1.0):
            return "the first entry is the variance of the first layer, as given."
        if math.isclose(got[1], 2.0):
            return "each layer keeps only half of the variance: ReLU zeroes half the inputs."
        if not math.isclose(got[1], 1.0) or not math.isclose(got[2], 0.5):
            return "the recursion is not ½ · fan-in · Var[w] times the previous variance."
        return None
    return _run(question, body, "the recursion of He et al. on the case checked.")


# --------------------------------------------------------------------------- dying ReLU

def tracker(question: str, tracker_class: Callable) -> bool:
    """A dead-unit tracker: ``update(acts)`` per batch, ``dead()`` the mask so far."""
    def body():
        t = attempt(tracker_class)
        attempt(t.update, np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))
        first = np.asarray(attempt(t.dead))
        attempt(t.update, np.array([[0.0, 0.0, 3.0]]))
        second = np.asarray(attempt(t.dead))
        if first.shape != (3,) or second.shape != (3,):
            return "dead() should return one flag per unit."
        if not first[0] or first[1] or not first[2]:
            return "after one batch, a unit is dead when it was zero on every input of it."
        if second[2]:
            return "a unit that fires in a later batch is not dead: keep the whole history."
        if not second[0]:
            return "a unit that has never fired is still dead after the second batch."
        return None
    return _run(question, body, "keeps track across batches.")


def born_dead(question: str, born_dead_probability: Callable) -> bool:
    """Lu et al.'s 1 − (1 − 2^−N)^L, computed without losing it for wide nets."""
    def body():
        for width, depth in [(1, 1), (2, 3), (4, 10)]:
            got = float(attempt(born_dead_probability, width, depth))
            if not math.isclose(got, 1 - (1 - 0.5**width) ** depth, rel_tol=1e-9):
                return (f"wrong for width {width}, depth {depth}; a layer is silent with "
                        "chance 2^−width, and a silent layer stays silent.")
        got = float(attempt(born_dead_probability, 60, 10))
        if not math.isclose(got, -math.expm1(10 * math.log1p(-(0.5**60))), rel_tol=1e-6):
            return ("wrong for a wide network (width 60): 1 − (1 − p)^L rounds to 0 when p is "
                    "below the float64 spacing near 1; use log1p and expm1.")
        return None
    return _run(question, body, "right, including for wide networks.")


def born_dead_estimate(question: str, estimate: Callable) -> bool:
    """A Monte Carlo estimate with its 95 % half-width, consistent with the theory."""
    def body():
        out = attempt(estimate, 2, 4, 2000, 0)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return "should return (fraction, half_width)."
        p_hat, half = (float(v) for v in out)
        p = 1 - (1 - 0.25) ** 4
        se = math.sqrt(p * (1 - p) / 2000)
        if not 0 < half < 0.1:
            return "the half-width should be a small positive number."
        if abs(p_hat - p) > 4 * se:
            return ("the estimate is more than four standard errors from the theory; check "
                    "that a net counts as dead when its last hidden layer is all zero.")
        if not 1.9 < half / math.sqrt(p_hat * (1 - p_hat) / 2000) < 2.0:
            return "the half-width should be z · sqrt(p(1 − p)/n) with z for 95 %."
        if tuple(float(v) for v in attempt(estimate, 2, 4, 2000, 0)) != (p_hat, half):
            return "the same seed should give the same estimate."
        return None
    return _run(question, body, "agrees with the theory within its uncertainty.")
