# make lab   -- JupyterLab with the extension and the quickstart notebook
# make test  -- set up .venv and run every check and test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# A second environment on the older ipykernel line, for the kernel suite.
VENV6 ?= .venv-ipykernel6
STAMP6 := $(VENV6)/.installed-stamp

.PHONY: test lint pytest test-ipykernel6 venv clean lab demo test-notebooks bench

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

# The server extension's config is shared data of the package: reinstall
# when it changes so that $(VENV)/etc/jupyter has it.
$(STAMP): jupyter-config/jupyter_server_config.d/tau_secrets_ext.json

# JupyterLab on 127.0.0.1 with the quickstart open, the tau kernelspec in
# $(VENV), the user's default store (auto mode) and throwaway demo keys.
lab: $(STAMP)
	$(VENV)/bin/tau-secrets kernelspec install --sys-prefix
	$(PY) notebooks/demo_env.py lab

# The quickstart run headlessly, its outputs printed: every key is masked.
demo: $(STAMP)
	$(PY) notebooks/demo_env.py demo

# The example notebooks, their stored outputs compared strictly (nbval).
test-notebooks: $(STAMP)
	$(PY) -m pytest --nbval notebooks/ -p no:cacheprovider -q

lint: $(STAMP)
	$(VENV)/bin/ruff format --check tau_secrets_ext tests bench
	$(VENV)/bin/ruff check tau_secrets_ext tests bench
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest

test-ipykernel6: $(STAMP6)
	$(VENV6)/bin/python -m pytest -m kernel

test: lint pytest test-notebooks test-ipykernel6

# Benchmarks (not tests): each prints its figures beside its targets.
bench: $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	for b in store scrub vault scan; do $(PY) bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) $(VENV6) .pytest_cache .mypy_cache .ruff_cache
