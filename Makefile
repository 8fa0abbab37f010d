# make lab   -- JupyterLab with the extension and the quickstart notebook
# make test  -- set up .venv and run every check and test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# A second environment on the older ipykernel line, for the kernel suite.
VENV6 ?= .venv-ipykernel6
STAMP6 := $(VENV6)/.installed-stamp

.PHONY: test lint pytest test-ipykernel6 venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

$(STAMP6): pyproject.toml
	test -x $(VENV6)/bin/python || $(PYTHON) -m venv $(VENV6)
	$(VENV6)/bin/python -m pip install -q --upgrade pip
	$(VENV6)/bin/python -m pip install -q -e '.[test]' 'ipykernel==6.29.*'
	touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff format --check tau_secrets_ext tests bench
	$(VENV)/bin/ruff check tau_secrets_ext tests bench
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest

test-ipykernel6: $(STAMP6)
	$(VENV6)/bin/python -m pytest -m kernel

test: lint pytest test-ipykernel6

clean:
	rm -rf $(VENV) $(VENV6) .pytest_cache .mypy_cache .ruff_cache
