# Two commands on a fresh machine with only Python 3.11: `make demo` and `make test`.
# Each creates .venv if missing; `make demo` installs what voicesync needs to run, showing pip's
# progress, and `make test` adds the test tools (the `test` extra) on top.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp

.PHONY: demo test test-odoo bench bench-quick lint install lock clean

$(STAMP): setup.cfg pyproject.toml requirements.lock
	@echo "installing voicesync into $(VENV) from requirements.lock (the first time takes a minute or two)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements-test.lock
	@echo "installing the test tools into $(VENV) from requirements-test.lock"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	touch $(TEST_STAMP)

install: $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/voicesync demo

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

# The Odoo contract suite against the Odoo that VOICESYNC_CONTRACT_ODOO_* names (see README).
test-odoo: $(TEST_STAMP)
	@test -n "$$VOICESYNC_CONTRACT_ODOO_URL" || { echo "set VOICESYNC_CONTRACT_ODOO_URL (and _USER, _API_KEY, _DB or _TEMPLATE with _MASTER_PASSWORD)"; exit 2; }
	$(BIN)/python -m pytest -q -m odoo_contract tests/odoo_contract

# Benchmarks print a table and write bench/RESULTS.md; `wrk` (Debian) is installed when missing.
bench: $(TEST_STAMP)
	$(BIN)/python -m bench

bench-quick: $(TEST_STAMP)
	$(BIN)/python -m bench --quick

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check shared workers web cli celeryconfig.py

# The lock files pin every dependency with its hashes, for Python 3.11 on Linux (see README):
# requirements.lock for the image, requirements-test.lock (the same pins and the test extra) for
# `make install` and CI. `make lock` adds what setup.cfg asks for and keeps the other pins;
# `make lock UPGRADE=1` moves every pin to the newest release setup.cfg allows. pip-tools runs
# from a venv of its own, so the project's stays as locked.
LOCK_TOOLS := $(VENV)/pip-tools
LOCK := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) \
		&& $(LOCK_TOOLS)/bin/python -m pip install --quiet pip-tools==7.7.0; }
	$(LOCK) --output-file requirements.lock setup.cfg
	$(LOCK) --extra test --constraint requirements.lock --output-file requirements-test.lock setup.cfg

clean:
	rm -rf var/demo .pytest_cache
