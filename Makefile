# The two commands of the README. Both create .venv if it is missing and install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench reliability docs clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[ai,test]' --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m scraped.demo

# mypy first (config in pyproject.toml's [tool.mypy]): a type error fails the run before
# the suite starts. Every test runs, the slow ones too (pytest -m "not slow" skips them).
test: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check scraped tests bench

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# The reliability suite (reliability/): kills, fuzzing, full disks, reloads, secrets against
# the real daemon; at most 15 minutes; a table of figures; exit 1 when a goal is missed.
reliability: $(STAMP)
	$(BIN)/python -m reliability

# The generated files: a test fails when either is stale.
docs: $(STAMP)
	$(BIN)/scraped --print-default-config > etc/scraped.toml
	$(BIN)/scraped --print-job-reference > docs/jobs.md

clean:
	rm -rf $(VENV) var
