# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make book   install into .venv, then build the book to _build/html
#   make test   install into .venv, then run every check (lint, unit tests,
#               notebook hygiene, nbval over every chapter, and the full book
#               build with -n -W --keep-going)
# The virtual environment is created once and reused; it is rebuilt when
# requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD_FLAGS := -n -W --keep-going

.PHONY: install book test lint unit notebooks-clean nbval build-check clean benchmark strip

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

test: $(STAMP)
	$(MAKE) lint unit notebooks-clean nbval build-check

lint: $(STAMP)
	$(BIN)/ruff check kdbook tests benchmarks scripts

unit: $(STAMP)
	$(BIN)/python -m pytest tests

notebooks-clean: $(STAMP)
	$(BIN)/python scripts/check_notebooks.py chapters

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax -p no:cacheprovider chapters

build-check: book

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Remove outputs and execution counts from every chapter before committing.
strip: $(STAMP)
	$(BIN)/python scripts/check_notebooks.py --strip chapters

clean:
	rm -rf _build .pytest_cache
