# relu-book: two commands do everything.
#   make book   set up .venv if needed, execute the chapters, build the HTML book (warnings are
#               errors); a chapter whose code and relu_lib are unchanged is not executed again
#   make test   set up .venv if needed, run the unit tests, build the book from scratch (every
#               chapter executed), then test the built pages in headless Chromium (installed if
#               missing) and the Binder environment
#   make assignments      the student notebooks of assignments/ in _build/assignments (no leaks)
#   make grade SUBMISSIONS=dir   grade a folder of notebooks into _build/grading/gradebook.csv

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

# cache: reuse executed chapters while their code and relu_lib are unchanged (an author's loop);
# force: execute every chapter from scratch (`make test`, CI, the publish workflow).
EXECUTE ?= cache
# Under make, a browser or Binder test whose prerequisite is missing fails instead of skipping.
export RELU_BOOK_REQUIRE := 1

.PHONY: book test unit built binder chromium bench clean setup assignments grade grade-tests

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
	RELU_BOOK_EXECUTE=$(EXECUTE) RELU_BOOK_BUILD=1 $(BIN)/jupyter-book build . \
	  $(if $(filter force,$(EXECUTE)),--all) --warningiserror --nitpick --keep-going
	@echo "The book is at $(CURDIR)/$(HTML)"

# The unit suite: tests/ and the docstring examples of relu_lib (plain `pytest` runs the same).
unit: $(STAMP)
	$(BIN)/python -m pytest

# Tests of the built book in a real browser: a Chromium already on the machine ($RELU_BOOK_CHROMIUM,
# chromium, chromium-browser), else Debian's, driven by Playwright.
chromium:
	@[ -n "$$RELU_BOOK_CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
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

# Coursework: the student build (refuses a notebook that leaks a solution or a hidden test),
# and the grader. TESTS may point at a private folder of hidden tests.
TESTS ?= assignments/tests
GRADING ?= _build/grading
assignments: $(STAMP)
	$(BIN)/python -m relu_lib.course build --out _build/assignments --tests $(TESTS)

grade: $(STAMP)
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make grade SUBMISSIONS=folder [TESTS=folder]"; exit 2; }
	$(BIN)/python -m relu_lib.course grade $(SUBMISSIONS) --out $(GRADING) --tests $(TESTS)

# The grader on the fixture folder (every kind of bad submission), graded twice (about a minute).
grade-tests: $(STAMP)
	RELU_BOOK_GRADING_TESTS=1 $(BIN)/python -m pytest tests/course/test_grading.py

test: $(STAMP)
	$(MAKE) unit
	$(MAKE) assignments grade-tests
	$(MAKE) book EXECUTE=force
	$(MAKE) built binder

bench: $(STAMP)
	$(BIN)/python benchmarks/kernel.py
	$(BIN)/python benchmarks/explorables.py
	$(BIN)/python benchmarks/page_weight.py
	$(BIN)/python benchmarks/grading.py

clean:
	rm -rf _build _vendor/mathjax
