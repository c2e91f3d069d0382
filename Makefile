# posapp — `make run` launches the app, `make test` runs every check. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test test-fast test-slow lint bench demo dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgres,api]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/posapp --demo-if-empty

lint: $(VENV)/.installed-test
	$(BIN)/ruff check posapp tests benchmarks main.py
	$(BIN)/lint-imports
	$(BIN)/mypy

# CI runs the slow reliability suites too, with fewer kills (the count is printed in the output).
CI_CRASH_ITERATIONS ?= 40
test: lint
	QT_QPA_PLATFORM=offscreen scripts/with-postgres.sh $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)
	QT_QPA_PLATFORM=offscreen POSAPP_CRASH_ITERATIONS=$(CI_CRASH_ITERATIONS) \
		scripts/with-postgres.sh $(BIN)/python -m pytest -m slow tests/reliability tests/dist $(PYTEST_ARGS)

# The slow suites at full strength: the crash suite kills its worker CRASH_ITERATIONS times.
CRASH_ITERATIONS ?= 200
test-slow: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen POSAPP_CRASH_ITERATIONS=$(CRASH_ITERATIONS) \
		scripts/with-postgres.sh $(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

# Every figure of the issues in one table + benchmarks/results-latest.json; never part of `make test`.
# make bench BENCH_ARGS="--full" adds the 1,000,000-product figures (see benchmarks/README.md).
bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen scripts/with-postgres.sh $(BIN)/python -m benchmarks $(BENCH_ARGS)

# A self-contained folder for Linux (PyInstaller; docs/INSTALL.md): $(DIST_DIR)/posapp/posapp.
DIST_DIR ?= dist
DIST_WORK ?= build/pyinstaller
dist: $(VENV)/.installed-test
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath $(DIST_DIR) --workpath $(DIST_WORK) packaging/posapp.spec
	cp resources/posapp.desktop resources/posapp.svg packaging/install.sh $(DIST_DIR)/posapp/
	@echo "Built $(DIST_DIR)/posapp/posapp; $(DIST_DIR)/posapp/install.sh installs it for this user."

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
