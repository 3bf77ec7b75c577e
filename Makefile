PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,bench,ray]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hill-arcade

test: $(STAMP)
	$(BIN)/ruff check hill_arcade tests bench
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check hill_arcade tests bench

clean:
	rm -rf $(VENV) build *.egg-info
