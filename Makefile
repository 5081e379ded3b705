# Two commands for a new user: `make run` and `make test`. Both bootstrap .venv when missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint browser-deps clean

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

test: $(STAMP) browser-deps lint
	$(VENV)/bin/pytest -m "not slow" -q

# The console's browser tests drive Debian's chromium (no browser downloads); where it cannot be
# installed they are skipped and say so.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium for the browser tests..."; \
	  $(SUDO) apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null 2>&1 && \
	    $(SUDO) apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"; }

test-slow: $(STAMP)
	$(VENV)/bin/pytest -m slow -q

# The long schema fuzz: the same test as in `make test` with 200 examples per operation (each
# sent with no token and as every role); it takes many minutes, so pytest's per-test timeout is off.
.PHONY: fuzz
fuzz: $(STAMP)
	TRIAGEDESK_FUZZ_EXAMPLES=$${TRIAGEDESK_FUZZ_EXAMPLES:-200} $(VENV)/bin/pytest -q tests/fuzz -o timeout=0

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
