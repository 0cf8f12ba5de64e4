"""Self-check questions: a choice or a number, with feedback, with or without a kernel.

A :class:`SelfCheck` is shown like an explorable: one output with two representations. A Jupyter
front-end with a kernel renders an ipywidgets form; the HTML book, which has no kernel, renders
self-contained HTML with a few lines of JavaScript that check the answer in the page. Neither
loads anything from the network. The answer is in the page: these are checks for the reader, not
a test (graded coursework lives elsewhere).

Feedback says why an answer is wrong (each wrong option carries its own explanation; a number
says whether it is too large or too small), and the right answer explains itself.

Examples
--------
>>> q = SelfCheck.choice(
...     "What does ReLU return for x = -2?",
...     {"0": "Right: negative inputs are blocked.",
...      "-2": "That is the identity; ReLU blocks negative inputs."},
...     answer="0")
>>> q.check("-2").correct, q.check("0").feedback
(False, 'Right: negative inputs are blocked.')
>>> n = SelfCheck.number("What is ReLU(3.5)?", 3.5, explanation="x passes unchanged.")
>>> n.check("3.5").correct, n.check("4").feedback
(True, 'Too large. Try again.')
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Feedback", "SelfCheck"]


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: right or not, and the sentence shown to the reader."""

    correct: bool
    feedback: str


@dataclass(frozen=True)
class SelfCheck:
    """A question with one right answer: a choice among options, or a number within a tolerance.

    Build one with :meth:`choice` or :meth:`number`.
    """

    question: str
    kind: str                                   # "choice" or "number"
    options: tuple[tuple[str, str], ...] = ()   # (option, feedback), choice only
    answer: Any = None                          # the right option, or the number
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    explanation: str = ""                       # number only: shown once it is right

    @classmethod
    def choice(cls, question: str, options: Mapping[str, str], answer: str) -> SelfCheck:
        """Multiple choice: ``options`` maps each option to its feedback; one is ``answer``."""
        if answer not in options:
            raise ValueError(f"the answer {answer!r} is not one of the options")
        if len(options) < 2:
            raise ValueError("a choice needs at least two options")
        return cls(question, "choice", tuple(options.items()), answer)

    @classmethod
    def number(cls, question: str, answer: float, rel_tol: float = 0.01,
               abs_tol: float = 0.0, explanation: str = "") -> SelfCheck:
        """A number to type; right within ``rel_tol`` (relative) or ``abs_tol`` (absolute)."""
        if not math.isfinite(answer):
            raise ValueError("the answer must be a finite number")
        return cls(question, "number", (), float(answer), rel_tol, abs_tol, explanation)

    # ------------------------------------------------------------------ checking
    def check(self, given: Any) -> Feedback:
        """The verdict on ``given`` (an option, or the text or value of a number)."""
        if self.kind == "choice":
            feedback = dict(self.options).get(given)
            if feedback is None:
                return Feedback(False, "Pick one of the options.")
            return Feedback(given == self.answer, feedback)
        try:
            value = float(str(given).strip().replace("−", "-"))
        except ValueError:
            return Feedback(False, "Type a number, such as 0.5 or 1e-3.")
        if math.isclose(value, self.answer, rel_tol=self.rel_tol, abs_tol=self.abs_tol):
            return Feedback(True, ("Right. " + self.explanation).strip())
        if math.isnan(value):
            return Feedback(False, "Type a number, such as 0.5 or 1e-3.")
        side = "large" if value > self.answer else "small"
        return Feedback(False, f"Too {side}. Try again.")

    # ------------------------------------------------------------------ static HTML
    def html(self, element_id: str | None = None) -> str:
        """Self-contained HTML and JavaScript that checks answers in the page."""
        uid = element_id or f"relu-selfcheck-{next(_CHECK_NUMBERS)}"
        if self.kind == "choice":
            inputs = "\n".join(
                f'<label class="relu-selfcheck-option"><input type="radio" name="{uid}" '
                f'value="{html.escape(option)}"> {html.escape(option)}</label>'
                for option, _ in self.options)
        else:
            inputs = (f'<label class="relu-selfcheck-option">Your answer '
                      f'<input type="text" name="{uid}" inputmode="decimal" size="12"></label>')
        spec = {"kind": self.kind, "answer": self.answer, "options": dict(self.options),
                "rel_tol": self.rel_tol, "abs_tol": self.abs_tol,
                "explanation": self.explanation}
        return _TEMPLATE.format(uid=uid, question=html.escape(self.question), inputs=inputs,
                                spec=json.dumps(spec).replace("</", "<\\/"))

    # ------------------------------------------------------------------ live
    def widget(self):
        """The ipywidgets form: the same question, checked by :meth:`check` in the kernel."""
        import ipywidgets as W

        if self.kind == "choice":
            field = W.RadioButtons(options=[o for o, _ in self.options], value=None,
                                   layout=W.Layout(width="auto"))
        else:
            field = W.Text(placeholder="a number", description="Your answer",
                           style={"description_width": "initial"})
        button = W.Button(description="Check", button_style="primary")
        verdict = W.HTML()

        def show(_=None) -> None:
            result = self.check(field.value)
            colour = "#0b6e2f" if result.correct else "#a3291b"
            mark = "✔" if result.correct else "✘"
            verdict.value = (f'<span style="color:{colour}">{mark} '
                             f"{html.escape(result.feedback)}</span>")

        button.on_click(show)
        question = W.HTML(f"<b>Self-check.</b> {html.escape(self.question)}")
        return W.VBox([question, field, W.HBox([button]), verdict])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": f"Self-check: {self.question}",
                                  "text/html": self.html()}
        try:
            live = self.widget()._repr_mimebundle_()
        except ImportError:
            live = None
        if live:
            key = "application/vnd.jupyter.widget-view+json"
            bundle[key] = live[key]
        return bundle


