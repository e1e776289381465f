# Two commands on a fresh machine with only Python 3.11: `make demo` and `make test`.
# Each creates .venv if missing; `make demo` installs what voicesync needs to run, showing pip's
# progress, and `make test` adds the test tools (the `test` extra) on top.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp

.PHONY: demo test test-odoo bench bench-quick lint install clean

$(STAMP): setup.cfg pyproject.toml
	@echo "installing voicesync into $(VENV) (the first time takes a minute or two)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "installing the test tools into $(VENV)"
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

clean:
	rm -rf var/demo .pytest_cache
