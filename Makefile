# The README's two commands are `make demo` and `make test`; both install first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/copyloop run examples/yuanlan_v7.yaml --out out/demo --offline --seed 7

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check copyloop graph nodes prompts tests
	$(BIN)/ruff format --check copyloop graph nodes prompts tests
	$(BIN)/mypy copyloop

format: $(STAMP)
	$(BIN)/ruff format copyloop graph nodes prompts tests
	$(BIN)/ruff check --fix copyloop graph nodes prompts tests

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache build *.egg-info
