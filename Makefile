# Two commands for a new user: `make run` and `make test`. Both bootstrap .venv when missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-browser lint bench-intake clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) (first run takes a few minutes)..."
	# torch first and pinned: an unpinned torch makes pip fetch a multi-GB CUDA build.
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/triagedesk dev

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

test: $(STAMP) lint
	$(VENV)/bin/pytest -m "not slow" -q

test-slow: $(STAMP)
	$(VENV)/bin/pytest -m slow -q

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
