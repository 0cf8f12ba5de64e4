"""Self-checks: one question, checked the same way by the kernel and by the page's JavaScript."""

import json
import re

import pytest

from relu_lib.selfcheck import SelfCheck

CHOICE = SelfCheck.choice(
    "Which value does PyTorch use for ReLU′(0)?",
    {"0": "Right: torch.relu's backward passes no gradient at 0.",
     "1": "That is the right-hand derivative; PyTorch takes the left one.",
     "0.5": "A valid subgradient, but not PyTorch's convention."},
    answer="0")
NUMBER = SelfCheck.number("What is the fraction of zeros for symmetric inputs?", 0.5,
                          abs_tol=0.02, explanation="Half of a symmetric input is negative.")


def test_a_choice_is_right_only_for_its_answer_and_explains_every_option():
    assert CHOICE.check("0").correct
    wrong = CHOICE.check("1")
    assert not wrong.correct and "right-hand derivative" in wrong.feedback
    assert not CHOICE.check("0.5").correct
    assert CHOICE.check("2") == CHOICE.check(None)
    assert not CHOICE.check(None).correct


def test_a_number_is_right_within_its_tolerance_and_says_which_side_it_missed():
    assert NUMBER.check("0.51").correct and NUMBER.check(0.49).correct
    assert "Half of a symmetric input" in NUMBER.check("0.5").feedback
    assert NUMBER.check("0.6").feedback == "Too large. Try again."
    assert NUMBER.check("−0.5").feedback == "Too small. Try again."  # a typographic minus
    for junk in ("", "half", "nan", None):
        assert not NUMBER.check(junk).correct


@pytest.mark.parametrize("bad", [
    lambda: SelfCheck.choice("q", {"a": "", "b": ""}, answer="c"),
    lambda: SelfCheck.choice("q", {"a": ""}, answer="a"),
    lambda: SelfCheck.number("q", float("inf")),
], ids=["answer-not-an-option", "one-option", "infinite-answer"])
def test_malformed_checks_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


def test_the_page_carries_the_question_the_options_and_the_same_rule_as_the_kernel():
    page = CHOICE.html("q1")
    spec = json.loads(re.search(r'relu-selfcheck-spec">(.*?)</script>', page).group(1))
    assert spec["answer"] == "0" and spec["options"] == dict(CHOICE.options)
    assert page.count('type="radio"') == 3 and 'id="q1"' in page
    assert "ReLU′(0)" in page and "http" not in page  # nothing from the network
    number = json.loads(re.search(r'relu-selfcheck-spec">(.*?)</script>',
                                  NUMBER.html("q2")).group(1))
    assert (number["answer"], number["abs_tol"]) == (0.5, 0.02)


def test_markup_in_a_question_cannot_break_out_of_the_page():
    q = SelfCheck.choice("Is <b> safe? </script>", {"</script>": "no", "yes": "ok"}, "yes")
    page = q.html("q3")
    assert page.count("</script>") == 2  # the spec's and the checker's own


def test_the_widget_checks_in_the_kernel():
    pytest.importorskip("ipywidgets")
    box = CHOICE.widget()
    question, field, buttons, verdict = box.children
    field.value = "1"
    buttons.children[0].click()
    assert "✘" in verdict.value and "right-hand" in verdict.value
    field.value = "0"
    buttons.children[0].click()
    assert "✔" in verdict.value


def test_a_notebook_gets_both_the_widget_and_the_page_version():
    pytest.importorskip("ipywidgets")
    bundle = NUMBER._repr_mimebundle_()
    assert "relu-selfcheck" in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
