# The two commands a newcomer needs: `make demo` and `make test` (and `make test-fast` while
# editing). Each installs what it needs from the lock file into .venv first, so a fresh machine
# with only Python 3.11 works.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE ?= 1
PYTEST_ARGS ?=

.PHONY: demo test test-fast lint install system clean

# Debian packages the tests need (packages/apt.txt: Chromium and a CJK font for the browser test).
# Fast when all are present (one dpkg-query); otherwise apt-get installs the missing ones, with
# sudo when not root, and refreshes the package lists only if that first try fails.
APT_PACKAGES := $(shell sed -e 's/\#.*//' packages/apt.txt)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

system:
	@missing=$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q --no-install-recommends $$missing \
	    || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends $$missing; }; \
	fi

test: system lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Domain, unit, pack-vector and CLI tests: no PostgreSQL, no server, no lint; under a minute.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow and not postgres" tests/unit tests/vectors tests/cli $(PYTEST_ARGS)

demo: $(STAMP)
ifeq ($(SERVE),0)
	$(BIN)/saxaul demo --no-serve
else
	$(BIN)/saxaul demo
endif

clean:
	rm -rf $(VENV) saxaul.db saxaul.db-wal saxaul.db-shm .pytest_cache .mypy_cache .ruff_cache
