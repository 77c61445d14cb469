# The two commands a new engineer needs: `make run` and `make test`.
# Everything else here is what they are made of.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck test-fast fetch-shared clean browser twilio-mock help

help:
	@echo "make run   - install, migrate, import the starter corpus and serve on http://$(HOST):$(PORT)"
	@echo "make test  - install test tools and run the whole suite (PostgreSQL and Redis when reachable)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# Runtime install, pinned by requirements.lock.
$(VENV)/.runtime: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

# Test install, pinned by requirements-dev.lock.
$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(BIN)/pip install --quiet -r requirements-dev.lock
	@touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium: install Debian's 'chromium' package and re-run"; exit 1; }; }

# Stoplight Prism serves Twilio's own OpenAPI description as a local mock for the relay tests.
tests/twilio_mock/node_modules/.bin/prism: tests/twilio_mock/package.json tests/twilio_mock/package-lock.json
	cd tests/twilio_mock && npm ci --silent --no-audit --no-fund
	@touch $@

twilio-mock: tests/twilio_mock/node_modules/.bin/prism

# Data sets and specs live beside the project in ../shared (or HUSHBAKHT_SHARED_DIR): fetch what is
# missing, verify what is there.
fetch-shared: $(BIN)/python
	$(BIN)/python scripts/fetch_shared.py

run: $(VENV)/.runtime
	$(BIN)/hushbakht db upgrade
	@# The moderation model is trained from the project's corpus (seconds) the first time; models are
	@# never committed. Without one the gate still works with the rules alone.
	@$(BIN)/hushbakht moderation list | grep -q '"promoted": true' \
	  || $(BIN)/hushbakht moderation train --promote
	$(BIN)/hushbakht content import
	$(BIN)/hushbakht serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev browser twilio-mock
	$(BIN)/ruff check backend content moderation tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.dev
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check backend content moderation tests benchmarks scripts
	$(BIN)/ruff format --check backend content moderation tests benchmarks scripts

typecheck: $(VENV)/.dev
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/twilio_mock/node_modules
