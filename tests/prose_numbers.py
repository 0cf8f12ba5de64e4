"""Numbers typed into a chapter's prose: each must be glued from a cell, cited, or a definition.

Not a test module: `tests/test_book.py` uses it, and `python tests/prose_numbers.py` prints every
unbound number of every chapter with its line, for an author to glue or cite.

What counts as prose: everything outside code cells, inline code, glue roles, cross-references,
labels and directive options. A number there is *bound* when

* it is inside a ``{glue:text}``/``{glue}`` role (computed by a cell);
* its sentence carries a ``{cite}`` (a published figure; the citation is the source);
* it is a definition: an integer from 0 to 10, a year (four digits, 1940 to 2026, outside
  math), or a value in :data:`DEFINITIONS` (constants that define a function or a convention,
  such as Leaky ReLU's 0.01).

The settings of an experiment (a depth, a width, a learning rate, a number of epochs) are not
definitions: a change to the code would leave the sentence stale, so they are glued too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Values that define something rather than measure it; every entry says what it defines.
DEFINITIONS = {
    "0.5": "one half, as in the ½ law and ½ n Var[w]",
    "0.25": "the largest derivative of the sigmoid",
    "0.01": "Leaky ReLU's default negative slope",
    "0.044715": "the cubic coefficient of GELU's tanh approximation",
    "1.0507": "SELU's scale λ",
    "1.6733": "SELU's α",
    "1e-8": "Adam's ε",
    "10^{-8}": "Adam's ε",
    "1e-3": "the update-to-data ratio rule of thumb",
    "10^{-3}": "the update-to-data ratio rule of thumb",
    "2.5": "the weight limit of a page, in MB",
    "15": "the 15 lines a code cell may hold",
    "16": "bits of float16",
    "32": "bits of float32; a minibatch of 32",
    "64": "bits of float64; 8 × 8 pixels",
    "100": "per cent",
    "255": "the largest 8-bit value",
    "1797": "images in scikit-learn's digits set",
}

_CELL = re.compile(r"^```\{code-cell\}.*?^```[ \t]*$", re.S | re.M)
_FENCE_OPTIONS = re.compile(r"^:[\w-]+:.*$", re.M)
_HEADER = re.compile(r"\A---\n.*?\n---\n", re.S)
_GLUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")
_ROLE = re.compile(r"\{(?:ref|numref|eq|doc|download|term)\}`[^`]*`")
_CITE = re.compile(r"\{cite[a-z:]*\}`[^`]*`")
_CODE = re.compile(r"`[^`\n]*`")
_LABEL = re.compile(r"^\([\w-]+\)=\s*$", re.M)
_DIRECTIVE = re.compile(r"^```+\{[\w:-]+\}.*$|^```+\s*$|^:::+.*$", re.M)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_POWER = re.compile(r"(?:\d+(?:\.\d+)?\s*(?:\\times|\\cdot)\s*)?10\^\{?[-−]?\d+\}?")
_CITE_MARK = "\x00cite\x00"
_NUMBER = re.compile(r"(?<![\w.\\])\d+(?:[.,]\d+)*(?:[eE][-+−]?\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(*])|\n\s*\n")


def _blank(match: re.Match) -> str:
    """Replace a match by spaces and its newlines, so line numbers survive."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _mark_cite(match: re.Match) -> str:
    return _CITE_MARK + " " * (len(match.group(0)) - len(_CITE_MARK))


def prose(text: str) -> str:
    """The chapter with everything that is not prose blanked out (line numbers kept).

    Citations are kept as a marker, so a sentence still knows that it cites.
    """
    text = _CITE.sub(_mark_cite, text)
    for pattern in (_HEADER, _CELL, _GLUE, _ROLE, _LABEL, _DIRECTIVE, _FENCE_OPTIONS, _CODE,
                    _LINK_TARGET):
        text = pattern.sub(_blank, text)
    return text


_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|^```\{math\}.*?^```", re.S | re.M)


def _is_definition(token: str, in_math: bool) -> bool:
    if token in DEFINITIONS:
        return True
    if re.fullmatch(r"\d+", token):
        return int(token) <= 10 or (not in_math and 1940 <= int(token) <= 2026)
    return False


def unbound_numbers(text: str) -> list[tuple[int, str, str]]:
    """Every number in the prose of ``text`` that is not glued, cited or a definition.

    Returns ``(line, number, sentence)`` triples, in order.
    """
    cleaned = prose(text)
    found = []
    offset = 0
    for sentence in _SENTENCE.split(cleaned):
        start = cleaned.index(sentence, offset)
        offset = start + len(sentence)
        cited = _CITE_MARK in sentence
        math = [m.span() for m in _MATH.finditer(sentence)]
        powers = [m for m in _POWER.finditer(sentence)
                  if any(a <= m.start() < b for a, b in math)]
        bare = _POWER.sub(lambda m: _blank(m) if any(
            a <= m.start() < b for a, b in math) else m.group(0), sentence)
        tokens = [(m, True) for m in powers] + [(m, False) for m in _NUMBER.finditer(bare)]
        for m, power in sorted(tokens, key=lambda t: t[0].start()):
            token = re.sub(r"\s+", "", m.group(0))
            in_math = any(a <= m.start() < b for a, b in math)
            if cited or (not power and _is_definition(token, in_math)) or token in DEFINITIONS:
                continue
            line = cleaned.count("\n", 0, start + m.start()) + 1
            found.append((line, token, " ".join(sentence.split())[:100]))
    return found


def main(paths: list[str]) -> int:
    total = 0
    for path in paths or sorted(str(p) for p in (ROOT / "book").glob("*.md")):
        rows = unbound_numbers(Path(path).read_text())
        total += len(rows)
        for line, token, sentence in rows:
            print(f"{Path(path).name}:{line}: {token}  | {sentence}")
    print(f"{total} unbound numbers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
