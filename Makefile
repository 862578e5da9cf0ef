# make demo   run the demo on bundled data (sets up .venv first)
# make test   lint, format check, type check, test services (mosquitto), the whole test suite
# make bench  benchmarks side by side with the peers (River), results in benchmarks/results/
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/streamlearn demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

test: lint
	bash scripts/install-test-services.sh
	$(VENV)/bin/pytest -n 2

bench: $(STAMP)
	$(PY) benchmarks/run.py
