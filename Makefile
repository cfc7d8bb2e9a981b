# tmgen: `make demo` sets everything up and builds the report of an example;
# `make test` runs the test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXAMPLE ?= examples/multi-account-platform.yaml
OUT    ?= demo-out

.PHONY: demo test setup graphviz lint docs golden bench clean

$(BIN)/tmgen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/tmgen graphviz

# Graphviz's `dot` draws the diagrams; without it tmgen still writes every other file.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	  else echo "note: install Graphviz (apt-get install graphviz / brew install graphviz) for SVG diagrams"; fi; }

demo: setup
	$(BIN)/tmgen validate examples/*.yaml
	$(BIN)/tmgen build $(EXAMPLE) -o $(OUT)
	@echo "open $(OUT)/index.html"

test: $(BIN)/tmgen graphviz
	$(BIN)/python -m pytest

lint: $(BIN)/tmgen
	$(BIN)/ruff check tmgen tests benchmarks scripts
	$(BIN)/ruff format --check tmgen
	$(BIN)/mypy tmgen

docs: $(BIN)/tmgen
	$(BIN)/tmgen rules --format md -o docs/rules.md
	$(BIN)/tmgen schema -o docs/workload.schema.json

golden: $(BIN)/tmgen
	$(BIN)/python scripts/update_golden.py
	TMGEN_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_matrix.py -k golden

bench: $(BIN)/tmgen
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info .pytest_cache
