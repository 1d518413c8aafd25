# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make book   install into .venv, then build the book to _build/html
#   make test   install into .venv (and a headless Chromium, see `browser`),
#               then run every check: lint, unit tests, notebook hygiene, nbval
#               over every chapter, the full book build with -n -W --keep-going,
#               and the real-browser checks of the built HTML (tests/browser)
# The virtual environment is created once and reused; it is rebuilt when
# requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD_FLAGS := -n -W --keep-going

.PHONY: install book test lint unit notebooks-clean nbval build-check browser browser-check clean benchmark strip axe pdf pdf-check

install: $(STAMP)

# Debian/Ubuntu ship venv separately (python3-venv): installed here when we are
# root with apt-get, otherwise a clear message.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV) || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "Cannot create $(VENV) with $(PYTHON) -m venv: on Debian/Ubuntu run 'sudo apt-get install python3-venv'." >&2; \
	    exit 1; \
	  fi; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# The browser is checked first, so that a machine without one stops at once.
test: $(STAMP) browser
	$(MAKE) lint unit notebooks-clean nbval build-check browser-check pdf-check

lint: $(STAMP)
	$(BIN)/ruff check kdbook tests benchmarks scripts

# tests/browser needs the built book: it runs in browser-check, after the build.
unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser

notebooks-clean: $(STAMP)
	$(BIN)/python scripts/check_notebooks.py chapters

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax -p no:cacheprovider chapters

build-check: book

# Chromium + chromedriver for the browser checks: found, or installed with
# apt-get (Debian/Ubuntu, as root), or a clear message on how to get them.
browser:
	sh tests/browser/install_browser.sh

# Every page at 1400 px and 420 px, every explorable stepped with the keyboard,
# in headless Chromium, over the book that build-check built. A missing
# browser fails; it never skips.
browser-check: $(STAMP) browser axe
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser --book-html _build/html --book-toc _toc.yml

# axe-core for the accessibility checks of tests/browser: the npm package, unpacked
# into tests/browser/vendor (not committed); npm itself from apt-get when missing.
AXE_VERSION := 4.10.3
AXE := tests/browser/vendor/axe.min.js

axe: $(AXE)

$(AXE):
	@command -v npm >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; \
	  else echo "axe-core comes from the npm registry: install npm (Node.js) first." >&2; exit 1; fi; }
	mkdir -p $(@D)
	cd $(@D) && rm -rf package && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz && mv package/axe.min.js package/LICENSE . \
	  && rm -rf package axe-core-$(AXE_VERSION).tgz

# The whole book as one PDF (_build/pdf/kdbook.pdf), printed from the built HTML by
# the headless Chromium of the browser checks, with the book's print stylesheet
# (scripts/make_pdf.py; no notebook runs again). pdf-check: every chapter in its
# outline, no raw TeX in its text.
pdf: $(STAMP) browser
	test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python scripts/make_pdf.py _build/html --toc _toc.yml --out _build/pdf/kdbook.pdf

pdf-check: pdf
	$(BIN)/python scripts/make_pdf.py --check _build/pdf/kdbook.pdf --toc _toc.yml

# bench_pages.py measures the built book: build it first if it is not there.
benchmark: $(STAMP) browser
	test -d _build/html || $(MAKE) book
	$(BIN)/python benchmarks/run_all.py

# Remove outputs and execution counts from every chapter before committing.
strip: $(STAMP)
	$(BIN)/python scripts/check_notebooks.py --strip chapters

clean:
	rm -rf _build .pytest_cache
