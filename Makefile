# The two commands of the README: `make demo` and `make test`. Each sets everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck setup clean

setup: $(STAMP)

# QuickFIX has no wheels and builds from source once (~6 min on 2 cores); pip's wheel cache serves
# every later install, including CI's fresh clones. The development environment also installs the optional
# `replay` extra (ob-analytics, GPL: a real Bitstamp capture) so the real-data replay test runs; the agent
# itself never needs it.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "footprint needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,replay,cluster]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/footprint demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not e2e and not slow"

clean:
	rm -rf $(VENV) var *.egg-info
