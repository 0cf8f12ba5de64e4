"""The back matter: FAQ answers lead to sections that exist, glossary terms are used by the
chapters, the timeline page lists every milestone of relu_lib.history with its citation.

Labels and links are collected from the page sources of `_toc.yml` when the tests run, so a
chapter that is added or renamed is picked up without editing this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from book_pages import BIB_KEYS, CHAPTERS, PAGES, ROOT
from relu_lib import history

FAQ = ROOT / "book" / "faq.md"
GLOSSARY = ROOT / "book" / "glossary.md"
TIMELINE = ROOT / "book" / "timeline.md"
FURTHER = ROOT / "book" / "further_reading.md"

# The myths of the content brief, each answered under its own label.
MYTHS = ("regression", "differentiable", "sparsity", "vanishing", "six-times", "half-dead",
         "transformers", "best", "information", "softmax", "history")


def _pages() -> list[Path]:
    """Every page of the book that exists now, in the order of `_toc.yml`."""
    return [p for p in (ROOT / f"{n}.md" for n in PAGES) if p.is_file()]


def _chapters() -> list[Path]:
    """The chapters: the pages of the numbered parts that exist now."""
    return [p for p in (ROOT / f"{n}.md" for n in CHAPTERS) if p.is_file()]


def _labels() -> set[str]:
    """Every target a {ref} can name: section labels, exercise labels, figure and math names."""
    found = set()
    for page in _pages():
        text = page.read_text()
        found |= set(re.findall(r"^\(([\w-]+)\)=\s*$", text, re.M))
        found |= set(re.findall(r"^\s*:(?:label|name):\s*(\S+)", text, re.M))
        found |= set(re.findall(r"^\s+name:\s*(fig-[\w-]+)", text, re.M))
    return found


def _ref_targets(text: str) -> list[str]:
    """The targets of the {ref} roles in ``text`` (``title <target>`` or ``target``)."""
    targets = []
    for body in re.findall(r"\{ref\}`([^`]+)`", text):
        explicit = re.search(r"<([^<>]+)>\s*$", body)
        targets.append(explicit.group(1) if explicit else body.strip())
    return targets


def _faq_entries() -> list[tuple[str, str, str, str]]:
    """(section, label, heading, body) for every ### entry of the FAQ."""
    text = FAQ.read_text()
    entries, section = [], ""
    parts = re.split(r"^(##+ .*)$", text, flags=re.M)
    for i in range(1, len(parts), 2):
        heading, body = parts[i], parts[i + 1]
        if heading.startswith("## "):
            section = heading[3:].strip()
            continue
        before = parts[i - 1].rstrip().splitlines()
        label = re.fullmatch(r"\(([\w-]+)\)=", before[-1].strip()) if before else None
        body = re.sub(r"^\([\w-]+\)=\s*$", "", body, flags=re.M)  # the next entry's label
        entries.append((section, label.group(1) if label else "", heading, body))
    return entries


def _glossary_entries() -> list[list[str]]:
    """The glossary's entries, each the list of its terms (synonyms on consecutive lines)."""
    block = re.search(r"^```\{glossary\}\n(.*?)^```", GLOSSARY.read_text(), re.S | re.M).group(1)
    entries, current = [], []
    for line in block.splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line[0].isspace():
            if current:
                entries.append(current)
                current = []
        elif entries and not current and line.strip() in entries[-1]:
            continue
        else:
            current.append(line.strip())
    if current:
        entries.append(current)
    return entries


def _term_links(text: str) -> list[str]:
    """The targets of the {term} roles in ``text``."""
    targets = []
    for body in re.findall(r"\{term\}`([^`]+)`", text):
        explicit = re.search(r"<([^<>]+)>\s*$", body)
        targets.append((explicit.group(1) if explicit else body).strip())
    return targets


# --- FAQ ----------------------------------------------------------------------------------------

def test_every_faq_entry_has_its_own_faq_label_and_a_link_to_a_section():
    entries = _faq_entries()
    assert len(entries) >= 20
    labels = [label for _, label, _, _ in entries]
    assert all(label.startswith("faq-") for label in labels), [h for _, l, h, _ in entries if not l]
    assert len(set(labels)) == len(labels)
    without = [heading for _, _, heading, body in entries if not _ref_targets(body)]
    assert not without, f"FAQ entries with no link to a section: {without}"


