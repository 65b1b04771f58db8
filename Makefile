# Two commands for a newcomer: `make serve` (the platform, embedded) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test lint bench clean

PORT ?= 8000

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/qihui serve --port $(PORT)

test: $(STAMP)
	sh tests/browser/ensure_chromium.sh  # Debian's Chromium for the browser tests, once
	$(BIN)/pytest -q -n 2 --dist loadfile  # both cores; a file's tests stay together (package fixtures)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/projections.py

clean:
	rm -rf $(VENV) var .pytest_cache
