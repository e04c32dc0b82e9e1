# The front door: bootstraps .venv from the pinned constraints, then delegates to `evidence`.
# `make help` lists the targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.DEFAULT_GOAL := help
.PHONY: help report test build status lab notebooks lint typecheck platforms lowest format bench lock clean clean-store sample model

help: ## list the targets with one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[suggest]"
	@touch $@

$(TSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

report: $(STAMP) ## set up .venv and build the report chapters from the sample library into reports/
	@# exit code 1 means "built, but some items failed" (the sample's broken PDFs): still a success
	@# here; 2 (configuration) and 3 (the build failed, nothing published) fail the target
	$(BIN)/evidence build || [ $$? -eq 1 ]

test: $(TSTAMP) ## set up .venv with the test extras and run the whole suite (pytest + nbval)
	$(BIN)/python -m pytest --nbval-lax tests notebooks

build: $(STAMP) ## sync, extract, code and render (same as `evidence build`)
	$(BIN)/evidence build

status: $(STAMP) ## what the store holds and every item that failed
	$(BIN)/evidence status || true

lab: $(STAMP) ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

lint: $(TSTAMP) ## ruff check and format check
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(TSTAMP) ## mypy on src/ (zero errors expected)
	$(BIN)/mypy

platforms: $(TSTAMP) ## check constraints.txt installs from wheels on Linux, macOS, Windows, Python 3.11-3.13
	$(BIN)/python scripts/check_platforms.py

lowest: ## install the lowest versions pyproject.toml allows in .venv-lowest and run the fast tests
	rm -rf .venv-lowest && $(PYTHON) -m venv .venv-lowest
	.venv-lowest/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-lowest/bin/python scripts/lowest_constraints.py > .venv-lowest/constraints.txt
	.venv-lowest/bin/python -m pip install --quiet -c .venv-lowest/constraints.txt -e ".[test]"
	.venv-lowest/bin/python -m pip list --format=freeze > .venv-lowest/installed.txt
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider -m "not slow" tests

format: $(TSTAMP) ## format the code with ruff
	$(BIN)/ruff format src tests benchmarks scripts

bench: $(TSTAMP) ## run the benchmarks (speed and scale; minutes)
	$(BIN)/python benchmarks/run_all.py

model: $(STAMP) ## retrain the shipped coder model from ../shared/evaluation/train.jsonl (reproducible)
	$(BIN)/evidence model train ../shared/evaluation/train.jsonl --out src/evidence/coding/coder-model.json

sample: $(STAMP) ## regenerate the fictional sample PDFs and references.bib from data/sample/sources
	$(BIN)/python scripts/make_sample_library.py

lock: $(BIN)/python ## re-pin constraints.txt from a fresh resolution of pyproject.toml
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-lock/bin/python -m pip install --quiet ".[test]"
	.venv-lock/bin/python -m pip freeze --exclude evidence-workbook | LC_ALL=C sort > constraints.txt
	rm -rf .venv-lock

clean-store: ## delete the store (a cache: the next build rebuilds it)
	rm -f data/evidence.sqlite data/evidence.sqlite-wal data/evidence.sqlite-shm

clean: clean-store ## delete .venv, the store and built reports
	rm -rf $(VENV) .venv-lowest reports/*.html reports/*.md reports/*.ipynb reports/*.docx reports/*.pdf reports/*.xlsx reports/*_files reports/briefs reports/current reports/.versions reports/.staging-* reports/.failed reports/.state
