"""Self-checks in the built book: every one answers a wrong and a right answer, with the network cut.

Each chapter carries two to four self-checks (`relu_lib.selfcheck`). In the HTML book they run
in the page with no kernel: this test picks a wrong answer, then the right one (both read from
the check's own specification), and reads the feedback the reader would see.
"""

from __future__ import annotations

import json
import re

import pytest

from bookpaths import ROOT, SCREENSHOTS

CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md") if "```{code-cell}" in p.read_text())


def _selfcheck_cells(md_text: str) -> int:
    """Code cells that display a self-check (a `SelfCheck.choice(...)` or `.number(...)`)."""
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", md_text, re.S | re.M)
    return sum(len(re.findall(r"SelfCheck\.(?:choice|number)\(", c)) for c in cells)


def _wrong_number(answer: float, spec: dict) -> str:
    return repr(answer + max(10 * spec["abs_tol"], 10 * spec["rel_tol"] * abs(answer), 1.0))


def _answer(check, spec: dict, value: str) -> str:
    if spec["kind"] == "choice":
        check.locator(f"input[type=radio][value={json.dumps(value, ensure_ascii=False)}]").check()
    else:
        check.locator("input[type=text]").fill(value)
    check.locator("button[type=submit]").click()
    return check.get_attribute("data-verdict")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_has_two_to_four_self_checks_that_judge_answers_offline(page, site, chapter):
    expected = _selfcheck_cells(chapter.read_text())
    assert 2 <= expected <= 4, f"{chapter.stem}: {expected} self-checks (2 to 4 per chapter)"
    page.goto(f"{site}/book/{chapter.stem}.html")
    checks = page.locator(".relu-selfcheck")
    assert checks.count() == expected
    for i in range(checks.count()):
        check = checks.nth(i)
        check.scroll_into_view_if_needed()
        spec = json.loads(check.locator(".relu-selfcheck-spec").text_content())
        feedback = check.locator(".relu-selfcheck-feedback")
        if spec["kind"] == "choice":
            wrong = next(o for o in spec["options"] if o != spec["answer"])
            right = spec["answer"]
            assert _answer(check, spec, wrong) == "wrong"
            assert feedback.inner_text().endswith(spec["options"][wrong])
        else:
            wrong, right = _wrong_number(spec["answer"], spec), repr(spec["answer"])
            assert _answer(check, spec, wrong) == "wrong"
            assert "Too large" in feedback.inner_text()
        assert _answer(check, spec, right) == "right", f"{chapter.stem} check {i}"
        assert feedback.inner_text().startswith("✔")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    checks.first.screenshot(path=str(SCREENSHOTS / f"{chapter.stem}-selfcheck.png"))
    assert page.outside_requests == []