def test_every_link_of_the_back_matter_leads_to_a_label_of_the_book():
    labels = _labels()
    missing = {}
    for page in (FAQ, GLOSSARY, TIMELINE, FURTHER, ROOT / "book" / "notation.md"):
        bad = sorted({t for t in _ref_targets(page.read_text()) if t not in labels})
        if bad:
            missing[page.name] = bad
    assert not missing, f"links to labels that no page of _toc.yml defines (yet): {missing}"


def test_every_myth_of_the_content_brief_is_quoted_as_a_claim_and_corrected():
    myths = {label: body for section, label, _, body in _faq_entries() if section == "Myths"}
    assert set(myths) == {f"faq-myth-{m}" for m in MYTHS}
    for label, body in myths.items():
        assert re.match(r'\s*\*\*Claim:\*\* "[^"]+"', body), f"{label}: quote the claim first"
        assert "**Correction:**" in body, f"{label}: correct it"


def test_faq_cites_only_entries_of_the_bibliography():
    keys = [k.strip() for ks in re.findall(r"\{cite[a-z:]*\}`([^`]+)`", FAQ.read_text())
            for k in ks.split(",")]
    assert keys and set(keys) <= BIB_KEYS, set(keys) - BIB_KEYS


# --- glossary -----------------------------------------------------------------------------------

def test_glossary_entries_are_unique_and_each_has_a_definition():
    entries = _glossary_entries()
    terms = [t.lower() for entry in entries for t in entry]
    assert len(entries) >= 30
    assert len(set(terms)) == len(terms), "a term is defined twice"
    block = GLOSSARY.read_text()
    for entry in entries:
        assert re.search(r"^" + re.escape(entry[-1]) + r"\n  \S", block, re.M), entry


def test_every_glossary_term_is_linked_from_at_least_one_chapter():
    linked = {t.lower() for page in _chapters() for t in _term_links(page.read_text())}
    missing = [entry[0] for entry in _glossary_entries()
               if not {t.lower() for t in entry} & linked]
    assert not missing, ("glossary terms that no chapter links with {term} (add the link at the "
                         f"term's first use in a chapter): {missing}")


def test_every_term_link_in_the_book_names_a_glossary_term():
    terms = {t.lower() for entry in _glossary_entries() for t in entry}
    bad = {page.name: sorted({t for t in _term_links(page.read_text()) if t.lower() not in terms})
           for page in _pages()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"{{term}} links to terms the glossary does not define: {bad}"


def test_no_chapter_links_the_same_term_twice():
    for page in _chapters():
        links = [t.lower() for t in _term_links(page.read_text())]
        twice = sorted({t for t in links if links.count(t) > 1})
        assert not twice, f"{page.name} links {twice} more than once (link first uses only)"


# --- timeline and further reading ---------------------------------------------------------------

def test_the_timeline_page_lists_every_milestone_in_order_with_its_citation():
    items = re.findall(r"^- \*\*(\d{4})\.\*\* (.*?)\{cite\}`([^`]+)`\.$",
                       TIMELINE.read_text(), re.S | re.M)
    listed = [(int(year), key) for year, _, key in items]
    assert listed == [(m.year, m.key) for m in history.TIMELINE]
    for (_, event, _), m in zip(items, history.TIMELINE):
        plain = " ".join(event.split()).replace("$", "").replace("\\Phi", "Φ")
        assert plain == m.event.removesuffix("."), m.label


@pytest.mark.parametrize("m", history.TIMELINE, ids=lambda m: m.key)
def test_every_milestone_of_the_timeline_is_in_the_bibliography(m):
    assert m.key in BIB_KEYS


def test_every_further_reading_item_is_cited_and_says_why():
    items = re.findall(r"^- (.*?)(?=^- |^\(|\Z)", FURTHER.read_text(), re.S | re.M)
    assert len(items) >= 8
    for item in items:
        keys = re.findall(r"\{cite\}`([^`]+)`", item)
        assert keys and set(keys) <= BIB_KEYS, item[:60]
        assert re.search(r"`:\s+\S", item), f"one sentence on why: {item[:60]}"