# Numbered in the order a kernel shows them: unique in a page and the same on every run.
_CHECK_NUMBERS = itertools.count(1)

_TEMPLATE = """<div class="relu-selfcheck" id="{uid}">
<p class="relu-selfcheck-question"><strong>Self-check.</strong> {question}</p>
<form class="relu-selfcheck-form">
{inputs}
<button type="submit">Check</button>
</form>
<p class="relu-selfcheck-feedback" aria-live="polite"></p>
<script type="application/json" class="relu-selfcheck-spec">{spec}</script>
<script>
(function () {{
  var root = document.getElementById("{uid}");
  var spec = JSON.parse(root.querySelector(".relu-selfcheck-spec").textContent);
  var out = root.querySelector(".relu-selfcheck-feedback");
  function verdict() {{
    if (spec.kind === "choice") {{
      var picked = root.querySelector("input:checked");
      if (!picked) return [false, "Pick one of the options."];
      return [picked.value === spec.answer, spec.options[picked.value]];
    }}
    var text = root.querySelector("input").value.trim().replace("\\u2212", "-");
    var v = Number(text);
    if (text === "" || isNaN(v)) return [false, "Type a number, such as 0.5 or 1e-3."];
    var tol = Math.max(spec.rel_tol * Math.max(Math.abs(v), Math.abs(spec.answer)), spec.abs_tol);
    if (Math.abs(v - spec.answer) <= tol) return [true, ("Right. " + spec.explanation).trim()];
    return [false, "Too " + (v > spec.answer ? "large" : "small") + ". Try again."];
  }}
  root.querySelector("form").addEventListener("submit", function (e) {{
    e.preventDefault();
    var r = verdict();
    out.textContent = (r[0] ? "\\u2714 " : "\\u2718 ") + r[1];
    out.className = "relu-selfcheck-feedback " + (r[0] ? "right" : "wrong");
    root.dataset.verdict = r[0] ? "right" : "wrong";
  }});
}})();
</script>
</div>"""
