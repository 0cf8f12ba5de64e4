"""The book's pages as `_toc.yml` lists them: one reading of the table of contents for the tests.

`PAGES` are the page names (``book/X``) in the order of the table of contents, the root first;
`CHAPTERS` are those of the numbered parts ("Part I · ...", ...), the pages that follow the
chapter rules (exercises, objectives). Back matter and the instructors' page are pages, not
chapters, even where they hold a code cell.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
CHAPTER_PART = re.compile(r"Part [IVXLC]+\b")


def toc_files(node):
    """Every ``file`` entry below ``node`` of the table of contents, in order."""
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from toc_files(item)


PAGES = [TOC["root"], *toc_files(TOC)]
CHAPTERS = [p for part in TOC["parts"] if CHAPTER_PART.match(part.get("caption", ""))
            for p in toc_files(part)]
