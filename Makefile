# relu-book: two commands do everything.
#   make book   set up .venv if needed, execute every notebook, build the HTML book
#   make test   set up .venv if needed, run the unit tests, build the book (warnings are errors),
#               then test the built pages in headless Chromium (installed if missing)

PYTHON ?= python3
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTML   := _build/html/index.html
# MathJax is served from the built site (no CDN): fetched once from the npm registry.
MATHJAX_VERSION := 3.2.2
MATHJAX := _vendor/mathjax/tex-chtml.js
# axe-core runs inside the browser tests (accessibility); fetched once, never served with the book.
AXE_VERSION := 4.14.1
AXE := _build/tools/axe-core/axe.min.js

.PHONY: book test unit built binder chromium bench clean setup

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(MATHJAX):
	rm -rf _build/npm && mkdir -p _build/npm _vendor/mathjax/output/chtml/fonts
	cd _build/npm && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null && tar xzf mathjax-$(MATHJAX_VERSION).tgz
	cp _build/npm/package/es5/tex-chtml.js _build/npm/package/LICENSE _vendor/mathjax/
	cp -r _build/npm/package/es5/output/chtml/fonts/woff-v2 _vendor/mathjax/output/chtml/fonts/

$(AXE):
	rm -rf _build/tools/axe-core && mkdir -p _build/tools
	cd _build/tools && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz && mv package axe-core

book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The book is at $(CURDIR)/$(HTML)"

unit: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/built --ignore=tests/binder

# Tests of the built book in a real browser: Debian's Chromium, driven by Playwright.
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Chromium (Debian package) for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Every page of the built book in headless Chromium, offline: console, requests, images, math,
# twins, accessibility (axe-core), weight; screenshots land in _build/screenshots.
built: $(STAMP) chromium $(AXE)
	$(BIN)/python -m pytest tests/built

# binder/ proved without repo2docker: a fresh venv from binder/environment.yml runs a chapter and
# JupyterLab opens a MyST chapter as a notebook.
binder: $(STAMP) chromium
	$(BIN)/python -m pytest tests/binder

test: unit book built binder

bench: $(STAMP)
	$(BIN)/python benchmarks/kernel.py
	$(BIN)/python benchmarks/explorables.py
	$(BIN)/python benchmarks/page_weight.py

clean:
	rm -rf _build _vendor/mathjax
