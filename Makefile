# The README's two commands: `make plan STACK=<name>` and `make test`.
# Both create or refresh the project virtualenv first, so a fresh clone needs nothing else.

PYTHON ?= python3
VENV ?= .venv
STACK ?= dev
BIN := $(VENV)/bin

.PHONY: plan test docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

plan: $(VENV)/.installed
	$(BIN)/python -m planner --stack $(STACK)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python -m tools.bench

docs: $(VENV)/.installed
	$(BIN)/python -m tools.config_reference --write

clean:
	rm -rf $(VENV) .pytest_cache
