"""Sphinx extension with the relu-book site's own adjustments to the HTML pages.

- Launch buttons point at the repository named in ``RELU_BOOK_REPOSITORY`` ("owner/name") when it
  is set (the publish workflow sets it to the repository it runs in); otherwise at _config.yml's.
- A Colab button is added only when ``RELU_BOOK_COLAB_BRANCH`` names a branch to which the .ipynb
  copies of the chapters have been published (Colab opens .ipynb files, not MyST Markdown).
- Each script is included once: sphinx-thebe registers its configuration script every time the
  environment is read, and a second ``const THEBE_JS_URL`` is a SyntaxError in the browser.
- The theme's Font Awesome script (1.5 MB, 0.5 MB compressed) is left out: it redraws as SVG the
  same icons that the theme's CSS already draws with the Font Awesome web font.
- Entries of the reference list are list items (docutils marks them with a deprecated ARIA role).
- The reference list is labelled as the text cites, author and year ("He et al., 2015"), not
  [1], [2], ...: the bibtex style "relu_book" is pybtex's "plain" with author-year labels.
- The ipywidgets state that myst-nb embeds is dropped: the HTML book shows the kernel-free twin of
  each explorable and loads no widget JavaScript, so that state would be dead weight.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx

COLAB_URL = "https://colab.research.google.com"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The theme's template writes this tag itself (it is not in Sphinx's script list).
ICON_SCRIPT_TAG = re.compile(r'\n?[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def tidy(page: str) -> str:
    """A written page without the icon script; its reference list's entries marked as list items
    (docutils gives them the deprecated role doc-biblioentry inside a role="list", and a list must
    contain list items); the search button named by its visible text."""
    page = ICON_SCRIPT_TAG.sub("", page)
    page = page.replace('role="doc-biblioentry"', 'role="listitem"')
    # the search button's label ("Search") must contain its visible text ("Search Ctrl+K")
    return page.replace('search-button__button pst-js-only" title="Search" aria-label="Search"',
                        'search-button__button pst-js-only" title="Search"')


class AuthorYearLabels(BaseLabelStyle):
    """Labels as the author_year citations read: "Fukushima, 1969", "Glorot and Bengio, 2010",
    "He et al., 2015"; works of the same authors and year get a, b, ..."""

    def format_labels(self, sorted_entries):
        labels = [self._label(e) for e in sorted_entries]
        counts = Counter(labels)
        seen: Counter = Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                label = label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            yield label

    @staticmethod
    def _label(entry) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [re.sub(r"[{}]", "", " ".join(p.prelast_names + p.last_names)) for p in people]
        if not names:
            who = entry.key
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        return f"{who}, {entry.fields.get('year', 'n.d.')}"


class BookStyle(PlainStyle):
    default_label_style = "relu_book_author_year"


register_plugin("pybtex.style.labels", "relu_book_author_year", AuthorYearLabels)
register_plugin("pybtex.style.formatting", "relu_book", BookStyle)


def colab_url(org: str, repo: str, branch: str, pagename: str) -> str:
    """Where Colab opens the published .ipynb copy of a chapter."""
    return f"{COLAB_URL}/github/{org}/{repo}/blob/{branch}/{pagename}.ipynb"


def point_at_repository(app: Sphinx, config) -> None:
    repo = os.environ.get("RELU_BOOK_REPOSITORY", "").strip().strip("/")
    if repo:
        if repo.count("/") != 1:
            raise ValueError(f"RELU_BOOK_REPOSITORY must be 'owner/name', got {repo!r}")
        config.html_theme_options["repository_url"] = f"https://github.com/{repo}"


def unique_scripts(scripts: list) -> list:
    """Scripts in order, each (file, attributes and inline body alike) only once."""
    seen, kept = set(), []
    for js in scripts:
        key = (str(js.filename or ""), tuple(sorted(js.attributes.items())))  # None and "" alike
        if key not in seen:
            seen.add(key)
            kept.append(js)
    return kept


def add_colab_button(header_buttons: list, org: str, repo: str, branch: str, pagename: str) -> bool:
    for group in header_buttons:
        if group.get("label") == "launch-buttons":
            group["buttons"].append({
                "type": "link", "text": "Colab", "tooltip": "Launch on Colab",
                "icon": "_static/images/logo_colab.png",
                "url": colab_url(org, repo, branch, pagename),
            })
            return True
    return False


def adjust_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = [
            js for js in unique_scripts(context["script_files"])
            if js.attributes.get("type") != WIDGET_STATE
        ]
    branch = os.environ.get("RELU_BOOK_COLAB_BRANCH", "").strip()
    if branch and context.get("github_user") and "header_buttons" in context:
        add_colab_button(context["header_buttons"], context["github_user"], context["github_repo"],
                         branch, pagename)


def tidy_pages(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        tidied = tidy(text)
        if tidied != text:
            page.write_text(tidied, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", point_at_repository)
    # after sphinx-book-theme has built its header buttons (priority 501)
    app.connect("html-page-context", adjust_page, priority=900)
    app.connect("build-finished", tidy_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
