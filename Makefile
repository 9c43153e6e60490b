# Quick start: `make train` (short demo run of the default preset), `make test` (what CI runs),
# `make test-full` (that and the long variants) and `make test-fast` (the unit tests: no
# subprocess, no training beyond a few steps).
# Both create .venv from requirements.txt (pinned) on first use and install lsgan_tf into it
# in editable mode (pyproject.toml), with its console scripts (lsgan-train, ...).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup train lint test test-full test-fast clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-oracle.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-oracle.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

train: $(STAMP)
	$(PY) train.py --dataset=digits --arch_option=d_fc_norm=false --steps=1500 --sample_every=500 --out_dir=runs/demo

# The linter (ruff, configured in pyproject.toml) runs before the tests: a lint error fails `make test`.
lint: $(STAMP)
	$(PY) -m ruff check .

# Two pytest workers (pytest-xdist): most tests are single-threaded Python and graph building,
# so two of them keep both cores of a 2-core machine busy. Expensive fixtures (exported runs, the
# run-safety runs) are made once for both workers (tests/conftest.py: shared_across_workers).
test: lint
	$(PY) -m pytest -q -n 2 --dist=worksteal -m "not full" tests

# Everything, the long variants too (`full`: every architecture under XLA, every loss family under
# mixed precision, every command against every run fault, the kill soak, the studies, the benchmarks).
test-full: lint
	$(PY) -m pytest -q -n 2 --dist=worksteal tests

test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist=worksteal -m "not slow and not full" tests

clean:
	rm -rf $(VENV) runs
