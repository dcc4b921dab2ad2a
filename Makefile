# The two commands a fresh clone needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck unit browser clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python >= 3.11 is required); set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/complaints up --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The page tests drive Debian's Chromium (never Playwright's own browser download).
# Installed here when missing; if it cannot be, those tests fail (unless
# COMPLAINTS_SKIP_BROWSER_TESTS=1 says to skip them on purpose).
browser:
	@if [ ! -x $(CHROMIUM) ] && [ "$$COMPLAINTS_SKIP_BROWSER_TESTS" != 1 ]; then \
	  echo "installing chromium with apt-get"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-wqy-microhei >/dev/null; } \
	  || echo "warning: chromium could not be installed; the browser tests will fail" >&2; \
	fi

test: lint typecheck browser
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
