# The README's two commands are `make demo` and `make test`; both install first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINKS := $(VENV)/.linked
# Strict editable installs link files that exist at install time; relink when the file list changes.
SOURCES := $(shell find src graph nodes prompts -name '*.py' -o -name '*.md' -o -name '*.yaml' -o -name '*.json' 2>/dev/null | sort)
SOURCE_LIST := $(VENV)/.sources

.PHONY: install demo test lint format bench clean FORCE

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	touch $(STAMP)

$(SOURCE_LIST): FORCE | $(STAMP)
	@echo '$(SOURCES)' | cmp -s - $@ || echo '$(SOURCES)' > $@

$(LINKS): $(STAMP) $(SOURCE_LIST)
	$(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=strict
	touch $(LINKS)

FORCE:

install: $(LINKS)

demo: $(LINKS)
	$(BIN)/copyloop run examples/yuanlan_v7.yaml --out out/demo --offline --seed 7

test: $(LINKS)
	$(BIN)/pytest -q

lint: $(LINKS)
	$(BIN)/ruff check src graph nodes prompts tests
	$(BIN)/ruff format --check src graph nodes prompts tests
	cd /tmp && $(CURDIR)/$(BIN)/mypy -p copyloop --config-file $(CURDIR)/pyproject.toml

format: $(LINKS)
	$(BIN)/ruff format src graph nodes prompts tests
	$(BIN)/ruff check --fix src graph nodes prompts tests

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache build *.egg-info
