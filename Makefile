# qaflow: two commands on a fresh machine.
#   make demo   creates .venv, installs everything, runs the demo on the bundled examples
#   make test   creates .venv if needed, installs the test extras, runs the whole test suite
#
# torch goes in first: a CPU build by default. Users with a GPU pick theirs, e.g.
#   make demo TORCH_SPEC="torch==2.13.0"

PYTHON     ?= python3.11
VENV       ?= .venv
TORCH_SPEC ?= torch==2.13.0+cpu
PYTEST_ARGS ?=
DEMO_OUT   ?= out/demo

BIN   := $(VENV)/bin
PIP   := $(BIN)/pip --disable-pip-version-check

.PHONY: demo test test-fast lint bench browser postgresql clean help

help:
	@echo "make demo   - install and run the demo on examples/ (outputs under $(DEMO_OUT))"
	@echo "make test   - install the test extras and run the whole test suite"
	@echo "make test-fast - the suite without real servers and soaks, stop at the first failure"
	@echo "make lint   - ruff check and the import layers (lint-imports, .importlinter)"
	@echo "make bench  - the benchmarks and memory soaks under profiling/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.torch: | $(BIN)/python
	$(PIP) install -q "$(TORCH_SPEC)"
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -q -e ".[test,dask]"
	@touch $@

# Headless Chromium for the HTML report test (Debian's package; root installs it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium" >&2; fi; }

# PostgreSQL 15 for the mockdata load tests (Debian's package; root installs it).
postgresql:
	@test -x /usr/lib/postgresql/15/bin/initdb || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL 15 is missing: sudo apt-get install postgresql" >&2; fi; }

demo: $(VENV)/.installed
	$(BIN)/qaflow demo --out $(DEMO_OUT)

test: $(VENV)/.installed-test browser postgresql
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/pytest -m "not soak" $(PYTEST_ARGS)

# The fast loop: no tests that start real servers (prefect server, chroma run, the demo
# API), no soaks; stops at the first failure. `make test-fast PYTEST_ARGS=tests/bdd` for one area.
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -m "not soak and not server" -x -q $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

bench: $(VENV)/.installed-test
	$(PIP) install -q -e ".[test,dask,bench]"
	$(BIN)/python profiling/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
